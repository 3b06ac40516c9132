"""Catalog use cases shared by GraphQL, the CLI and jobs.

Writes go to MongoDB first (the source of truth) and are then indexed; reads of many products
come from Elasticsearch, with MongoDB as the fallback for single entities when it is down."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bson import ObjectId
from pydantic import BaseModel

from hub.catalog.assets import AssetRepository
from hub.catalog.clock import now_millis
from hub.catalog.locks import EntityLocks
from hub.catalog.outbox import Outbox
from hub.catalog.products import ProductRepository
from hub.catalog.publisher import ASSET, PRODUCT, IndexPublisher
from hub.catalog.validation import (
    AttributeLimits,
    clean_attributes,
    clean_description,
    clean_name,
    clean_sku,
)
from hub.errors import BadUserInput, NotFound, Unavailable
from hub.indexing.asset_search import AssetQuery, AssetSearch
from hub.indexing.indexer import SearchIndexer
from hub.indexing.search import Page, ProductQuery, ProductSearch
from hub.models.asset import Asset
from hub.models.product import AssetLink, AssetRole, Product
from hub.stores import Stores
from hub.webhooks.events import EventSink, NoEvents
from hub.webhooks.payloads import product_media_payload
from hub.webhooks.store import WebhookEvent


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


class CatalogService:
    def __init__(self, stores: Stores) -> None:
        self.stores = stores
        self.products = ProductRepository(stores.db)
        self.assets = AssetRepository(stores.db)
        self.indexer = SearchIndexer(stores.es, stores.indices,
                                     refresh=stores.settings.es_refresh_on_write,
                                     embedding=stores.vision,
                                     replicas=stores.settings.es_replicas,
                                     refresh_interval=stores.settings.es_refresh_interval)
        self.publisher = IndexPublisher(outbox=Outbox(stores.db), products=self.products,
                                        assets=self.assets, indexer=self.indexer)
        self.search = ProductSearch(stores.es, stores.indices)
        self.asset_search = AssetSearch(stores.es, stores.indices)
        self.locks = EntityLocks(stores.db)
        self.events: EventSink = NoEvents()
        settings = stores.settings
        self.attribute_limits = AttributeLimits(max_depth=settings.max_attributes_depth,
                                                max_bytes=settings.max_attributes_bytes,
                                                max_keys=settings.max_attributes_keys)

    # -- product writes -------------------------------------------------------------------

    async def create_product(self, draft: ProductDraft) -> Product:
        now = now_millis()
        product = Product(
            id=str(ObjectId()),
            sku=clean_sku(draft.sku),
            name=clean_name(draft.name),
            description=clean_description(draft.description),
            attributes=clean_attributes(draft.attributes, self.attribute_limits),
            created_at=now,
            updated_at=now,
        )
        entry = await self.publisher.record(PRODUCT, product.id)
        try:
            await self.products.insert(product)
        except Exception:
            await self.publisher.discard([entry])
            raise
        await self.publisher.publish([entry], products=[product])
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
            update["attributes"] = clean_attributes(changes.attributes, self.attribute_limits)
        if not update:
            return await self.get_product(product_id)
        async with self.locks.hold(product_id):
            update["updated_at"] = now_millis()
            entry = await self.publisher.record(PRODUCT, product_id)
            product = await self.products.update(product_id, update)
            if product is None:
                await self.publisher.discard([entry])
                raise _no_product(product_id)
            entries = [entry]
            assets: list[Asset] = []
            if {"sku", "name"} & update.keys():  # linked assets are searchable by both
                assets = list((await self.assets.get_many(product.asset_ids())).values())
                entries += [await self.publisher.record(ASSET, asset.id) for asset in assets]
            await self.publisher.publish(entries, products=[product], assets=assets)
        return product

    async def delete_product(self, product_id: str) -> None:
        async with self.locks.hold(product_id):
            entry = await self.publisher.record(PRODUCT, product_id)
            deleted = await self.products.delete(product_id)
            if deleted is None:
                await self.publisher.discard([entry])
                raise _no_product(product_id)
            entries = [entry]
            assets = []
            for asset_id in deleted.asset_ids():  # the assets stay, unlinked from this product
                entries.append(await self.publisher.record(ASSET, asset_id))
                async with self.locks.hold(asset_id):
                    asset = await self.assets.update(asset_id, {}, extra={
                        "$pull": {"product_ids": product_id}})
                if asset is not None:
                    assets.append(asset)
            await self.publisher.publish(entries, assets=assets,
                                         deleted_products=[(product_id, deleted.revision + 1)])

    # -- links ----------------------------------------------------------------------------

    async def link_asset(
        self, asset_id: str, sku: str, role: AssetRole, position: int | None = None
    ) -> Product:
        """Link (or move) an asset to a product's role at a 1-based position; without a
        position it goes last. Positions within each role stay 1, 2, 3, ..."""
        if position is not None and position < 1:
            raise BadUserInput("position starts at 1", field="position")
        product = await self._product_by_sku_for_change(sku)
        async with self.locks.hold(product.id):
            product = await self._product_by_sku_for_change(sku)
            asset = await self.assets.get(asset_id)
            if asset is None:
                raise NotFound(f"no asset with id {asset_id!r}", id=asset_id)
            links = [link for link in product.assets if link.asset_id != asset_id]
            same_role = [link for link in links if link.role is role]
            index = len(same_role) if position is None else min(position - 1, len(same_role))
            same_role.insert(index, AssetLink(asset_id=asset_id, role=role, position=0))
            return await self._write_links(product, asset, links, role, same_role, link=True)

    async def unlink_asset(self, asset_id: str, sku: str) -> Product:
        product = await self._product_by_sku_for_change(sku)
        async with self.locks.hold(product.id):
            product = await self._product_by_sku_for_change(sku)
            link = next((link for link in product.assets if link.asset_id == asset_id), None)
            if link is None:
                raise NotFound(f"asset {asset_id!r} is not linked to {sku!r}", id=asset_id)
            asset = await self.assets.get(asset_id)
            links = [other for other in product.assets if other.asset_id != asset_id]
            same_role = [other for other in links if other.role is link.role]
            return await self._write_links(product, asset, links, link.role, same_role,
                                           link=False)

    async def _write_links(
        self,
        product: Product,
        asset: Asset | None,
        links: list[AssetLink],
        role: AssetRole,
        same_role: list[AssetLink],
        *,
        link: bool,
    ) -> Product:
        renumbered = [AssetLink(asset_id=item.asset_id, role=role, position=n)
                      for n, item in enumerate(same_role, start=1)]
        others = [item for item in links if item.role is not role]
        new_links = sorted(others + renumbered, key=lambda item: (ROLE_ORDER[item.role],
                                                                  item.position))
        entries = [await self.publisher.record(PRODUCT, product.id)]
        if asset is not None:
            entries.append(await self.publisher.record(ASSET, asset.id))
        updated = await self.products.update(product.id, {
            "assets": [item.model_dump(mode="python") for item in new_links],
            "updated_at": now_millis(),
        })
        if updated is None:
            raise _no_product(product.id)
        assets: list[Asset] = []
        if asset is not None:
            operator = "$addToSet" if link else "$pull"
            async with self.locks.hold(asset.id):
                changed = await self.assets.update(asset.id, {}, extra={
                    operator: {"product_ids": product.id}})
            if changed is not None:
                assets.append(changed)
        await self.publisher.publish(entries, products=[updated], assets=assets)
        await self.events.emit(WebhookEvent.PRODUCT_MEDIA_CHANGED, product_media_payload(updated))
        return updated

    async def _product_by_sku_for_change(self, sku: str) -> Product:
        product = await self.products.get_by_sku(sku)
        if product is None:
            raise NotFound(f"no product with SKU {sku!r}", sku=sku)
        return product

    async def drain_outbox(self, *, batch_size: int = 500) -> int:
        return await self.publisher.drain(batch_size=batch_size)

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

    async def assets_by_id(self, ids: Sequence[str]) -> dict[str, Asset]:
        """Like products_by_id: the index first, MongoDB for what it lacks."""
        try:
            found = await self.asset_search.get_many(ids)
        except Unavailable:
            found = {}
        missing = [id_ for id_ in ids if id_ not in found]
        if missing:
            found.update(await self.assets.get_many(missing))
        return found

    async def find_products(
        self, query: ProductQuery, *, first: int, after: str | None
    ) -> Page[Product]:
        return await self.search.find(query, first=first, after=after)

    async def find_assets(self, query: AssetQuery, *, first: int, after: str | None) -> Page[Asset]:
        return await self.asset_search.find(query, first=first, after=after)


ROLE_ORDER = {role: n for n, role in enumerate(AssetRole)}


def _no_product(product_id: str) -> NotFound:
    return NotFound(f"no product with id {product_id!r}", id=product_id)
