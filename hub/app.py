"""The ASGI application: GraphQL, health, and the stores opened for the app's lifetime."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from hub.catalog.indexes import ensure_mongo_indexes
from hub.config import Settings
from hub.container import HubServices
from hub.errors import HubError
from hub.graphql.persisted.protocol import PersistedQueries
from hub.graphql.persisted.store import PersistedQueryStore
from hub.graphql.schema import build_schema
from hub.graphql.view import HubGraphQL
from hub.health import check_health, http_status
from hub.http.body_limit import BodySizeLimit
from hub.http.body_timeouts import BodyTimeouts
from hub.http.errors import hub_error_response
from hub.http.media import routes as media_routes
from hub.http.uploads import routes as upload_routes
from hub.stores import Stores
from hub.worker import drain_outbox_forever, ensure_search_indices

WEB_DIR = Path(__file__).resolve().parent / "web"


class InsecureSettings(RuntimeError):
    """Production settings the hub refuses to serve with."""


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    problems = settings.production_problems()
    if problems:
        raise InsecureSettings("refusing to serve in production: " + "; ".join(problems))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with Stores.open(settings) as stores:
            services = HubServices.create(stores)
            services.library.storage.clear_staging()
            app.state.settings = settings
            app.state.services = services
            app.state.persisted_queries = PersistedQueries(
                PersistedQueryStore(stores.db), allowlist_only=settings.persisted_queries_only)
            await ensure_mongo_indexes(stores.db)
            # Start even when Elasticsearch is down: the drainer creates the indexes later.
            await ensure_search_indices(services.catalog)
            background = [asyncio.create_task(drain_outbox_forever(
                services.catalog, settings.outbox_drain_interval_seconds))]
            if settings.jobs.run_in_api:
                background.append(asyncio.create_task(services.runner.run_forever()))
                background.append(asyncio.create_task(services.dispatcher.run_forever()))
            try:
                yield
            finally:
                await services.library.wait_for_renditions()
                for task in background:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    graphql = HubGraphQL(build_schema(settings),
                         graphql_ide="graphiql" if settings.graphiql else None,
                         multipart_uploads_enabled=True,
                         # Subscriptions: graphql-transport-ws only (the legacy graphql-ws
                         # protocol is refused with 4406); browser pages from the CORS origins.
                         subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
                         allowed_origins=settings.cors_origins,
                         max_subscriptions_per_connection=settings.max_subscriptions_per_connection)
    routes = [
        Route("/", browser_page, methods=["GET", "HEAD"]),
        Mount("/static", app=StaticFiles(directory=WEB_DIR), name="static"),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/graphql", graphql),  # any method: the view answers 405 with a GraphQL error
        WebSocketRoute("/graphql", graphql),
        *media_routes,
        *upload_routes,
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HubError: hub_error_response},
        middleware=[
            Middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                       allow_methods=["GET", "POST"],
                       allow_headers=["Authorization", "Content-Type"], max_age=600),
            Middleware(BodySizeLimit, max_body_bytes=settings.max_upload_bytes),
            Middleware(BodyTimeouts, idle_seconds=settings.upload_idle_timeout_seconds,
                       deadline_seconds=settings.upload_deadline_seconds),
        ],
    )


async def browser_page(request: Request) -> FileResponse:
    """The asset browser: a static page that talks to /graphql like any other client."""
    return FileResponse(WEB_DIR / "index.html", headers={"Cache-Control": "no-cache"})


async def healthz(request: Request) -> JSONResponse:
    report = await check_health(request.app.state.services.stores)
    return JSONResponse(report, status_code=http_status(report))
