"""Subscriptions over a real WebSocket (graphql-transport-ws): a job's progress while a `hub
worker` process works it, an asset's changes made over HTTP, unknown ids, tokens and the
per-connection limit."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any

import pytest
from test_auth import CREATE_TOKEN, REVOKE_TOKEN
from test_jobs import RERENDER, photos, worker
from test_vision import wait_for_embedding
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from hub.auth.roles import Role
from hub.config import Settings

import media_samples as samples
from conftest import LiveHub, issue_token
from test_media_uploads import upload, wait_for_renditions

PROTOCOL = "graphql-transport-ws"
EXAMPLES = Path(__file__).resolve().parent.parent / "graphql" / "examples"
JOB_PROGRESS = (EXAMPLES / "job-progress.graphql").read_text()
ASSET_UPDATED = (EXAMPLES / "asset-updated.graphql").read_text()
TAG = "mutation($id: ID!, $add: [String!]) { tagAsset(id: $id, add: $add) { id } }"
DELETE_ASSET = "mutation($id: ID!) { deleteAsset(id: $id) }"
NO_SUCH_ID = "000000000000000000000000"


class GraphQLSocket:
    """One graphql-transport-ws connection to a hub, as a client library would hold it."""

    def __init__(self, ws: ClientConnection, payload: dict[str, Any] | None) -> None:
        self.ws = ws
        self.waiting: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
        init: dict[str, Any] = {"type": "connection_init"}
        if payload is not None:
            init["payload"] = payload
        with suppress(ConnectionClosed):  # refused at once: closed_with() tells the code
            self.send(init)

    def send(self, message: dict[str, Any]) -> None:
        self.ws.send(json.dumps(message))

    def acknowledged(self) -> bool:
        return self.receive(None)["type"] == "connection_ack"

    def closed_with(self, timeout: float = 10) -> int | None:
        """The close code the server ends the connection with."""
        try:
            while True:
                self.ws.recv(timeout=timeout)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None

    def subscribe(self, id_: str, query: str, variables: dict[str, Any]) -> None:
        self.send({"id": id_, "type": "subscribe",
                   "payload": {"query": query, "variables": variables}})

    def complete(self, id_: str) -> None:
        self.send({"id": id_, "type": "complete"})

    def receive(self, id_: str | None, timeout: float = 30) -> dict[str, Any]:
        """The next message for one subscription (None: for the connection), keeping others."""
        if self.waiting[id_]:
            return self.waiting[id_].pop(0)
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.ws.recv(timeout=max(0.01, deadline - time.monotonic())))
            if message.get("id") == id_:
                return message
            self.waiting[message.get("id")].append(message)

    def events(self, id_: str, timeout: float = 120) -> Iterator[dict[str, Any]]:
        """A subscription's `next` payloads until it completes; an `error` fails the test."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.receive(id_, timeout=deadline - time.monotonic())
            if message["type"] == "complete":
                return
            assert message["type"] == "next", message
            yield message["payload"]


class Sockets:
    """The connections of one test, closed when it ends."""

    def __init__(self, hub: LiveHub, stack: ExitStack) -> None:
        self.hub = hub
        self.stack = stack

    def open(self, payload: dict[str, Any] | None, headers: dict[str, str] | None = None,
             protocol: str = PROTOCOL) -> GraphQLSocket:
        ws = self.stack.enter_context(connect(
            self.hub.url.replace("http://", "ws://") + "/graphql", subprotocols=[protocol],
            additional_headers=headers, open_timeout=10))
        return GraphQLSocket(ws, payload)

    def signed_in(self) -> GraphQLSocket:
        socket = self.open({"Authorization": f"Bearer {self.hub.token}"})
        assert socket.acknowledged()
        return socket


@pytest.fixture
def sockets(hub: LiveHub) -> Iterator[Sockets]:
    with ExitStack() as stack:
        yield Sockets(hub, stack)


def settled_asset(hub: LiveHub, marker: str) -> str:
    """An upload whose background work (renditions, vector) is over: later events are ours."""
    asset_id = upload(hub, samples.coffee_jpeg(marker), f"{marker}.jpg")["id"]
    wait_for_renditions(hub, asset_id, 7)
    wait_for_embedding(hub, asset_id)
    return asset_id


def test_job_progress_follows_a_worker_until_the_job_ends(
    hub: LiveHub, hub_settings: Settings, sockets: Sockets, sku_prefix: str
) -> None:
    marker = sku_prefix.lower()
    photos(hub, marker, 4)
    job = hub.ok(RERENDER, {"filter": {"text": marker}})["startRerenderJob"]
    socket = sockets.signed_in()
    socket.subscribe("progress", JOB_PROGRESS, {"id": job["id"]})
    stream = socket.events("progress")

    first = next(stream)["data"]["jobProgress"]
    with worker(hub_settings):
        rest = [payload["data"]["jobProgress"] for payload in stream]

    assert (first["id"], first["state"], first["processed"]) == (job["id"], "QUEUED", 0)
    last = rest[-1]
    assert (last["state"], last["processed"], last["failed"]) == ("SUCCEEDED", 4, 0)
    assert last["finishedAt"]
    counts = [event["processed"] for event in [first, *rest]]
    assert counts == sorted(counts), "progress never goes back"
    assert any(0 < count < 4 for count in counts), f"no progress seen on the way: {counts}"
    assert all(event["state"] == "RUNNING" for event in rest[:-1])


def test_asset_updated_sends_each_change_and_completes_when_the_asset_is_deleted(
    hub: LiveHub, sockets: Sockets, sku_prefix: str
) -> None:
    asset_id = settled_asset(hub, sku_prefix.lower())
    socket = sockets.signed_in()
    socket.subscribe("asset", ASSET_UPDATED, {"id": asset_id})
    stream = socket.events("asset", timeout=60)
    first = next(stream)["data"]["assetUpdated"]

    hub.ok(TAG, {"id": asset_id, "add": ["live-tagged"]})
    started = time.monotonic()
    tagged = next(stream)["data"]["assetUpdated"]
    latency = time.monotonic() - started
    hub.ok(DELETE_ASSET, {"id": asset_id})
    after_delete = list(stream)

    assert first["id"] == asset_id and first["tags"] == []
    assert len(first["renditions"]) == 7 and first["renditions"][0]["url"].startswith("http://")
    assert [tag["label"] for tag in tagged["tags"]] == ["live-tagged"]
    assert latency < 5 * hub.settings.subscription_poll_seconds + 2
    assert after_delete == [], "deleting completes the stream"


def test_unknown_ids_get_a_not_found_error_and_the_connection_stays_open(
    hub: LiveHub, sockets: Sockets, sku_prefix: str
) -> None:
    socket = sockets.signed_in()
    socket.subscribe("job", JOB_PROGRESS, {"id": NO_SUCH_ID})
    socket.subscribe("asset", ASSET_UPDATED, {"id": NO_SUCH_ID})

    for id_ in ("job", "asset"):
        message = socket.receive(id_)
        assert message["type"] == "error", message
        assert [error["extensions"]["code"] for error in message["payload"]] == ["NOT_FOUND"]
        assert NO_SUCH_ID in message["payload"][0]["message"]
    socket.send({"type": "ping"})
    assert socket.receive(None)["type"] == "pong"
    asset_id = upload(hub, samples.coffee_jpeg(sku_prefix), f"{sku_prefix}.jpg")["id"]
    socket.subscribe("known", ASSET_UPDATED, {"id": asset_id})
    assert socket.receive("known")["type"] == "next"


def test_a_connection_needs_a_valid_token(hub: LiveHub, sockets: Sockets) -> None:
    reader = issue_token(hub.settings, Role.READER, "live frontend")

    assert sockets.open(None).closed_with() == 4403
    assert sockets.open({}).closed_with() == 4403
    assert sockets.open({"Authorization": "Bearer hub_not-a-real-token"}).closed_with() == 4403
    assert sockets.open({"Authorization": f"Basic {reader}"}).closed_with() == 4403
    legacy = sockets.open({"Authorization": f"Bearer {reader}"}, protocol="graphql-ws")
    assert legacy.closed_with() == 4406, "only graphql-transport-ws is spoken"
    for accepted in (sockets.open({"Authorization": f"Bearer {reader}"}),
                     sockets.open({"authorization": f"Bearer {reader}"}),
                     sockets.open({"token": reader}),
                     sockets.open({}, headers={"Authorization": f"Bearer {reader}"})):
        assert accepted.acknowledged()
        accepted.subscribe("job", JOB_PROGRESS, {"id": NO_SUCH_ID})
        assert accepted.receive("job")["payload"][0]["extensions"]["code"] == "NOT_FOUND", (
            "a reader may subscribe")


def test_a_revoked_token_starts_no_new_subscription(
    hub: LiveHub, sockets: Sockets, sku_prefix: str
) -> None:
    made = hub.ok(CREATE_TOKEN, {"role": "READER", "label": "live, then revoked"})
    secret, token_id = made["createApiToken"]["secret"], made["createApiToken"]["token"]["id"]
    asset_id = upload(hub, samples.coffee_jpeg(sku_prefix), f"{sku_prefix}.jpg")["id"]
    socket = sockets.open({"token": secret})
    assert socket.acknowledged()
    socket.subscribe("before", ASSET_UPDATED, {"id": asset_id})
    assert socket.receive("before")["type"] == "next"

    hub.ok(REVOKE_TOKEN, {"id": token_id})
    socket.subscribe("after", ASSET_UPDATED, {"id": asset_id})
    refused = socket.receive("after")

    assert refused["type"] == "error"
    assert refused["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "revoked" in refused["payload"][0]["message"]


def test_too_many_subscriptions_on_one_connection_get_a_clear_error(
    hub: LiveHub, sockets: Sockets, sku_prefix: str
) -> None:
    limit = hub.settings.max_subscriptions_per_connection
    asset_id = upload(hub, samples.coffee_jpeg(sku_prefix), f"{sku_prefix}.jpg")["id"]
    socket = sockets.signed_in()
    for n in range(limit):
        socket.subscribe(f"s{n}", ASSET_UPDATED, {"id": asset_id})
    for n in range(limit):
        assert socket.receive(f"s{n}")["type"] == "next"

    socket.subscribe("one-too-many", ASSET_UPDATED, {"id": asset_id})
    refused = socket.receive("one-too-many")
    socket.complete("s0")
    time.sleep(0.2)
    socket.subscribe("after-one-ended", ASSET_UPDATED, {"id": asset_id})

    assert refused["type"] == "error"
    error = refused["payload"][0]
    assert error["extensions"] == {"code": "TOO_MANY_SUBSCRIPTIONS", "limit": limit}
    assert f"already has {limit} active subscriptions" in error["message"]
    assert socket.receive("after-one-ended")["type"] == "next"
