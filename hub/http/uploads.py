"""`POST /uploads`: the streaming upload path for large files (videos, 3D models). The body is
the raw file; it goes through the same ingest service as GraphQL's uploadAsset, streamed to
disk while hashed, never held in memory."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.catalog.library import MediaLibrary
from hub.errors import BadUserInput
from hub.http.access import authorize_upload
from hub.models.product import AssetRole


async def upload(request: Request) -> JSONResponse:
    """Query parameters: filename (required), sku, role, position, tags (comma-separated).
    Needs an editor token."""
    await authorize_upload(request)
    library: MediaLibrary = request.app.state.services.library
    query = _strict_query_params(request)
    role = query.get("role")
    if role is not None and role not in AssetRole.__members__:
        raise BadUserInput(f"role must be one of {', '.join(AssetRole.__members__)}",
                           field="role")
    position = query.get("position")
    if position is not None and not position.isdigit():
        raise BadUserInput("position must be a whole number from 1", field="position")
    result = await library.ingest(
        request.stream(),
        filename=query.get("filename"),
        sku=query.get("sku"),
        role=AssetRole(role) if role else None,
        position=int(position) if position else None,
        tags=[tag for tag in query.get("tags", "").split(",") if tag.strip()],
    )
    asset = result.asset
    return JSONResponse(
        {"id": asset.id, "created": result.created, "kind": asset.kind.value,
         "filename": asset.filename, "contentType": asset.content_type,
         "byteSize": asset.byte_size, "sha256": asset.sha256,
         "products": asset.product_ids, "linkedByName": result.linked_by_name,
         "unlinkedReason": result.unlinked_reason},
        status_code=201 if result.created else 200,
    )


def _strict_query_params(request: Request) -> QueryParams:
    """The query string decoded as UTF-8 strictly: Starlette would put U+FFFD in place of
    invalid bytes, and a file name would be stored with them."""
    try:
        text = request.scope["query_string"].decode("utf-8")
        return QueryParams(parse_qsl(text, keep_blank_values=True, errors="strict"))
    except UnicodeDecodeError as error:
        raise BadUserInput("the query string is not valid UTF-8 once its %-escapes are decoded",
                           field="query") from error


routes = [Route("/uploads", upload, methods=["POST"])]
