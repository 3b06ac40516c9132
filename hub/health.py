"""Health of the two stores, checked concurrently with a short timeout each.

Each store is "up", "degraded" (it serves everything, with less redundancy than configured: an
Elasticsearch node of the configured ones does not answer, or replicas of the hub's indexes are
unassigned) or "down" (it does not answer, or some of the hub's data is unavailable). The report
is "ok" when both are up and "degraded" otherwise; /healthz answers 503 only while a store is
down, so a load balancer keeps a hub that still serves every request in rotation.
"""

from __future__ import annotations

import asyncio
from typing import Any

from elastic_transport import BaseAsyncNode

from hub.stores import Stores

CHECK_TIMEOUT_SECONDS = 2.0
NODE_TIMEOUT_SECONDS = 1.0


async def check_health(stores: Stores) -> dict[str, Any]:
    mongo, elasticsearch = await asyncio.gather(
        _check(_ping_mongo(stores)), _check(_ping_elasticsearch(stores))
    )
    healthy = mongo["status"] == "up" and elasticsearch["status"] == "up"
    return {"status": "ok" if healthy else "degraded",
            "mongo": mongo, "elasticsearch": elasticsearch}


def http_status(report: dict[str, Any]) -> int:
    """200 while every store serves (ok or degraded), 503 while one is down."""
    stores = (report["mongo"], report["elasticsearch"])
    return 503 if any(store["status"] == "down" for store in stores) else 200


async def _check(probe: Any) -> dict[str, Any]:
    try:
        details = await asyncio.wait_for(probe, CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        return {"status": "down", "error": f"no answer within {CHECK_TIMEOUT_SECONDS:.0f} s"}
    except Exception as error:  # any failure of a probe means "down", with the reason
        return {"status": "down", "error": f"{type(error).__name__}: {error}"[:300]}
    return {"status": "up", **details}


async def _ping_mongo(stores: Stores) -> dict[str, Any]:
    # Not `ping`: FerretDB answers it without its PostgreSQL; listing collections reaches the
    # storage on every server.
    await stores.db.list_collection_names()
    return {"database": stores.db.name}


async def _ping_elasticsearch(stores: Stores) -> dict[str, Any]:
    # The integration-test distribution lacks `GET /`; cluster health works everywhere. Only
    # the hub's own indexes count (a wildcard per alias, so that a missing index is no error):
    # another deployment's index on a shared cluster says nothing about this hub's search.
    health, unreachable = await asyncio.gather(
        stores.es.cluster.health(index=[f"{alias}*" for alias in stores.indices.all()]),
        _unreachable_nodes(stores),
    )
    problems = [f"{url} does not answer: {reason}" for url, reason in unreachable.items()]
    status = "up"
    if health["status"] == "red":
        status = "down"
        problems.append(f"{health['unassigned_primary_shards']} primary shard(s) of the hub's "
                        "indexes are unassigned: search misses their documents")
    elif health["status"] == "yellow":
        problems.append(f"{health['unassigned_shards']} replica shard(s) of the hub's indexes are "
                        "unassigned: one more node lost may lose search")
    if problems and status == "up":
        status = "degraded"
    report: dict[str, Any] = {"status": status, "cluster": health["status"],
                              "nodes": health["number_of_nodes"]}
    if problems:
        report |= {"problems": problems, "unreachable": sorted(unreachable)}
    return report


async def _unreachable_nodes(stores: Stores) -> dict[str, str]:
    """Each configured node that does not answer on its own, with why (none to check when only
    one is configured: the cluster health call then says it all)."""
    nodes: list[BaseAsyncNode] = stores.es.transport.node_pool.all()  # type: ignore[assignment]
    if len(nodes) < 2:
        return {}
    reasons = await asyncio.gather(*(_node_problem(node) for node in nodes))
    return {node.base_url: reason for node, reason in zip(nodes, reasons, strict=True)
            if reason is not None}


async def _node_problem(node: BaseAsyncNode) -> str | None:
    try:
        meta, _ = await node.perform_request("GET", "/_cluster/health",
                                             request_timeout=NODE_TIMEOUT_SECONDS)
    except Exception as error:  # a node that fails to answer, for whatever reason, is down
        return f"{type(error).__name__}: {error}"[:200]
    return None if meta.status == 200 else f"HTTP {meta.status}"
