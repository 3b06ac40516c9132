"""Signed media URLs: an HMAC over the path, the query and an expiry time, so a URL the API
handed out can be fetched without a token until it expires, and cannot be edited into another
file, another variant or a later expiry."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import urlencode

from hub.errors import Forbidden

SIGNATURE = "sig"
EXPIRES = "exp"


def sign(secret: str, message: str) -> str:
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def signed_message(path: str, params: Iterable[tuple[str, str]]) -> str:
    """The canonical form of a URL: its path and its parameters (but the signature), sorted."""
    return f"{path}?{urlencode(sorted((k, v) for k, v in params if k != SIGNATURE))}"


def expiry(now: float, ttl_seconds: int) -> int:
    """An expiry at least `ttl_seconds` away, rounded up to a quarter of the ttl: a URL then
    stays the same for a while, so browsers and CDNs can cache it."""
    step = max(1, ttl_seconds // 4)
    return (int(now) + ttl_seconds) // step * step + step


def check_signature(
    secret: str, path: str, params: list[tuple[str, str]], now: float
) -> None:
    """Forbidden unless the URL carries a valid, unexpired signature."""
    values = dict(params)
    given = values.get(SIGNATURE, "")
    if not hmac.compare_digest(sign(secret, signed_message(path, params)), given):
        raise Forbidden("the media URL's signature is not valid (the URL was changed, or was "
                        "signed with another secret); ask the API for a fresh URL")
    expires = values.get(EXPIRES, "")
    if not expires.isdigit() or int(expires) < now:
        raise Forbidden("the signed media URL has expired; ask the API for a fresh URL",
                        expiredAt=int(expires) if expires.isdigit() else None)
