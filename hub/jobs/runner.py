"""The job runner: claims a batch, processes its items, repeats. Runs in `hub worker` and, by
default, inside each API process; any number may run against one database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from hub.catalog.clock import now_millis
from hub.errors import HubError, Unavailable
from hub.jobs.store import JobStore
from hub.models.job import ItemError, Job, JobBatch, JobKind, JobState

logger = logging.getLogger(__name__)

# Per item id: None when it was done, else the error that failed it (the job goes on).
Outcomes = dict[str, BaseException | None]


@dataclass(frozen=True)
class Processor:
    """What one kind of job does to its items, `chunk` items per call.

    A chunk is one unit of work: auto-tagging embeds a chunk as one model batch and writes it
    with a few round trips, where one item at a time would pay every round trip per image.
    Cancellation and lost leases are checked between chunks, so slow per-item work (rendering)
    keeps chunks of 1. `run` returns each item's outcome; raising Unavailable stops the batch
    (a store outage is not the items' fault: the lease lapses and the batch is retried)."""

    run: Callable[[Job, Sequence[str]], Awaitable[Outcomes]]
    chunk: int = 1
    # Called once when a job of this kind ends, before it is reported ended: what makes its
    # work visible (auto-tagging indexes without a refresh per chunk and refreshes here).
    settle: Callable[[Job], Awaitable[None]] | None = None


def each_item(process: Callable[[Job, str], Awaitable[object]]) -> Processor:
    """A Processor that handles one item per call, recording each item's error."""

    async def run(job: Job, item_ids: Sequence[str]) -> Outcomes:
        outcomes: Outcomes = {}
        for item_id in item_ids:
            try:
                await process(job, item_id)
            except Unavailable:
                raise
            except Exception as error:
                outcomes[item_id] = error
            else:
                outcomes[item_id] = None
        return outcomes

    return Processor(run=run)


def error_message(job: Job, item_id: str, error: BaseException) -> str:
    """How a failed item is shown in the job's errors: the code for the hub's own errors."""
    if isinstance(error, HubError):
        return f"{error.code.value}: {error.message}"
    logger.error("job %s item %s failed", job.id, item_id, exc_info=error)
    return f"INTERNAL: {type(error).__name__}: {error}"[:500]


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
        concurrency: int = 1,
        worker: str | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency}")
        self.store = store
        self.processors = processors
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        self.concurrency = concurrency
        self.worker = worker or worker_name()
        self._claiming = asyncio.Lock()

    async def run_forever(self) -> None:
        """Work on `concurrency` batches at once until cancelled."""
        await asyncio.gather(*(self._loop() for _ in range(self.concurrency)))

    async def _loop(self) -> None:
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
        async with self._claiming:  # this runner's loops claim, and end jobs, one at a time
            claimed = await self._claim()
        if claimed is None:
            return False
        await self._process(*claimed)
        return True

    async def _claim(self) -> tuple[Job, JobBatch] | None:
        """End jobs that are over; claim a free batch of the oldest job that has one."""
        for job in await self.store.active():
            if job.cancel_requested:
                await self._finish(job, JobState.CANCELLED)
                continue
            batches = await self.store.batches_of(job.id)
            if all(batch.done for batch in batches):
                await self._finish(job, JobState.SUCCEEDED)
                continue
            now = datetime.now(UTC)
            for batch in batches:
                if batch.done or (batch.lease_until is not None and batch.lease_until > now):
                    continue
                claimed = await self.store.try_claim(batch, self.worker, self.lease_seconds)
                if claimed is not None:
                    return job, claimed
        return None

    async def _finish(self, job: Job, state: JobState) -> None:
        settle = self.processors[job.kind].settle
        if settle is not None:
            await settle(job)
        await self.store.finish(job, state)

    async def _process(self, job: Job, batch: JobBatch) -> None:
        if job.state is JobState.QUEUED:
            job = await self.store.update(job.id, {"state": JobState.RUNNING.value,
                                                   "started_at": now_millis()}) or job
        processor = self.processors[job.kind]
        heartbeat = asyncio.create_task(self._heartbeat(batch))
        try:
            items = batch.item_ids
            for start in range(0, len(items), processor.chunk):
                if not await self.store.still_mine(batch):
                    logger.warning("lost batch %s to another worker", batch.id)
                    return
                current = await self.store.get(job.id)
                if current is None or current.cancel_requested:
                    return
                chunk = items[start:start + processor.chunk]
                # Started before, by a worker that died or lost the batch: if it finished them
                # (before saving its batch), not again; else they are done twice, and counted.
                started = await self.store.record_starts(job.id, chunk, self.worker)
                done = await self.store.marked(job.id, list(started)) if started else {}
                batch.repeated += len(started - done.keys())
                todo = [item_id for item_id in chunk if item_id not in done]
                outcomes = await processor.run(job, todo) if todo else {}
                errors = {item_id: None if error is None else error_message(job, item_id, error)
                          for item_id, error in outcomes.items()}
                for item_id, message in (await self.store.mark_items(job.id, errors)).items():
                    if message is None:
                        batch.processed += 1
                    else:
                        batch.failed += 1
                        batch.errors.append(ItemError(item_id=item_id, message=message))
                await self.store.save_batch(batch)
            if batch.attempt > 1:
                await self._recount(job, batch)
            batch.done = True
            await self.store.save_batch(batch)
        finally:
            heartbeat.cancel()

    async def _recount(self, job: Job, batch: JobBatch) -> None:
        """Count a batch that was taken over from its markers, not from what its earlier
        workers saved: one killed between marking items and saving its counts, or one that lost
        its lease mid-chunk (its save no longer matches the attempt), marked items that no saved
        count holds, and this worker skips them as done. Every item is marked by now, and
        markers are written once, so the count is exact."""
        outcomes = await self.store.marked(job.id, batch.item_ids)
        batch.processed = sum(1 for message in outcomes.values() if message is None)
        batch.failed = len(outcomes) - batch.processed
        batch.errors = [ItemError(item_id=item_id, message=message)
                        for item_id, message in outcomes.items() if message is not None]

    async def _heartbeat(self, batch: JobBatch) -> None:
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            with contextlib.suppress(Unavailable):
                await self.store.extend_lease(batch, self.lease_seconds)
