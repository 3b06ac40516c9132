"""Benchmark: the vision runner on a GPU against the same machine's CPU, when a GPU is present.

What a `hub worker` on a GPU machine gets (HUB_VISION__DEVICE=auto picks CUDA): end-to-end
images/s through the hub's runner (PIL decode-side preprocessing included) at the configured
batch size and at larger ones, and the model alone on pre-made tensors in float32 and in
bfloat16/float16 autocast, each with the cosine of its vectors against float32 on the CPU.
Random ViT-B-32 weights (speed does not depend on them). Prints a table, writes JSON.

    python bench/gpu_embedding.py --out results-gpu.json   # on a machine with CUDA
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.vision.openclip import OpenClipModel
from hub.vision.settings import VisionSettings

ARCHITECTURE = "ViT-B-32"


def photos(count: int, seed: int = 7) -> list[Image.Image]:
    """Photo-sized RGB images (640x480) with smooth structure and noise, decoded in memory."""
    generator = np.random.default_rng(seed)
    y, x = np.mgrid[0:480, 0:640].astype(np.float32)
    images = []
    for _ in range(count):
        phase = generator.uniform(0, 6.28, size=3)
        base = np.stack([np.sin(x / generator.uniform(20, 90) + p) * np.cos(y / 70 + p)
                         for p in phase], axis=-1)
        noise = generator.normal(0, 0.15, size=base.shape)
        pixels = ((base + noise + 1.2) / 2.4 * 255).clip(0, 255).astype(np.uint8)
        images.append(Image.fromarray(pixels, "RGB"))
    return images


def runner(device: str, batch_size: int, autocast: str = "bfloat16") -> OpenClipModel:
    model = OpenClipModel(settings=VisionSettings(
        architecture=ARCHITECTURE, pretrained=None, random_weights_seed=7,
        device=device, batch_size=batch_size, quantize="none",  # type: ignore[arg-type]
        cuda_autocast=autocast, threads=os.cpu_count()))  # type: ignore[arg-type]
    model.load()
    return model


def timed(action: Callable[[], Any], repeats: int = 3) -> float:
    """Best of `repeats` wall-clock seconds, after one warm-up; CUDA work is waited for."""
    action()
    best = float("inf")
    for _ in range(repeats):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        began = time.perf_counter()
        action()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - began)
    return best


def min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return float(np.min(np.sum(a * b, axis=1)))


def run(count: int) -> list[dict[str, Any]]:
    images = photos(count)
    rows: list[dict[str, Any]] = []
    cpu = runner("cpu", 32)
    reference = cpu.embed_images(images[:64])
    cpu_seconds = timed(lambda: cpu.embed_images(images[:64]), repeats=2)
    cpu_rate = 64 / cpu_seconds
    rows.append({"where": f"CPU ({os.cpu_count()} cores)", "what": "hub runner, batch 32, float32",
                 "images_per_s": cpu_rate, "vs_cpu": 1.0, "min_cosine_vs_cpu": 1.0})
    if not torch.cuda.is_available():
        print("no CUDA device: only the CPU row", file=sys.stderr)
        return rows
    name = torch.cuda.get_device_name(0)
    for batch_size, autocast in ((32, "none"), (32, "bfloat16"), (256, "bfloat16")):
        gpu = runner("cuda", batch_size, autocast)
        vectors = gpu.embed_images(images[:64])
        seconds = timed(lambda gpu=gpu: gpu.embed_images(images))
        rows.append({"where": name, "what": f"hub runner, batch {batch_size}, {autocast} "
                     "autocast (preprocessing included)",
                     "images_per_s": count / seconds, "vs_cpu": count / seconds / cpu_rate,
                     "min_cosine_vs_cpu": min_cosine(vectors, reference)})
    assert gpu._preprocess is not None
    tensors = torch.stack([gpu._preprocess(image) for image in images]).to("cuda")
    encode = gpu._model.encode_image
    for dtype in (None, torch.bfloat16, torch.float16):
        def model_only(dtype: torch.dtype | None = dtype) -> torch.Tensor:
            with torch.inference_mode(), torch.autocast("cuda", dtype=dtype or torch.float32,
                                                        enabled=dtype is not None):
                return torch.cat([encode(tensors[i:i + 256]).float()
                                  for i in range(0, count, 256)])
        seconds = timed(model_only)
        vectors = model_only()[:64].cpu().numpy()
        label = "float32" if dtype is None else f"{dtype}".removeprefix("torch.") + " autocast"
        rows.append({"where": name, "what": f"model only, batch 256, {label}",
                     "images_per_s": count / seconds, "vs_cpu": count / seconds / cpu_rate,
                     "min_cosine_vs_cpu": min_cosine(vectors, reference)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1024)
    parser.add_argument("--out", type=Path, default=Path("bench/results-gpu.json"))
    arguments = parser.parse_args()
    began = time.perf_counter()
    rows = run(arguments.images)
    print(f"{'where':<28}{'what':<66}{'images/s':>10}{'vs CPU':>9}{'min cos':>9}")
    for row in rows:
        print(f"{row['where'][:27]:<28}{row['what']:<66}{row['images_per_s']:>10.1f}"
              f"{row['vs_cpu']:>9.1f}{row['min_cosine_vs_cpu']:>9.4f}")
    arguments.out.write_text(json.dumps({
        "rows": rows, "images": arguments.images, "seconds": time.perf_counter() - began,
        "torch": torch.__version__, "python": platform.python_version(),
        "cpu_count": os.cpu_count()}, indent=2))


if __name__ == "__main__":
    main()
