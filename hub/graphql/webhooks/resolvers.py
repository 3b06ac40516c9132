"""Webhook subscriptions over GraphQL: subscribe a URL, see its recent deliveries, remove it."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlparse

import strawberry

from hub.errors import BadUserInput, NotFound
from hub.graphql.core.context import Info
from hub.graphql.core.permissions import IsAdmin
from hub.webhooks.store import DeliveryStatus, Subscription, WebhookEvent

strawberry.enum(WebhookEvent, name="WebhookEvent", description=(
    "ASSET_CREATED = asset.created, ASSET_UPDATED = asset.updated, ASSET_DELETED = "
    "asset.deleted, PRODUCT_MEDIA_CHANGED = product.media_changed, JOB_FINISHED = job.finished"))
strawberry.enum(DeliveryStatus, name="WebhookDeliveryStatus")


@strawberry.type
class WebhookDelivery:
    id: strawberry.ID
    event: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


@strawberry.type
class Webhook:
    id: strawberry.ID
    url: str
    events: list[str]
    created_at: datetime

    @strawberry.field(description="The latest deliveries, newest first.")
    async def deliveries(self, info: Info, last: int = 20) -> list[WebhookDelivery]:
        found = await info.context.webhooks.recent_deliveries(str(self.id), limit=last)
        return [WebhookDelivery(id=strawberry.ID(d.id), event=d.event.value, status=d.status,
                                attempts=d.attempts, last_status_code=d.last_status_code,
                                last_error=d.last_error, created_at=d.created_at,
                                delivered_at=d.delivered_at) for d in found]

    @classmethod
    def from_model(cls, subscription: Subscription) -> Webhook:
        return cls(id=strawberry.ID(subscription.id), url=subscription.url,
                   events=[event.value for event in subscription.events],
                   created_at=subscription.created_at)


@strawberry.type
class CreatedWebhook:
    webhook: Webhook
    secret: str = strawberry.field(description="Verifies the X-Hub-Signature-256 header "
                                   "(HMAC-SHA256 of the body). Shown only once.")


@strawberry.type
class WebhookQueries:
    @strawberry.field(permission_classes=[IsAdmin])
    async def webhooks(self, info: Info) -> list[Webhook]:
        return [Webhook.from_model(s) for s in await info.context.webhooks.all_subscriptions()]


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(permission_classes=[IsAdmin],
                         description="Send the given events to a URL (POST, JSON, signed).")
    async def create_webhook(self, info: Info, url: str,
                             events: list[WebhookEvent]) -> CreatedWebhook:
        parsed = urlparse(url)
        if parsed.scheme not in {"http", "https"} or not parsed.netloc:
            raise BadUserInput("a webhook URL must be an absolute http(s) URL", field="url")
        if not events:
            raise BadUserInput("name at least one event", field="events")
        subscription = await info.context.webhooks.subscribe(url, list(dict.fromkeys(events)))
        return CreatedWebhook(webhook=Webhook.from_model(subscription),
                              secret=subscription.secret)

    @strawberry.mutation(permission_classes=[IsAdmin],
                         description="Stop sending to a webhook and forget its deliveries.")
    async def delete_webhook(self, info: Info, id: strawberry.ID) -> bool:
        if not await info.context.webhooks.unsubscribe(str(id)):
            raise NotFound(f"no webhook with id {id!r}", id=str(id))
        return True
