"""Health of the two stores, checked concurrently with a short timeout each."""

from __future__ import annotations

import asyncio
from typing import Any

from hub.stores import Stores

CHECK_TIMEOUT_SECONDS = 2.0


async def check_health(stores: Stores) -> dict[str, Any]:
    mongo, elasticsearch = await asyncio.gather(
        _check(_ping_mongo(stores)), _check(_ping_elasticsearch(stores))
    )
    healthy = mongo["status"] == "up" and elasticsearch["status"] == "up"
    return {"status": "ok" if healthy else "degraded",
            "mongo": mongo, "elasticsearch": elasticsearch}


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
    # The integration-test distribution lacks `GET /`; cluster health works everywhere.
    health = await stores.es.cluster.health()
    return {"cluster": health["status"]}
