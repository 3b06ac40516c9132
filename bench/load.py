"""A bounded load test: concurrent clients against a real `hub serve` for a fixed time.

    make load
    .venv/bin/python bench/load.py [--seconds 60] [--clients 20]

The hub runs as a subprocess on a database, index prefix and data folder of its own, with the
tiny random-weights vision model (nothing to download). 200 products with two photographs each
are uploaded through the API and embedded before the clock starts; then every client, with an
editor token of its own, sends a weighted mix of product pages, products by SKU, keyword search,
similar search and uploads. Prints latency percentiles per operation and the hub's peak memory,
writes bench/load-results.json, drops its data, and exits non-zero if any request failed.
Not part of the tests or of `make bench`."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from pymongo import AsyncMongoClient, MongoClient
from pymongo.errors import PyMongoError
from tqdm import tqdm

from hub.auth.roles import Role
from hub.auth.tokens import TokenStore
from hub.config import PROJECT_ROOT, Settings
from hub.servers.stack import LocalStack

HERE = Path(__file__).resolve().parent
PRODUCTS = 200
UPLOADS_PER_SEED_TOKEN = 100  # below the hub's default of 120 uploads per token and minute
SEED_ROLES = ("MAIN", "GALLERY")
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field",
          "immunohistochemistry")
COLOURS = ("grey", "oak", "walnut", "linen", "velvet", "brass", "marble", "black")
THINGS = ("chair", "sofa", "lamp", "table", "vase", "rug", "shelf", "stool", "mirror", "bed")
# The tiny open_clip architecture with seeded random weights, as the tests use: the real
# pipeline, no weights to download.
TINY_VISION = {"HUB_VISION__ARCHITECTURE": "hub-tiny", "HUB_VISION__PRETRAINED": "",
               "HUB_VISION__RANDOM_WEIGHTS_SEED": "7"}
MEMORY_SAMPLE_SECONDS = 0.2
SEED = 7  # the same seeded photographs on every run
ERROR_SAMPLES = 5

PAGE = """query($order: ProductOrder) { products(first: 20, orderBy: $order) { totalCount
  edges { node { sku name mainImage { id width height blurhash
    renditions { preset url width height } } } } } }"""
BY_SKU = """query($sku: String!) { product(sku: $sku) { id sku name description attributes
  mainImage { id renditions { preset url width height } }
  assets { role position asset { id filename } } } }"""
KEYWORD = """query($q: String!) { searchAssets(query: $q, mode: KEYWORD, first: 20) {
  score asset { id filename renditions { preset url } } } }"""
SIMILAR = """query($id: ID!) { similarAssets(assetId: $id, first: 10) {
  score asset { id filename } } }"""
UPLOAD = """mutation($file: Upload!, $sku: String, $role: AssetRole, $tags: [String!]) {
  uploadAsset(file: $file, sku: $sku, role: $role, tags: $tags) { id width height } }"""
CREATE = """mutation($input: ProductInput!) { createProduct(input: $input) { id } }"""


class LoadFailure(Exception):
    """The load test could not run (the hub did not start, seeding failed)."""


# --- the hub under test ---------------------------------------------------------------------


class HubProcess:
    """`hub serve` in a subprocess on its own database, index prefix and data folder."""

    def __init__(self, *, settings: Settings, workdir: Path, uploads_per_minute: int | None,
                 start_timeout: float = 120.0) -> None:
        self.settings = settings
        self.workdir = workdir
        self.uploads_per_minute = uploads_per_minute
        self.start_timeout = start_timeout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "hub.log"
        self.process: subprocess.Popen[bytes] | None = None

    def environment(self) -> dict[str, str]:
        env = {**os.environ, **TINY_VISION,
               "HUB_MONGO_DATABASE": self.settings.mongo_database,
               "HUB_ES_INDEX_PREFIX": self.settings.es_index_prefix,
               "HUB_DATA_DIR": str(self.settings.data_dir),
               "HUB_DEV_TOKEN_FILE": str(self.workdir / "dev-token")}
        if self.uploads_per_minute is not None:
            env["HUB_UPLOADS_PER_MINUTE"] = str(self.uploads_per_minute)
        return env

    @property
    def pid(self) -> int:
        if self.process is None:
            raise LoadFailure("the hub is not running")
        return self.process.pid

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hub.cli", "serve", "--port", str(self.port)],
                cwd=PROJECT_ROOT, env=self.environment(), stdout=log,
                stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.start_timeout
        while not self.healthy():
            if self.process.poll() is not None:
                raise LoadFailure(f"the hub exited with {self.process.returncode}:\n"
                                  f"{self.log_tail()}")
            if time.monotonic() > deadline:
                raise LoadFailure(f"the hub was not healthy within {self.start_timeout:.0f} s:"
                                  f"\n{self.log_tail()}")
            time.sleep(0.25)

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def drop_load_data(settings: Settings) -> None:
    """The load run's database and every index under its prefix. A failure here is reported,
    not raised, so that it never hides why the run itself failed."""
    try:
        client: MongoClient[dict[str, Any]]
        with MongoClient(settings.mongo_url, serverSelectionTimeoutMS=5000) as client:
            client.drop_database(settings.mongo_database)
    except PyMongoError as error:
        print(f"warning: could not drop MongoDB database {settings.mongo_database}: {error}",
              file=sys.stderr)
    try:
        listing = httpx.get(f"{settings.es_url}/_cat/indices/{settings.es_index_prefix}-*",
                            params={"format": "json", "h": "index"})
        listing.raise_for_status()
        names = [row["index"] for row in listing.json()]
        if names:
            httpx.delete(f"{settings.es_url}/{','.join(names)}").raise_for_status()
    except httpx.HTTPError as error:
        print(f"warning: could not delete the Elasticsearch indices "
              f"{settings.es_index_prefix}-*: {error}", file=sys.stderr)


async def issue_tokens(settings: Settings, count: int, label: str) -> list[str]:
    """Editor tokens in the load database, made the way `hub tokens create` makes them."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    try:
        store = TokenStore(client[settings.mongo_database])
        return [(await store.create(role=Role.EDITOR, label=f"{label} {n}")).secret
                for n in range(count)]
    finally:
        await client.close()


# --- memory and CPU ------------------------------------------------------------------------


def proc_status_kib(pid: int, key: str) -> int:
    """A `kB` line of /proc/<pid>/status (VmRSS, VmHWM); 0 once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class MemorySampler(threading.Thread):
    """Samples a process's resident memory on a thread of its own, so a busy event loop in
    the load driver never delays a sample."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self.load_peak_kib = 0
        self.load_start_kib = 0
        self.during_load = False
        self.finished = threading.Event()

    def run(self) -> None:
        while not self.finished.wait(MEMORY_SAMPLE_SECONDS):
            rss = proc_status_kib(self.pid, "VmRSS")
            self.peak_kib = max(self.peak_kib, rss)
            if self.during_load:
                self.load_peak_kib = max(self.load_peak_kib, rss)

    def load_started(self) -> None:
        self.load_start_kib = proc_status_kib(self.pid, "VmRSS")
        self.during_load = True

    def stop(self) -> None:
        self.during_load = False
        self.finished.set()
        self.join()


# --- clients --------------------------------------------------------------------------------


class Caller:
    """One API client holding one token, with connections of its own."""

    def __init__(self, url: str, secret: str) -> None:
        self.http = httpx.AsyncClient(base_url=url, timeout=60,
                                      headers={"Authorization": f"Bearer {secret}"})

    async def graphql(self, query: str, variables: dict[str, Any]) -> httpx.Response:
        return await self.http.post("/graphql", json={"query": query, "variables": variables})

    async def upload(self, content: bytes, filename: str,
                     variables: dict[str, Any]) -> httpx.Response:
        """A GraphQL multipart request, as Apollo Upload clients send it."""
        operations = {"query": UPLOAD, "variables": {**variables, "file": None}}
        return await self.http.post("/graphql", data={
            "operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]}),
        }, files={"0": (filename, content, "application/octet-stream")})

    async def close(self) -> None:
        await self.http.aclose()


def examine(response: httpx.Response) -> tuple[str | None, dict[str, int]]:
    """Why a GraphQL response counts as an error (not HTTP 200, `errors`, or a null result),
    and the store calls the hub says it cost (`extensions.storeCalls`, on in development)."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:1000]}", {}
    calls = (body.get("extensions") or {}).get("storeCalls") or {}
    if response.status_code != 200 or body.get("errors"):
        return f"HTTP {response.status_code}: {json.dumps(body)[:1000]}", calls
    data = body.get("data") or {}
    if not data or any(value is None for value in data.values()):
        return f"null result: {json.dumps(body)[:1000]}", calls
    return None, calls


@cache
def photograph(name: str) -> Image.Image:
    from skimage import data

    return Image.fromarray(getattr(data, name)()).convert("RGB")


def photo_jpeg(rng: random.Random, marker: str) -> bytes:
    """A small JPEG cut from a real photograph (so similarity means something), made unique by
    a marker in its comment so that deduplication never answers instead of the hub."""
    source = photograph(rng.choice(PHOTOS))
    width = int(source.width * rng.uniform(0.5, 1.0))
    height = int(source.height * rng.uniform(0.5, 1.0))
    left = rng.randrange(source.width - width + 1)
    top = rng.randrange(source.height - height + 1)
    image = source.crop((left, top, left + width, top + height)).resize((320, 240))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, comment=marker.encode())
    return out.getvalue()


# --- seeding --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalog:
    """What the clients pick from: the seeded SKUs and image assets."""

    skus: list[str]
    asset_ids: list[str]


def colour(n: int) -> str:
    return COLOURS[n % len(COLOURS)]


def product_name(n: int) -> str:
    return f"{colour(n).title()} {THINGS[n // len(COLOURS) % len(THINGS)]} {n}"


async def must(response: Awaitable[httpx.Response], what: str) -> dict[str, Any]:
    answer = await response
    problem, _ = examine(answer)
    if problem:
        raise LoadFailure(f"{what}: {problem}")
    data: dict[str, Any] = answer.json()["data"]
    return data


async def seed_products(caller: Caller, numbers: list[int], rng: random.Random,
                        progress: tqdm) -> list[str]:
    """Creates these products, each with a MAIN and a GALLERY photograph; the asset ids."""
    asset_ids = []
    for n in numbers:
        sku = f"LOAD-{n:04d}"
        await must(caller.graphql(CREATE, {"input": {
            "sku": sku, "name": product_name(n), "attributes": {"colour": colour(n)},
            "description": "Seeded by the load test. " * 5}}), f"creating {sku}")
        for role in SEED_ROLES:
            content = photo_jpeg(rng, f"seed {sku} {role}")
            data = await must(caller.upload(content, f"{sku}-{role.lower()}.jpg", {
                "sku": sku, "role": role, "tags": [colour(n)]}), f"uploading for {sku}")
            asset_ids.append(data["uploadAsset"]["id"])
        progress.update(1)
    return asset_ids


async def seed(url: str, secrets: list[str], seed_value: int) -> Catalog:
    numbers = list(range(PRODUCTS))
    callers = [Caller(url, secret) for secret in secrets]
    try:
        with tqdm(total=PRODUCTS, desc="seeding products", unit="product") as progress:
            batches = await asyncio.gather(*(
                seed_products(caller, numbers[i::len(callers)], random.Random(seed_value + i),
                              progress) for i, caller in enumerate(callers)))
        asset_ids = [asset_id for batch in batches for asset_id in batch]
        await wait_for_embeddings(callers[0], asset_ids)
    finally:
        await asyncio.gather(*(caller.close() for caller in callers))
    return Catalog(skus=[f"LOAD-{n:04d}" for n in numbers], asset_ids=asset_ids)


async def wait_for_embeddings(caller: Caller, asset_ids: list[str],
                              timeout: float = 600.0) -> None:
    """Uploads are rendered and embedded in the background; similar search needs vectors."""
    deadline = time.monotonic() + timeout
    waiting = list(asset_ids)
    with tqdm(total=len(asset_ids), desc="waiting for embeddings", unit="image") as progress:
        while waiting:
            if time.monotonic() > deadline:
                raise LoadFailure(f"{len(waiting)} seeded images were not embedded within "
                                  f"{timeout:.0f} s")
            batch = waiting[:50]
            query = "{ " + " ".join(f"a{i}: asset(id: {json.dumps(asset_id)}) "
                                    "{ embeddingModel }" for i, asset_id in enumerate(batch)) + " }"
            data = await must(caller.graphql(query, {}), "checking embeddings")
            done = {asset_id for i, asset_id in enumerate(batch)
                    if data[f"a{i}"]["embeddingModel"] is not None}
            waiting = [asset_id for asset_id in waiting if asset_id not in done]
            progress.update(len(done))
            if not done:
                await asyncio.sleep(0.5)


# --- the mix --------------------------------------------------------------------------------

Send = Callable[[Caller, Catalog, random.Random], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Operation:
    name: str
    weight: int
    send: Send


def product_page(caller: Caller, catalog: Catalog, rng: random.Random) -> Awaitable[httpx.Response]:
    order = {"field": rng.choice(["CREATED_AT", "NAME", "SKU"]),
             "direction": rng.choice(["ASC", "DESC"])}
    return caller.graphql(PAGE, {"order": order})


def product_by_sku(caller: Caller, catalog: Catalog,
                   rng: random.Random) -> Awaitable[httpx.Response]:
    return caller.graphql(BY_SKU, {"sku": rng.choice(catalog.skus)})


def keyword_search(caller: Caller, catalog: Catalog,
                   rng: random.Random) -> Awaitable[httpx.Response]:
    return caller.graphql(KEYWORD, {"q": rng.choice(COLOURS + THINGS)})


def similar_assets(caller: Caller, catalog: Catalog,
                   rng: random.Random) -> Awaitable[httpx.Response]:
    return caller.graphql(SIMILAR, {"id": rng.choice(catalog.asset_ids)})


def upload(caller: Caller, catalog: Catalog, rng: random.Random) -> Awaitable[httpx.Response]:
    sku = rng.choice(catalog.skus)
    content = photo_jpeg(rng, f"load {uuid.uuid4().hex}")
    return caller.upload(content, f"{sku}-detail.jpg", {"sku": sku, "role": "DETAIL",
                                                         "tags": ["load"]})


MIX = [Operation("product page", 30, product_page),
       Operation("product by SKU", 30, product_by_sku),
       Operation("keyword search", 15, keyword_search),
       Operation("similar assets", 15, similar_assets),
       Operation("upload", 10, upload)]


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Recorder:
    """Latencies and errors per operation, and when each client uploaded."""

    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    upload_times: dict[int, list[float]] = field(default_factory=dict)
    store_calls: dict[str, Counter[str]] = field(default_factory=dict)

    def record(self, operation: str, client: int, latency_ms: float, problem: str | None,
               calls: dict[str, int]) -> None:
        self.latencies_ms.setdefault(operation, []).append(latency_ms)
        self.store_calls.setdefault(operation, Counter()).update(calls)
        if operation == "upload":
            self.upload_times.setdefault(client, []).append(time.monotonic())
        if problem:
            self.errors[operation] = self.errors.get(operation, 0) + 1
            if len(self.error_samples) < ERROR_SAMPLES:
                self.error_samples.append(f"{operation}: {problem}")

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def request_count(self) -> int:
        return sum(len(samples) for samples in self.latencies_ms.values())


async def run_once(caller: Caller, operation: Operation, catalog: Catalog,
                   rng: random.Random) -> tuple[float, str | None, dict[str, int]]:
    began = time.perf_counter()
    try:
        response = await operation.send(caller, catalog, rng)
    except httpx.HTTPError as error:
        return (time.perf_counter() - began) * 1000, f"{type(error).__name__}: {error}", {}
    latency = (time.perf_counter() - began) * 1000
    return (latency, *examine(response))


async def warm_up(caller: Caller, catalog: Catalog) -> None:
    """Each operation once before the clock starts, so a broken query fails fast."""
    rng = random.Random(0)
    for operation in MIX:
        _, problem, _ = await run_once(caller, operation, catalog, rng)
        if problem:
            raise LoadFailure(f"{operation.name} failed before the load started: {problem}")


async def client_loop(number: int, caller: Caller, catalog: Catalog, deadline: float,
                      recorder: Recorder) -> None:
    rng = random.Random(1000 + number)
    weights = [operation.weight for operation in MIX]
    while time.monotonic() < deadline:
        operation = rng.choices(MIX, weights)[0]
        latency, problem, calls = await run_once(caller, operation, catalog, rng)
        recorder.record(operation.name, number, latency, problem, calls)


async def show_progress(seconds: int, recorder: Recorder) -> None:
    with tqdm(total=seconds, desc="load", unit="s") as bar:
        for _ in range(seconds):
            await asyncio.sleep(1)
            bar.set_postfix(requests=recorder.request_count, errors=recorder.error_count)
            bar.update(1)


@dataclass(frozen=True)
class LoadWindow:
    """How long the timed run took, and the CPU the hub and this driver spent in it (they
    share the machine, with MongoDB and Elasticsearch)."""

    seconds: float
    hub_cpu_seconds: float
    driver_cpu_seconds: float


async def drive(url: str, secrets: list[str], catalog: Catalog, seconds: int,
                recorder: Recorder, sampler: MemorySampler) -> LoadWindow:
    """Every client until the deadline (requests under way then are finished and counted)."""
    callers = [Caller(url, secret) for secret in secrets]
    try:
        await warm_up(callers[0], catalog)
        sampler.load_started()
        hub_cpu, driver_cpu = cpu_seconds(sampler.pid), time.process_time()
        began = time.monotonic()
        progress = asyncio.create_task(show_progress(seconds, recorder))
        await asyncio.gather(*(client_loop(n, caller, catalog, began + seconds, recorder)
                               for n, caller in enumerate(callers)))
        window = LoadWindow(seconds=time.monotonic() - began,
                            hub_cpu_seconds=cpu_seconds(sampler.pid) - hub_cpu,
                            driver_cpu_seconds=time.process_time() - driver_cpu)
        await progress
    finally:
        await asyncio.gather(*(caller.close() for caller in callers))
    return window


def busiest_minute(times: list[float]) -> int:
    """The most events within any 60 s window (what a per-minute rate limit counts)."""
    most, first = 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] >= 60:
            first += 1
        most = max(most, last - first + 1)
    return most


# --- reporting ------------------------------------------------------------------------------


def summary(name: str, latencies: list[float], errors: int, calls: Counter[str],
            seconds: float) -> dict[str, Any]:
    ordered = sorted(latencies)
    cuts = (statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1
            else ordered * 99)

    def per_request(key: str) -> float:
        return round(calls[key] / len(ordered), 1) if ordered else 0.0

    return {"operation": name, "count": len(ordered),
            "requests_per_second": round(len(ordered) / seconds, 2),
            "p50_ms": round(cuts[49], 1) if cuts else None,
            "p95_ms": round(cuts[94], 1) if cuts else None,
            "p99_ms": round(cuts[98], 1) if cuts else None,
            "max_ms": round(ordered[-1], 1) if ordered else None, "errors": errors,
            "mongo_calls_per_request": per_request("mongo"),
            "es_calls_per_request": per_request("elasticsearch")}


def table(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'operation':<16} {'count':>7} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
             f"{'p99 ms':>8} {'max ms':>8} {'errors':>6} {'mongo/req':>9} {'es/req':>6}"]
    for row in rows:
        timings = "".join(f" {row[key] or 0:>8.1f}"
                          for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms"))
        lines.append(f"{row['operation']:<16} {row['count']:>7} "
                     f"{row['requests_per_second']:>7.1f}{timings} {row['errors']:>6} "
                     f"{row['mongo_calls_per_request']:>9.1f} {row['es_calls_per_request']:>6.1f}")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    memory_kib = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text()
                       .splitlines() if line.startswith("MemTotal:")), 0)
    return {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
            "memory_mib": memory_kib // 1024, "python": platform.python_version(),
            "torch": version("torch"), "platform": platform.platform()}


def load_average() -> float:
    """The machine's one-minute load average: other work on it skews every figure."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def report(recorder: Recorder, window: LoadWindow, memory: dict[str, float],
           run_settings: dict[str, Any]) -> dict[str, Any]:
    rows = [summary(op.name, recorder.latencies_ms.get(op.name, []),
                    recorder.errors.get(op.name, 0),
                    recorder.store_calls.get(op.name, Counter()), window.seconds)
            for op in MIX]
    everything = [ms for samples in recorder.latencies_ms.values() for ms in samples]
    all_calls = sum(recorder.store_calls.values(), Counter[str]())
    cores = {"hub": round(window.hub_cpu_seconds / window.seconds, 2),
             "load_driver": round(window.driver_cpu_seconds / window.seconds, 2)}
    return {"finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(window.seconds, 1), "settings": run_settings,
            "machine": {**machine(), "load_average_at_end": load_average()},
            "operations": rows,
            "total": summary("all", everything, recorder.error_count, all_calls,
                             window.seconds),
            "hub_memory_mib": memory, "cpu_cores_busy": cores,
            "error_samples": recorder.error_samples}


def mib(kib: int) -> float:
    return round(kib / 1024, 1)


# --- main -----------------------------------------------------------------------------------


async def session(hub: HubProcess, args: argparse.Namespace, sampler: MemorySampler,
                  recorder: Recorder) -> LoadWindow:
    """Tokens, seed data, then the timed run."""
    seed_tokens = -(-PRODUCTS * len(SEED_ROLES) // UPLOADS_PER_SEED_TOKEN)
    seeders = await issue_tokens(hub.settings, seed_tokens, "load test: seeding")
    clients = await issue_tokens(hub.settings, args.clients, "load test: client")
    catalog = await seed(hub.url, seeders, seed_value=SEED)
    print(f"seeded {len(catalog.skus)} products and {len(catalog.asset_ids)} embedded images; "
          f"{args.clients} clients for {args.seconds} s (load average {load_average():.1f})",
          flush=True)
    return await drive(hub.url, clients, catalog, args.seconds, recorder, sampler)


def run(args: argparse.Namespace,
        workdir: Path) -> tuple[Recorder, LoadWindow, dict[str, float]]:
    """Starts the hub on data of its own, loads it, and always stops it and drops the data."""
    base = Settings()
    LocalStack(base.servers).up(report=lambda line: None)
    run_id = uuid.uuid4().hex[:8]
    settings = base.model_copy(update={"mongo_database": f"hub_load_{run_id}",
                                       "es_index_prefix": f"hub-load-{run_id}",
                                       "data_dir": workdir / "data"})
    hub = HubProcess(settings=settings, workdir=workdir,
                     uploads_per_minute=args.uploads_per_minute)
    recorder = Recorder()
    try:
        hub.start()
        sampler = MemorySampler(hub.pid)
        sampler.start()
        try:
            window = asyncio.run(session(hub, args, sampler, recorder))
            high_water = proc_status_kib(hub.pid, "VmHWM")
        finally:
            sampler.stop()
        if recorder.error_count:
            print(f"\nthe hub's log ends:\n{hub.log_tail()}", file=sys.stderr)
    except LoadFailure as error:
        raise LoadFailure(f"{error}\n\nthe hub's log ends:\n{hub.log_tail()}") from error
    finally:
        hub.stop()
        drop_load_data(settings)
    memory = {"peak_rss_during_load": mib(sampler.load_peak_kib),
              "rss_before_load": mib(sampler.load_start_kib),
              "peak_rss_whole_run": mib(sampler.peak_kib), "vm_hwm": mib(high_water)}
    return recorder, window, memory


def print_summary(result: dict[str, Any], recorder: Recorder) -> None:
    memory, settings, cores = (result["hub_memory_mib"], result["settings"],
                               result["cpu_cores_busy"])
    print(table([*result["operations"], result["total"]]))
    print(f"\nhub memory: peak RSS {memory['peak_rss_during_load']} MiB during the load "
          f"({memory['rss_before_load']} MiB before it), VmHWM {memory['vm_hwm']} MiB")
    print(f"CPU cores busy: hub {cores['hub']}, this load driver {cores['load_driver']} "
          f"(of {result['machine']['cores']}; load average {settings['load_average_at_start']} "
          f"before, {result['machine']['load_average_at_end']} after)")
    if settings["load_average_at_start"] > result["machine"]["cores"]:
        print("note: other work was keeping the machine busy before the run; every figure "
              "above is slower than the hub alone would be")
    source = "set for this run" if settings["uploads_per_minute_set"] else "the hub's default"
    print(f"uploads: at most {settings['busiest_minute_uploads_per_token']} per token in any "
          f"minute (limit {settings['uploads_per_minute_limit']}, {source})")
    if recorder.error_count:
        print(f"\n{recorder.error_count} errors; the first ones:", file=sys.stderr)
        for sample in recorder.error_samples:
            print(f"  {sample}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="how long the clients run")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument("--uploads-per-minute", type=int, default=None,
                        help="HUB_UPLOADS_PER_MINUTE for the hub (default: the hub's, 120 "
                             "per token)")
    parser.add_argument("--output", type=Path, default=HERE / "load-results.json")
    args = parser.parse_args()
    if args.seconds < 1 or args.clients < 1:
        parser.error("--seconds and --clients must be at least 1")
    load_at_start = load_average()
    with tempfile.TemporaryDirectory(prefix="hub-load-") as workdir:
        try:
            recorder, window, memory = run(args, Path(workdir))
        except LoadFailure as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    run_settings = {
        "seconds": args.seconds, "clients": args.clients, "products": PRODUCTS,
        "images_per_product": len(SEED_ROLES), "mix": {op.name: op.weight for op in MIX},
        "uploads_per_minute_limit": args.uploads_per_minute or Settings().uploads_per_minute,
        "uploads_per_minute_set": args.uploads_per_minute is not None,
        "busiest_minute_uploads_per_token": max(
            (busiest_minute(times) for times in recorder.upload_times.values()), default=0),
        "vision": "hub-tiny, random weights (seed 7)", "load_average_at_start": load_at_start}
    result = report(recorder, window, memory, run_settings)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print_summary(result, recorder)
    print(f"written to {args.output}")
    return 1 if recorder.error_count else 0


if __name__ == "__main__":
    raise SystemExit(main())
