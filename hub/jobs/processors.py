"""What each kind of job does to its items."""

from __future__ import annotations

from collections.abc import Sequence

from hub.catalog.library import MediaLibrary
from hub.catalog.reindex import rebuild_index
from hub.catalog.video_renditions import VideoRenditions
from hub.catalog.vision import AssetVision
from hub.jobs.runner import Outcomes, Processor, each_item
from hub.models.job import Job, JobKind


def build_processors(
    library: MediaLibrary, vision: AssetVision, videos: VideoRenditions
) -> dict[JobKind, Processor]:
    async def auto_tag(job: Job, asset_ids: Sequence[str]) -> Outcomes:
        return await vision.auto_tag(asset_ids,
                                     only_untagged=bool(job.options.get("only_untagged")))

    async def rerender(job: Job, asset_id: str) -> None:
        await library.rerender(asset_id)

    async def reindex(job: Job, alias: str) -> None:
        await rebuild_index(library.catalog, alias)

    async def transcode(job: Job, item: str) -> None:
        await videos.transcode_item(item)

    return {
        # As many images per call as the model embeds per batch.
        JobKind.AUTO_TAG: Processor(run=auto_tag, chunk=vision.models.settings.batch_size),
        JobKind.RERENDER: each_item(rerender),
        JobKind.REINDEX: each_item(reindex),
        JobKind.TRANSCODE: each_item(transcode),
    }
