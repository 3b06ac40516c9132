"""The Elasticsearch transport the hub talks through: counted, and patient with a node that leaves.

When a cluster node goes away, the survivors answer 502 or 503 for a moment while they notice,
and the driver marks every node that answered so as dead. Its own retries are immediate: they can
all land within milliseconds on the gone node, once the pool holds no live node, and fail a
search that a pause of a fraction of a second would have answered. So a request that failed for
one of those passing reasons is sent again, whole, after a short pause that lets the driver's
dead-node timeouts expire, a few times. A timeout is not retried: the node may still be working.
A search whose shard copy left between its query and fetch phases answers 404 with a
`search_phase_execution_exception` ("No search context found"): passing too, where a 404 for a
missing index or document is not.
"""

from __future__ import annotations

import asyncio
from typing import Any

from elastic_transport import ConnectionError as NodeUnreachable

from hub.store_calls import CountingTransport

# Pauses before each new round; together they outlast the driver's first dead-node timeout (1 s).
RETRY_PAUSES_SECONDS = (0.2, 0.5, 1.0)
PASSING_STATUSES = frozenset({429, 502, 503, 504})


class PatientTransport(CountingTransport):
    """Retries a request whose every node attempt failed for a passing reason, after a pause."""

    async def perform_request(  # type: ignore[override]  # async twin of a sync signature
        self, *args: Any, **kwargs: Any
    ) -> Any:
        for pause in RETRY_PAUSES_SECONDS:
            try:
                response = await super().perform_request(*args, **kwargs)
            except NodeUnreachable:
                pass
            else:
                if not _passing(response):
                    return response
            await asyncio.sleep(pause)
        return await super().perform_request(*args, **kwargs)


def _passing(response: Any) -> bool:
    status = response.meta.status
    if status == 404:
        body = response.body if isinstance(response.body, dict) else {}
        error = body.get("error")
        return isinstance(error, dict) and error.get("type") == "search_phase_execution_exception"
    return status in PASSING_STATUSES
