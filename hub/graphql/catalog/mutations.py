"""Catalog mutations: thin resolvers over CatalogService."""

from __future__ import annotations

import strawberry

from hub.catalog.service import ProductChanges, ProductDraft
from hub.graphql.catalog.types import Product, ProductInput, ProductPatch
from hub.graphql.core.context import Info
from hub.graphql.core.permissions import IsAdmin, IsEditor


@strawberry.type
class CatalogMutations:
    @strawberry.mutation(permission_classes=[IsEditor],
                         description="Create a product; its SKU must be unique.")
    async def create_product(self, info: Info, input: ProductInput) -> Product:
        draft = ProductDraft(sku=input.sku, name=input.name, description=input.description,
                             attributes=input.attributes)
        return Product.from_model(await info.context.catalog.create_product(draft))

    @strawberry.mutation(permission_classes=[IsEditor],
                         description="Change the given fields of a product.")
    async def update_product(self, info: Info, id: strawberry.ID, input: ProductPatch) -> Product:
        given = {name: value for name, value in vars(input).items()
                 if value is not strawberry.UNSET}
        changes = ProductChanges(**given)
        return Product.from_model(await info.context.catalog.update_product(str(id), changes))

    @strawberry.mutation(permission_classes=[IsAdmin],
                         description="Delete a product (its assets stay in the library).")
    async def delete_product(self, info: Info, id: strawberry.ID) -> bool:
        await info.context.catalog.delete_product(str(id))
        return True
