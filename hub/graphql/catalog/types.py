"""GraphQL types of the catalog domain."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from hub.graphql.core.pagination import OrderDirection, PageInfo
from hub.indexing.search import ProductOrderField
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
