"""What each kind of job does to one item."""

from __future__ import annotations

from hub.catalog.library import MediaLibrary
from hub.catalog.reindex import rebuild_index
from hub.jobs.runner import Processor
from hub.models.job import Job, JobKind


def build_processors(library: MediaLibrary) -> dict[JobKind, Processor]:
    async def rerender(job: Job, asset_id: str) -> None:
        await library.rerender(asset_id)

    async def reindex(job: Job, alias: str) -> None:
        await rebuild_index(library.catalog, alias)

    return {JobKind.RERENDER: rerender, JobKind.REINDEX: reindex}
