"""Sending queued deliveries: JSON bodies signed with HMAC-SHA256 over the exact bytes, retried
with exponential backoff, every attempt recorded."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime

import httpx

from hub.errors import Unavailable
from hub.webhooks.store import Delivery, WebhookStore

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookDispatcher:
    def __init__(self, store: WebhookStore, *, max_attempts: int, backoff_seconds: float,
                 timeout_seconds: float, poll_seconds: float) -> None:
        self.store = store
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.timeout_seconds = timeout_seconds
        self.poll_seconds = poll_seconds

    async def run_forever(self) -> None:
        async with httpx.AsyncClient(timeout=self.timeout_seconds) as http:
            while True:
                try:
                    for delivery in await self.store.due():
                        if await self.store.claim(delivery):
                            await self.send(http, delivery)
                except Unavailable as error:
                    logger.info("webhook deliveries paused: %s", error)
                except Exception:
                    logger.exception("webhook dispatcher error; retrying")
                await asyncio.sleep(self.poll_seconds)

    async def send(self, http: httpx.AsyncClient, delivery: Delivery) -> Delivery:
        subscription = await self.store.get_subscription(delivery.subscription_id)
        if subscription is None:
            return delivery
        body = json.dumps({
            "id": delivery.id, "event": delivery.event.value,
            "occurred_at": delivery.created_at.astimezone(UTC).isoformat(),
            "data": delivery.payload,
        }, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "product-asset-hub",
                   "X-Hub-Event": delivery.event.value, "X-Hub-Delivery": delivery.id,
                   "X-Hub-Timestamp": datetime.now(UTC).isoformat(),
                   SIGNATURE_HEADER: signature(subscription.secret, body)}
        status_code: int | None = None
        error: str | None = None
        try:
            response = await http.post(subscription.url, content=body, headers=headers)
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"the receiver answered {status_code}"
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"[:300]
        return await self.store.record_attempt(
            delivery, status_code=status_code, error=error, max_attempts=self.max_attempts,
            backoff_seconds=self.backoff_seconds)
