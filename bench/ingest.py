"""Benchmark: `hub ingest` of a folder of photos, run as the CLI itself (a subprocess), until
every file is stored, probed, indexed and has all its preset renditions, against a plain loop
that hashes each file, opens it with Pillow, copies it and writes one thumbnail, in the same
run, on the same files.

    .venv/bin/python bench/ingest.py [--size tiny|full|large]

Needs the local servers (`hub services up`); the CLI works on a database, index prefix and
data folder of this run's own, dropped afterwards. The vision model is the tiny random one
(HUB_VISION__ARCHITECTURE=hub-tiny): ingest embeds each new image after its renditions, and the
embedding benchmarks measure the real model's cost; here it stays a few milliseconds a file."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from photos import write_photos
from PIL import Image

from hub.catalog.service import CatalogService
from hub.config import Settings
from hub.media.renditions import load_presets
from hub.servers.stack import LocalStack
from hub.stores import Stores

SIZES = {"tiny": 12, "full": 200, "large": 1000}  # files
PHOTO_SIZE = (800, 600)
ROOT = Path(__file__).resolve().parent.parent


def baseline_ingest(files: list[Path], into: Path) -> None:
    """The plain loop: read, hash, decode, copy the file under its hash, and one 200 px
    thumbnail (Image.thumbnail, LANCZOS) saved as WebP like the hub's thumbnail preset."""
    into.mkdir(parents=True, exist_ok=True)
    for path in files:
        data = path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            (into / f"{sha256}.jpg").write_bytes(data)
            image.thumbnail((200, 200), Image.Resampling.LANCZOS)
            image.save(into / f"{sha256}-thumbnail.webp", "WEBP", quality=80, method=4)


def hub_ingest(folder: Path, settings: Settings) -> subprocess.CompletedProcess[str]:
    """`hub ingest FOLDER --json` in a subprocess on this run's database and data folder."""
    env = {**os.environ, "HUB_MONGO_DATABASE": settings.mongo_database,
           "HUB_ES_INDEX_PREFIX": settings.es_index_prefix, "HUB_DATA_DIR": str(settings.data_dir),
           "HUB_VISION__ARCHITECTURE": "hub-tiny", "HUB_VISION__PRETRAINED": "",
           "HUB_VISION__RANDOM_WEIGHTS_SEED": "7",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "hub.cli", "ingest", str(folder), "--json"],
                          env=env, capture_output=True, text=True, timeout=900, check=False)


async def stored(settings: Settings, presets: int) -> tuple[int, int]:
    """(assets, assets with every preset's rendition) in this run's database."""
    async with Stores.open(settings) as stores:
        assets = await stores.db.assets.count_documents({})
        complete = await stores.db.assets.count_documents(
            {f"renditions.{presets - 1}": {"$exists": True}})
    return assets, complete


async def drop(settings: Settings) -> None:
    async with Stores.open(settings) as stores:
        await stores.mongo.drop_database(settings.mongo_database)
        await CatalogService(stores).indexer.drop_indices()


def run(size: str) -> list[dict[str, Any]]:
    """The benchmark's result rows; size "tiny" is a smoke test, "full" the default run."""
    count = SIZES[size]
    base = Settings()
    LocalStack(base.servers).up(report=lambda line: None)
    presets = len(load_presets(base.presets_file))
    run_id = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as temporary:
        folder = Path(temporary)
        files = write_photos(folder / "photos", count, PHOTO_SIZE)
        byte_size = sum(path.stat().st_size for path in files)
        settings = base.model_copy(update={
            "mongo_database": f"hub_bench_{run_id}", "es_index_prefix": f"hub-bench-{run_id}",
            "data_dir": folder / "data"})
        try:
            began = time.perf_counter()
            result = hub_ingest(folder / "photos", settings)
            hub_seconds = time.perf_counter() - began
            if result.returncode != 0:
                raise RuntimeError(f"hub ingest failed: {result.stdout[-2000:]}"
                                   f"{result.stderr[-2000:]}")
            assets, complete = asyncio.run(stored(settings, presets))
        finally:
            asyncio.run(drop(settings))
        if (assets, complete) != (count, count):
            raise RuntimeError(f"hub ingest left {assets} assets, {complete} with all "
                               f"{presets} renditions, of {count} files")
        began = time.perf_counter()
        baseline_ingest(files, folder / "baseline")
        baseline_seconds = time.perf_counter() - began
        shutil.rmtree(folder / "baseline")
    hub_rate, baseline_rate = count / hub_seconds, count / baseline_seconds
    return [{
        "benchmark": f"ingest, {count:,} files",
        "metric": "throughput",
        "hub": hub_rate,
        "baseline": baseline_rate,
        "ratio": hub_rate / baseline_rate,
        "unit": "files/s",
        "target": "",
        "holds": None,
        "notes": f"{count} distinct {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} JPEG photos "
                 f"({byte_size / count / 1024:.0f} KiB each); hub: `hub ingest FOLDER` as a "
                 f"subprocess (start-up included) until every file is hashed, probed, stored, "
                 f"indexed, has its {presets} preset renditions and a vector (tiny model); "
                 f"baseline: hash, decode, copy and one WebP thumbnail per file, one after "
                 f"another, in-process",
    }]


if __name__ == "__main__":
    from run import run_alone  # bench/run.py: one entry point and table for every benchmark

    run_alone(__doc__, SIZES, run)
