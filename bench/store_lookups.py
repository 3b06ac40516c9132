"""Benchmark: reads and updates of single assets by `_id` and by sha256 in a large library, on the
local FerretDB, with the lookup indexes the hub adds under it (hub/servers/lookup_indexes.py)
against FerretDB's own indexes alone (the same collection after dropping them), in the same run.

    .venv/bin/python bench/store_lookups.py [--size tiny|full]

Needs the local servers (`hub services up`); uses a database of its own and drops it afterwards.
Assets are written straight to MongoDB with a vector each, as an embedded library holds them."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
from bson import ObjectId

from hub.catalog.assets import AssetRepository
from hub.config import Settings
from hub.models.asset import Asset, AssetKind, MediaFacts, Tag
from hub.servers.stack import LocalStack
from hub.stores import Stores

# (assets, operations of each kind with the lookup indexes, without: a scan of a large table
# takes a quarter of a second, so fewer, in one round, keep the run short)
SIZES = {"tiny": (500, 50, 20), "full": (20_000, 200, 20)}
INSERT_CHUNK = 1000


def library(count: int) -> list[Asset]:
    now = datetime.now(UTC)
    vectors = np.random.default_rng(7).standard_normal((count, 512)).astype(np.float32)
    return [Asset(id=str(ObjectId()), kind=AssetKind.IMAGE, filename=f"bench-{n:06d}.jpg",
                  content_type="image/jpeg", byte_size=2_000_000, sha256=f"{n:064x}",
                  facts=MediaFacts(width=4000, height=3000, format="JPEG"),
                  tags=[Tag(label=label) for label in ("shoe", "leather", "brown")],
                  embedding=vectors[n].tolist(), embedding_model="bench",
                  created_at=now, updated_at=now)
            for n in range(count)]


async def per_second(
    operations: int, action: Callable[[int], Awaitable[Any]], *, rounds: int
) -> float:
    """One operation at a time (a request's latency), median of the rounds."""
    rates = []
    for _ in range(rounds):
        began = time.perf_counter()
        for number in range(operations):
            await action(number)
        rates.append(operations / (time.perf_counter() - began))
    return statistics.median(rates)


async def measure(size: str) -> list[dict[str, Any]]:
    count, operations, baseline_operations = SIZES[size]
    base = Settings()
    stack = LocalStack(base.servers)
    stack.up(report=lambda line: None)
    settings = base.model_copy(update={"mongo_database": f"hub_bench_{uuid.uuid4().hex[:8]}"})
    rows: list[dict[str, Any]] = []
    async with Stores.open(settings) as stores:
        try:
            assets = AssetRepository(stores.db)
            await assets.collection.create_index("sha256", unique=True)
            seeded = library(count)
            for start in range(0, count, INSERT_CHUNK):
                await assets.collection.insert_many(
                    [asset.to_mongo() for asset in seeded[start:start + INSERT_CHUNK]])
            picks = random.Random(1).sample(seeded, operations)

            async def by_id(number: int) -> None:
                assert await assets.get(picks[number].id) is not None

            async def by_sha256(number: int) -> None:
                assert await assets.get_by_sha256(picks[number].sha256) is not None

            async def update(number: int) -> None:
                assert await assets.update(picks[number].id, {"filename": f"renamed-{number}.jpg"})

            kinds = {"reads by _id": by_id, "reads by sha256": by_sha256,
                     "updates by _id": update}
            hub = {name: await per_second(operations, action, rounds=3)
                   for name, action in kinds.items()}
            stack.postgres.psql(drop_lookup_indexes(settings.mongo_database))
            baseline = {name: await per_second(baseline_operations, action, rounds=1)
                        for name, action in kinds.items()}
        finally:
            await stores.mongo.drop_database(settings.mongo_database)
    for name in kinds:
        rows.append({
            "benchmark": f"store lookups ({count:,} assets)",
            "metric": f"{name}/s",
            "hub": hub[name],
            "baseline": baseline[name],
            "ratio": hub[name] / baseline[name],
            "unit": "operations/s",
            "target": "(none: reported)",
            "holds": None,
            "notes": f"FerretDB on the local PostgreSQL, one operation at a time through the "
                     f"hub's AssetRepository, median of 3 rounds of {operations}; assets with a "
                     f"512-d vector, 3 tags and facts; baseline: the same collection with only "
                     f"FerretDB's own B-tree indexes (its lookups cannot use them and scan), "
                     f"one round of {baseline_operations}",
        })
    return rows


def drop_lookup_indexes(schema: str) -> str:
    """SQL that drops the GIN lookup twins of one FerretDB database (a PostgreSQL schema)."""
    return ("DO $$ DECLARE name text; BEGIN "
            "FOR name IN SELECT indexname FROM pg_indexes "
            f"WHERE schemaname = '{schema}' AND indexdef LIKE '%USING gin%' LOOP "
            f"EXECUTE format('DROP INDEX %I.%I', '{schema}', name); END LOOP; END $$")


def run(size: str) -> list[dict[str, Any]]:
    """The benchmark's result rows; size "tiny" is a smoke test, "full" the real measurement."""
    return asyncio.run(measure(size))


if __name__ == "__main__":
    from run import run_alone  # bench/run.py: one entry point and table for every benchmark

    run_alone(__doc__, SIZES, run)
