"""The `products` collection: reads by `_id` or unique SKU, atomic writes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from hub.catalog.errors import is_duplicate_key, mongo_errors
from hub.errors import BadUserInput
from hub.models.product import Product


def _duplicate_sku(sku: str) -> BadUserInput:
    return BadUserInput(f"a product with SKU {sku!r} already exists", field="sku", sku=sku)


class ProductRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["products"]

    async def insert(self, product: Product) -> None:
        async with mongo_errors("creating a product"):
            try:
                await self.collection.insert_one(product.to_mongo())
            except OperationFailure as error:
                if not is_duplicate_key(error):
                    raise
                raise _duplicate_sku(product.sku) from None

    async def get(self, product_id: str) -> Product | None:
        async with mongo_errors("loading a product"):
            document = await self.collection.find_one({"_id": product_id})
        return Product.from_mongo(document) if document else None

    async def get_many(self, ids: Sequence[str]) -> dict[str, Product]:
        """One `_id` lookup per product, concurrently: FerretDB does not push `$in` down to an
        index, so this is faster there and as fast on MongoDB."""
        products = await asyncio.gather(*(self.get(id_) for id_ in dict.fromkeys(ids)))
        return {product.id: product for product in products if product is not None}

    async def get_by_sku(self, sku: str) -> Product | None:
        async with mongo_errors("loading a product"):
            document = await self.collection.find_one({"sku": sku})
        return Product.from_mongo(document) if document else None

    async def update(self, product_id: str, changes: dict[str, Any]) -> Product | None:
        async with mongo_errors("updating a product"):
            try:
                document = await self.collection.find_one_and_update(
                    {"_id": product_id}, {"$set": changes, "$inc": {"revision": 1}},
                    return_document=ReturnDocument.AFTER
                )
            except OperationFailure as error:
                if not is_duplicate_key(error):
                    raise
                raise _duplicate_sku(changes.get("sku", "")) from None
        return Product.from_mongo(document) if document else None

    async def delete(self, product_id: str) -> Product | None:
        """Returns the deleted product, or None when there was none."""
        async with mongo_errors("deleting a product"):
            document = await self.collection.find_one_and_delete({"_id": product_id})
        return Product.from_mongo(document) if document else None
