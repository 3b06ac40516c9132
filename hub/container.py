"""Wiring: the services one process needs, built from its stores and settings in one place,
for the API, the worker and the CLI alike."""

from __future__ import annotations

from dataclasses import dataclass

from hub.catalog.library import MediaLibrary
from hub.catalog.service import CatalogService
from hub.config import Settings
from hub.jobs.processors import build_processors
from hub.jobs.runner import JobRunner
from hub.jobs.service import JobService
from hub.jobs.store import JobStore
from hub.media.renditions import load_presets
from hub.media.storage import LocalFileStorage
from hub.stores import Stores


@dataclass
class HubServices:
    stores: Stores
    catalog: CatalogService
    library: MediaLibrary
    jobs: JobService
    runner: JobRunner

    @classmethod
    def create(cls, stores: Stores) -> HubServices:
        settings: Settings = stores.settings
        catalog = CatalogService(stores)
        library = MediaLibrary(catalog=catalog, storage=LocalFileStorage(root=settings.data_dir),
                               settings=settings, presets=load_presets(settings.presets_file))
        store = JobStore(stores.db)
        jobs = JobService(store=store, catalog=catalog, batch_size=settings.jobs.batch_size)
        runner = JobRunner(store=store, processors=build_processors(library),
                           lease_seconds=settings.jobs.lease_seconds,
                           poll_seconds=settings.jobs.poll_seconds)
        return cls(stores=stores, catalog=catalog, library=library, jobs=jobs, runner=runner)
