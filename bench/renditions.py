"""Benchmark: every preset rendition of 12-megapixel JPEG originals, made by the hub's
render_presets (decode once, cut each output from the nearest larger one, resize and encode on
a pool of one thread per core) against the naive way (open, decode and resize the original
again for each preset, one after another), in the same run, on the same files.

    .venv/bin/python bench/renditions.py [--size tiny|full]

Why: uploads make all presets at once, and a product import uploads thousands of photos; the
decode-once design is only worth its complexity if it is much faster at the same quality.

Both sides encode with the hub's encoder settings (JPEG optimize + progressive, WebP method 4),
so the ratio measures decoding and resizing, not encoder choices. Quality is the PSNR of each
hub output against the baseline's, both decoded. Peak memory is measured in a fresh child
process per side (peak RSS during one image minus RSS before it), so neither side inherits the
other's high-water mark or malloc arenas."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from hub.media.render_pool import render_threads
from hub.media.renditions import Preset, load_presets, render_presets

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")  # skimage.data: real photographs
SIZES = {"tiny": (1, (1600, 1200), 2), "full": (4, (4000, 3000), 3)}  # images, size, repeats
TARGET_RATIO = 3.0
TARGET_PSNR_DB = 30.0

Renders = dict[str, bytes]


def make_originals(folder: Path, count: int, size: tuple[int, int]) -> list[Path]:
    """JPEG originals the size of a phone or DSLR photo: skimage's photos, centre-cropped to the
    target aspect ratio (not stretched) and upscaled with LANCZOS, saved at quality 92."""
    from skimage import data

    paths = []
    for name in PHOTOS[:count]:
        photo = Image.fromarray(getattr(data, name)()).convert("RGB")
        photo = ImageOps.fit(photo, _aspect_box(photo.size, size), Image.Resampling.LANCZOS)
        path = folder / f"{name}.jpg"
        photo.resize(size, Image.Resampling.LANCZOS).save(path, "JPEG", quality=92)
        paths.append(path)
    return paths


def _aspect_box(have: tuple[int, int], want: tuple[int, int]) -> tuple[int, int]:
    """The largest box inside `have` with the aspect ratio of `want`."""
    scale = min(have[0] / want[0], have[1] / want[1])
    return max(1, round(want[0] * scale)), max(1, round(want[1] * scale))


def hub_render(path: Path, presets: Sequence[Preset]) -> Renders:
    """The hub's way, as an upload does it: one call for every preset."""
    return {name: image.data for name, image in render_presets(path, presets).items()}


def baseline_render(
    path: Path, presets: Sequence[Preset], encoding: list[float] | None = None
) -> Renders:
    """What one would write first: per preset, open the original, upright it, fit it with
    Pillow's own helpers (thumbnail for contain and pad, ImageOps.fit for a centred cover crop)
    and save it. Handles downscaling only, which is all these originals need. Seconds spent
    encoding are appended to `encoding` if given."""
    renders = {}
    for preset in presets:
        with Image.open(path) as opened:
            image = ImageOps.exif_transpose(opened).convert("RGB")
        box = (preset.width, preset.height or preset.width * 64)  # width-only: unbounded height
        if preset.fit == "cover":
            image = ImageOps.fit(image, box, Image.Resampling.LANCZOS)
        else:
            image.thumbnail(box, Image.Resampling.LANCZOS)
        if preset.fit == "pad":
            canvas = Image.new("RGB", box, preset.background[:7])
            canvas.paste(image, ((box[0] - image.width) // 2, (box[1] - image.height) // 2))
            image = canvas
        began = time.perf_counter()
        renders[preset.name] = _save(image, preset)
        if encoding is not None:
            encoding.append(time.perf_counter() - began)
    return renders


def _save(image: Image.Image, preset: Preset) -> bytes:
    """The preset's format and quality, with the same encoder settings as the hub's _encode."""
    buffer = io.BytesIO()
    if preset.format == "jpeg":
        image.save(buffer, "JPEG", quality=preset.quality, optimize=True, progressive=True)
    elif preset.format == "png":
        image.save(buffer, "PNG", optimize=True)
    elif preset.format == "webp":
        image.save(buffer, "WEBP", quality=preset.quality, method=4)
    else:
        image.save(buffer, "AVIF", quality=preset.quality, speed=8)
    return buffer.getvalue()


def _decoded(hub: bytes, baseline: bytes) -> tuple[Image.Image, Image.Image]:
    """Both outputs decoded as RGB, at the hub's size: a size that differs (a pixel of
    rounding) is resolved by resizing the baseline's."""
    with Image.open(io.BytesIO(hub)) as a, Image.open(io.BytesIO(baseline)) as b:
        mine, theirs = a.convert("RGB"), b.convert("RGB")
    if abs(mine.width - theirs.width) > 1 or abs(mine.height - theirs.height) > 1:
        raise AssertionError(f"sizes differ: hub {mine.size}, baseline {theirs.size}")
    if theirs.size != mine.size:
        theirs = theirs.resize(mine.size, Image.Resampling.LANCZOS)
    return mine, theirs


def psnr(hub: bytes, baseline: bytes) -> float:
    """PSNR in dB of the hub's output against the baseline's, as decoded RGB."""
    mine, theirs = _decoded(hub, baseline)
    error = np.asarray(mine, np.float64) - np.asarray(theirs, np.float64)
    mse = float(np.mean(error * error))
    return math.inf if mse == 0 else 10 * math.log10(255.0**2 / mse)


def ssim(hub: bytes, baseline: bytes) -> float:
    """SSIM of the hub's output against the baseline's, on luma (where the eye sees detail)."""
    from skimage.metrics import structural_similarity

    mine, theirs = (np.asarray(image.convert("L")) for image in _decoded(hub, baseline))
    return float(structural_similarity(mine, theirs, data_range=255))


def best_seconds(actions: Sequence[Callable[[], object]], repeats: int) -> list[float]:
    """The fastest of `repeats` runs of each action, the actions taking turns: other processes
    share this machine, the minimum is the least disturbed estimate of what the code itself
    costs, and taking turns gives each side the same chances of a quiet moment."""
    best = [math.inf] * len(actions)
    for _ in range(repeats):
        for number, action in enumerate(actions):
            began = time.perf_counter()
            action()
            best[number] = min(best[number], time.perf_counter() - began)
    return best


def peak_rss_mb(side: str, path: Path) -> tuple[float, float]:
    """(peak RSS increase, peak RSS) in MB while one side renders `path` once, in a fresh child
    process: this file run with the hidden --peak-rss option."""
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--peak-rss", side, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    increase, peak = json.loads(completed.stdout.strip().splitlines()[-1])
    return float(increase), float(peak)


def _memory_kib() -> tuple[int, int]:
    """(current RSS, peak RSS) in KiB. Linux: /proc/self/status (VmRSS, VmHWM). ru_maxrss is the
    fallback only: after fork and exec it still holds the parent's high-water mark, which hides
    a small child's peak."""
    status = Path("/proc/self/status")
    if status.exists():
        fields = dict(
            line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
        )
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak, peak


def _reset_peak() -> None:
    """Forget the high-water mark so far (Linux >= 4.0: "5" into clear_refs); best effort."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _measure_peak_rss(side: str, path: Path) -> None:
    """Child side of peak_rss_mb: everything imported and warmed on a small image first, then
    the peak RSS around one render of `path`, printed as JSON [increase MB, peak MB]."""
    presets = list(load_presets().values())
    render = hub_render if side == "hub" else baseline_render
    with tempfile.TemporaryDirectory() as folder:
        warm = Path(folder) / "warm.jpg"
        Image.new("RGB", (64, 48), "grey").save(warm, "JPEG")
        render(warm, presets)
    _reset_peak()
    before, _ = _memory_kib()
    render(path, presets)
    _, peak = _memory_kib()
    print(json.dumps([(peak - before) / 1024, peak / 1024]))


def run(size: str) -> list[dict]:
    """The benchmark's result rows; size "tiny" is a smoke test, "full" the real measurement."""
    count, dimensions, repeats = SIZES[size]
    presets = list(load_presets().values())
    with tempfile.TemporaryDirectory(prefix="bench-renditions-") as folder:
        paths = make_originals(Path(folder), count, dimensions)
        hub_render(paths[0], presets)  # warm-up: imports, codec initialisation
        hub_seconds = baseline_seconds = 0.0
        scores: dict[str, float] = {}
        similarity: dict[str, float] = {}
        encoding: list[float] = []
        for path in paths:
            hub_best, baseline_best = best_seconds(
                [lambda path=path: hub_render(path, presets),
                 lambda path=path: baseline_render(path, presets)], repeats)
            hub_seconds += hub_best
            baseline_seconds += baseline_best
            mine, theirs = hub_render(path, presets), baseline_render(path, presets, encoding)
            for name in mine:
                scores[name] = min(scores.get(name, math.inf), psnr(mine[name], theirs[name]))
                similarity[name] = min(similarity.get(name, 1.0), ssim(mine[name], theirs[name]))
        hub_peak, hub_abs = peak_rss_mb("hub", paths[0])
        baseline_peak, baseline_abs = peak_rss_mb("baseline", paths[0])

    hub_rate, baseline_rate = count / hub_seconds, count / baseline_seconds
    ratio = hub_rate / baseline_rate
    worst = min(scores, key=scores.__getitem__)
    per_preset = " ".join(f"{name}={value:.1f}" for name, value in scores.items())
    per_preset_ssim = " ".join(f"{name}={value:.4f}" for name, value in similarity.items())
    threads = render_threads()
    setup = (f"{count} x {dimensions[0]}x{dimensions[1]} JPEG q92, {len(presets)} presets, "
             f"hub on {threads} render threads, baseline on one")
    # Both sides encode the same pictures with the same settings: that time, spread over the
    # hub's threads, is a floor for the hub, and so bounds the ratio even if its decoding and
    # resizing cost nothing.
    encode_share = sum(encoding) / baseline_seconds
    return [
        {
            "benchmark": "renditions",
            "metric": "throughput",
            "hub": hub_rate,
            "baseline": baseline_rate,
            "ratio": ratio,
            "unit": "images/s",
            "target": f">= {TARGET_RATIO:g}x and min PSNR >= {TARGET_PSNR_DB:g} dB",
            "holds": ratio >= TARGET_RATIO and scores[worst] >= TARGET_PSNR_DB,
            "notes": f"{setup}, best of {repeats}; min PSNR {scores[worst]:.1f} dB ({worst}); "
            f"PSNR dB {per_preset}; min SSIM (luma) {min(similarity.values()):.4f}, per "
            f"preset {per_preset_ssim}; encoding (same in both) is {encode_share:.0%} of the "
            f"baseline's time: ratio ceiling ~{threads / encode_share:.1f}x",
        },
        {
            "benchmark": "renditions",
            "metric": "peak RSS increase",
            "hub": hub_peak,
            "baseline": baseline_peak,
            "ratio": hub_peak / baseline_peak if baseline_peak else math.nan,
            "unit": "MB",
            "target": "",
            "holds": None,
            "notes": f"one {dimensions[0]}x{dimensions[1]} image, fresh process per side; "
            f"absolute peak hub {hub_abs:.0f} MB, baseline {baseline_abs:.0f} MB",
        },
    ]


def main() -> None:
    from run import table  # bench/run.py: one table format for every benchmark

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--peak-rss", nargs=2, metavar=("SIDE", "IMAGE"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.peak_rss:
        side, image = arguments.peak_rss
        _measure_peak_rss(side, Path(image))
        return
    began = time.perf_counter()
    print(table(run(arguments.size)))
    print(f"({arguments.size}: {time.perf_counter() - began:.1f} s)")


if __name__ == "__main__":
    main()
