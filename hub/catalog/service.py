"""Catalog use cases shared by GraphQL, the CLI and jobs.

Writes go to MongoDB first (the source of truth) and are then indexed; reads of many products
come from Elasticsearch, with MongoDB as the fallback for single entities when it is down."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from pydantic import BaseModel

from hub.catalog.locks import EntityLocks
from hub.catalog.outbox import Outbox, OutboxEntry
from hub.catalog.products import ProductRepository
from hub.catalog.validation import clean_attributes, clean_description, clean_name, clean_sku
from hub.errors import NotFound, Unavailable
from hub.indexing.indexer import SearchIndexer
from hub.indexing.search import Page, ProductQuery, ProductSearch
from hub.models.product import Product
from hub.stores import Stores

logger = logging.getLogger(__name__)

PRODUCT = "product"
OUTBOX_SETTLE_SECONDS = 60


class ProductDraft(BaseModel):
    sku: str
    name: str
    description: str | None = None
    attributes: Any = None  # checked by clean_attributes, which names what is wrong


class ProductChanges(BaseModel):
    """Only the fields that were given are changed (see `model_fields_set`)."""

    sku: str | None = None
    name: str | None = None
    description: str | None = None
    attributes: Any = None  # checked by clean_attributes, which names what is wrong


def _now() -> datetime:
    # MongoDB keeps milliseconds; trimming here keeps what a client sees identical on every path.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class CatalogService:
    def __init__(self, stores: Stores) -> None:
        self.products = ProductRepository(stores.db)
        self.outbox = Outbox(stores.db)
        self.indexer = SearchIndexer(
            stores.es, stores.indices, refresh=stores.settings.es_refresh_on_write
        )
        self.search = ProductSearch(stores.es, stores.indices)
        self.locks = EntityLocks()

    # -- writes ---------------------------------------------------------------------------

    async def create_product(self, draft: ProductDraft) -> Product:
        now = _now()
        product = Product(
            id=str(ObjectId()),
            sku=clean_sku(draft.sku),
            name=clean_name(draft.name),
            description=clean_description(draft.description),
            attributes=clean_attributes(draft.attributes),
            created_at=now,
            updated_at=now,
        )
        entry = await self.outbox.record(PRODUCT, product.id)
        try:
            await self.products.insert(product)
        except Exception:
            await self.outbox.done([entry])
            raise
        await self._publish([entry], [product])
        return product

    async def update_product(self, product_id: str, changes: ProductChanges) -> Product:
        given = changes.model_fields_set
        update: dict[str, Any] = {}
        if "sku" in given:
            update["sku"] = clean_sku(changes.sku or "")
        if "name" in given:
            update["name"] = clean_name(changes.name or "")
        if "description" in given:
            update["description"] = clean_description(changes.description)
        if "attributes" in given:
            update["attributes"] = clean_attributes(changes.attributes)
        if not update:
            return await self.get_product(product_id)
        async with self.locks.hold(product_id):
            update["updated_at"] = _now()
            entry = await self.outbox.record(PRODUCT, product_id)
            product = await self.products.update(product_id, update)
            if product is None:
                await self.outbox.done([entry])
                raise _no_product(product_id)
            await self._publish([entry], [product])
        return product

    async def delete_product(self, product_id: str) -> None:
        async with self.locks.hold(product_id):
            entry = await self.outbox.record(PRODUCT, product_id)
            deleted = await self.products.delete(product_id)
            if deleted is None:
                await self.outbox.done([entry])
                raise _no_product(product_id)
            await self._publish([entry], [], deleted=[(product_id, deleted.revision + 1)])

    async def _publish(
        self,
        entries: list[OutboxEntry],
        products: list[Product],
        deleted: Sequence[tuple[str, int | None]] = (),
    ) -> None:
        """Index what was just written; if Elasticsearch is down the outbox keeps the change."""
        try:
            await self.indexer.index_products(products)
            await self.indexer.delete_products(deleted)
        except Unavailable as error:
            logger.warning("index update postponed to the outbox: %s", error)
            return
        await self.outbox.done(entries)

    async def drain_outbox(self, *, batch_size: int = 500) -> int:
        """Apply pending index updates; returns how many were applied.

        A product that is in MongoDB is indexed at its revision, which can never undo a newer
        write. One that is missing was deleted, or its creation is still in flight (the entry is
        written first): it is removed from the index only once its entry is older than
        OUTBOX_SETTLE_SECONDS, longer than any write may take, and left for later before that."""
        entries = [e for e in await self.outbox.pending(batch_size) if e.kind == PRODUCT]
        found = await self.products.get_many([entry.entity_id for entry in entries])
        settled_before = datetime.now(UTC) - timedelta(seconds=OUTBOX_SETTLE_SECONDS)
        gone = [entry for entry in entries if entry.entity_id not in found
                and entry.created_at < settled_before]
        await self.indexer.index_products(found.values())
        await self.indexer.delete_products([(entry.entity_id, None) for entry in gone])
        applied = [entry for entry in entries if entry.entity_id in found] + gone
        await self.outbox.done(applied)
        return len(applied)

    # -- reads ----------------------------------------------------------------------------

    async def get_product(self, product_id: str) -> Product:
        product = (await self.products_by_id([product_id])).get(product_id)
        if product is None:
            raise _no_product(product_id)
        return product

    async def products_by_id(self, ids: Sequence[str]) -> dict[str, Product]:
        """From the index (realtime); ids it lacks, or all of them when it is down, from MongoDB,
        so a change still waiting in the outbox is never reported missing."""
        try:
            found = await self.search.get_many(ids)
        except Unavailable:
            found = {}
        missing = [id_ for id_ in ids if id_ not in found]
        if missing:
            found.update(await self.products.get_many(missing))
        return found

    async def products_by_sku(self, skus: Sequence[str]) -> dict[str, Product]:
        try:
            found = await self.search.get_many_by_sku(skus)
        except Unavailable:
            found = {}
        for sku in skus:
            if sku not in found and (product := await self.products.get_by_sku(sku)):
                found[sku] = product
        return found

    async def find_products(self, query: ProductQuery, *, first: int, after: str | None) -> Page:
        return await self.search.find(query, first=first, after=after)


def _no_product(product_id: str) -> NotFound:
    return NotFound(f"no product with id {product_id!r}", id=product_id)
