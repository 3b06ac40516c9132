"""The Strawberry ASGI view, building a HubContext for every request."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from hub.graphql.catalog.dataloaders import CatalogLoaders
from hub.graphql.core.context import HubContext


class HubGraphQL(GraphQL[HubContext, None]):
    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> HubContext:
        state = request.app.state
        return HubContext(
            request=request,  # type: ignore[arg-type]
            response=response if isinstance(response, Response) else None,
            settings=state.settings,
            catalog=state.catalog,
            catalog_loaders=CatalogLoaders(state.catalog),
        )
