"""Job queries, mutations and the progress subscription: thin resolvers over JobService and
the live job watch."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from hub.graphql.core.context import Info
from hub.graphql.core.events import stream
from hub.graphql.core.pagination import check_page_size
from hub.graphql.core.permissions import IsAdmin, IsReader
from hub.graphql.jobs.types import Job
from hub.graphql.media.filters import asset_query
from hub.graphql.media.types import AssetFilter
from hub.models.job import Job as JobModel
from hub.models.job import JobState


async def _job(info: Info, job: JobModel) -> Job:
    return Job.from_model(job, await info.context.jobs.progress(job))


@strawberry.type
class JobQueries:
    @strawberry.field(permission_classes=[IsReader],
                      description="A job with its progress; null if there is none.")
    async def job(self, info: Info, id: strawberry.ID) -> Job | None:
        found = await info.context.jobs.store.get(str(id))
        return await _job(info, found) if found else None

    @strawberry.field(permission_classes=[IsReader],
                      description="Recent jobs, newest first.")
    async def jobs(
        self, info: Info, state: JobState | None = None, first: int | None = 20
    ) -> list[Job]:
        first = check_page_size(first, info.context.settings.max_page_size)
        return [await _job(info, job) for job in await info.context.jobs.recent(state, first)]


@strawberry.type
class JobMutations:
    @strawberry.mutation(permission_classes=[IsAdmin],
                         description="Label the selected images with the vision model "
                         "(suggestions: source AUTO, accepted false).")
    async def start_auto_tag_job(
        self, info: Info, filter: AssetFilter | None = None, only_untagged: bool | None = True
    ) -> Job:
        job = await info.context.jobs.start_auto_tag(asset_query(filter),
                                                     only_untagged=only_untagged is not False)
        return await _job(info, job)

    @strawberry.mutation(permission_classes=[IsAdmin],
                         description="Make the selected assets' renditions anew.")
    async def start_rerender_job(self, info: Info, filter: AssetFilter | None = None) -> Job:
        return await _job(info, await info.context.jobs.start_rerender(asset_query(filter)))

    @strawberry.mutation(permission_classes=[IsAdmin],
                         description="Make the selected videos' video renditions anew: every "
                         "video preset, or the named ones. One item per video and preset.")
    async def start_transcode_job(
        self, info: Info, filter: AssetFilter | None = None, presets: list[str] | None = None
    ) -> Job:
        job = await info.context.jobs.start_transcode(asset_query(filter), presets)
        return await _job(info, job)

    @strawberry.mutation(permission_classes=[IsAdmin],
                         description="Rebuild the search indexes from MongoDB (no downtime).")
    async def start_reindex_job(self, info: Info) -> Job:
        return await _job(info, await info.context.jobs.start_reindex())

    @strawberry.mutation(permission_classes=[IsAdmin],
                         description="Stop a job; items already done stay done.")
    async def cancel_job(self, info: Info, id: strawberry.ID) -> Job:
        return await _job(info, await info.context.jobs.cancel(str(id)))


@strawberry.type
class JobSubscriptions:
    @strawberry.subscription(permission_classes=[IsReader],
                             description="The job with its progress now, then each time its "
                             "state or counts change; completes after the job has ended "
                             "(SUCCEEDED, FAILED or CANCELLED). NOT_FOUND for an unknown id.")
    async def job_progress(self, info: Info, id: strawberry.ID) -> AsyncGenerator[Job, None]:
        return stream(info, await info.context.live.job_progress(str(id)),
                      lambda snapshot: Job.from_model(snapshot.job, snapshot.progress))

