"""GraphQL types of jobs."""

from __future__ import annotations

from datetime import datetime

import strawberry

from hub.models.job import Job as JobModel
from hub.models.job import JobKind, JobProgress, JobState

strawberry.enum(JobKind)
strawberry.enum(JobState)


@strawberry.type
class JobItemError:
    item_id: str
    message: str


@strawberry.type
class Job:
    id: strawberry.ID
    kind: JobKind
    state: JobState
    total: int
    processed: int
    failed: int
    repeated: int = strawberry.field(description=(
        "Items started more than once: their worker died or lost its lease mid-item, and "
        "another did them again. At most the items that were in flight at that moment."))
    error: str | None
    errors: list[JobItemError] = strawberry.field(description="Per-item failures (at most 50).")
    rate_per_second: float | None
    eta_seconds: float | None
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def from_model(cls, job: JobModel, progress: JobProgress) -> Job:
        return cls(
            id=strawberry.ID(job.id), kind=job.kind, state=job.state, total=job.total,
            processed=progress.processed, failed=progress.failed, repeated=progress.repeated,
            error=job.error,
            errors=[JobItemError(item_id=e.item_id, message=e.message) for e in progress.errors],
            rate_per_second=progress.rate_per_second, eta_seconds=progress.eta_seconds,
            cancel_requested=job.cancel_requested, created_at=job.created_at,
            started_at=job.started_at, finished_at=job.finished_at,
        )
