"""What each kind of job does to one item."""

from __future__ import annotations

from hub.catalog.library import MediaLibrary
from hub.catalog.reindex import rebuild_index
from hub.catalog.vision import AssetVision
from hub.jobs.runner import Processor
from hub.models.job import Job, JobKind


def build_processors(library: MediaLibrary, vision: AssetVision) -> dict[JobKind, Processor]:
    async def auto_tag(job: Job, asset_id: str) -> None:
        await vision.auto_tag(asset_id, only_untagged=bool(job.options.get("only_untagged")))

    async def rerender(job: Job, asset_id: str) -> None:
        await library.rerender(asset_id)

    async def reindex(job: Job, alias: str) -> None:
        await rebuild_index(library.catalog, alias)

    return {JobKind.AUTO_TAG: auto_tag, JobKind.RERENDER: rerender, JobKind.REINDEX: reindex}
