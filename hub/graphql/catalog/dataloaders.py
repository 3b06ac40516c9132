"""One DataLoader per access pattern, created per request: a page of N products costs the same
number of store calls for N = 1 and N = 100."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from hub.catalog.service import CatalogService
from hub.models.product import Product


class ProductByIdLoader(DataLoader[str, Product | None]):
    def __init__(self, catalog: CatalogService) -> None:
        async def batch_load(ids: Sequence[str]) -> list[Product | None]:
            found = await catalog.products_by_id(ids)
            return [found.get(id_) for id_ in ids]

        super().__init__(load_fn=batch_load)


class ProductBySkuLoader(DataLoader[str, Product | None]):
    def __init__(self, catalog: CatalogService) -> None:
        async def batch_load(skus: Sequence[str]) -> list[Product | None]:
            found = await catalog.products_by_sku(skus)
            return [found.get(sku) for sku in skus]

        super().__init__(load_fn=batch_load)


class CatalogLoaders:
    def __init__(self, catalog: CatalogService) -> None:
        self.product_by_id = ProductByIdLoader(catalog)
        self.product_by_sku = ProductBySkuLoader(catalog)
