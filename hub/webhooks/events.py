"""Emitting events: each subscription that wants an event gets a queued delivery. Emitting never
fails the change that caused it; a lost event is logged."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol

from hub.errors import HubError
from hub.webhooks.store import WebhookEvent, WebhookStore

logger = logging.getLogger(__name__)


class EventSink(Protocol):
    async def emit(self, event: WebhookEvent, data: dict[str, Any]) -> None: ...

    async def emit_many(self, event: WebhookEvent, payloads: Sequence[dict[str, Any]]) -> None:
        """emit() for each payload, in order, reading the subscriptions once (bulk jobs)."""


class NoEvents:
    async def emit(self, event: WebhookEvent, data: dict[str, Any]) -> None:
        return None

    async def emit_many(self, event: WebhookEvent, payloads: Sequence[dict[str, Any]]) -> None:
        return None


class WebhookEvents:
    def __init__(self, store: WebhookStore) -> None:
        self.store = store

    async def emit(self, event: WebhookEvent, data: dict[str, Any]) -> None:
        await self.emit_many(event, [data])

    async def emit_many(self, event: WebhookEvent, payloads: Sequence[dict[str, Any]]) -> None:
        try:
            subscriptions = [s for s in await self.store.all_subscriptions() if event in s.events]
            for data in payloads:
                for subscription in subscriptions:
                    await self.store.enqueue(subscription, event, data)
        except HubError as error:
            logger.warning("webhook event %s not queued: %s", event.value, error)
