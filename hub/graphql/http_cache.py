"""Caching headers of GraphQL responses: GET queries are revalidated by ETag, nothing else is
stored anywhere.

A successful GET query gets a weak ETag (a hash of its media type and its `data`) and
`Cache-Control: private, max-age=0, must-revalidate`:

- weak, over `data` only: the body also carries diagnostics that differ between two runs of the
  same query (`extensions.storeCalls`, e.g. one more MongoDB call when a token's last use is
  recorded), so equal answers are equivalent rather than byte-identical; a 304 hands the client
  back its copy of the same data.

- `private`: every operation is answered for one token, so a shared cache (CDN, proxy) must not
  keep the answer and hand it to another caller. Without it `must-revalidate` would even let a
  shared cache store a response to a request with `Authorization` (RFC 9111 §3.5).
- `max-age=0, must-revalidate`: any write may change the answer, so the browser asks again each
  time with `If-None-Match` and gets a bodyless 304 while nothing changed. That saves the
  transfer and the client's parsing, not the query: the hub runs it to know the body.
- `Vary: Authorization, Accept`: the same URL answers differently per token and media type.

Mutations (POST) and every response with errors are `no-store`: a failed or side-effecting
answer must never be replayed from a cache.
"""

from __future__ import annotations

import base64
import hashlib
import json

from starlette.responses import Response

from hub.http.conditional import none_match_hits

REVALIDATE = "private, max-age=0, must-revalidate"
NO_STORE = "no-store"
VARY = "Authorization, Accept"


def data_etag(content_type: str, body: bytes) -> str:
    """Weak and quoted; the media type is hashed too, so the two representations of one answer
    (JSON and graphql-response+json) never share a validator."""
    data = json.dumps(json.loads(body).get("data"), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(content_type.encode() + b"\n" + data.encode()).digest()
    return 'W/"' + base64.urlsafe_b64encode(digest).decode().rstrip("=") + '"'


def conditional(response: Response, *, cacheable: bool, if_none_match: str | None) -> Response:
    """The response with its caching headers; a 304 instead when the client has it already."""
    response.headers["vary"] = VARY
    if not cacheable:
        response.headers["cache-control"] = NO_STORE
        return response
    etag = data_etag(response.headers["content-type"], bytes(response.body))
    response.headers["etag"] = etag
    response.headers["cache-control"] = REVALIDATE
    if none_match_hits(if_none_match, etag):
        return Response(status_code=304,
                        headers={"etag": etag, "cache-control": REVALIDATE, "vary": VARY})
    return response
