"""Distinct photographs for the benchmarks that need many files: crops of scikit-image's real
photographs at random places and scales, some mirrored or tinted, saved as JPEGs.

Why not copies of one file: the hub finds a re-upload by its hash, so copies would be skipped;
and every crop decodes, resizes and embeds like a photo of its own."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

SOURCES = ("astronaut", "coffee", "chelsea", "rocket", "cat", "immunohistochemistry")


def _sources() -> list[Image.Image]:
    from skimage import data

    return [Image.fromarray(getattr(data, name)()).convert("RGB") for name in SOURCES]


def photo_jpegs(count: int, size: tuple[int, int], *, seed: int = 7,
                quality: int = 88) -> list[bytes]:
    """`count` distinct JPEGs of `size`: each a random crop (40-100% of a source's shorter
    side, at the target's aspect ratio), scaled to `size`; every other one mirrored, every
    third one tinted."""
    rng = np.random.default_rng(seed)
    sources = _sources()
    aspect = size[0] / size[1]
    made = []
    for number in range(count):
        source = sources[number % len(sources)]
        crop_h = min(source.height, source.width / aspect) * rng.uniform(0.4, 1.0)
        crop_w = crop_h * aspect
        left = rng.uniform(0, source.width - crop_w)
        top = rng.uniform(0, source.height - crop_h)
        image = source.resize(size, Image.Resampling.BILINEAR,
                              box=(left, top, left + crop_w, top + crop_h))
        if number % 2:
            image = ImageOps.mirror(image)
        if number % 3 == 0:
            image = ImageEnhance.Color(image).enhance(rng.uniform(0.5, 1.5))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        made.append(buffer.getvalue())
    return made


def write_photos(folder: Path, count: int, size: tuple[int, int], *, seed: int = 7) -> list[Path]:
    """photo_jpegs written into `folder` as photo-00000.jpg, ..."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, data in enumerate(photo_jpegs(count, size, seed=seed)):
        path = folder / f"photo-{number:05d}.jpg"
        path.write_bytes(data)
        paths.append(path)
    return paths
