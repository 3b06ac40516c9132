"""MongoDB indexes, created at start-up (idempotent).

Uniqueness is what matters on FerretDB (it enforces it but uses no secondary index for reads);
on real MongoDB the same indexes also make the lookups fast."""

from __future__ import annotations

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from hub.catalog.errors import mongo_errors

INDEXES: dict[str, list[IndexModel]] = {
    "products": [IndexModel([("sku", ASCENDING)], unique=True, name="sku_unique")],
    "assets": [IndexModel([("sha256", ASCENDING)], unique=True, name="sha256_unique")],
    "outbox": [IndexModel([("created_at", ASCENDING)], name="created_at")],
    "api_tokens": [IndexModel([("secret_sha256", ASCENDING)], unique=True,
                              name="secret_unique")],
    "rate_limit_hits": [IndexModel([("key", ASCENDING), ("at", ASCENDING)], name="key_at")],
}


async def ensure_mongo_indexes(db: AsyncDatabase) -> None:
    async with mongo_errors("creating indexes"):
        for collection, indexes in INDEXES.items():
            await db[collection].create_indexes(indexes)
