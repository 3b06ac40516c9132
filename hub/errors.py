"""The hub's exceptions and the error codes clients see in GraphQL `extensions.code`.

Services raise these; the GraphQL layer turns them into coded errors, and anything else into a
masked INTERNAL error. Clients switch on the code, never on the message.

    HubError
    ├── BadUserInput           BAD_USER_INPUT
    ├── NotFound               NOT_FOUND
    ├── Unauthenticated        UNAUTHENTICATED
    ├── Forbidden              FORBIDDEN
    ├── PayloadTooLarge        PAYLOAD_TOO_LARGE
    ├── UnsupportedMediaType   UNSUPPORTED_MEDIA_TYPE
    ├── RateLimited            RATE_LIMITED  (too many expensive requests; retry later)
    ├── TooManySubscriptions   TOO_MANY_SUBSCRIPTIONS  (per WebSocket connection)
    └── Unavailable            UNAVAILABLE   (a store is down; retry later)

REQUEST_TIMEOUT has no exception of its own: the HTTP layer answers it (status 408) when a
request body stalls or misses its deadline, before any service runs. Nor do METHOD_NOT_ALLOWED
(a mutation over GET, 405) and NOT_ACCEPTABLE (an Accept header without a GraphQL media type,
406): the GraphQL endpoint answers them before any operation runs. The persisted-query codes
belong to hub/graphql/persisted/protocol.py.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    RATE_LIMITED = "RATE_LIMITED"
    TOO_MANY_SUBSCRIPTIONS = "TOO_MANY_SUBSCRIPTIONS"
    UNAVAILABLE = "UNAVAILABLE"
    REQUEST_TIMEOUT = "REQUEST_TIMEOUT"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    NOT_ACCEPTABLE = "NOT_ACCEPTABLE"
    # Automatic persisted queries: Apollo clients switch on the first code to send the query.
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    QUERY_NOT_IN_ALLOWLIST = "QUERY_NOT_IN_ALLOWLIST"
    INTERNAL = "INTERNAL"
    # Raised by the GraphQL engine itself, before any resolver runs.
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"


class HubError(Exception):
    """Base of every error a client may see; `details` adds machine-readable context."""

    code: ErrorCode = ErrorCode.INTERNAL

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class BadUserInput(HubError):
    code = ErrorCode.BAD_USER_INPUT


class NotFound(HubError):
    code = ErrorCode.NOT_FOUND


class Unauthenticated(HubError):
    code = ErrorCode.UNAUTHENTICATED


class Forbidden(HubError):
    code = ErrorCode.FORBIDDEN


class PayloadTooLarge(HubError):
    code = ErrorCode.PAYLOAD_TOO_LARGE


class UnsupportedMediaType(HubError):
    code = ErrorCode.UNSUPPORTED_MEDIA_TYPE


class RateLimited(HubError):
    code = ErrorCode.RATE_LIMITED


class TooManySubscriptions(HubError):
    code = ErrorCode.TOO_MANY_SUBSCRIPTIONS


class Unavailable(HubError):
    code = ErrorCode.UNAVAILABLE
