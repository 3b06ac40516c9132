"""Dynamic int8 quantization of a CLIP model's image tower for CPU inference, kept only where it
agrees with float32 on real photographs.

Why the image tower only: indexing, auto-tagging and search by image embed images, so that is
where the time goes; texts are short queries and the vocabulary's prompts, encoded once per
process. (open_clip's text tower also reads its MLP weights' dtype, which a quantized nn.Linear
no longer has.) Image vectors stay within cosine MIN_COSINE of float32 and text vectors are
float32's own, so image-text similarities keep their meaning: the check measures both.

Why a check at load time: only the image tower's nn.Linear layers (the MLPs, about two thirds of
its work) become int8, with activations quantized per batch. Trained towers can have outlier
activations that such scales serve badly, and random test weights say nothing of that; so the
configured weights are checked here, on the photographs scikit-image ships, and float32 is kept
when the worst cosine falls below MIN_COSINE."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import Any

import torch

log = logging.getLogger(__name__)

MIN_COSINE = 0.99
PROBE_PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")  # skimage.data: real photographs


@dataclass(frozen=True)
class Int8Check:
    """What the load-time check found: `kept` says whether the int8 tower is in use."""

    kept: bool
    min_cosine: float | None  # worst cosine of the probe photos' vectors, int8 vs float32
    reason: str


def probe_images(preprocess: Any) -> torch.Tensor:
    """The probe photographs, preprocessed for the model (a batch of 4: a second or two on a CPU
    for ViT-B-32, both ways)."""
    from PIL import Image
    from skimage import data

    photos = [Image.fromarray(getattr(data, name)()).convert("RGB") for name in PROBE_PHOTOS]
    return torch.stack([preprocess(photo) for photo in photos])


def quantize_image_tower(model: Any, probe: torch.Tensor) -> Int8Check:
    """Swap `model.visual` for a dynamic-int8 copy if its probe vectors agree with float32's
    (cosine >= MIN_COSINE each); otherwise leave the model as it was. CPU models only."""
    try:
        with warnings.catch_warnings():
            # torch.ao.quantization is deprecated in favour of torchao, which has no eager CPU
            # kernels as fast; the API still works, and its absence is handled below.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.filterwarnings("ignore", message=".*quantize_per_tensor", category=UserWarning)
            from torch.ao.quantization import quantize_dynamic

            float_tower = model.visual  # quantize_dynamic works on a copy of it
            int8_tower = quantize_dynamic(float_tower, {torch.nn.Linear}, dtype=torch.qint8)
    except (ImportError, RuntimeError, AttributeError) as error:
        return Int8Check(False, None, f"this torch cannot quantize ({error}); float32 kept")
    with torch.inference_mode():
        reference = _unit(model.encode_image(probe))
        model.visual = int8_tower
        try:
            worst = float((_unit(model.encode_image(probe)) * reference).sum(dim=-1).min())
        except RuntimeError as error:  # no quantized engine for this CPU
            model.visual = float_tower
            return Int8Check(False, None, f"int8 inference failed ({error}); float32 kept")
    if worst < MIN_COSINE:
        model.visual = float_tower
        return Int8Check(False, worst, f"int8 image vectors reach only cosine {worst:.4f} of "
                         f"float32 on the probe photos (< {MIN_COSINE}); float32 kept")
    return Int8Check(True, worst, f"int8 image tower, cosine >= {worst:.4f} of float32")


def _unit(features: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.normalize(features.float(), dim=-1)
