"""Every GraphQL error leaves with an `extensions.code`; unexpected ones leave masked.

HubErrors keep their message and details; errors the GraphQL engine raises itself (syntax,
validation, variable coercion) get the matching code; anything else is logged with its traceback
and reaches the client only as INTERNAL with a request id to quote."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

from graphql import GraphQLError
from hub.errors import ErrorCode, HubError

logger = logging.getLogger("hub.graphql")


class ErrorCodes(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [self._coded(error) for error in result.errors]

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Each message of an operation over WebSocket (a subscription's events, its initial
        error) is coded before it is sent, not only the operation's last result."""
        if getattr(result, "errors", None):
            result.errors = [self._coded(error) for error in result.errors]
        yield

    def _coded(self, error: GraphQLError) -> GraphQLError:
        if error.extensions and "code" in error.extensions:
            return error  # coded already (a streamed result is seen again at the end)
        original = error.original_error
        if isinstance(original, HubError):
            return _with_extensions(error, original.message, {"code": original.code.value,
                                                               **original.details})
        if original is None or isinstance(original, GraphQLError):
            return _with_extensions(error, error.message, {"code": _engine_code(error).value})
        request_id = getattr(self.execution_context.context, "request_id", "-")
        logger.error("internal error in %s (request %s)", error.path, request_id,
                     exc_info=original)
        return _with_extensions(
            error,
            f"internal error; quote request id {request_id} when reporting it",
            {"code": ErrorCode.INTERNAL.value, "requestId": request_id},
            keep_original=False,
        )


def _engine_code(error: GraphQLError) -> ErrorCode:
    if error.message.startswith("Syntax Error"):
        return ErrorCode.GRAPHQL_PARSE_FAILED
    if error.message.startswith("Variable "):
        return ErrorCode.BAD_USER_INPUT
    return ErrorCode.GRAPHQL_VALIDATION_FAILED


def _with_extensions(
    error: GraphQLError, message: str, extensions: dict[str, Any], *, keep_original: bool = True
) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error if keep_original else None,
        extensions=extensions,
    )
