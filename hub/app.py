"""The ASGI application: GraphQL, health, and the stores opened for the app's lifetime."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.catalog.indexes import ensure_mongo_indexes
from hub.catalog.service import CatalogService
from hub.config import Settings
from hub.errors import Unavailable
from hub.graphql.schema import schema
from hub.graphql.view import HubGraphQL
from hub.health import check_health
from hub.stores import Stores

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with Stores.open(settings) as stores:
            catalog = CatalogService(stores)
            app.state.settings = settings
            app.state.stores = stores
            app.state.catalog = catalog
            await ensure_mongo_indexes(stores.db)
            indices_ready = await _ensure_search_indices(catalog)
            drainer = asyncio.create_task(_drain_outbox_forever(catalog, settings, indices_ready))
            try:
                yield
            finally:
                drainer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await drainer

    graphql = HubGraphQL(schema, graphql_ide="graphiql" if settings.graphiql else None)
    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/graphql", graphql, methods=["GET", "POST"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


async def healthz(request: Request) -> JSONResponse:
    report = await check_health(request.app.state.stores)
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)


async def _ensure_search_indices(catalog: CatalogService) -> bool:
    """Start even when Elasticsearch is down: the drainer creates the indexes once it is back."""
    try:
        await catalog.indexer.ensure_indices()
    except Unavailable as error:
        logger.warning("starting without search: %s", error)
        return False
    return True


async def _drain_outbox_forever(
    catalog: CatalogService, settings: Settings, indices_ready: bool
) -> None:
    """Apply index updates that were postponed while Elasticsearch was unreachable."""
    while True:
        await asyncio.sleep(settings.outbox_drain_interval_seconds)
        try:
            if not indices_ready:
                indices_ready = await _ensure_search_indices(catalog)
                if not indices_ready:
                    continue
            while await catalog.drain_outbox():
                pass
        except Unavailable as error:
            logger.info("outbox drain postponed: %s", error)
        except Exception:
            logger.exception("outbox drain failed; retrying in %s s",
                             settings.outbox_drain_interval_seconds)
