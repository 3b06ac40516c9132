"""What a model is called and how long its vectors are, known from settings alone: search
indexes are named and mapped by these before (and without) loading any weights or torch."""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path

from hub.vision.settings import VisionSettings

HUB_MODEL_CONFIGS = Path(__file__).resolve().parent / "model_configs"
_ID_UNSAFE = re.compile(r"[^a-z0-9_-]+", re.IGNORECASE)


@dataclass(frozen=True)
class ModelIdentity:
    model_id: str
    dimension: int


def model_id_for(settings: VisionSettings) -> str:
    """The stable id naming this model's search indexes; changes whenever its vectors would.

    A checkpoint is named by its file name: give a re-trained checkpoint a new name to get a new
    index."""
    if settings.checkpoint is not None:
        source = f"checkpoint-{settings.checkpoint.stem}"
    elif settings.pretrained:
        source = settings.pretrained
    elif settings.random_weights_seed is not None:
        source = f"random-seed-{settings.random_weights_seed}"
    else:
        source = "no-weights"
    parts = (settings.architecture, source)
    return "__".join(_ID_UNSAFE.sub("-", part).strip("-").lower() for part in parts)


def model_identity(settings: VisionSettings) -> ModelIdentity:
    return ModelIdentity(model_id_for(settings), embedding_dimension(settings.architecture))


def embedding_dimension(architecture: str) -> int:
    """The architecture's vector size from its open_clip config file (the package's own or the
    hub's), found without importing open_clip and torch."""
    spec = importlib.util.find_spec("open_clip")
    folders = [HUB_MODEL_CONFIGS]
    if spec is not None and spec.submodule_search_locations:
        folders.append(Path(next(iter(spec.submodule_search_locations))) / "model_configs")
    for folder in folders:
        config = folder / f"{architecture}.json"
        if config.is_file():
            return int(json.loads(config.read_text())["embed_dim"])
    raise ValueError(f"unknown open_clip architecture {architecture!r}: no model config for it")
