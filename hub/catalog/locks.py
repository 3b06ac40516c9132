"""Per-entity locks for read-modify-write sequences within one process.

FerretDB 1.x applies `$set`, `$inc` and conditional updates as read, modify, write-back without
isolation: measured on the local server, 50 concurrent `$inc` on one document left 6, and two
concurrent `$set` on different fields lose one of them. MongoDB makes each update atomic, so
there this lock only costs an uncontended acquire; on FerretDB it makes every write of one hub
process safe. (Several processes writing the same entity on FerretDB are not covered; the
production store is MongoDB.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class EntityLocks:
    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:  # forget idle locks so the table stays small
                del self._users[key], self._locks[key]
