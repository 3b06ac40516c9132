"""Similar-image search: kNN latency and recall@10 of the hub's asset index against exact
brute-force search over the same vectors, in one run.

Vectors are synthetic but clustered like real embeddings (many images of few kinds of
product); uniform random vectors would make any approximate index look worse than it is."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from typing import Any

import numpy as np
from elasticsearch import AsyncElasticsearch

from hub.config import Settings
from hub.indexing.asset_search import knn_candidates
from hub.indexing.mappings import INDEX_SETTINGS, assets_mapping

SIZES = {"tiny": 2_000, "full": 10_000, "large": 100_000}
DIMENSION = 512
QUERIES = 100
K = 10


def clustered_vectors(count: int, rng: np.random.Generator) -> np.ndarray:
    centres = rng.normal(size=(max(20, count // 200), DIMENSION)).astype(np.float32)
    vectors = centres[rng.integers(0, len(centres), count)] + \
        rng.normal(scale=0.35, size=(count, DIMENSION)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


async def measure(es: AsyncElasticsearch, count: int) -> dict[str, Any]:
    rng = np.random.default_rng(7)
    vectors = clustered_vectors(count, rng)
    index = f"hub-bench-knn-{uuid.uuid4().hex[:8]}"
    mapping = assets_mapping("bench", DIMENSION)
    await es.indices.create(index=index, settings=INDEX_SETTINGS,
                            mappings={"properties": {"id": {"type": "keyword"},
                                                     "embedding": mapping["properties"]
                                                     ["embedding"]}})
    try:
        began = time.perf_counter()
        for start in range(0, count, 1000):
            operations: list[dict[str, Any]] = []
            for n in range(start, min(count, start + 1000)):
                operations += [{"index": {"_index": index, "_id": str(n)}},
                               {"id": str(n), "embedding": vectors[n].tolist()}]
            await es.bulk(operations=operations)
        await es.indices.refresh(index=index)
        await es.indices.forcemerge(index=index, max_num_segments=1)
        indexing = time.perf_counter() - began
        queries = rng.choice(count, size=QUERIES, replace=False)
        latencies, recalls, exact_times = [], [], []
        for query in queries:
            vector = vectors[query]
            began = time.perf_counter()
            exact = np.argsort(-(vectors @ vector))[1:K + 1]
            exact_times.append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            response = await es.search(index=index, size=K + 1, source=False, knn={
                "field": "embedding", "query_vector": vector.tolist(), "k": K + 1,
                "num_candidates": knn_candidates(K + 1)})
            latencies.append((time.perf_counter() - began) * 1000)
            found = [int(hit["_id"]) for hit in response["hits"]["hits"] if
                     int(hit["_id"]) != query][:K]
            recalls.append(len(set(found) & set(exact.tolist())) / K)
    finally:
        await es.indices.delete(index=index)
    latencies.sort()
    return {
        "p50": statistics.median(latencies),
        "p95": latencies[int(len(latencies) * 0.95) - 1],
        "recall": statistics.mean(recalls),
        "exact_p50": statistics.median(exact_times),
        "indexing_s": indexing,
    }


def run(size: str, settings: Settings | None = None) -> list[dict[str, Any]]:
    settings = settings or Settings()
    count = SIZES[size]

    async def main() -> dict[str, Any]:
        es = AsyncElasticsearch(settings.es_url, request_timeout=600)
        try:
            return await measure(es, count)
        finally:
            await es.close()

    result = asyncio.run(main())
    label = f"similar search, {count:,} vectors of {DIMENSION}"
    return [
        {"benchmark": label, "metric": "p95 latency", "hub": result["p95"],
         "baseline": result["exact_p50"], "ratio": result["p95"] / result["exact_p50"],
         "unit": "ms", "target": "p95 < 50 ms", "holds": result["p95"] < 50,
         "notes": f"p50 {result['p50']:.1f} ms; baseline: exact search in numpy, in-process, "
                  f"p50; indexing took {result['indexing_s']:.0f} s"},
        {"benchmark": label, "metric": "recall@10", "hub": result["recall"], "baseline": 1.0,
         "ratio": result["recall"], "unit": "", "target": ">= 0.95",
         "holds": result["recall"] >= 0.95, "notes": "HNSW (Elasticsearch) vs exact search"},
    ]


if __name__ == "__main__":
    from run import run_alone  # bench/run.py: one entry point and table for every benchmark

    run_alone(__doc__, SIZES, run)
