"""The background worker: keeps the search index caught up with MongoDB.

Runs inside every API process (so a single `hub serve` is complete) and as `hub worker` on its
own. Several may run at once: index writes carry revisions, so they never undo each other."""

from __future__ import annotations

import asyncio
import logging

from hub.catalog.indexes import ensure_mongo_indexes
from hub.catalog.reindex import rebuild_outdated_indices
from hub.catalog.service import CatalogService
from hub.config import Settings
from hub.errors import Unavailable
from hub.stores import Stores

logger = logging.getLogger(__name__)


async def ensure_search_indices(catalog: CatalogService) -> bool:
    """Create the indexes if needed; False (logged) while Elasticsearch is unreachable."""
    try:
        await catalog.indexer.ensure_indices()
        await rebuild_outdated_indices(catalog)
    except Unavailable as error:
        logger.warning("search indexes not ready: %s", error)
        return False
    return True


async def drain_outbox_forever(catalog: CatalogService, interval_seconds: float) -> None:
    """Apply index updates that were postponed while Elasticsearch was unreachable."""
    indices_ready = False
    while True:
        try:
            indices_ready = indices_ready or await ensure_search_indices(catalog)
            if indices_ready:
                while await catalog.drain_outbox():
                    pass
        except Unavailable as error:
            logger.info("outbox drain postponed: %s", error)
        except Exception:
            logger.exception("outbox drain failed; retrying in %s s", interval_seconds)
        await asyncio.sleep(interval_seconds)


async def run_worker(settings: Settings) -> None:
    """Index catch-up and jobs, until the process is stopped."""
    from hub.container import HubServices

    async with Stores.open(settings) as stores:
        await ensure_mongo_indexes(stores.db)
        services = HubServices.create(stores)
        logger.info("worker %s started", services.runner.worker)
        await asyncio.gather(
            drain_outbox_forever(services.catalog, settings.outbox_drain_interval_seconds),
            services.runner.run_forever(),
            services.dispatcher.run_forever(),
        )
