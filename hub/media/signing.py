"""HMAC signatures for URLs the hub hands out, so nobody can make it render arbitrary variants
(or, later, read unpublished media) by editing a URL."""

from __future__ import annotations

import base64
import hashlib
import hmac


def sign(secret: str, message: str) -> str:
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def verify(secret: str, message: str, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, message), signature)
