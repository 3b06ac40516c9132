"""Watching one job or one asset: the current state first, then each change, read from MongoDB
every `poll_seconds` until the job ends, the asset is deleted, or the subscriber goes away
(closing the iterator, or cancelling its task, stops the polling at once)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Hashable
from dataclasses import dataclass
from typing import Any

from hub.catalog.assets import AssetRepository
from hub.errors import NotFound, Unavailable
from hub.jobs.store import JobStore
from hub.models.asset import Asset
from hub.models.job import ACTIVE_STATES, Job, JobProgress

logger = logging.getLogger(__name__)

# Asset fields no client sees: a change to them alone (the vision vector) is not news.
_INVISIBLE = {"embedding", "revision"}


@dataclass(frozen=True)
class JobSnapshot:
    job: Job
    progress: JobProgress

    def key(self) -> Hashable:
        """What a change is: rate and ETA move with the clock, so they do not count."""
        return (self.job.state, self.job.total, self.job.cancel_requested, self.job.error,
                self.progress.processed, self.progress.failed, len(self.progress.errors))


class LiveUpdates:
    def __init__(self, *, jobs: JobStore, assets: AssetRepository, poll_seconds: float) -> None:
        if poll_seconds <= 0:
            raise ValueError(f"poll_seconds must be positive, not {poll_seconds}")
        self.jobs = jobs
        self.assets = assets
        self.poll_seconds = poll_seconds

    async def job_progress(self, job_id: str) -> AsyncGenerator[JobSnapshot, None]:
        """The job now, then at each change until it has ended; NotFound before anything
        else when there is no such job."""
        first = await self._job_snapshot(job_id)
        if first is None:
            raise NotFound(f"no job with id {job_id!r}", id=job_id)
        return self._follow_job(first)

    async def asset_changes(self, asset_id: str) -> AsyncGenerator[Asset, None]:
        """The asset now, then after each change a client can see; ends when the asset is
        deleted. NotFound before anything else when there is no such asset."""
        first = await self.assets.get(asset_id)
        if first is None:
            raise NotFound(f"no asset with id {asset_id!r}", id=asset_id)
        return self._follow_asset(first)

    async def _follow_job(self, snapshot: JobSnapshot) -> AsyncGenerator[JobSnapshot, None]:
        yield snapshot
        while snapshot.job.state in ACTIVE_STATES:
            await asyncio.sleep(self.poll_seconds)
            try:
                latest = await self._job_snapshot(snapshot.job.id)
            except Unavailable as error:
                logger.info("job watch paused: %s", error)
                continue
            if latest is None:
                return
            if latest.key() != snapshot.key():
                yield latest
            snapshot = latest

    async def _follow_asset(self, asset: Asset) -> AsyncGenerator[Asset, None]:
        yield asset
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                revision = await self.assets.revision(asset.id)
                if revision == asset.revision:
                    continue
                latest = await self.assets.get(asset.id) if revision is not None else None
            except Unavailable as error:
                logger.info("asset watch paused: %s", error)
                continue
            if latest is None:
                return  # deleted
            if _visible(latest) != _visible(asset):
                yield latest
            asset = latest

    async def _job_snapshot(self, job_id: str) -> JobSnapshot | None:
        job = await self.jobs.get(job_id)
        return JobSnapshot(job, await self.jobs.progress(job)) if job else None


def _visible(asset: Asset) -> dict[str, Any]:
    return asset.model_dump(exclude=_INVISIBLE)
