"""GraphQL over WebSocket (the `graphql-transport-ws` protocol): where a connection's token comes
from, the per-connection subscription limit with a coded error, and a fresh token check and fresh
DataLoaders for each operation on a long-lived connection.

Browsers cannot set headers on a WebSocket, so the token travels in the `connection_init`
payload: `{"Authorization": "Bearer <token>"}` (also `authorization`, or `token` with the bare
token); the upgrade request's Authorization header is the fallback for other clients."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage

from graphql import GraphQLError
from hub.errors import TooManySubscriptions
from hub.graphql.core.context import HubContext

PAYLOAD_KEYS = ("Authorization", "authorization")


def connection_authorization(params: Mapping[str, Any] | None,
                             headers: Mapping[str, str]) -> str | None:
    """The `Authorization` value a connection presents: from `connection_init`, else from the
    upgrade request."""
    params = params or {}
    for key in PAYLOAD_KEYS:
        value = params.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    token = params.get("token")
    if isinstance(token, str) and token.strip():
        token = token.strip()
        return token if token.lower().startswith("bearer ") else f"Bearer {token}"
    return headers.get("authorization")


class HubTransportWSHandler(BaseGraphQLTransportWSHandler[HubContext, None]):
    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        """Past the limit the new subscription gets an `error` message that says what to do;
        the connection and its other subscriptions go on."""
        limit = self.max_subscriptions_per_connection
        if (self.connection_acknowledged and limit is not None
                and message["id"] not in self.operations and len(self.operations) >= limit):
            error = TooManySubscriptions(
                f"this connection already has {limit} active subscriptions, the most it may "
                "have; complete one first or open another connection", limit=limit)
            formatted = GraphQLError(error.message, extensions={
                "code": error.code.value, **error.details}).formatted
            await self.send_message({"id": message["id"], "type": "error",
                                     "payload": [formatted]})
            return
        await super().handle_subscribe(message)


class FreshPerOperation(SchemaExtension):
    """An operation on a WebSocket connection checks its token anew and starts with fresh
    DataLoaders (over HTTP the context is new for each request anyway)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, HubContext) and isinstance(context.request, WebSocket):
            context.renew_credentials()
            context.renew_loaders()
        yield
