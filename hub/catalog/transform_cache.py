"""Which blob holds an on-demand transform of an original, so each variant renders once."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase

from hub.catalog.errors import mongo_errors


@dataclass(frozen=True)
class CachedTransform:
    sha256: str
    content_type: str


class TransformCache:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["transform_cache"]

    async def get(self, key: str) -> CachedTransform | None:
        async with mongo_errors("reading the transform cache"):
            document = await self.collection.find_one({"_id": key})
        return CachedTransform(document["sha256"], document["content_type"]) if document else None

    async def put(self, key: str, cached: CachedTransform) -> None:
        async with mongo_errors("writing the transform cache"):
            await self.collection.replace_one(
                {"_id": key}, {"sha256": cached.sha256, "content_type": cached.content_type},
                upsert=True,
            )
