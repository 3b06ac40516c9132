"""Media mutations: uploads (GraphQL multipart request spec), links, tags, versions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.file_uploads import Upload

from hub.auth.rate_limit import Expensive
from hub.graphql.core.context import Info
from hub.graphql.core.permissions import IsAdmin, IsEditor
from hub.graphql.media.types import Asset
from hub.graphql.media.types import FocalPoint as FocalPointInput
from hub.media.storage import CHUNK_SIZE
from hub.models.asset import FocalPoint
from hub.models.product import AssetRole

if TYPE_CHECKING:  # the catalog types import this domain's types
    from hub.graphql.catalog.types import Product

ProductType = Annotated["Product", strawberry.lazy("hub.graphql.catalog.types")]


async def upload_chunks(upload: Upload) -> AsyncIterator[bytes]:
    """Starlette has spooled the part to a temporary file; read it back in chunks."""
    while chunk := await upload.read(CHUNK_SIZE):  # type: ignore[attr-defined]
        yield chunk


@strawberry.type
class MediaMutations:
    @strawberry.mutation(permission_classes=[IsEditor],
                         description="Upload a file; the same bytes again return the existing "
                         "asset. With a SKU it is linked (first image: MAIN, else by kind).")
    async def upload_asset(
        self,
        info: Info,
        file: Upload,
        sku: str | None = None,
        role: AssetRole | None = None,
        tags: list[str] | None = None,
    ) -> Asset:
        await info.context.count_expensive(Expensive.UPLOAD)
        result = await info.context.library.ingest(
            upload_chunks(file), filename=getattr(file, "filename", None), sku=sku, role=role,
            tags=tags,
        )
        return Asset(model=result.asset)

    @strawberry.mutation(permission_classes=[IsEditor],
                         description="Upload a new version of the file; the old one is kept.")
    async def replace_asset_file(self, info: Info, id: strawberry.ID, file: Upload) -> Asset:
        await info.context.count_expensive(Expensive.UPLOAD)
        asset = await info.context.library.replace_file(
            str(id), upload_chunks(file), filename=getattr(file, "filename", None))
        return Asset(model=asset)

    @strawberry.mutation(permission_classes=[IsAdmin],
                         description="Delete an asset, its links and every unused file.")
    async def delete_asset(self, info: Info, id: strawberry.ID) -> bool:
        await info.context.library.delete_asset(str(id))
        return True

    @strawberry.mutation(permission_classes=[IsEditor],
                         description="Link an asset to a product (or move it) in a role, at a "
                         "1-based position (default: last).")
    async def link_asset(
        self, info: Info, asset_id: strawberry.ID, sku: str, role: AssetRole,
        position: int | None = None,
    ) -> ProductType:
        from hub.graphql.catalog.types import Product

        product = await info.context.catalog.link_asset(str(asset_id), sku, role, position)
        return Product.from_model(product)

    @strawberry.mutation(permission_classes=[IsEditor],
                         description="Remove an asset's link to a product.")
    async def unlink_asset(self, info: Info, asset_id: strawberry.ID, sku: str) -> ProductType:
        from hub.graphql.catalog.types import Product

        product = await info.context.catalog.unlink_asset(str(asset_id), sku)
        return Product.from_model(product)

    @strawberry.mutation(permission_classes=[IsEditor],
                         description="Set (or with null, clear) the point cover crops keep in "
                         "view; renditions are made anew.")
    async def set_asset_focal_point(
        self, info: Info, id: strawberry.ID, focal_point: FocalPointInput | None = None
    ) -> Asset:
        point = FocalPoint(x=focal_point.x, y=focal_point.y) if focal_point else None
        return Asset(model=await info.context.library.set_focal_point(str(id), point))

    @strawberry.mutation(permission_classes=[IsEditor],
                         description="Add manual tags and remove tags by label.")
    async def tag_asset(
        self, info: Info, id: strawberry.ID, add: list[str] | None = None,
        remove: list[str] | None = None,
    ) -> Asset:
        return Asset(model=await info.context.library.tag_asset(str(id), add=add, remove=remove))
