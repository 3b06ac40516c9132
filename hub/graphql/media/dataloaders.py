"""Assets by id, batched per request: one `mget` however many assets a page shows."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from hub.catalog.service import CatalogService
from hub.models.asset import Asset


class AssetByIdLoader(DataLoader[str, Asset | None]):
    def __init__(self, catalog: CatalogService) -> None:
        async def batch_load(ids: Sequence[str]) -> list[Asset | None]:
            found = await catalog.assets_by_id(ids)
            return [found.get(id_) for id_ in ids]

        super().__init__(load_fn=batch_load)


class MediaLoaders:
    def __init__(self, catalog: CatalogService) -> None:
        self.asset_by_id = AssetByIdLoader(catalog)
