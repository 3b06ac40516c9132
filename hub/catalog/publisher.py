"""Getting changes from MongoDB into the search index, now or, via the outbox, later.

A use case records an outbox entry before it writes (FerretDB has no transactions), writes, then
publishes: it indexes what it wrote and clears the entry. When Elasticsearch is down the entry
stays and `drain()` (run by every API process and by `hub worker`) indexes the entity's current
MongoDB state once it is back. Index writes carry revisions, so they never undo each other."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from hub.catalog.assets import AssetRepository
from hub.catalog.outbox import Outbox, OutboxEntry
from hub.catalog.products import ProductRepository
from hub.errors import Unavailable
from hub.indexing.indexer import Refresh, SearchIndexer
from hub.models.asset import Asset
from hub.models.product import Product

logger = logging.getLogger(__name__)

PRODUCT = "product"
ASSET = "asset"
# Longer than any write may take: an entry whose entity is missing from MongoDB is treated as
# a deletion only after this, because a creation records its entry before inserting.
OUTBOX_SETTLE_SECONDS = 60

Deletion = tuple[str, int | None]  # (id, revision the deletion is ordered at, or unconditional)


class IndexPublisher:
    def __init__(
        self,
        *,
        outbox: Outbox,
        products: ProductRepository,
        assets: AssetRepository,
        indexer: SearchIndexer,
    ) -> None:
        self.outbox = outbox
        self.products = products
        self.assets = assets
        self.indexer = indexer

    async def record(self, kind: str, entity_id: str) -> OutboxEntry:
        return await self.outbox.record(kind, entity_id)

    async def record_many(self, kind: str, entity_ids: Sequence[str]) -> list[OutboxEntry]:
        return await self.outbox.record_many(kind, entity_ids)

    async def discard(self, entries: Sequence[OutboxEntry]) -> None:
        """For a write that did not happen after all."""
        await self.outbox.done(list(entries))

    async def publish(
        self,
        entries: Sequence[OutboxEntry],
        *,
        products: Sequence[Product] = (),
        assets: Sequence[Asset] = (),
        deleted_products: Sequence[Deletion] = (),
        deleted_assets: Sequence[Deletion] = (),
        refresh: Refresh | None = None,
    ) -> None:
        """Index what was just written; if Elasticsearch is down the outbox keeps the change.
        `refresh` overrides the deployment's setting (bulk jobs: "false", and one refresh when
        the job ends)."""
        try:
            await self._apply(products, assets, deleted_products, deleted_assets, refresh)
        except Unavailable as error:
            logger.warning("index update postponed to the outbox: %s", error)
            return
        await self.outbox.done(list(entries))

    async def drain(self, *, batch_size: int = 500) -> int:
        """Apply pending entries from MongoDB's current state; returns how many were applied."""
        entries = await self.outbox.pending(batch_size)
        product_ids = [e.entity_id for e in entries if e.kind == PRODUCT]
        asset_ids = [e.entity_id for e in entries if e.kind == ASSET]
        products = await self.products.get_many(product_ids)
        assets = await self.assets.get_many(asset_ids)
        settled_before = datetime.now(UTC) - timedelta(seconds=OUTBOX_SETTLE_SECONDS)
        present = {(PRODUCT, id_) for id_ in products} | {(ASSET, id_) for id_ in assets}
        gone = [e for e in entries if (e.kind, e.entity_id) not in present
                and e.created_at < settled_before]
        await self._apply(
            list(products.values()),
            list(assets.values()),
            [(e.entity_id, None) for e in gone if e.kind == PRODUCT],
            [(e.entity_id, None) for e in gone if e.kind == ASSET],
        )
        applied = [e for e in entries if (e.kind, e.entity_id) in present] + gone
        await self.outbox.done(applied)
        return len(applied)

    async def _apply(
        self,
        products: Sequence[Product],
        assets: Sequence[Asset],
        deleted_products: Sequence[Deletion],
        deleted_assets: Sequence[Deletion],
        refresh: Refresh | None = None,
    ) -> None:
        await self.indexer.index_products(products)
        if assets:
            linked = await self.products.get_many(
                [id_ for asset in assets for id_ in asset.product_ids]
            )
            await self.indexer.index_assets(
                [(asset, [linked[id_] for id_ in asset.product_ids if id_ in linked])
                 for asset in assets],
                refresh=refresh,
            )
        await self.indexer.delete_products(deleted_products)
        await self.indexer.delete_assets(deleted_assets)
