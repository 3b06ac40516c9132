"""Media delivery: content-addressed blobs, an asset's current original, named renditions
(made on demand when missing) and on-demand transforms. The bytes come from blob storage
through hub/media/delivery.py, or from a presigned S3 URL the route redirects to.

Every route needs a signed URL from the API or a reader token; transforms need a signature
even with a token, so nobody makes the hub render arbitrary variants by editing a URL."""

from __future__ import annotations

import re

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.catalog.library import MediaLibrary
from hub.errors import BadUserInput, NotFound
from hub.http.access import authorize_media
from hub.http.urls import CONTENT_TYPES
from hub.media.delivery import blob_response
from hub.media.renditions import AUTO_FORMAT, Transform

_BLOB_NAME = re.compile(r"(?P<sha256>[0-9a-f]{64})\.(?P<extension>[a-z0-9]{2,5})")


def _library(request: Request) -> MediaLibrary:
    library: MediaLibrary = request.app.state.services.library
    return library


async def blob(request: Request) -> Response:
    """`/media/<sha256>.<ext>`: the bytes never change for this URL, so it is cached as long
    as the grant lasts."""
    grant = await authorize_media(request)
    match = _BLOB_NAME.fullmatch(request.path_params["name"])
    library = _library(request)
    if match is None or match["extension"] not in CONTENT_TYPES:
        raise NotFound("no such media file")
    return await blob_response(request, library.storage, match["sha256"],
                               content_type=CONTENT_TYPES[match["extension"]],
                               cache_control=grant.cache_control(immutable=True))


async def original(request: Request) -> Response:
    """`/assets/<id>/original`: whatever the current version is, revalidated by ETag."""
    grant = await authorize_media(request)
    library = _library(request)
    asset = await library.get_asset(request.path_params["asset_id"])
    if asset is None:
        raise NotFound("no such asset")
    return await blob_response(request, library.storage, asset.sha256,
                               content_type=asset.content_type,
                               cache_control=grant.cache_control(immutable=False),
                               filename=asset.filename)


async def rendition(request: Request) -> Response:
    """`/assets/<id>/renditions/<preset>`: made now if the background worker has not yet."""
    grant = await authorize_media(request)
    library = _library(request)
    made = await library.rendition(request.path_params["asset_id"],
                                   request.path_params["preset"])
    return await blob_response(request, library.storage, made.sha256,
                               content_type=made.content_type,
                               cache_control=grant.cache_control(immutable=False))


async def transform(request: Request) -> Response:
    """`/assets/<id>/transform?w=&h=&fit=&fmt=&q=&fx=&fy=&exp=&sig=`: signed URLs only."""
    grant = await authorize_media(request, signature_required=True)
    library = _library(request)
    asset_id = request.path_params["asset_id"]
    query = request.query_params
    parsed = Transform(
        width=_int(query, "w"), height=_int(query, "h"), fit=query.get("fit", "contain"),
        format=query.get("fmt", "webp"), quality=_int(query, "q"),
        focal_x=_float(query, "fx"), focal_y=_float(query, "fy"),
    ).validate()
    made = await library.transform(asset_id, parsed, accept=request.headers.get("accept", ""))
    return await blob_response(request, library.storage, made.sha256,
                               content_type=made.content_type,
                               cache_control=grant.cache_control(immutable=True),
                               vary_accept=parsed.format == AUTO_FORMAT)


def _int(query: QueryParams, name: str) -> int | None:
    value = _float(query, name)
    if value is not None and not value.is_integer():
        raise BadUserInput(f"`{name}` must be a whole number", field=name)
    return None if value is None else int(value)


def _float(query: QueryParams, name: str) -> float | None:
    value = query.get(name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise BadUserInput(f"`{name}` must be a number", field=name) from None


routes = [
    Route("/media/{name}", blob, methods=["GET", "HEAD"]),
    Route("/assets/{asset_id}/original", original, methods=["GET", "HEAD"]),
    Route("/assets/{asset_id}/renditions/{preset}", rendition, methods=["GET", "HEAD"]),
    Route("/assets/{asset_id}/transform", transform, methods=["GET", "HEAD"]),
]
