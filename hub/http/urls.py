"""The media URLs the API hands out, all signed with an expiry: an `<img src>` needs no token,
and the URL cannot be edited into another file or variant."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from hub.media.renditions import Transform
from hub.media.signing import EXPIRES, SIGNATURE, expiry, sign, signed_message
from hub.media.sniff import ACCEPTED, USDZ_CONTENT_TYPE

# The file extension of every type the hub accepts, from the one list that sniffing uses, and
# of the types it only hands out (USDZ files made from 3D models for AR Quick Look).
EXTENSIONS = {sniffed.content_type: sniffed.extension for sniffed in ACCEPTED}
EXTENSIONS[USDZ_CONTENT_TYPE] = "usdz"
CONTENT_TYPES = {extension: content_type for content_type, extension in EXTENSIONS.items()}


@dataclass(frozen=True)
class MediaUrls:
    """Signs URLs for one request: every URL of a response shares one expiry."""

    base: str
    secret: str
    ttl_seconds: int
    now: float = field(default_factory=time.time)

    def blob(self, sha256: str, content_type: str) -> str:
        """Content-addressed: the bytes behind this path never change."""
        return self._signed(f"/media/{sha256}.{EXTENSIONS.get(content_type, 'bin')}", {})

    def transform(self, asset_id: str, transform: Transform) -> str:
        params = {
            key: value for key, value in {
                "w": transform.width, "h": transform.height, "fit": transform.fit,
                "fmt": transform.format, "q": transform.quality,
                "fx": transform.focal_x, "fy": transform.focal_y,
            }.items() if value is not None
        }
        return self._signed(f"/assets/{asset_id}/transform", params)

    def _signed(self, path: str, params: Mapping[str, object]) -> str:
        query = [(key, str(value)) for key, value in params.items()]
        query.append((EXPIRES, str(expiry(self.now, self.ttl_seconds))))
        query.append((SIGNATURE, sign(self.secret, signed_message(path, query))))
        return f"{self.base}{path}?{urlencode(query)}"
