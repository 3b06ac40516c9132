"""Bulk jobs: started through GraphQL, run by `hub worker` processes that share the work,
survive a worker killed with SIGKILL (counting what it leaves to be done again), report
progress and can be cancelled."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PIL import Image
from pymongo import AsyncMongoClient, MongoClient

from hub.config import Settings
from hub.jobs.store import JobStore

import media_samples as samples
from conftest import LiveHub, hub_environment
from test_media_uploads import upload, wait_for_renditions

JOB_FIELDS = """
id kind state total processed failed repeated error errors { itemId message } ratePerSecond
etaSeconds cancelRequested createdAt startedAt finishedAt
"""
JOB = f"query($id: ID!) {{ job(id: $id) {{ {JOB_FIELDS} }} }}"
RERENDER = f"""
mutation($filter: AssetFilter) {{ startRerenderJob(filter: $filter) {{ {JOB_FIELDS} }} }}
"""
REINDEX = f"mutation {{ startReindexJob {{ {JOB_FIELDS} }} }}"
AUTO_TAG = f"""
mutation($filter: AssetFilter, $only: Boolean) {{
  startAutoTagJob(filter: $filter, onlyUntagged: $only) {{ {JOB_FIELDS} }}
}}
"""
CANCEL = f"mutation($id: ID!) {{ cancelJob(id: $id) {{ {JOB_FIELDS} }} }}"


@contextmanager
def worker(
    settings: Settings, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A `hub worker` process on this test run's data (jobs, index catch-up, webhooks)."""
    process = subprocess.Popen([sys.executable, "-m", "hub.cli", "worker"],
                               env={**hub_environment(settings), **(env or {})},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def wait_for_job(hub: LiveHub, job_id: str, *states: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = hub.ok(JOB, {"id": job_id})["job"]
        if job["state"] in states:
            return job
        assert time.monotonic() < deadline, f"job stayed {job['state']}: {job}"
        time.sleep(0.2)


def wait_for_processed(hub: LiveHub, job_id: str, count: int, timeout: float = 60) -> None:
    """Until the workers have processed `count` items of the job."""
    deadline = time.monotonic() + timeout
    while hub.ok(JOB, {"id": job_id})["job"]["processed"] < count:
        assert time.monotonic() < deadline, "no worker made progress"
        time.sleep(0.05)


def photos(
    hub: LiveHub, marker: str, count: int, size: tuple[int, int] = (1200, 800)
) -> list[str]:
    """Distinct real photographs, big enough that rendering each takes a moment."""
    base = Image.open(io.BytesIO(samples.coffee_jpeg())).resize(size)
    return [upload(hub, samples.jpeg(base, comment=f"{marker}-{n}".encode()),
                   f"{marker}-{n}.jpg")["id"] for n in range(count)]


def test_a_rerender_job_reports_progress_and_finishes(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    marker = sku_prefix.lower()
    ids = photos(hub, marker, 3)
    for asset_id in ids:
        wait_for_renditions(hub, asset_id, 7)

    started = hub.ok(RERENDER, {"filter": {"text": marker}})["startRerenderJob"]
    assert (started["kind"], started["state"], started["total"]) == ("RERENDER", "QUEUED", 3)
    with worker(hub_settings):
        done = wait_for_job(hub, started["id"], "SUCCEEDED", "FAILED")

    assert (done["state"], done["processed"], done["failed"]) == ("SUCCEEDED", 3, 0)
    assert done["startedAt"] and done["finishedAt"] >= done["startedAt"]
    for asset_id in ids:
        assert len(wait_for_renditions(hub, asset_id, 7)["renditions"]) == 7
    listed = hub.ok("{ jobs(state: SUCCEEDED) { id } }")["jobs"]
    assert started["id"] in [job["id"] for job in listed]


def test_a_killed_worker_s_batch_is_finished_by_another_worker(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    marker = sku_prefix.lower()
    ids = photos(hub, marker, 20)
    job = hub.ok(RERENDER, {"filter": {"text": marker}})["startRerenderJob"]
    assert job["total"] == 20

    with worker(hub_settings) as doomed:
        wait_for_processed(hub, job["id"], 3)
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(timeout=10)
    midway = hub.ok(JOB, {"id": job["id"]})["job"]
    assert midway["state"] == "RUNNING" and midway["processed"] < 20

    with worker(hub_settings):
        done = wait_for_job(hub, job["id"], "SUCCEEDED", "FAILED")

    assert (done["state"], done["total"], done["processed"], done["failed"]) == (
        "SUCCEEDED", 20, 20, 0), "every asset counted exactly once"
    assert done["repeated"] <= hub_settings.jobs.concurrency
    for asset_id in ids:
        assert len(hub.ok("query($id: ID!) { asset(id: $id) { renditions { preset } } }",
                          {"id": asset_id})["asset"]["renditions"]) == 7


def test_two_workers_share_one_job(hub: LiveHub, hub_settings: Settings, sku_prefix: str) -> None:
    marker = sku_prefix.lower()
    photos(hub, marker, 10)
    job = hub.ok(RERENDER, {"filter": {"text": marker}})["startRerenderJob"]

    with worker(hub_settings), worker(hub_settings):
        done = wait_for_job(hub, job["id"], "SUCCEEDED", "FAILED")

    assert (done["processed"], done["failed"], done["repeated"]) == (10, 0, 0)


def test_two_workers_finish_a_job_when_one_is_killed_mid_item_and_count_the_repeats(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    """Two `hub worker` processes share one job; one is SIGKILLed while it renders. The other
    takes over its batches once their leases lapse: every item is processed exactly once in the
    job's counts, none is lost, and the items the dead worker had in flight (one per batch it
    was working on, at most its concurrency) are the only ones done twice, and are counted."""
    marker = sku_prefix.lower()
    ids = photos(hub, marker, 16, size=(2400, 1600))  # slow enough to be killed mid-render
    job = hub.ok(RERENDER, {"filter": {"text": marker}})["startRerenderJob"]
    in_flight_limit = hub_settings.jobs.concurrency

    with worker(hub_settings) as doomed:
        # The doomed worker holds batches and renders before the second one joins.
        wait_for_processed(hub, job["id"], 1, timeout=90)
        with worker(hub_settings):
            wait_for_processed(hub, job["id"], 4, timeout=90)
            os.kill(doomed.pid, signal.SIGKILL)
            doomed.wait(timeout=10)
            midway = hub.ok(JOB, {"id": job["id"]})["job"]
            done = wait_for_job(hub, job["id"], "SUCCEEDED", "FAILED")

    assert midway["state"] == "RUNNING" and midway["processed"] < 16
    assert (done["state"], done["total"], done["processed"], done["failed"]) == (
        "SUCCEEDED", 16, 16, 0), "every photo counted exactly once"
    assert 1 <= done["repeated"] <= in_flight_limit, (
        "only what the killed worker was rendering is rendered again")
    for asset_id in ids:
        assert len(hub.ok("query($id: ID!) { asset(id: $id) { renditions { preset } } }",
                          {"id": asset_id})["asset"]["renditions"]) == 7


def test_items_a_worker_finished_but_died_before_counting_are_counted_by_its_successor(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    """A worker is killed after marking items done and before saving its batch's counts (or
    loses its lease mid-chunk, so its save no longer counts). The worker that takes the batch
    over skips those items, as they are done, and still counts them, a failed one as failed
    with its error: the job ends with every item counted once and none repeated."""
    marker = sku_prefix.lower()
    photos(hub, marker, 6)
    job = hub.ok(RERENDER, {"filter": {"text": marker}})["startRerenderJob"]
    succeeded, failed = asyncio.run(die_after_marking(
        hub_settings, job["id"], ["succeeded", "INTERNAL: OSError: the disk was full"]))

    with worker(hub_settings):
        done = wait_for_job(hub, job["id"], "SUCCEEDED", "FAILED")

    assert (done["state"], done["total"], done["processed"], done["failed"], done["repeated"]) == (
        "SUCCEEDED", 6, 5, 1, 0)
    assert done["errors"] == [{"itemId": failed,
                               "message": "INTERNAL: OSError: the disk was full"}]
    assert succeeded not in [error["itemId"] for error in done["errors"]]


async def die_after_marking(settings: Settings, job_id: str, outcomes: list[str]) -> list[str]:
    """What a worker leaves when it dies between marking items and saving its batch: a claim
    whose lease has run out, start records and markers for the first items of the first batch
    (one per outcome: "succeeded" or the item's error), no counts. Returns those items."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_url)
    try:
        store = JobStore(client[settings.mongo_database])
        first = (await store.batches_of(job_id))[0]
        claimed = await store.try_claim(first, "killed-worker", lease_seconds=0)
        assert claimed is not None
        finished = claimed.item_ids[:len(outcomes)]
        await store.record_starts(job_id, finished, "killed-worker")
        marked = await store.mark_items(job_id, {
            item_id: None if outcome == "succeeded" else outcome
            for item_id, outcome in zip(finished, outcomes, strict=True)})
        assert list(marked) == finished
        return finished
    finally:
        await client.close()


def test_a_reindex_job_rebuilds_the_indexes_without_losing_anything(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    sku = f"{sku_prefix}-REIDX"
    hub.ok("mutation($i: ProductInput!) { createProduct(input: $i) { id } }",
           {"i": {"sku": sku, "name": "Reindexed lamp"}})
    job = hub.ok(REINDEX)["startReindexJob"]

    with worker(hub_settings):
        done = wait_for_job(hub, job["id"], "SUCCEEDED", "FAILED")

    assert (done["state"], done["total"], done["processed"]) == ("SUCCEEDED", 2, 2)
    found = hub.ok('query($s: [String!]) { products(filter: {skus: $s}) { totalCount } }',
                   {"s": [sku]})
    assert found["products"]["totalCount"] == 1


def test_cancelling_a_job_that_has_not_started_ends_it(hub: LiveHub, sku_prefix: str) -> None:
    photos(hub, sku_prefix.lower(), 1)
    job = hub.ok(RERENDER, {"filter": {"text": sku_prefix.lower()}})["startRerenderJob"]

    cancelled = hub.ok(CANCEL, {"id": job["id"]})["cancelJob"]

    assert cancelled["state"] == "CANCELLED" and cancelled["finishedAt"]
    assert hub.graphql(CANCEL, {"id": job["id"]}).codes == ["BAD_USER_INPUT"]
    assert hub.graphql(CANCEL, {"id": "000000000000000000000000"}).codes == ["NOT_FOUND"]
    assert hub.ok(JOB, {"id": "000000000000000000000000"}) == {"job": None}


def test_cancelling_a_running_job_stops_it_between_items(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    marker = sku_prefix.lower()
    photos(hub, marker, 15)
    job = hub.ok(RERENDER, {"filter": {"text": marker}})["startRerenderJob"]

    with worker(hub_settings):
        wait_for_processed(hub, job["id"], 1)
        requested = hub.ok(CANCEL, {"id": job["id"]})["cancelJob"]
        done = wait_for_job(hub, job["id"], "CANCELLED", "SUCCEEDED")

    assert requested["cancelRequested"] is True
    assert done["state"] == "CANCELLED" and done["processed"] < 15


def test_an_auto_tag_job_s_batches_hold_whole_model_batches(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    """Batches of HUB_JOBS__BATCH_SIZE items (5 here) would cut every model batch (32 images of
    the tests' model) to 5: auto-tag batches are rounded up to whole model batches, while a
    rerender job, one asset per call, keeps batches of 5."""
    marker = sku_prefix.lower()
    photos(hub, marker, 7, size=(160, 120))
    only_these = {"filter": {"text": marker}}

    auto_tag = hub.ok(AUTO_TAG, {**only_these, "only": False})["startAutoTagJob"]
    rerender = hub.ok(RERENDER, only_these)["startRerenderJob"]

    assert (auto_tag["total"], rerender["total"]) == (7, 7)
    assert batch_sizes(hub_settings, auto_tag["id"]) == [7]
    assert batch_sizes(hub_settings, rerender["id"]) == [5, 2]
    hub.ok(CANCEL, {"id": auto_tag["id"]})
    hub.ok(CANCEL, {"id": rerender["id"]})


def batch_sizes(settings: Settings, job_id: str) -> list[int]:
    """How many items each of the job's batches holds, as stored."""
    with MongoClient(settings.mongo_url) as client:
        batches = client[settings.mongo_database]["job_batches"].find({"job_id": job_id})
        return [len(batch["item_ids"]) for batch in sorted(batches, key=lambda b: b["number"])]
