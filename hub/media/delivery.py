"""HTTP responses for blobs: strong ETags, conditional GET, Range (via Starlette's FileResponse)
and the caching headers the caller decides on."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from hub.http.conditional import none_match_hits


def blob_response(
    request: Request,
    path: Path,
    *,
    etag: str,
    content_type: str,
    cache_control: str,
    filename: str | None = None,
    vary_accept: bool = False,
) -> Response:
    """Serve a stored file; 304 when the client's If-None-Match already names this content.
    `vary_accept` tells caches that the bytes depend on the Accept header (format AUTO)."""
    quoted = f'"{etag}"'
    headers = {
        "ETag": quoted,
        "Cache-Control": cache_control,
        "X-Content-Type-Options": "nosniff",
        # Media is never a document of this origin: no scripts even if a browser renders it.
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    }
    if vary_accept:
        headers["Vary"] = "Accept"
    if none_match_hits(request.headers.get("if-none-match"), quoted):
        return Response(status_code=304, headers=headers)
    # FileResponse answers Range and If-Range itself; it keeps our ETag over its own.
    return FileResponse(path, media_type=content_type, headers=headers, filename=filename,
                        content_disposition_type="inline")
