"""Per-token limits on expensive operations (uploads, searches by image), shared by every API
process through MongoDB.

A sliding-window log: each attempt inserts one document, then counts the token's attempts in the
window. Inserts are atomic on FerretDB where `$inc` is not, so concurrent requests are never
under-counted (at worst two racing requests at the limit are both refused)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hub.catalog.clock import now_millis
from hub.catalog.errors import mongo_errors
from hub.errors import RateLimited


class Expensive(StrEnum):
    """The operations a token may do only so often."""

    UPLOAD = "upload"
    IMAGE_SEARCH = "image search"


@dataclass(frozen=True)
class Limit:
    requests: int
    window: timedelta


class RateLimiter:
    def __init__(self, db: AsyncDatabase, limits: dict[Expensive, Limit]) -> None:
        self.collection = db["rate_limit_hits"]
        self.limits = limits

    async def hit(self, action: Expensive, token_id: str) -> None:
        """Count one `action` by this token; RateLimited (with retryAfterSeconds) past the limit."""
        limit = self.limits.get(action)
        if limit is None or limit.requests <= 0:
            return
        key = f"{action.name}:{token_id}"
        now = now_millis()
        since = now - limit.window
        async with mongo_errors("checking the rate limit"):
            # Forget this key's attempts older than the window, so the log stays small.
            await self.collection.delete_many({"key": key, "at": {"$lte": since}})
            inserted = await self.collection.insert_one({"key": key, "at": now})
            recent = await self.collection.find({"key": key, "at": {"$gt": since}},
                                                {"at": 1}).sort("at", ASCENDING).to_list()
        if len(recent) <= limit.requests:
            return
        async with mongo_errors("checking the rate limit"):
            # A refused attempt does not count against the next window.
            await self.collection.delete_one({"_id": inserted.inserted_id})
        oldest = recent[0]["at"]
        retry_after = max(1, math.ceil((oldest + limit.window - now).total_seconds()))
        raise RateLimited(
            f"too many {action.value} requests for this token: at most {limit.requests} per "
            f"{int(limit.window.total_seconds())} s; retry in {retry_after} s",
            retryAfterSeconds=retry_after)
