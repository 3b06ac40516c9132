"""Benchmark: a 3D model's background work (load, four preview views, USDZ) by triangle count,
against a baseline in the same run: the same four views drawn the simple way, painter's
algorithm with one Pillow `ImageDraw.polygon` call per triangle (flat grey, no texture).

    .venv/bin/python bench/model_previews.py [--size 768]

Needs no servers. Times are CPU seconds of this process (best of three), so that other work on
the machine inflates them less than wall time."""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import trimesh
from PIL import Image, ImageDraw

from hub.media.model3d import LoadedModel, load_model
from hub.media.model_preview import SUPERSAMPLING, VIEWS, View, _camera, render_previews
from hub.media.usdz import write_usdz

SUBDIVISIONS = {5: "20k", 6: "82k", 7: "328k"}


def painter_views(model: LoadedModel, size: int) -> None:
    """The baseline: sort by depth, draw far to near with ImageDraw, 2x, then halve."""
    corners = np.concatenate([part.vertices[part.faces] for part in model.parts])
    for view in VIEWS:
        _painter(corners, view, size * SUPERSAMPLING).reduce(SUPERSAMPLING)


def _painter(corners: np.ndarray, view: View, size: int) -> Image.Image:
    right, up, toward = _camera(view)
    x, y, depth = corners @ right, corners @ up, corners @ toward
    extent = max(np.ptp(x), np.ptp(y)) or 1.0
    scale = size * 0.88 / extent
    sx = size / 2 + (x - (x.max() + x.min()) / 2) * scale
    sy = size / 2 - (y - (y.max() + y.min()) / 2) * scale
    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    for face in np.argsort(depth.mean(axis=1)):
        draw.polygon([(sx[face, k], sy[face, k]) for k in range(3)], fill=(160, 160, 160))
    return image


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=768, help="preview size in pixels")
    size = parser.parse_args().size
    print(f"previews: 4 views of {size} px (drawn at {size * SUPERSAMPLING}); CPU seconds")
    print(f"{'triangles':>10} {'load':>7} {'previews':>9} {'usdz':>7} {'baseline':>9}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sphere.glb"
        for subdivisions, label in SUBDIVISIONS.items():
            sphere = trimesh.creation.icosphere(subdivisions=subdivisions)
            path.write_bytes(trimesh.Scene([sphere]).export(file_type="glb"))
            model = load_model(path, binary=True)
            load = best_of(3, lambda: load_model(path, binary=True))
            previews = best_of(3, lambda: render_previews(model, size=size))  # noqa: B023
            usdz = best_of(3, lambda: write_usdz(model))  # noqa: B023
            baseline = best_of(1, lambda: painter_views(model, size))  # noqa: B023
            print(f"{label:>10} {load:7.2f} {previews:9.2f} {usdz:7.2f} {baseline:9.2f}")


if __name__ == "__main__":
    main()
