"""HTTP responses for blobs, whatever the storage backend: strong ETags, conditional GET,
single byte ranges (video seeking), the caching headers the caller decides on, the bytes
streamed from storage chunk by chunk, or a redirect to a presigned URL where the backend hands
those out."""

from __future__ import annotations

import re
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from hub.errors import NotFound
from hub.http.conditional import none_match_hits
from hub.media.storage import BlobStorage

# Media is never a document of this origin: no scripts even if a browser renders it.
SANDBOX = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


async def blob_response(
    request: Request,
    storage: BlobStorage,
    sha256: str,
    *,
    content_type: str,
    cache_control: str,
    filename: str | None = None,
    vary_accept: bool = False,
) -> Response:
    """Serve a stored blob (call after the request was authorized): 404 when it is gone, 304
    when the client's If-None-Match already names it, a redirect to a presigned URL when the
    backend delivers itself, else the bytes, or one range of them with 206. `vary_accept`
    tells caches that the bytes depend on the Accept header (format AUTO)."""
    quoted = f'"{sha256}"'
    headers = {
        "ETag": quoted,
        "Cache-Control": cache_control,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": SANDBOX,
    }
    if vary_accept:
        headers["Vary"] = "Accept"
    size = await storage.size(sha256)
    if size is None:
        raise NotFound("no such media file")
    if none_match_hits(request.headers.get("if-none-match"), quoted):
        return Response(status_code=304, headers=headers)
    # A presigned URL is signed for GET only; HEAD is answered here.
    if request.method == "GET" and (url := await storage.presigned_url(sha256)):
        # The URL expires and changes with each signing: nobody may keep the redirect.
        redirect = {"Cache-Control": "no-store"} | ({"Vary": "Accept"} if vary_accept else {})
        return RedirectResponse(url, status_code=307, headers=redirect)

    headers["Accept-Ranges"] = "bytes"
    headers["Content-Type"] = content_type
    if filename is not None:
        headers["Content-Disposition"] = _inline(filename)
    wanted = _requested_range(request, quoted, size)
    if wanted == "unsatisfiable":
        headers["Content-Range"] = f"bytes */{size}"
        headers.pop("Content-Type")
        return Response(status_code=416, headers=headers)
    start, end, status = (0, size, 200) if wanted is None else (*wanted, 206)
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    headers["Content-Length"] = str(end - start)
    if request.method == "HEAD" or start == end:
        return Response(status_code=status, headers=headers)
    return StreamingResponse(storage.read(sha256, start=start, end=end), status_code=status,
                             headers=headers)


def _requested_range(
    request: Request, etag: str, size: int
) -> tuple[int, int] | str | None:
    """(start, end exclusive) for one satisfiable range; "unsatisfiable"; or None to send the
    whole blob (no Range, several ranges, a stale If-Range, or a header we do not understand,
    which RFC 9110 lets a server ignore)."""
    header = request.headers.get("range")
    if header is None:
        return None
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range.strip() != etag:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None or match[1] == match[2] == "":
        return None
    if match[1] == "":  # the last N bytes
        suffix = int(match[2])
        return "unsatisfiable" if suffix == 0 or size == 0 else (max(0, size - suffix), size)
    start = int(match[1])
    end = size if match[2] == "" else min(int(match[2]) + 1, size)
    if match[2] != "" and int(match[2]) < start:
        return None
    return "unsatisfiable" if start >= size else (start, end)


def _inline(filename: str) -> str:
    """Content-Disposition that keeps the original name, UTF-8 safe (RFC 6266)."""
    quoted = quote(filename)
    if quoted != filename:
        return f"inline; filename*=utf-8''{quoted}"
    return f'inline; filename="{filename}"'
