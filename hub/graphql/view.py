"""The Strawberry ASGI view, building a HubContext for every request."""

from __future__ import annotations

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from hub.auth.credentials import Credentials
from hub.errors import ErrorCode
from hub.graphql.catalog.dataloaders import CatalogLoaders
from hub.graphql.core.context import HubContext
from hub.graphql.media.dataloaders import MediaLoaders

_HTTP_ERROR_CODES = {
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
}


class HubGraphQL(GraphQL[HubContext, None]):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Requests Strawberry rejects before GraphQL runs (a body that is not JSON, a wrong
        method) get a GraphQL-shaped JSON error with a code too, not a plain-text page."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except HTTPException as error:
            code = _HTTP_ERROR_CODES.get(error.status_code, ErrorCode.BAD_USER_INPUT)
            response = JSONResponse(
                {"data": None,
                 "errors": [{"message": error.reason, "extensions": {"code": code.value}}]},
                status_code=error.status_code,
            )
        finally:
            await request.close()  # closes uploaded files spooled to disk by the form parser
        await response(scope, receive, send)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> HubContext:
        settings = request.app.state.settings
        services = request.app.state.services
        return HubContext(
            request=request,  # type: ignore[arg-type]
            response=response if isinstance(response, Response) else None,
            settings=settings,
            catalog=services.catalog,
            catalog_loaders=CatalogLoaders(services.catalog),
            library=services.library,
            jobs=services.jobs,
            vision=services.vision,
            visual_search=services.visual_search,
            webhooks=services.webhooks,
            media_loaders=MediaLoaders(services.catalog),
            credentials=Credentials(request.headers.get("authorization"), services.tokens),
            tokens=services.tokens,
            rate_limiter=services.rate_limiter,
        )
