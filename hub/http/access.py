"""Who may fetch media and upload over plain HTTP: the same tokens and roles as GraphQL, or for
media a signed URL the API handed out."""

from __future__ import annotations

import time
from dataclasses import dataclass

from starlette.requests import Request

from hub.auth.credentials import Credentials
from hub.auth.rate_limit import Expensive, RateLimiter
from hub.auth.roles import Role
from hub.auth.tokens import ApiToken
from hub.media.signing import EXPIRES, SIGNATURE, check_signature

YEAR_SECONDS = 365 * 24 * 3600


@dataclass(frozen=True)
class MediaGrant:
    """How a media request was allowed; decides who may cache the answer, and for how long."""

    signed_until: int | None  # a signed URL's expiry; None when a token allowed it

    def cache_control(self, *, immutable: bool) -> str:
        if self.signed_until is None:  # per token: only the client's own cache
            return "private, max-age=31536000, immutable" if immutable \
                else "private, max-age=60, must-revalidate"
        remaining = max(0, min(self.signed_until - int(time.time()), YEAR_SECONDS))
        return f"public, max-age={remaining}, immutable" if immutable \
            else f"public, max-age={min(remaining, 60)}, must-revalidate"


def credentials(request: Request) -> Credentials:
    return Credentials(request.headers.get("authorization"), request.app.state.services.tokens)


async def authorize_media(request: Request, *, signature_required: bool = False) -> MediaGrant:
    """A signed URL is checked against its signature and expiry; without one, a reader token is
    needed (FORBIDDEN / UNAUTHENTICATED otherwise)."""
    params = request.query_params.multi_items()
    if signature_required or any(key == SIGNATURE for key, _ in params):
        secret = request.app.state.settings.signing_secret
        check_signature(secret, request.url.path, params, time.time())
        return MediaGrant(signed_until=int(dict(params)[EXPIRES]))
    await credentials(request).require(Role.READER)
    return MediaGrant(signed_until=None)


async def authorize_upload(request: Request) -> ApiToken:
    """An editor token, counted against its upload rate limit."""
    token = await credentials(request).require(Role.EDITOR)
    limiter: RateLimiter = request.app.state.services.rate_limiter
    await limiter.hit(Expensive.UPLOAD, token.id)
    return token
