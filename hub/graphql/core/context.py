"""The per-request context: services, settings and a fresh set of DataLoaders.

Over WebSocket one context serves the whole connection: its token is looked up again for each
operation, and its DataLoaders are renewed for each operation and each subscription event, so
nothing is cached longer than one answer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from starlette.requests import HTTPConnection
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from hub.auth.credentials import Credentials
from hub.auth.rate_limit import Expensive, RateLimiter
from hub.auth.tokens import TokenStore
from hub.catalog.library import MediaLibrary
from hub.catalog.service import CatalogService
from hub.catalog.video_renditions import VideoRenditions
from hub.catalog.vision import AssetVision
from hub.catalog.visual_search import VisualSearch
from hub.config import Settings
from hub.graphql.catalog.dataloaders import CatalogLoaders
from hub.graphql.media.dataloaders import MediaLoaders
from hub.http.urls import MediaUrls
from hub.jobs.service import JobService
from hub.live.watches import LiveUpdates
from hub.webhooks.store import WebhookStore


@dataclass
class HubContext:
    request: HTTPConnection  # a Request, or the WebSocket of a subscriptions connection
    response: Response | None
    settings: Settings
    catalog: CatalogService
    catalog_loaders: CatalogLoaders
    library: MediaLibrary
    videos: VideoRenditions
    jobs: JobService
    vision: AssetVision
    visual_search: VisualSearch
    webhooks: WebhookStore
    media_loaders: MediaLoaders
    credentials: Credentials
    tokens: TokenStore
    rate_limiter: RateLimiter
    live: LiveUpdates
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    # The `connection_init` payload of a WebSocket connection (Strawberry sets it).
    connection_params: dict[str, Any] | None = None

    @cached_property
    def media_urls(self) -> MediaUrls:
        """Signed media URLs, absolute to where this request reached the hub (over http(s)
        also when it came as a WebSocket)."""
        base = self.request.base_url
        scheme = {"ws": "http", "wss": "https"}.get(base.scheme, base.scheme)
        return MediaUrls(base=str(base.replace(scheme=scheme)).rstrip("/"),
                         secret=self.settings.signing_secret,
                         ttl_seconds=self.settings.signed_url_ttl_seconds)

    def renew_credentials(self) -> None:
        """Look the token up again (for each operation on a long-lived connection), so a
        revoked token starts nothing new."""
        self.credentials = Credentials(self.credentials.authorization, self.tokens)

    def renew_loaders(self) -> None:
        """Fresh DataLoaders: a long-lived (WebSocket) context must not serve cached rows."""
        self.catalog_loaders = CatalogLoaders(self.catalog)
        self.media_loaders = MediaLoaders(self.catalog)

    async def count_expensive(self, action: Expensive) -> None:
        """Count an expensive operation against the request's token (RATE_LIMITED past it)."""
        token = await self.credentials.token()
        await self.rate_limiter.hit(action, token.id)


Info = StrawberryInfo[HubContext, None]
