"""GraphQL product pages: a page of 50 products with their assets and renditions through the
API (served from Elasticsearch) against loading the same products straight from MongoDB, the
store round trips per page, and requests per second with 10 concurrent clients over HTTP.

    .venv/bin/python bench/product_page.py [--size tiny|full]

Needs the local servers (`hub services up`); uses a database and index prefix of its own and
drops them afterwards."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn
from bson import ObjectId

from hub.app import create_app
from hub.auth.roles import Role
from hub.auth.tokens import TokenStore
from hub.catalog.service import CatalogService
from hub.config import JobSettings, Settings
from hub.models.asset import Asset, AssetKind, MediaFacts, Rendition
from hub.models.product import AssetLink, AssetRole, Product
from hub.servers.stack import LocalStack
from hub.stores import Stores

PAGE = """
query($first: Int) { products(first: $first) { edges { node {
  sku name mainImage { id width height blurhash renditions { preset url width height } }
  assets { role position asset { id filename } }
} } } }
"""
SIZES = {"tiny": (200, 5), "full": (2000, 30)}  # (products, rounds)
CLIENTS = 10
BLURHASH = "LEHV6nWB2yk8pyo0adR*.7kCMdnj"


async def seed(stores: Stores, count: int) -> list[str]:
    """Products with two linked images each, written straight to the stores."""
    now = datetime.now(UTC)
    sha = "0" * 64
    renditions = [Rendition(preset=p, format="webp", content_type="image/webp", width=200,
                            height=200, byte_size=5000, sha256=sha)
                  for p in ("thumbnail", "web", "mobile")]
    assets = [Asset(id=str(ObjectId()), kind=AssetKind.IMAGE, filename=f"bench-{n}.jpg",
                    content_type="image/jpeg", byte_size=100_000, sha256=f"{n:064x}",
                    facts=MediaFacts(width=1200, height=900, blurhash=BLURHASH),
                    renditions=renditions, created_at=now, updated_at=now)
              for n in range(count * 2)]
    products = [Product(id=str(ObjectId()), sku=f"BENCH-{n:06d}", name=f"Bench product {n}",
                        description="A product with a typical description. " * 10,
                        attributes={"color": "grey", "size": n % 7},
                        assets=[AssetLink(asset_id=assets[2 * n].id, role=AssetRole.MAIN,
                                          position=1),
                                AssetLink(asset_id=assets[2 * n + 1].id,
                                          role=AssetRole.GALLERY, position=1)],
                        created_at=now, updated_at=now)
                for n in range(count)]
    for asset, product_index in zip(assets, (n // 2 for n in range(len(assets))), strict=True):
        asset.product_ids = [products[product_index].id]
    await stores.db.products.insert_many([p.to_mongo() for p in products])
    await stores.db.assets.insert_many([a.to_mongo() for a in assets])
    catalog = CatalogService(stores)
    await catalog.indexer.ensure_indices()
    for start in range(0, count, 500):
        batch = products[start:start + 500]
        await catalog.indexer.index_products(batch)
        by_id = {p.id: p for p in batch}
        await catalog.indexer.index_assets(
            [(a, [by_id[a.product_ids[0]]]) for a in assets if a.product_ids[0] in by_id])
    return [product.id for product in products]


async def timed(rounds: int, action: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    await action()  # warm-up
    samples = []
    for _ in range(rounds):
        began = time.perf_counter()
        await action()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


async def measure(size: str) -> list[dict[str, Any]]:
    count, rounds = SIZES[size]
    base = Settings()
    LocalStack(base.servers).up(report=lambda line: None)
    run_id = uuid.uuid4().hex[:8]
    settings = base.model_copy(update={
        "mongo_database": f"hub_bench_{run_id}", "es_index_prefix": f"hub-bench-{run_id}",
        "report_store_calls": True, "jobs": JobSettings(run_in_api=False)})
    server = uvicorn.Server(uvicorn.Config(create_app(settings), port=0, log_level="warning"))
    async with Stores.open(settings) as stores:
        try:
            ids = await seed(stores, count)
            issued = await TokenStore(stores.db).create(role=Role.READER, label="bench")
            thread = threading.Thread(target=server.run, daemon=True)
            thread.start()
            while not server.started:
                await asyncio.sleep(0.05)
            port = server.servers[0].sockets[0].getsockname()[1]
            page_ids = ids[-50:]
            async with httpx.AsyncClient(
                    base_url=f"http://127.0.0.1:{port}", timeout=60,
                    headers={"Authorization": f"Bearer {issued.secret}"}) as http:
                async def page(first: int) -> dict[str, Any]:
                    response = await http.post("/graphql", json={
                        "query": PAGE, "variables": {"first": first}})
                    body = response.json()
                    assert len(body["data"]["products"]["edges"]) == first, body
                    return body

                async def mongo_page() -> None:
                    products = await asyncio.gather(*(stores.db.products.find_one({"_id": i})
                                                      for i in page_ids))
                    asset_ids = [link["asset_id"] for p in products for link in p["assets"]]
                    await asyncio.gather(*(stores.db.assets.find_one({"_id": i})
                                           for i in asset_ids))

                # The token's first use of the minute also records lastUsedAt (one more MongoDB
                # write): warm it up so both counts below are of the page alone.
                await page(2)
                small_calls = (await page(2))["extensions"]["storeCalls"]
                large_calls = (await page(50))["extensions"]["storeCalls"]
                hub_p50, hub_p95 = await timed(rounds, lambda: page(50))
                mongo_p50, _ = await timed(max(3, rounds // 3), mongo_page)

                done = 0
                deadline = time.perf_counter() + (3 if size == "tiny" else 15)

                async def client() -> None:
                    nonlocal done
                    while time.perf_counter() < deadline:
                        await page(50)
                        done += 1

                began = time.perf_counter()
                await asyncio.gather(*(client() for _ in range(CLIENTS)))
                throughput = done / (time.perf_counter() - began)
        finally:
            server.should_exit = True
            await stores.mongo.drop_database(settings.mongo_database)
            await CatalogService(stores).indexer.drop_indices()
    label = f"GraphQL page of 50 products with media ({count:,} in the catalog)"
    calls = sum(large_calls.values())
    return [
        {"benchmark": label, "metric": "p50 latency", "hub": hub_p50, "baseline": mongo_p50,
         "ratio": mongo_p50 / hub_p50, "unit": "ms", "target": "faster than MongoDB by id",
         "holds": hub_p50 < mongo_p50,
         "notes": f"p95 {hub_p95:.1f} ms; baseline: the 50 products and their 100 assets "
                  "read from MongoDB (FerretDB) by _id, concurrently"},
        {"benchmark": label, "metric": "store round trips", "hub": calls,
         "baseline": sum(small_calls.values()), "ratio": 1.0, "unit": "requests",
         "target": "same for 2 and 50", "holds": large_calls == small_calls,
         "notes": f"page of 50: {large_calls}; page of 2: {small_calls}"},
        {"benchmark": label, "metric": f"throughput, {CLIENTS} clients", "hub": throughput,
         "baseline": 1000 / hub_p50, "ratio": throughput / (1000 / hub_p50),
         "unit": "pages/s", "target": "", "holds": None,
         "notes": "baseline: one client, back to back"},
    ]


def run(size: str) -> list[dict[str, Any]]:
    return asyncio.run(measure(size))


if __name__ == "__main__":
    from run import run_alone  # bench/run.py: one entry point and table for every benchmark

    run_alone(__doc__, SIZES, run)
