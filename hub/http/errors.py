"""HubErrors raised by plain HTTP routes become JSON shaped like GraphQL errors, with the
matching HTTP status (the GraphQL endpoint uses the same table for the requests it refuses)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.errors import ErrorCode, HubError

HTTP_STATUS = {
    ErrorCode.BAD_USER_INPUT: 400,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.NOT_ACCEPTABLE: 406,
    ErrorCode.REQUEST_TIMEOUT: 408,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.GRAPHQL_PARSE_FAILED: 400,
    ErrorCode.GRAPHQL_VALIDATION_FAILED: 400,
    ErrorCode.PERSISTED_QUERY_NOT_FOUND: 404,
    ErrorCode.QUERY_NOT_IN_ALLOWLIST: 403,
}


async def hub_error_response(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HubError)
    return JSONResponse(
        {"errors": [{"message": error.message,
                     "extensions": {"code": error.code.value, **error.details}}]},
        status_code=HTTP_STATUS.get(error.code, 500),
    )
