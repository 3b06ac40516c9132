"""The per-request context: services, settings and a fresh set of DataLoaders."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from hub.catalog.library import MediaLibrary
from hub.catalog.service import CatalogService
from hub.catalog.vision import AssetVision
from hub.catalog.visual_search import VisualSearch
from hub.config import Settings
from hub.graphql.catalog.dataloaders import CatalogLoaders
from hub.graphql.media.dataloaders import MediaLoaders
from hub.jobs.service import JobService
from hub.webhooks.store import WebhookStore


@dataclass
class HubContext:
    request: Request
    response: Response | None
    settings: Settings
    catalog: CatalogService
    catalog_loaders: CatalogLoaders
    library: MediaLibrary
    jobs: JobService
    vision: AssetVision
    visual_search: VisualSearch
    webhooks: WebhookStore
    media_loaders: MediaLoaders
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])


    @property
    def base_url(self) -> str:
        """Where this request reached the hub, for absolute media URLs."""
        return str(self.request.base_url).rstrip("/")


Info = StrawberryInfo[HubContext, None]
