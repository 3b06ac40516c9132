"""Bulk jobs over the library, split into batches that workers claim with leases."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class JobKind(StrEnum):
    AUTO_TAG = "AUTO_TAG"
    RERENDER = "RERENDER"
    REINDEX = "REINDEX"
    TRANSCODE = "TRANSCODE"  # items: "<asset id>:<video preset>"


class JobState(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)


class Job(BaseModel):
    id: str
    kind: JobKind
    state: JobState = JobState.QUEUED
    options: dict[str, Any] = Field(default_factory=dict)
    total: int = 0
    batch_count: int = 0
    error: str | None = None
    cancel_requested: bool = False
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def to_mongo(self) -> dict[str, Any]:
        document = self.model_dump(mode="python")
        document["_id"] = document.pop("id")
        return document

    @classmethod
    def from_mongo(cls, document: dict[str, Any]) -> Job:
        return cls.model_validate({**document, "id": document["_id"]})


class ItemError(BaseModel):
    item_id: str
    message: str


class JobBatch(BaseModel):
    """A slice of a job's items. Only the worker holding the batch's current claim writes it."""

    id: str
    job_id: str
    number: int
    item_ids: list[str]
    done: bool = False
    attempt: int = 0
    worker: str | None = None
    lease_until: datetime | None = None
    processed: int = 0
    failed: int = 0
    # Items of this batch started before, by a worker that died or lost its lease mid-item.
    repeated: int = 0
    errors: list[ItemError] = Field(default_factory=list)

    def to_mongo(self) -> dict[str, Any]:
        document = self.model_dump(mode="python")
        document["_id"] = document.pop("id")
        return document

    @classmethod
    def from_mongo(cls, document: dict[str, Any]) -> JobBatch:
        return cls.model_validate({**document, "id": document["_id"]})


class JobProgress(BaseModel):
    total: int
    processed: int
    failed: int
    repeated: int
    errors: list[ItemError]
    rate_per_second: float | None
    eta_seconds: float | None
