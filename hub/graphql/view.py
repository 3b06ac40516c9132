"""The Strawberry ASGI view, building a HubContext for every request (and for every WebSocket
connection, authenticated by its `connection_init`)."""

from __future__ import annotations

from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.unset import UnsetType

from hub.auth.credentials import Credentials
from hub.errors import ErrorCode, Unauthenticated, Unavailable
from hub.graphql.catalog.dataloaders import CatalogLoaders
from hub.graphql.core.context import HubContext
from hub.graphql.media.dataloaders import MediaLoaders
from hub.graphql.request_body import StrictRequestAdapter, close_form, parse_request_json
from hub.graphql.websocket import HubTransportWSHandler, connection_authorization

_HTTP_ERROR_CODES = {
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
}


class HubGraphQL(GraphQL[HubContext, None]):
    request_adapter_class = StrictRequestAdapter
    graphql_transport_ws_handler_class = HubTransportWSHandler

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
            await close_form(request)  # closes uploaded files spooled to disk by the form parser
        await response(scope, receive, send)

    def parse_json(self, data: str | bytes) -> Any:
        return parse_request_json(data)

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> dict[str, str]:
        """A `map` whose paths do not lead into `operations` is the client's mistake."""
        try:
            return await super().parse_multipart(request)
        except (AttributeError, TypeError, ValueError, IndexError) as error:
            raise HTTPException(400, "the multipart `map` must be an object of lists of paths "
                                     "to variables in `operations`, like "
                                     '{"0": ["variables.file"]}') from error

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
            live=services.live,
        )

    async def on_ws_connect(self, context: HubContext) -> UnsetType | dict[str, object] | None:
        """A connection without a valid token is closed with 4403 Forbidden at once. When the
        token store cannot be reached the connection is accepted and each subscription checks
        the token again (and answers UNAVAILABLE or UNAUTHENTICATED)."""
        authorization = connection_authorization(context.connection_params,
                                                 context.request.headers)
        context.credentials = Credentials(authorization, context.tokens)
        try:
            await context.credentials.token()
        except Unauthenticated as error:
            raise ConnectionRejectionError({"message": error.message}) from error
        except Unavailable:
            context.credentials = Credentials(authorization, context.tokens)
        return await super().on_ws_connect(context)
