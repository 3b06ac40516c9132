"""Benchmark: a page of 50 products through GraphQL (served from Elasticsearch) against the
baselines of loading the same 50 products straight from MongoDB, in the same run.

    .venv/bin/python bench/product_page.py [--products 2000] [--rounds 30]

Needs the local servers (`hub services up`); uses a database and index prefix of its own and
drops them afterwards. Prints a table of median and p95 latencies."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx
import uvicorn
from bson import ObjectId

from hub.app import create_app
from hub.catalog.service import CatalogService
from hub.config import Settings
from hub.models.product import Product
from hub.servers.stack import LocalStack
from hub.stores import Stores

PAGE = """
query($first: Int) { products(first: $first) { edges { node { id sku name attributes } } } }
"""


async def seed(stores: Stores, count: int) -> list[str]:
    now = datetime.now(UTC)
    products = [
        Product(id=str(ObjectId()), sku=f"BENCH-{n:06d}", name=f"Bench product {n}",
                description="A product with a typical description. " * 20,
                attributes={"color": "grey", "size": n % 7, "tags": ["a", "b", "c"]},
                created_at=now, updated_at=now)
        for n in range(count)
    ]
    await stores.db.products.insert_many([product.to_mongo() for product in products])
    catalog = CatalogService(stores)
    await catalog.indexer.ensure_indices()
    for start in range(0, count, 500):
        await catalog.indexer.index_products(products[start:start + 500])
    return [product.id for product in products]


async def timed(label: str, rounds: int, action: Callable[[], Awaitable[object]]) -> list[str]:
    await action()  # warm-up
    samples = []
    for _ in range(rounds):
        began = time.perf_counter()
        await action()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return [label, f"{statistics.median(samples):8.1f}", f"{p95:8.1f}"]


async def main(products: int, rounds: int) -> None:
    base = Settings()
    LocalStack(base.servers).up(report=lambda line: None)
    run_id = uuid.uuid4().hex[:8]
    settings = base.model_copy(update={"mongo_database": f"hub_bench_{run_id}",
                                       "es_index_prefix": f"hub-bench-{run_id}"})
    server = uvicorn.Server(uvicorn.Config(create_app(settings), port=0, log_level="warning"))
    async with Stores.open(settings) as stores:
        try:
            print(f"seeding {products} products ...", flush=True)
            ids = await seed(stores, products)
            thread = threading.Thread(target=server.run, daemon=True)
            thread.start()
            while not server.started:
                await asyncio.sleep(0.05)
            port = server.servers[0].sockets[0].getsockname()[1]
            page_ids = ids[-50:]
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                async def page(first: int) -> None:
                    response = await http.post("/graphql", json={"query": PAGE,
                                                                 "variables": {"first": first}})
                    assert len(response.json()["data"]["products"]["edges"]) == first

                async def mongo_by_id() -> None:
                    found = await asyncio.gather(*(stores.db.products.find_one({"_id": id_})
                                                   for id_ in page_ids))
                    assert all(found)

                async def mongo_in() -> None:
                    found = await stores.db.products.find({"_id": {"$in": page_ids}}).to_list()
                    assert len(found) == 50

                rows = [
                    await timed("GraphQL products(first: 2)", rounds, lambda: page(2)),
                    await timed("GraphQL products(first: 50)", rounds, lambda: page(50)),
                    await timed("baseline: MongoDB 50 x find_one(_id)", rounds, mongo_by_id),
                    await timed("baseline: MongoDB find(_id $in 50)", max(3, rounds // 10),
                                mongo_in),
                ]
        finally:
            server.should_exit = True
            await stores.mongo.drop_database(settings.mongo_database)
            await CatalogService(stores).indexer.drop_indices()
    width = max(len(row[0]) for row in rows)
    print(f"\n{products} products in the catalog, {rounds} rounds\n")
    print(f"{'operation':<{width}}  median ms   p95 ms")
    for label, median, p95 in rows:
        print(f"{label:<{width}}  {median}  {p95}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(main(args.products, args.rounds))
