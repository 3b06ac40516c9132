"""Which CLIP model the hub runs, where its weights come from, and how it uses the machine.

Kept free of torch and open_clip imports: the hub's settings load it on every start, also in
processes that never embed anything."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator


class VisionSettings(BaseModel):
    """Read from the environment as ``HUB_VISION__<FIELD>``.

    Weights come from the first of: `checkpoint` (a local file), `pretrained` (an open_clip tag,
    looked up in the local Hugging Face cache only, never downloaded at run time), or
    `random_weights_seed` (tests and development: random weights, no files at all). To use
    random weights, set `pretrained` to None (or to an empty string in the environment).
    """

    architecture: str = "ViT-B-32"
    pretrained: str | None = "laion2b_s34b_b79k"
    checkpoint: Path | None = None
    cache_dir: Path | None = None
    random_weights_seed: int | None = None
    device: Literal["auto", "cpu", "cuda"] = "auto"
    batch_size: int = 32
    threads: int | None = None
    #: Batches encoded at once, from one call or several (an auto-tag job's two chunks): two
    #: on a CPU keep its cores busy through each other's serial steps, where one batch on all
    #: threads waits at every operator's end for its slowest thread (bench/embedding.py).
    concurrent_batches: int = Field(default=2, ge=1, le=16)
    #: "int8": on CPU, the image tower's nn.Linear layers run as dynamic int8 (about 1.5x the
    #: images/s), kept only if its vectors agree with float32 on probe photos (cosine >= 0.99,
    #: hub.vision.int8); never on CUDA. "none": float32 throughout. Vectors agree that closely,
    #: so the model id (and search index) stays the same either way.
    quantize: Literal["int8", "none"] = "int8"
    #: On CUDA the image and text towers run under this autocast dtype: measured on an H200,
    #: bfloat16 is 4.6x float32's images/s with vectors at cosine >= 0.9999 of float32's
    #: (bench/gpu_embedding.py). "none": float32.
    cuda_autocast: Literal["bfloat16", "float16", "none"] = "bfloat16"
    vocabulary: Path | None = None
    #: Frames of each video embedded for search (spread evenly over its length): a still of
    #: any of them finds the video.
    video_keyframes: int = Field(default=8, ge=1, le=64)

    @field_validator("pretrained", "checkpoint", "cache_dir", "vocabulary", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        """An environment variable cannot hold None: treat "" and "none" as unset."""
        if isinstance(value, str) and value.strip().lower() in ("", "none"):
            return None
        return value

    @field_validator("batch_size")
    @classmethod
    def _positive_batch(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"batch_size must be at least 1, not {value}")
        return value

    @field_validator("threads")
    @classmethod
    def _positive_threads(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError(f"threads must be at least 1, not {value}")
        return value
