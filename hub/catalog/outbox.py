"""Pending index updates, written before the change that causes them.

FerretDB has no transactions, so the entry is written first: if the process dies between the
entry and the change, the drainer re-reads the entity from MongoDB and indexes whatever is there
(or removes it from the index when it is gone). Entries are deleted once applied, keeping this
collection small enough to scan."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo import DeleteOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, OperationFailure

from hub.catalog.errors import duplicate_key_indexes, is_duplicate_key, mongo_errors


@dataclass(frozen=True)
class OutboxEntry:
    kind: str
    entity_id: str
    seq: str  # a fresh value per write, so applying an older state never clears a newer entry
    created_at: datetime

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.entity_id}"

    def fields(self) -> dict[str, Any]:
        """The stored entry, less its `_id` (the key)."""
        return {"kind": self.kind, "entity_id": self.entity_id, "seq": self.seq,
                "created_at": self.created_at}


class Outbox:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["outbox"]

    async def record(self, kind: str, entity_id: str) -> OutboxEntry:
        entry = OutboxEntry(kind, entity_id, str(ObjectId()), datetime.now(UTC))
        async with mongo_errors("recording a change"):
            await self._upsert(entry)
        return entry

    async def _upsert(self, entry: OutboxEntry) -> None:
        fields = entry.fields()
        try:
            await self.collection.update_one({"_id": entry.key}, {"$set": fields}, upsert=True)
        except OperationFailure as error:
            # Two upserts of one key racing: the loser's insert hits the unique `_id`
            # (MongoDB and FerretDB alike); the entry exists now, so update it.
            if not is_duplicate_key(error):
                raise
            await self.collection.update_one({"_id": entry.key}, {"$set": fields})

    async def record_many(self, kind: str, entity_ids: Sequence[str]) -> list[OutboxEntry]:
        """record() for many entities in one round trip (bulk jobs write many at once): one
        insert of them all, which FerretDB makes a single PostgreSQL statement (upserts cost
        a read and a write each); an entity that has an entry already gets it renewed (upserted,
        in case the drainer cleared it meanwhile), one command each: FerretDB 1.24 holds a
        PostgreSQL connection per statement of an update command until the command ends, and
        two renewals of 32 entries as single commands took 64 of its 50 and wedged it."""
        now = datetime.now(UTC)
        entries = [OutboxEntry(kind, entity_id, str(ObjectId()), now) for entity_id in entity_ids]
        if not entries:
            return entries

        async with mongo_errors("recording changes"):
            try:
                await self.collection.insert_many(
                    [{"_id": entry.key, **entry.fields()} for entry in entries], ordered=False)
            except BulkWriteError as error:
                pending = [entries[index] for index in sorted(duplicate_key_indexes(error))]
                await asyncio.gather(*(self._upsert(entry) for entry in pending))
        return entries

    async def pending(self, limit: int) -> list[OutboxEntry]:
        async with mongo_errors("reading the outbox"):
            cursor = self.collection.find({}).sort("created_at", 1).limit(limit)
            return [
                OutboxEntry(doc["kind"], doc["entity_id"], doc["seq"], doc["created_at"])
                async for doc in cursor
            ]

    async def count(self) -> int:
        async with mongo_errors("reading the outbox"):
            return await self.collection.count_documents({})

    async def done(self, entries: list[OutboxEntry]) -> None:
        """Remove applied entries, unless a newer change re-recorded them meanwhile."""
        if not entries:
            return
        async with mongo_errors("clearing the outbox"):
            await self.collection.bulk_write(
                [DeleteOne({"_id": entry.key, "seq": entry.seq}) for entry in entries],
                ordered=False,
            )
