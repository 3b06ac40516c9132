"""GraphQL over HTTP, as the graphql-over-http spec has it: which media type answers a request,
with which status, and the GraphQL-shaped refusals of requests that are not GraphQL at all.

- `Accept` picks the media type. `application/graphql-response+json` when the client prefers it,
  and when it sends no `Accept` at all (the spec's default since its 2025-01-01 watershed);
  `application/json` for older clients, including those that only say `*/*` (curl, browsers'
  `fetch`); neither acceptable: 406.
- `application/json` keeps the legacy rule: 200 for every well-formed request, whatever errors
  the GraphQL response carries, because a client cannot tell a 4xx of the hub from one of a
  proxy. `application/graphql-response+json` is trustworthy at any status, so it says more:
  200 when the operation ran (field errors and `data: null` included), 4xx when it never ran
  (400 for a document that does not parse or validate, or whose variables do not fit; 403 and
  404 for persisted-query refusals).
- A request that is not well-formed GraphQL over HTTP (not JSON, no query, a wrong method or
  content type) gets its 4xx under both media types, with `errors[].extensions.code`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from graphql import GraphQLError
from hub.errors import ErrorCode, HubError
from hub.graphql import http_cache
from hub.http.errors import HTTP_STATUS

ALLOWED_METHODS = "GET, POST"
_REFUSAL_CODES = {
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    406: ErrorCode.NOT_ACCEPTABLE,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
}


class ResponseFormat(StrEnum):
    GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
    JSON = "application/json"

    @property
    def content_type(self) -> str:
        return f"{self.value}; charset=utf-8"


class OperationNotFound(HubError):
    """`operationName` names no operation of the document, or a document of several has none."""

    code = ErrorCode.GRAPHQL_VALIDATION_FAILED


class GraphQLRefusal(HTTPException):
    """A request refused before any operation runs, with the code and headers to answer with."""

    def __init__(self, status_code: int, code: ErrorCode, reason: str,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status_code, reason)
        self.code = code
        self.headers = dict(headers or {})


def negotiate(accept: str | None) -> ResponseFormat | None:
    """The media type to answer in; None when the client accepts neither.

    Each format gets the quality of the most specific range naming it; the best quality wins.
    On a tie a named type beats a wildcard; two named types go to graphql-response+json (the
    spec's preferred type), two wildcards to application/json (what legacy clients expect)."""
    if accept is None or not accept.strip():
        return ResponseFormat.GRAPHQL_RESPONSE_JSON
    matched: dict[ResponseFormat, tuple[int, float]] = {}
    for media_range in accept.split(","):
        kind, _, parameters = media_range.partition(";")
        quality = _quality(parameters)
        if quality is None:
            continue
        for response_format in ResponseFormat:
            specificity = _specificity(kind.strip().lower(), response_format.value)
            if specificity is not None and (response_format not in matched
                                            or specificity > matched[response_format][0]):
                matched[response_format] = (specificity, quality)

    def rank(response_format: ResponseFormat) -> tuple[float, int, bool]:
        specificity, quality = matched[response_format]
        preferred = (ResponseFormat.GRAPHQL_RESPONSE_JSON if specificity == 2
                     else ResponseFormat.JSON)
        return quality, specificity, response_format is preferred

    best = max(matched, key=rank, default=None)
    return best if best is not None and matched[best][1] > 0 else None


def _specificity(kind: str, media_type: str) -> int | None:
    if kind == media_type:
        return 2
    if kind == media_type.split("/")[0] + "/*":
        return 1
    return 0 if kind == "*/*" else None


def _quality(parameters: str) -> float | None:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value.strip())
            except ValueError:
                return None
            return quality if 0 <= quality <= 1 else None
    return 1.0


def is_request_error(result: ExecutionResult) -> bool:
    """Whether nothing ran: the document did not parse or validate, its variables did not fit,
    or the hub refused it first. Field errors always have a path; these never do."""
    return result.data is None and bool(result.errors) and all(
        error.path is None for error in result.errors or [])


def refused(error: HubError) -> ExecutionResult:
    """A GraphQL response for a request the hub refused before running it."""
    return ExecutionResult(data=None, errors=[GraphQLError(
        error.message, extensions={"code": error.code.value, **error.details})])


def response_status(response_format: ResponseFormat, body: Mapping[str, Any]) -> int:
    if response_format is ResponseFormat.JSON or "data" in body:
        return 200
    codes = [error.get("extensions", {}).get("code") for error in body.get("errors") or []]
    return max((_status(code) for code in codes), default=400)


def _status(code: str | None) -> int:
    try:
        known = ErrorCode(code or "")
    except ValueError:
        return 400
    return 500 if known is ErrorCode.INTERNAL else HTTP_STATUS.get(known, 400)


@dataclass
class GraphQLExchange:
    """One request to the GraphQL endpoint: its negotiated media type, then the GraphQL
    response it got, from which the HTTP status and caching headers follow."""

    method: str
    response_format: ResponseFormat | None
    if_none_match: str | None
    body: Mapping[str, Any] | None = field(default=None)

    @classmethod
    def begin(cls, request: Request) -> GraphQLExchange:
        exchange = cls(method=request.method,
                       response_format=negotiate(request.headers.get("accept")),
                       if_none_match=request.headers.get("if-none-match"))
        request.state.graphql_exchange = exchange
        return exchange

    @staticmethod
    def of(request: Request) -> GraphQLExchange:
        exchange: GraphQLExchange = request.state.graphql_exchange
        return exchange

    def check(self, *, renders_ide: bool) -> None:
        """Refuse what no operation could answer: a method other than GET and POST, an Accept
        without a GraphQL media type (the GraphiQL page, HTML, is the one exception)."""
        if self.method not in ("GET", "POST"):
            raise GraphQLRefusal(405, ErrorCode.METHOD_NOT_ALLOWED,
                                 f"GraphQL is served over GET (queries) and POST, not "
                                 f"{self.method}", {"Allow": ALLOWED_METHODS})
        if self.response_format is None and not renders_ide:
            raise GraphQLRefusal(406, ErrorCode.NOT_ACCEPTABLE,
                                 "the Accept header allows no GraphQL response: accept "
                                 f"{ResponseFormat.GRAPHQL_RESPONSE_JSON.value} or "
                                 f"{ResponseFormat.JSON.value}")

    def answer(self, result: ExecutionResult, body: GraphQLHTTPResponse) -> GraphQLHTTPResponse:
        """The body to send. A request error has no `data` entry: nothing ran (the GraphQL
        spec's rule, and what tells a graphql-response+json client the status is a 4xx)."""
        if is_request_error(result):
            body.pop("data", None)
        self.body = body
        return body

    def finish(self, response: Response) -> Response:
        """The status, media type and caching headers of a GraphQL response."""
        if self.body is None:  # not a GraphQL response: the GraphiQL page
            return response
        response_format = self.response_format or ResponseFormat.JSON
        response.status_code = response_status(response_format, self.body)
        response.headers["content-type"] = response_format.content_type
        cacheable = (self.method == "GET" and response.status_code == 200
                     and not self.body.get("errors"))
        return http_cache.conditional(response, cacheable=cacheable,
                                      if_none_match=self.if_none_match)

    def refuse(self, error: HTTPException) -> Response:
        """A request refused before any GraphQL ran, as a GraphQL response with a code."""
        if isinstance(error, GraphQLRefusal):
            code, headers = error.code, error.headers
        else:
            code, headers = _REFUSAL_CODES.get(error.status_code, ErrorCode.BAD_USER_INPUT), {}
        if error.status_code == 405:
            headers.setdefault("Allow", ALLOWED_METHODS)
        body = {"errors": [{"message": error.reason, "extensions": {"code": code.value}}]}
        response = Response(json.dumps(body, separators=(",", ":")),
                            status_code=error.status_code, headers=headers,
                            media_type=(self.response_format or ResponseFormat.JSON).content_type)
        return http_cache.conditional(response, cacheable=False, if_none_match=None)
