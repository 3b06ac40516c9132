"""Subscriptions and deliveries in MongoDB.

A delivery attempt is claimed by inserting a unique claim id, the one atomic step FerretDB
offers, so several dispatchers never send the same attempt twice."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pydantic import BaseModel, Field
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from hub.catalog.clock import now_millis
from hub.catalog.errors import is_duplicate_key, mongo_errors


class WebhookEvent(StrEnum):
    ASSET_CREATED = "asset.created"
    ASSET_UPDATED = "asset.updated"
    ASSET_DELETED = "asset.deleted"
    PRODUCT_MEDIA_CHANGED = "product.media_changed"
    JOB_FINISHED = "job.finished"


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"  # gave up after the last attempt


class Subscription(BaseModel):
    id: str
    url: str
    events: list[WebhookEvent]
    secret: str
    created_at: datetime


class Delivery(BaseModel):
    id: str
    subscription_id: str
    event: WebhookEvent
    payload: dict[str, Any]
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime
    last_status_code: int | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None
    created_at: datetime
    history: list[dict[str, Any]] = Field(default_factory=list)


def _out(model: BaseModel) -> dict[str, Any]:
    document = model.model_dump(mode="python")
    document["_id"] = document.pop("id")
    return document


def _in(cls: type[Any], document: dict[str, Any]) -> Any:
    return cls.model_validate({**document, "id": document["_id"]})


class WebhookStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.subscriptions = db["webhooks"]
        self.deliveries = db["webhook_deliveries"]
        self.claims = db["webhook_claims"]

    async def subscribe(self, url: str, events: list[WebhookEvent]) -> Subscription:
        subscription = Subscription(id=str(ObjectId()), url=url, events=events,
                                    secret=secrets.token_urlsafe(32), created_at=now_millis())
        async with mongo_errors("creating a webhook"):
            await self.subscriptions.insert_one(_out(subscription))
        return subscription

    async def unsubscribe(self, subscription_id: str) -> bool:
        async with mongo_errors("deleting a webhook"):
            result = await self.subscriptions.delete_one({"_id": subscription_id})
            await self.deliveries.delete_many({"subscription_id": subscription_id})
        return result.deleted_count == 1

    async def all_subscriptions(self) -> list[Subscription]:
        async with mongo_errors("listing webhooks"):
            return [_in(Subscription, d) async for d in self.subscriptions.find({})]

    async def get_subscription(self, subscription_id: str) -> Subscription | None:
        async with mongo_errors("loading a webhook"):
            document = await self.subscriptions.find_one({"_id": subscription_id})
        return _in(Subscription, document) if document else None

    async def enqueue(self, subscription: Subscription, event: WebhookEvent,
                      payload: dict[str, Any]) -> None:
        now = now_millis()
        delivery = Delivery(id=str(ObjectId()), subscription_id=subscription.id, event=event,
                            payload=payload, next_attempt_at=now, created_at=now)
        async with mongo_errors("queueing a webhook delivery"):
            await self.deliveries.insert_one(_out(delivery))

    async def due(self, limit: int = 50) -> list[Delivery]:
        async with mongo_errors("reading webhook deliveries"):
            cursor = self.deliveries.find({"status": DeliveryStatus.PENDING.value})
            pending = [_in(Delivery, d) async for d in cursor]
        now = datetime.now(UTC)
        # ObjectIds grow with time: they order events of the same millisecond as they happened.
        return sorted((d for d in pending if d.next_attempt_at <= now),
                      key=lambda d: (d.next_attempt_at, d.id))[:limit]

    async def claim(self, delivery: Delivery) -> bool:
        async with mongo_errors("claiming a webhook delivery"):
            try:
                await self.claims.insert_one({"_id": f"{delivery.id}:{delivery.attempts + 1}",
                                              "at": now_millis()})
            except OperationFailure as error:
                if is_duplicate_key(error):
                    return False
                raise
        return True

    async def record_attempt(
        self, delivery: Delivery, *, status_code: int | None, error: str | None,
        max_attempts: int, backoff_seconds: float,
    ) -> Delivery:
        attempts = delivery.attempts + 1
        ok = error is None and status_code is not None and 200 <= status_code < 300
        if ok:
            status = DeliveryStatus.DELIVERED
        elif attempts >= max_attempts:
            status = DeliveryStatus.FAILED
        else:
            status = DeliveryStatus.PENDING
        entry = {"attempt": attempts, "at": now_millis(), "status_code": status_code,
                 "error": error}
        changes = {
            "status": status.value, "attempts": attempts, "last_status_code": status_code,
            "last_error": error, "delivered_at": now_millis() if ok else None,
            "next_attempt_at": datetime.now(UTC)
            + timedelta(seconds=backoff_seconds * 2 ** (attempts - 1)),
            "history": [*delivery.history, entry],
        }
        async with mongo_errors("recording a webhook delivery"):
            await self.deliveries.update_one({"_id": delivery.id}, {"$set": changes})
            if status is not DeliveryStatus.PENDING:
                await self.claims.delete_many({"_id": {"$regex": f"^{delivery.id}:"}})
        return delivery.model_copy(update=changes)

    async def recent_deliveries(self, subscription_id: str, limit: int = 20) -> list[Delivery]:
        async with mongo_errors("reading webhook deliveries"):
            cursor = self.deliveries.find({"subscription_id": subscription_id})
            found = [_in(Delivery, d) async for d in cursor]
        return sorted(found, key=lambda d: d.created_at, reverse=True)[:limit]
