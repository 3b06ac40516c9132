"""Starting, reading and cancelling jobs: what GraphQL and the CLI call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bson import ObjectId

from hub.catalog.clock import now_millis
from hub.catalog.service import CatalogService
from hub.catalog.video_renditions import VideoRenditions, transcode_item
from hub.errors import BadUserInput, NotFound
from hub.indexing.asset_search import AssetQuery
from hub.jobs.store import JobStore
from hub.models.asset import EMBEDDED_KINDS, AssetKind
from hub.models.job import ACTIVE_STATES, Job, JobKind, JobProgress, JobState

PAGE = 500


class JobService:
    def __init__(
        self, *, store: JobStore, catalog: CatalogService, batch_size: int,
        chunks: Mapping[JobKind, int] | None = None, videos: VideoRenditions | None = None,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.batch_size = batch_size
        # Items each kind's processor works per call (Processor.chunk; 1 when not named).
        self.chunks = dict(chunks or {})
        self.videos = videos

    async def start_auto_tag(self, query: AssetQuery, *, only_untagged: bool) -> Job:
        """Label every image, video and 3D model the filter selects (only those without
        accepted tags, by default)."""
        kinds = [k for k in query.kinds or EMBEDDED_KINDS if k in EMBEDDED_KINDS]
        query = AssetQuery(**{**query.__dict__, "kinds": kinds,
                              "untagged": True if only_untagged else query.untagged})
        ids = await self._asset_ids(query) if kinds else []
        return await self._create(JobKind.AUTO_TAG, ids, {"only_untagged": only_untagged})

    async def start_rerender(self, query: AssetQuery) -> Job:
        """Make every selected image's, video's and 3D model's renditions anew (after a preset
        changed)."""
        rendered = [AssetKind.IMAGE, AssetKind.VIDEO, AssetKind.MODEL_3D]
        kinds = [k for k in query.kinds or rendered if k in rendered]
        ids = await self._asset_ids(AssetQuery(**{**query.__dict__, "kinds": kinds}))
        return await self._create(JobKind.RERENDER, ids, {})

    async def start_transcode(
        self, query: AssetQuery, presets: Sequence[str] | None = None
    ) -> Job:
        """Make the selected videos' video renditions (all presets, or the named ones) anew:
        one item per video and preset."""
        if self.videos is None:
            raise BadUserInput("this process does not make video renditions")
        names = self.videos.preset_names(presets)
        ids = await self._asset_ids(AssetQuery(**{**query.__dict__, "kinds": [AssetKind.VIDEO]}))
        return await self._transcode(ids, names)

    async def queue_transcode(self, asset_id: str) -> Job | None:
        """A new video file's transcode job (None when there are no video presets)."""
        if self.videos is None or not self.videos.presets:
            return None
        return await self._transcode([asset_id], self.videos.preset_names())

    async def _transcode(self, asset_ids: list[str], presets: list[str]) -> Job:
        items = [transcode_item(asset_id, name) for asset_id in asset_ids for name in presets]
        return await self._create(JobKind.TRANSCODE, items, {"presets": presets})

    async def start_reindex(self) -> Job:
        """Rebuild every search index from MongoDB: one item per index."""
        return await self._create(JobKind.REINDEX, self.catalog.indexer.names.all(), {})

    async def cancel(self, job_id: str) -> Job:
        job = await self.get(job_id)
        if job.state not in ACTIVE_STATES:
            raise BadUserInput(f"job {job_id} has already ended ({job.state.value})", id=job_id)
        updated = await self.store.update(job_id, {"cancel_requested": True})
        if updated is None:
            raise NotFound(f"no job with id {job_id!r}", id=job_id)
        if updated.state is JobState.QUEUED:  # nothing runs it yet: end it now
            updated = await self.store.finish(updated, JobState.CANCELLED) or updated
        return updated

    async def get(self, job_id: str) -> Job:
        job = await self.store.get(job_id)
        if job is None:
            raise NotFound(f"no job with id {job_id!r}", id=job_id)
        return job

    async def recent(self, state: JobState | None, limit: int) -> list[Job]:
        return await self.store.recent(state, limit)

    async def progress(self, job: Job) -> JobProgress:
        return await self.store.progress(job)

    async def _create(self, kind: JobKind, item_ids: list[str], options: dict[str, object]) -> Job:
        job = Job(id=str(ObjectId()), kind=kind, options=options, created_at=now_millis())
        return await self.store.create(job, item_ids, batch_size=self._batch_size(kind))

    def _batch_size(self, kind: JobKind) -> int:
        """The configured batch size rounded up to whole chunks: a runner works a chunk within
        one batch, so auto-tag batches of 25 would make every model batch of 32 a batch of 25
        (and a GPU's batch of 256 one of 25 too)."""
        chunk = self.chunks.get(kind, 1)
        return -(-self.batch_size // chunk) * chunk

    async def _asset_ids(self, query: AssetQuery) -> list[str]:
        ids: list[str] = []
        after = None
        while True:
            page = await self.catalog.find_assets(query, first=PAGE, after=after)
            ids += [asset.id for asset, _ in page.items]
            if not page.has_next_page:
                return ids
            after = page.items[-1][1]
