"""Rebuilding a search index from MongoDB beside the live one, then swapping the alias: searches
keep working throughout, and a mapping change needs no downtime."""

from __future__ import annotations

import logging
from collections.abc import Callable

from hub.catalog.clock import now_millis
from hub.catalog.service import CatalogService
from hub.models.asset import Asset
from hub.models.product import Product

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
Progress = Callable[[int, int], None]  # (done, total)


async def rebuild_outdated_indices(catalog: CatalogService) -> list[str]:
    """Rebuild every alias whose index has an older mapping than the code (run at start-up)."""
    outdated = await catalog.indexer.outdated_aliases()
    for alias in outdated:
        logger.warning("index %s has an older mapping: rebuilding it from MongoDB", alias)
        await rebuild_index(catalog, alias)
    return outdated


async def rebuild_index(
    catalog: CatalogService, alias: str, progress: Progress | None = None
) -> int:
    """Index every product or asset into a fresh index, swap the alias, then index again what
    changed while the rebuild ran. Returns how many documents were indexed."""
    indexer = catalog.indexer
    started = now_millis()
    index = await indexer.create_fresh_index(alias)
    is_products = alias == indexer.names.products
    collection = catalog.products.collection if is_products else catalog.assets.collection
    total = await collection.count_documents({})
    done = await _copy(catalog, index, {}, is_products, total, progress)
    await indexer.swap_alias(alias, index)
    # Writes during the copy went to the old index; index them again into the new one.
    await _copy(catalog, alias, {"updated_at": {"$gte": started}}, is_products, 0, None)
    return done


async def _copy(
    catalog: CatalogService,
    target: str,
    query: dict[str, object],
    is_products: bool,
    total: int,
    progress: Progress | None,
) -> int:
    collection = catalog.products.collection if is_products else catalog.assets.collection
    done = 0
    batch: list[dict[str, object]] = []
    async for document in collection.find(query).sort("_id", 1):
        batch.append(document)
        if len(batch) >= BATCH_SIZE:
            done += await _index_batch(catalog, target, batch, is_products)
            batch = []
            if progress:
                progress(done, total)
    if batch:
        done += await _index_batch(catalog, target, batch, is_products)
    if progress:
        progress(done, total)
    return done


async def _index_batch(
    catalog: CatalogService, target: str, batch: list[dict[str, object]], is_products: bool
) -> int:
    if is_products:
        await catalog.indexer.index_products([Product.from_mongo(d) for d in batch], into=target)
    else:
        assets = [Asset.from_mongo(d) for d in batch]
        linked = await catalog.products.get_many([i for a in assets for i in a.product_ids])
        await catalog.indexer.index_assets(
            [(a, [linked[i] for i in a.product_ids if i in linked]) for a in assets], into=target)
    return len(batch)
