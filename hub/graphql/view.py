"""The Strawberry ASGI view: a HubContext for every request (and every WebSocket connection,
authenticated by its `connection_init`), wired to the rules of GraphQL over HTTP (over_http,
http_cache), persisted queries (persisted/) and strict request reading (request_body). The rules
live in those modules; this one only calls them at the right step."""

from __future__ import annotations

from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException, StarletteRequestAdapter
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.http.types import QueryParams
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UnsetType

from hub.auth.credentials import Credentials
from hub.errors import ErrorCode, HubError, Unauthenticated, Unavailable
from hub.graphql.catalog.dataloaders import CatalogLoaders
from hub.graphql.core.context import HubContext
from hub.graphql.media.dataloaders import MediaLoaders
from hub.graphql.over_http import (
    GraphQLExchange,
    GraphQLRefusal,
    OperationNotFound,
    is_request_error,
    refused,
)
from hub.graphql.persisted.protocol import PersistedQueries
from hub.graphql.request_body import (
    StrictRequestAdapter,
    check_content_type,
    close_form,
    parse_json_parameter,
    parse_request_json,
)
from hub.graphql.websocket import HubTransportWSHandler, connection_authorization


class HubGraphQL(GraphQL[HubContext, None]):
    request_adapter_class = StrictRequestAdapter
    graphql_transport_ws_handler_class = HubTransportWSHandler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Every HTTP answer is a GraphQL response with codes, never a plain-text page: the
        requests refused before GraphQL runs (wrong method, Accept or body) included."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        exchange = GraphQLExchange.begin(request)
        try:
            exchange.check(
                renders_ide=self.should_render_graphql_ide(StarletteRequestAdapter(request)))
            response = exchange.finish(await self.run(request))
        except HTTPException as error:
            response = exchange.refuse(error)
        finally:
            await close_form(request)  # closes uploaded files spooled to disk by the form parser
        await response(scope, receive, send)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """Only when GraphiQL is on, and not for a GET of a persisted query (no `query`)."""
        return (self.graphql_ide is not None and "extensions" not in request.query_params
                and super().should_render_graphql_ide(request))

    def parse_json(self, data: str | bytes) -> Any:
        return parse_request_json(data)

    def parse_query_params(self, params: QueryParams) -> dict[str, Any]:
        parsed: dict[str, Any] = dict(params)
        for name in ("variables", "extensions"):
            if name in parsed:
                parsed[name] = parse_json_parameter(name, parsed[name] or "")
        return parsed

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        if request.method == "POST":
            check_content_type(request.content_type, multipart=self.multipart_uploads_enabled)
        data = await super().parse_http_body(request)
        if isinstance(data, GraphQLRequestData):
            if not isinstance(data.operation_name, str | None):
                raise HTTPException(400, "`operationName` must be a string or null")
            data.operation_name = data.operation_name or None  # "" means none (the spec)
        return data

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> dict[str, str]:
        """A `map` whose paths do not lead into `operations` is the client's mistake."""
        try:
            return await super().parse_multipart(request)
        except (AttributeError, TypeError, ValueError, IndexError) as error:
            raise HTTPException(400, "the multipart `map` must be an object of lists of paths "
                                     "to variables in `operations`, like "
                                     '{"0": ["variables.file"]}') from error

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: HubContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Strawberry's, with persisted queries around it, and a mutation over GET refused with
        405 (Strawberry says 400)."""
        persisted: PersistedQueries = request.app.state.persisted_queries
        try:
            document = await persisted.resolve(request_data.query, request_data.extensions,
                                               context.credentials)
        except HubError as error:
            return refused(error)
        try:
            result = await self.schema.execute(
                document.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=OperationType.from_http(request_adapter.method),
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as error:
            raise GraphQLRefusal(
                405, ErrorCode.METHOD_NOT_ALLOWED,
                f"{error.as_http_error_reason(request_adapter.method)}: send them with POST",
                {"Allow": "POST"}) from error
        except CannotGetOperationTypeError as error:
            return refused(OperationNotFound(error.as_http_error_reason()))
        except MissingQueryError as error:
            raise GraphQLRefusal(400, ErrorCode.BAD_USER_INPUT,
                                 "the request has no GraphQL query: send `query`, or a "
                                 "persisted query's hash in extensions.persistedQuery") from error
        if not is_request_error(result):
            await persisted.remember(document, context.credentials)
        return result

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        body = await super().process_result(request, result)
        return GraphQLExchange.of(request).answer(result, body)

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
            videos=services.videos,
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
