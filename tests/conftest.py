"""Fixtures: the real local servers, and the hub served over real HTTP on its own port.

Each test run gets its own MongoDB database and Elasticsearch index prefix, dropped at the end,
so runs never see each other's data."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from pymongo import AsyncMongoClient, MongoClient

from hub.app import create_app
from hub.auth.roles import Role
from hub.auth.tokens import TokenStore
from hub.config import JobSettings, Settings, VideoSettings
from hub.servers.stack import LocalStack
from hub.vision.settings import VisionSettings

TINY_MODEL = VisionSettings(architecture="hub-tiny", pretrained=None, random_weights_seed=7)


@dataclass
class GraphQLResult:
    status_code: int
    data: dict[str, Any] | None
    errors: list[dict[str, Any]] = field(default_factory=list)
    extensions: dict[str, Any] = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        return [error.get("extensions", {}).get("code") for error in self.errors]

    @property
    def store_calls(self) -> dict[str, int]:
        return self.extensions["storeCalls"]


class ApiClient:
    """GraphQL and HTTP calls to a hub as one token holder (or anonymously, with None)."""

    def __init__(self, url: str, token: str | None) -> None:
        self.url = url
        self.token = token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=url, timeout=30, headers=headers)

    def close(self) -> None:
        self.http.close()

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> GraphQLResult:
        response = self.http.post("/graphql", json={"query": query, "variables": variables or {}})
        body = response.json()
        return GraphQLResult(response.status_code, body.get("data"), body.get("errors") or [],
                             body.get("extensions") or {})

    def upload(
        self,
        query: str,
        variables: dict[str, Any],
        content: bytes,
        filename: str,
        file_variable: str = "file",
    ) -> GraphQLResult:
        """A GraphQL multipart request (the spec clients such as Apollo Upload use)."""
        operations = {"query": query, "variables": {**variables, file_variable: None}}
        response = self.http.post("/graphql", data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": [f"variables.{file_variable}"]}),
        }, files={"0": (filename, content, "application/octet-stream")})
        body = response.json()
        return GraphQLResult(response.status_code, body.get("data"), body.get("errors") or [],
                             body.get("extensions") or {})

    def ok(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run an operation that must succeed; return its data."""
        result = self.graphql(query, variables)
        assert not result.errors, result.errors
        assert result.data is not None
        return result.data


class LiveHub(ApiClient):
    """A hub served by uvicorn in a background thread; tests talk to it over HTTP only, by
    default with an admin token of their own (`client()` gives other token holders)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = free_port()
        super().__init__(f"http://127.0.0.1:{self.port}",
                         issue_token(settings, Role.ADMIN, "tests: admin"))
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=self.port,
                                log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> LiveHub:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the hub did not start; see the log above")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.close()

    def client(self, token: str | None) -> ApiClient:
        """Another caller of this hub: a token's holder, or anonymous with None. Close it."""
        return ApiClient(self.url, token)


class Callers:
    """Other callers of a hub for one test, closed when the test ends."""

    def __init__(self, hub: LiveHub) -> None:
        self.hub = hub
        self.made: list[ApiClient] = []

    def anonymous(self) -> ApiClient:
        return self.with_secret(None)

    def with_role(self, role: Role, label: str,
                  expires_in: timedelta | None = None) -> ApiClient:
        return self.with_secret(issue_token(self.hub.settings, role, label, expires_in))

    def with_secret(self, secret: str | None) -> ApiClient:
        client = self.hub.client(secret)
        self.made.append(client)
        return client

    def close(self) -> None:
        for client in self.made:
            client.close()


def issue_token(
    settings: Settings, role: Role, label: str, expires_in: timedelta | None = None
) -> str:
    """A new token's secret, made the way `hub tokens create` makes it."""

    async def create() -> str:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_url,
                                                                    tz_aware=True)
        try:
            tokens = TokenStore(client[settings.mongo_database])
            issued = await tokens.create(role=role, label=label, expires_in=expires_in)
            return issued.secret
        finally:
            await client.close()

    # A thread of its own: Playwright's sync API keeps an event loop running on this one.
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, create()).result()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    """Starts the local servers if they are not up (idempotent), like `hub services up`."""
    settings = Settings()
    LocalStack(settings.servers).up(report=lambda line: None)
    return settings


@pytest.fixture(scope="session")
def hub_settings(
    base_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    run_id = uuid.uuid4().hex[:10]
    settings = base_settings.model_copy(update={
        "data_dir": (data_dir := tmp_path_factory.mktemp("hub-data")),
        "dev_token_file": data_dir / "dev-token",
        "mongo_database": f"hub_test_{run_id}",
        "es_index_prefix": f"hub-test-{run_id}",
        "outbox_drain_interval_seconds": 0.5,
        "report_store_calls": True,
        # Jobs run in `hub worker` processes the tests start (see test_jobs.py), with short
        # leases so that a killed worker's batch is taken over quickly.
        "jobs": JobSettings(run_in_api=False, batch_size=5, lease_seconds=2, poll_seconds=0.2),
        # Video uploads queue no transcode jobs here, so the job tests' workers meet only the
        # jobs they start; tests/test_video.py serves a hub of its own that does queue them.
        "video": VideoSettings(transcode_on_upload=False),
        # Real open_clip code on a tiny architecture with seeded random weights: pretrained
        # weights cannot be downloaded here (tests/test_vision_real_weights.py uses them where
        # they are in the local cache).
        "vision": TINY_MODEL,
    })
    yield settings
    with MongoClient(settings.mongo_url) as client:
        client.drop_database(settings.mongo_database)
    aliases = httpx.get(f"{settings.es_url}/_alias/{settings.es_index_prefix}-*")
    if aliases.status_code == 200 and aliases.json():
        httpx.delete(f"{settings.es_url}/{','.join(aliases.json())}")


@pytest.fixture(scope="session")
def hub(hub_settings: Settings) -> Iterator[LiveHub]:
    live = LiveHub(hub_settings).start()
    yield live
    live.stop()


@pytest.fixture
def callers(hub: LiveHub) -> Iterator[Callers]:
    made = Callers(hub)
    yield made
    made.close()


def hub_environment(settings: Settings) -> dict[str, str]:
    """Environment for a `hub` subprocess that works on this test run's data."""
    return {
        **os.environ,
        "HUB_MONGO_DATABASE": settings.mongo_database,
        "HUB_ES_INDEX_PREFIX": settings.es_index_prefix,
        "HUB_ES_REFRESH_INTERVAL": settings.es_refresh_interval,
        "HUB_DATA_DIR": str(settings.data_dir),
        "HUB_DEV_TOKEN_FILE": str(settings.dev_token_file),
        "HUB_JOBS__BATCH_SIZE": str(settings.jobs.batch_size),
        "HUB_JOBS__LEASE_SECONDS": str(settings.jobs.lease_seconds),
        "HUB_JOBS__POLL_SECONDS": str(settings.jobs.poll_seconds),
        "HUB_VISION__ARCHITECTURE": settings.vision.architecture,
        "HUB_VISION__PRETRAINED": settings.vision.pretrained or "",
        "HUB_VISION__RANDOM_WEIGHTS_SEED": str(settings.vision.random_weights_seed),
    }


def serve_hub(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    """`hub serve` as a process of its own on this run's data, returned once /healthz is ok.
    Its output goes to serve-<port>.log in the data folder."""
    log = (settings.data_dir / f"serve-{port}.log").open("ab")
    process = subprocess.Popen([sys.executable, "-m", "hub.cli", "serve", "--port", str(port)],
                               env=hub_environment(settings), stdout=log, stderr=log)
    log.close()
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"hub serve on port {port} did not become healthy")
        time.sleep(0.2)


@pytest.fixture
def sku_prefix() -> str:
    """A SKU prefix of this test's own, so tests sharing the run's database stay apart."""
    return f"T{uuid.uuid4().hex[:8].upper()}"
