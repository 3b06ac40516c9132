"""GraphQL types of the catalog domain."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from hub.graphql.core.context import Info
from hub.graphql.core.pagination import OrderDirection, PageInfo
from hub.graphql.media.types import Asset, ProductAsset
from hub.indexing.search import ProductOrderField
from hub.models.asset import AssetKind
from hub.models.product import AssetLink, AssetRole
from hub.models.product import Product as ProductModel

# Registers the search layer's enum as a GraphQL enum (the same class, so one set of values).
strawberry.enum(ProductOrderField)


@strawberry.type
class Product:
    id: strawberry.ID
    sku: str
    name: str
    description: str
    attributes: JSON
    created_at: datetime
    updated_at: datetime
    links: strawberry.Private[list[AssetLink]]

    @strawberry.field(description="Linked assets in role order, then by position.")
    async def assets(self, info: Info, role: AssetRole | None = None) -> list[ProductAsset]:
        links = [link for link in self.links if role is None or link.role is role]
        loaded = await info.context.media_loaders.asset_by_id.load_many(
            [link.asset_id for link in links])
        return [ProductAsset(role=link.role, position=link.position, asset=Asset(model=asset))
                for link, asset in zip(links, loaded, strict=True) if asset is not None]

    @strawberry.field(description="The MAIN image, else the first linked image.")
    async def main_image(self, info: Info) -> Asset | None:
        for candidate in await self.assets(info):
            if candidate.role is AssetRole.MAIN or candidate.asset.model.kind is AssetKind.IMAGE:
                return candidate.asset
        return None

    @classmethod
    def from_model(cls, product: ProductModel) -> Product:
        return cls(
            id=strawberry.ID(product.id),
            sku=product.sku,
            name=product.name,
            description=product.description,
            attributes=cast(JSON, product.attributes),
            created_at=product.created_at,
            updated_at=product.updated_at,
            links=product.assets,
        )


@strawberry.type
class ProductEdge:
    cursor: str
    node: Product


@strawberry.type
class ProductConnection:
    edges: list[ProductEdge]
    page_info: PageInfo
    total_count: int


@strawberry.input
class ProductInput:
    sku: str
    name: str
    description: str | None = None
    attributes: JSON | None = strawberry.field(
        default=None, description="Free-form product attributes (a JSON object)."
    )


@strawberry.input(description="Only the fields given are changed.")
class ProductPatch:
    sku: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    attributes: JSON | None = strawberry.UNSET


@strawberry.input
class ProductFilter:
    text: str | None = strawberry.field(
        default=None, description="Words of the name, description or SKU; accents and case "
        "are ignored, small typos tolerated."
    )
    skus: list[str] | None = strawberry.field(default=None, description="Exact SKUs.")


@strawberry.input
class ProductOrder:
    field: ProductOrderField
    direction: OrderDirection | None = strawberry.field(
        default=None, description="Default: DESC for dates and relevance, ASC otherwise."
    )
