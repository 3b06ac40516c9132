"""Catalog queries: thin resolvers over CatalogService and the request's DataLoaders."""

from __future__ import annotations

import strawberry

from hub.errors import BadUserInput
from hub.graphql.catalog.types import (
    Product,
    ProductConnection,
    ProductEdge,
    ProductFilter,
    ProductOrder,
)
from hub.graphql.core.context import Info
from hub.graphql.core.pagination import OrderDirection, PageInfo, check_page_size
from hub.graphql.core.permissions import IsReader
from hub.indexing.search import ProductQuery


@strawberry.type
class CatalogQueries:
    @strawberry.field(permission_classes=[IsReader],
                      description="One product by id or by SKU (give exactly one); null if none.")
    async def product(
        self, info: Info, id: strawberry.ID | None = None, sku: str | None = None
    ) -> Product | None:
        if (id is None) == (sku is None):
            raise BadUserInput("give exactly one of `id` and `sku`")
        loaders = info.context.catalog_loaders
        found = await (loaders.product_by_id.load(str(id)) if id is not None
                       else loaders.product_by_sku.load(str(sku)))
        return Product.from_model(found) if found else None

    @strawberry.field(permission_classes=[IsReader],
                      description="Products, newest first unless ordered otherwise.")
    async def products(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        filter: ProductFilter | None = None,
        order_by: ProductOrder | None = None,
    ) -> ProductConnection:
        first = check_page_size(first, info.context.settings.max_page_size)
        query = ProductQuery(
            text=filter.text if filter else None,
            skus=filter.skus if filter else None,
            order_by=order_by.field if order_by else None,
            descending=(order_by.direction is OrderDirection.DESC
                        if order_by and order_by.direction else None),
        )
        page = await info.context.catalog.find_products(query, first=first, after=after)
        edges = [ProductEdge(cursor=cursor, node=Product.from_model(product))
                 for product, cursor in page.items]
        return ProductConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next_page,
                               end_cursor=edges[-1].cursor if edges else None),
            total_count=page.total_count,
        )
