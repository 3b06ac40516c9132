"""Persisted GraphQL documents in MongoDB (`persisted_queries`), keyed by their SHA-256.

A hash names one text forever, so a document is never updated or replaced, and every process
may keep the ones it has read in memory without ever asking MongoDB again."""

from __future__ import annotations

import contextlib
from collections import OrderedDict

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hub.catalog.clock import now_millis
from hub.catalog.errors import mongo_errors

# Documents kept in memory per process; the least recently used leave first.
CACHE_SIZE = 2_000


class PersistedQueryStore:
    def __init__(self, db: AsyncDatabase, *, cache_size: int = CACHE_SIZE) -> None:
        self.collection = db["persisted_queries"]
        self.cache_size = cache_size
        self._cache: OrderedDict[str, str] = OrderedDict()

    async def get(self, sha256: str) -> str | None:
        """The document stored under this (lower-case hex) hash, or None."""
        query = self._cache.get(sha256)
        if query is None:
            async with mongo_errors("reading a persisted query"):
                document = await self.collection.find_one({"_id": sha256}, {"query": 1})
            if document is None:
                return None
            query = str(document["query"])
        self._remember(sha256, query)
        return query

    async def add(self, sha256: str, query: str, *, registered_by: str) -> None:
        """Store a document under its hash (the caller checked that they match); storing it
        twice keeps the first."""
        async with mongo_errors("storing a persisted query"):
            with contextlib.suppress(DuplicateKeyError):
                await self.collection.insert_one({"_id": sha256, "query": query,
                                                  "registered_by": registered_by,
                                                  "created_at": now_millis()})
        self._remember(sha256, query)

    def _remember(self, sha256: str, query: str) -> None:
        self._cache[sha256] = query
        self._cache.move_to_end(sha256)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
