"""Jobs, their batches, claims and per-item markers in MongoDB.

Claims use a unique `_id` per (batch, attempt): inserting it is the one atomic step FerretDB
offers (its updates are read-modify-write), so exactly one worker wins each attempt. Per-item
markers, also unique, make a re-run batch skip what a killed worker already finished; per-item
start records, unique too, count the items that were started again because their first worker
died mid-item (the price of leases, bounded by the items in flight). Batches, claims, markers and
start records are deleted when the job ends, keeping scanned collections small."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, OperationFailure

from hub.catalog.clock import now_millis
from hub.catalog.errors import duplicate_key_indexes, is_duplicate_key, mongo_errors
from hub.models.job import ACTIVE_STATES, ItemError, Job, JobBatch, JobProgress, JobState
from hub.webhooks.events import EventSink, NoEvents
from hub.webhooks.payloads import job_payload
from hub.webhooks.store import WebhookEvent

MAX_ERRORS_KEPT = 50


class JobStore:
    def __init__(self, db: AsyncDatabase, events: EventSink | None = None) -> None:
        self.events: EventSink = events or NoEvents()
        self.jobs = db["jobs"]
        self.batches = db["job_batches"]
        self.claims = db["job_claims"]
        self.items = db["job_items"]
        self.starts = db["job_item_starts"]

    async def create(self, job: Job, item_ids: list[str], *, batch_size: int) -> Job:
        """Batches first: a runner never sees a job whose batches are not all there."""
        batches = [
            JobBatch(id=f"{job.id}:{number:06d}", job_id=job.id, number=number,
                     item_ids=item_ids[start:start + batch_size])
            for number, start in enumerate(range(0, len(item_ids), batch_size))
        ]
        job = job.model_copy(update={"total": len(item_ids), "batch_count": len(batches)})
        async with mongo_errors("creating a job"):
            if batches:
                await self.batches.insert_many([batch.to_mongo() for batch in batches])
            await self.jobs.insert_one(job.to_mongo())
        return job

    async def get(self, job_id: str) -> Job | None:
        async with mongo_errors("loading a job"):
            document = await self.jobs.find_one({"_id": job_id})
        return Job.from_mongo(document) if document else None

    async def recent(self, state: JobState | None = None, limit: int = 20) -> list[Job]:
        query: dict[str, Any] = {} if state is None else {"state": state.value}
        async with mongo_errors("listing jobs"):
            cursor = self.jobs.find(query).sort("created_at", -1).limit(limit)
            return [Job.from_mongo(document) async for document in cursor]

    async def active(self) -> list[Job]:
        async with mongo_errors("listing jobs"):
            cursor = self.jobs.find({"state": {"$in": [s.value for s in ACTIVE_STATES]}})
            jobs = [Job.from_mongo(document) async for document in cursor]
        return sorted(jobs, key=lambda job: job.created_at)

    async def update(self, job_id: str, changes: dict[str, Any]) -> Job | None:
        async with mongo_errors("updating a job"):
            document = await self.jobs.find_one_and_update(
                {"_id": job_id}, {"$set": changes}, return_document=True)
        return Job.from_mongo(document) if document else None

    async def batches_of(self, job_id: str) -> list[JobBatch]:
        async with mongo_errors("loading job batches"):
            cursor = self.batches.find({"job_id": job_id})
            batches = [JobBatch.from_mongo(document) async for document in cursor]
        return sorted(batches, key=lambda batch: batch.number)

    async def try_claim(
        self, batch: JobBatch, worker: str, lease_seconds: float
    ) -> JobBatch | None:
        attempt = batch.attempt + 1
        lease_until = datetime.now(UTC) + timedelta(seconds=lease_seconds)
        async with mongo_errors("claiming a job batch"):
            try:
                await self.claims.insert_one({"_id": f"{batch.id}:{attempt}",
                                              "job_id": batch.job_id, "worker": worker,
                                              "claimed_at": now_millis()})
            except OperationFailure as error:
                if is_duplicate_key(error):
                    return None  # another worker won this attempt
                raise
            await self.batches.update_one({"_id": batch.id}, {"$set": {
                "attempt": attempt, "worker": worker, "lease_until": lease_until}})
        return batch.model_copy(update={"attempt": attempt, "worker": worker,
                                        "lease_until": lease_until})

    async def still_mine(self, batch: JobBatch) -> bool:
        async with mongo_errors("checking a job batch"):
            document = await self.batches.find_one({"_id": batch.id}, projection={"attempt": 1})
        return document is not None and document["attempt"] == batch.attempt

    async def extend_lease(self, batch: JobBatch, lease_seconds: float) -> None:
        lease_until = datetime.now(UTC) + timedelta(seconds=lease_seconds)
        async with mongo_errors("extending a lease"):
            await self.batches.update_one({"_id": batch.id, "attempt": batch.attempt},
                                          {"$set": {"lease_until": lease_until}})

    async def marked(self, job_id: str, item_ids: Sequence[str]) -> dict[str, str | None]:
        """The items that have a marker, each with its error or None, in the order given
        (concurrent `_id` lookups: FerretDB does not push `$in` down to an index)."""

        async def marker(item_id: str) -> dict[str, Any] | None:
            async with mongo_errors("checking a job item"):
                return await self.items.find_one({"_id": f"{job_id}:{item_id}"},
                                                 projection={"error": 1})

        found = await asyncio.gather(*(marker(item_id) for item_id in item_ids))
        return {item_id: document.get("error")
                for item_id, document in zip(item_ids, found, strict=True) if document}

    async def record_starts(self, job_id: str, item_ids: Sequence[str], worker: str) -> set[str]:
        """Record that `worker` starts these items, in one round trip; returns those that had
        been started before (by a worker that died or lost its lease), so that work done twice
        is counted rather than hidden, and only they need checking for a marker."""
        if not item_ids:
            return set()
        now = now_millis()
        async with mongo_errors("recording job item starts"):
            try:
                await self.starts.insert_many(
                    [{"_id": f"{job_id}:{item_id}", "job_id": job_id, "worker": worker, "at": now}
                     for item_id in item_ids], ordered=False)
            except BulkWriteError as error:
                return {item_ids[index] for index in duplicate_key_indexes(error)}
        return set()

    async def mark_items(
        self, job_id: str, errors: Mapping[str, str | None]
    ) -> dict[str, str | None]:
        """Mark the items done, each with its error or None, in one round trip; returns those this
        call marked, leaving out any marked already (by a worker that died after marking)."""
        items = list(errors.items())
        if not items:
            return {}
        now = now_millis()
        async with mongo_errors("recording job items"):
            try:
                await self.items.insert_many(
                    [{"_id": f"{job_id}:{item_id}", "job_id": job_id, "error": error, "at": now}
                     for item_id, error in items], ordered=False)
                already: set[int] = set()
            except BulkWriteError as error_:
                already = duplicate_key_indexes(error_)
        return {item_id: error for index, (item_id, error) in enumerate(items)
                if index not in already}

    async def save_batch(self, batch: JobBatch) -> None:
        async with mongo_errors("saving job progress"):
            await self.batches.update_one({"_id": batch.id, "attempt": batch.attempt}, {"$set": {
                "processed": batch.processed, "failed": batch.failed, "done": batch.done,
                "repeated": batch.repeated,
                "errors": [e.model_dump() for e in batch.errors[:MAX_ERRORS_KEPT]]}})

    async def progress(self, job: Job) -> JobProgress:
        if job.state not in ACTIVE_STATES:
            final = job.options.get("result", {})
            return JobProgress(total=job.total, processed=final.get("processed", 0),
                               failed=final.get("failed", 0), repeated=final.get("repeated", 0),
                               errors=[ItemError(**e) for e in final.get("errors", [])],
                               rate_per_second=None, eta_seconds=None)
        batches = await self.batches_of(job.id)
        processed = sum(batch.processed for batch in batches)
        failed = sum(batch.failed for batch in batches)
        repeated = sum(batch.repeated for batch in batches)
        errors = [error for batch in batches for error in batch.errors][:MAX_ERRORS_KEPT]
        rate = eta = None
        if job.started_at and processed:
            elapsed = (datetime.now(UTC) - job.started_at).total_seconds()
            rate = processed / elapsed if elapsed > 0 else None
            eta = (job.total - processed) / rate if rate else None
        return JobProgress(total=job.total, processed=processed, failed=failed,
                           repeated=repeated, errors=errors,
                           rate_per_second=rate, eta_seconds=eta)

    async def finish(self, job: Job, state: JobState, error: str | None = None) -> Job | None:
        """Record the outcome in the job itself, then drop its batches, claims and markers.

        Only while the job is still active: two workers that both see its last batch done both
        end it, and the second may count the batches after the first dropped them (zero)."""
        progress = await self.progress(job)
        result = {"processed": progress.processed, "failed": progress.failed,
                  "repeated": progress.repeated,
                  "errors": [e.model_dump() for e in progress.errors]}
        async with mongo_errors("finishing a job"):
            document = await self.jobs.find_one_and_update(
                {"_id": job.id, "state": {"$in": [active.value for active in ACTIVE_STATES]}},
                {"$set": {"state": state.value, "finished_at": now_millis(), "error": error,
                          "options": {**job.options, "result": result}}},
                return_document=True)
        if document is None:  # ended already (or gone)
            return await self.get(job.id)
        finished = Job.from_mongo(document)
        async with mongo_errors("cleaning up a job"):
            for collection in (self.batches, self.claims, self.items, self.starts):
                await collection.delete_many({"job_id": job.id})
        await self.events.emit(WebhookEvent.JOB_FINISHED, job_payload(finished))
        return finished
