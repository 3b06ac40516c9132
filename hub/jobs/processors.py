"""What each kind of job does to its items."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from hub.catalog.library import MediaLibrary
from hub.catalog.reindex import rebuild_index
from hub.catalog.video_renditions import VideoRenditions
from hub.catalog.vision import AssetVision
from hub.errors import Unavailable
from hub.jobs.runner import Outcomes, Processor, each_item
from hub.models.job import Job, JobKind

logger = logging.getLogger(__name__)


def build_processors(
    library: MediaLibrary, vision: AssetVision, videos: VideoRenditions
) -> dict[JobKind, Processor]:
    async def auto_tag(job: Job, asset_ids: Sequence[str]) -> Outcomes:
        return await vision.auto_tag(asset_ids,
                                     only_untagged=bool(job.options.get("only_untagged")))

    async def show_tags(job: Job) -> None:
        """The job's index writes skipped their refresh: one now makes them all searchable by
        the time the job is reported ended. If Elasticsearch is down, the outbox has them."""
        try:
            await library.catalog.indexer.make_visible()
        except Unavailable as error:
            logger.warning("auto-tag job %s: its tags become searchable later: %s", job.id, error)

    async def rerender(job: Job, asset_id: str) -> None:
        await library.rerender(asset_id)

    async def reindex(job: Job, alias: str) -> None:
        await rebuild_index(library.catalog, alias)

    async def transcode(job: Job, item: str) -> None:
        await videos.transcode_item(item)

    return {
        # As many images per call as the model embeds per batch.
        JobKind.AUTO_TAG: Processor(run=auto_tag, chunk=vision.models.settings.batch_size,
                                    settle=show_tags),
        JobKind.RERENDER: each_item(rerender),
        JobKind.REINDEX: each_item(reindex),
        JobKind.TRANSCODE: each_item(transcode),
    }
