"""The URLs the API hands out for media. Content-addressed ones never change meaning, so they
are cached forever; transform URLs are signed."""

from __future__ import annotations

from urllib.parse import urlencode

from hub.media.renditions import Transform
from hub.media.signing import sign
from hub.media.sniff import ACCEPTED

# The file extension of every type the hub accepts, from the one list that sniffing uses.
EXTENSIONS = {sniffed.content_type: sniffed.extension for sniffed in ACCEPTED}
CONTENT_TYPES = {extension: content_type for content_type, extension in EXTENSIONS.items()}


def blob_url(base: str, sha256: str, content_type: str) -> str:
    return f"{base}/media/{sha256}.{EXTENSIONS.get(content_type, 'bin')}"


def transform_message(asset_id: str, transform: Transform) -> str:
    return f"{asset_id}?{transform.key()}"


def transform_url(base: str, asset_id: str, transform: Transform, secret: str) -> str:
    params = {
        key: value for key, value in {
            "w": transform.width, "h": transform.height, "fit": transform.fit,
            "fmt": transform.format, "q": transform.quality,
            "fx": transform.focal_x, "fy": transform.focal_y,
        }.items() if value is not None
    }
    params["sig"] = sign(secret, transform_message(asset_id, transform))
    return f"{base}/assets/{asset_id}/transform?{urlencode(params)}"
