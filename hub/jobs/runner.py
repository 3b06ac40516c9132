"""The job runner: claims a batch, processes its items, repeats. Runs in `hub worker` and, by
default, inside each API process; any number may run against one database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime

from hub.catalog.clock import now_millis
from hub.errors import HubError, Unavailable
from hub.jobs.store import JobStore
from hub.models.job import ItemError, Job, JobBatch, JobKind, JobState

logger = logging.getLogger(__name__)

Processor = Callable[[Job, str], Awaitable[None]]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class JobRunner:
    def __init__(
        self,
        *,
        store: JobStore,
        processors: Mapping[JobKind, Processor],
        lease_seconds: float,
        poll_seconds: float,
        worker: str | None = None,
    ) -> None:
        self.store = store
        self.processors = processors
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        self.worker = worker or worker_name()

    async def run_forever(self) -> None:
        while True:
            try:
                worked = await self.run_once()
            except Unavailable as error:
                logger.info("jobs paused: %s", error)
                worked = False
            except Exception:
                logger.exception("job runner error; retrying")
                worked = False
            if not worked:
                await asyncio.sleep(self.poll_seconds)

    async def run_once(self) -> bool:
        """Process one batch of the oldest job that has one free; False when there was none."""
        for job in await self.store.active():
            if job.cancel_requested:
                await self.store.finish(job, JobState.CANCELLED)
                continue
            batches = await self.store.batches_of(job.id)
            if all(batch.done for batch in batches):
                await self.store.finish(job, JobState.SUCCEEDED)
                continue
            now = datetime.now(UTC)
            for batch in batches:
                if batch.done or (batch.lease_until is not None and batch.lease_until > now):
                    continue
                claimed = await self.store.try_claim(batch, self.worker, self.lease_seconds)
                if claimed is not None:
                    await self._process(job, claimed)
                    return True
        return False

    async def _process(self, job: Job, batch: JobBatch) -> None:
        if job.state is JobState.QUEUED:
            job = await self.store.update(job.id, {"state": JobState.RUNNING.value,
                                                   "started_at": now_millis()}) or job
        processor = self.processors[job.kind]
        heartbeat = asyncio.create_task(self._heartbeat(batch))
        try:
            for item_id in batch.item_ids:
                if not await self.store.still_mine(batch):
                    logger.warning("lost batch %s to another worker", batch.id)
                    return
                current = await self.store.get(job.id)
                if current is None or current.cancel_requested:
                    return
                if await self.store.item_done(job.id, item_id):
                    continue  # finished by a worker that died before saving its batch
                error = await self._run_item(processor, job, item_id)
                if await self.store.mark_item(job.id, item_id, error):
                    if error is None:
                        batch.processed += 1
                    else:
                        batch.failed += 1
                        batch.errors.append(ItemError(item_id=item_id, message=error))
                await self.store.save_batch(batch)
            batch.done = True
            await self.store.save_batch(batch)
        finally:
            heartbeat.cancel()

    async def _run_item(self, processor: Processor, job: Job, item_id: str) -> str | None:
        """An item that fails is recorded and the job goes on; a store outage is not the
        item's fault, so it stops the batch (its lease lapses and it is retried)."""
        try:
            await processor(job, item_id)
        except Unavailable:
            raise
        except HubError as error:
            return f"{error.code.value}: {error.message}"
        except Exception as error:
            logger.exception("job %s item %s failed", job.id, item_id)
            return f"INTERNAL: {type(error).__name__}: {error}"[:500]
        return None

    async def _heartbeat(self, batch: JobBatch) -> None:
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            with contextlib.suppress(Unavailable):
                await self.store.extend_lease(batch, self.lease_seconds)
