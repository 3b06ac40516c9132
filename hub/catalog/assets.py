"""The `assets` collection: reads by `_id` or unique sha256, writes serialised per asset."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from hub.catalog.errors import is_duplicate_key, mongo_errors
from hub.models.asset import Asset


class AssetRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["assets"]

    async def insert(self, asset: Asset) -> bool:
        """False when an asset with the same sha256 exists already (the unique index decides,
        so two concurrent uploads of one file make one asset)."""
        async with mongo_errors("storing an asset"):
            try:
                await self.collection.insert_one(asset.to_mongo())
            except OperationFailure as error:
                if not is_duplicate_key(error):
                    raise
                return False
        return True

    async def get(self, asset_id: str) -> Asset | None:
        async with mongo_errors("loading an asset"):
            document = await self.collection.find_one({"_id": asset_id})
        return Asset.from_mongo(document) if document else None

    async def revision(self, asset_id: str) -> int | None:
        """The asset's revision alone (bumped by every update), None once it is deleted: a cheap
        read for watchers, without the embedding and renditions."""
        async with mongo_errors("checking an asset"):
            document = await self.collection.find_one({"_id": asset_id},
                                                      projection={"revision": 1})
        return int(document.get("revision", 1)) if document else None

    async def get_many(self, ids: Sequence[str]) -> dict[str, Asset]:
        """Concurrent `_id` lookups (FerretDB does not push `$in` down to an index)."""
        assets = await asyncio.gather(*(self.get(id_) for id_ in dict.fromkeys(ids)))
        return {asset.id: asset for asset in assets if asset is not None}

    async def get_by_sha256(self, sha256: str) -> Asset | None:
        async with mongo_errors("loading an asset"):
            document = await self.collection.find_one({"sha256": sha256})
        return Asset.from_mongo(document) if document else None

    async def update(
        self,
        asset_id: str,
        changes: dict[str, Any],
        *,
        extra: dict[str, Any] | None = None,
        revision: int | None = None,
    ) -> Asset | None:
        """`$set` the changes (plus other operators in `extra`) and bump the revision; with
        `revision`, only if the asset is still at it. None when nothing was updated."""
        update: dict[str, Any] = {"$set": changes, "$inc": {"revision": 1}, **(extra or {})}
        where: dict[str, Any] = {"_id": asset_id}
        if revision is not None:
            where["revision"] = revision
        async with mongo_errors("updating an asset"):
            try:
                document = await self.collection.find_one_and_update(
                    where, update, return_document=ReturnDocument.AFTER
                )
            except OperationFailure as error:
                if not is_duplicate_key(error):
                    raise
                return None
        return Asset.from_mongo(document) if document else None

    async def delete(self, asset_id: str) -> Asset | None:
        async with mongo_errors("deleting an asset"):
            document = await self.collection.find_one_and_delete({"_id": asset_id})
        return Asset.from_mongo(document) if document else None

    async def references_blob(self, sha256: str) -> bool:
        """Whether any asset still uses this blob as original, old version, rendition or 3D
        preview."""
        async with mongo_errors("checking blob references"):
            for field in ("sha256", "versions.sha256", "renditions.sha256", "previews.sha256"):
                if await self.collection.find_one({field: sha256}, projection={"_id": 1}):
                    return True
        return False
