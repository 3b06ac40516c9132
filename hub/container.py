"""Wiring: the services one process needs, built from its stores and settings in one place,
for the API, the worker and the CLI alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from hub.auth.rate_limit import Expensive, Limit, RateLimiter
from hub.auth.tokens import TokenStore
from hub.catalog.library import MediaLibrary
from hub.catalog.service import CatalogService
from hub.catalog.video_renditions import VideoRenditions
from hub.catalog.vision import AssetVision, VisionModels
from hub.catalog.visual_search import VisualSearch
from hub.config import Settings
from hub.jobs.processors import build_processors
from hub.jobs.runner import JobRunner
from hub.jobs.service import JobService
from hub.jobs.store import JobStore
from hub.live.watches import LiveUpdates
from hub.media.backends import create_storage
from hub.media.renditions import load_presets
from hub.media.video_presets import load_video_presets
from hub.stores import Stores
from hub.vision.cache import ModelCache
from hub.webhooks.dispatcher import WebhookDispatcher
from hub.webhooks.events import WebhookEvents
from hub.webhooks.store import WebhookStore

# One cache per process: every HubServices of the process shares the loaded weights.
MODELS = ModelCache()


@dataclass
class HubServices:
    stores: Stores
    catalog: CatalogService
    library: MediaLibrary
    jobs: JobService
    videos: VideoRenditions
    runner: JobRunner
    vision: AssetVision
    visual_search: VisualSearch
    webhooks: WebhookStore
    dispatcher: WebhookDispatcher
    tokens: TokenStore
    rate_limiter: RateLimiter
    live: LiveUpdates

    @classmethod
    def create(cls, stores: Stores) -> HubServices:
        settings: Settings = stores.settings
        catalog = CatalogService(stores)
        library = MediaLibrary(catalog=catalog, storage=create_storage(settings),
                               settings=settings, presets=load_presets(settings.presets_file))
        models = VisionModels(settings.vision, MODELS)
        vision = AssetVision(library=library, models=models)
        library.after_new_file = vision.embed_in_background
        videos = VideoRenditions(library=library, settings=settings.video,
                                 presets=load_video_presets(settings.presets_file))
        webhooks = WebhookStore(stores.db)
        catalog.events = WebhookEvents(webhooks)
        store = JobStore(stores.db, catalog.events)
        processors = build_processors(library, vision, videos)
        jobs = JobService(store=store, catalog=catalog, batch_size=settings.jobs.batch_size,
                          chunks={kind: processor.chunk for kind, processor in processors.items()},
                          videos=videos)
        if settings.video.transcode_on_upload:
            library.after_new_video = jobs.queue_transcode
        runner = JobRunner(store=store, processors=processors,
                           lease_seconds=settings.jobs.lease_seconds,
                           poll_seconds=settings.jobs.poll_seconds,
                           concurrency=settings.jobs.concurrency)
        dispatcher = WebhookDispatcher(
            webhooks, max_attempts=settings.webhooks.max_attempts,
            backoff_seconds=settings.webhooks.backoff_seconds,
            timeout_seconds=settings.webhooks.timeout_seconds,
            poll_seconds=settings.webhooks.poll_seconds)
        return cls(stores=stores, catalog=catalog, library=library, jobs=jobs, videos=videos,
                   runner=runner, vision=vision,
                   visual_search=VisualSearch(library=library, vision=vision, models=models),
                   webhooks=webhooks, dispatcher=dispatcher, tokens=TokenStore(stores.db),
                   rate_limiter=RateLimiter(stores.db, {
                       Expensive.UPLOAD: Limit(settings.uploads_per_minute, timedelta(minutes=1)),
                       Expensive.IMAGE_SEARCH: Limit(settings.image_searches_per_minute,
                                             timedelta(minutes=1)),
                   }),
                   live=LiveUpdates(jobs=store, assets=catalog.assets,
                                    poll_seconds=settings.subscription_poll_seconds))
