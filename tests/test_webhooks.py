"""Webhooks: a PIM subscribes a URL and receives signed, retried deliveries of media events."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from test_jobs import worker

from hub.config import Settings

import media_samples as samples
from conftest import LiveHub, free_port
from test_media_uploads import CREATE_PRODUCT, upload

CREATE = """
mutation($url: String!, $events: [WebhookEvent!]!) {
  createWebhook(url: $url, events: $events) { secret webhook { id url events } }
}
"""
DELIVERIES = """
{ webhooks { id url deliveries { event status attempts lastStatusCode lastError } } }
"""


class Receiver:
    """A local HTTP endpoint that records what it is sent and answers with `status`."""

    def __init__(self, status: int) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers.items()), body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[str]:
        return [json.loads(body)["event"] for _, body in self.requests]


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver]]:
    ok, broken = Receiver(204), Receiver(500)
    yield ok, broken
    ok.close()
    broken.close()


def test_deliveries_are_signed_and_failures_retried_with_backoff(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str,
    receivers: tuple[Receiver, Receiver],
) -> None:
    ok, broken = receivers
    created = hub.ok(CREATE, {"url": ok.url, "events": [
        "ASSET_CREATED", "ASSET_DELETED", "PRODUCT_MEDIA_CHANGED"]})["createWebhook"]
    failing = hub.ok(CREATE, {"url": broken.url, "events": ["ASSET_CREATED"]})["createWebhook"]
    sku = f"{sku_prefix}-HOOK"
    hub.ok(CREATE_PRODUCT, {"input": {"sku": sku, "name": "Hooked"}})
    asset = upload(hub, samples.coffee_jpeg(sku), "hooked.jpg", sku=sku)
    hub.ok("mutation($id: ID!) { deleteAsset(id: $id) }", {"id": asset["id"]})

    try:
        with worker(hub_settings, env={"HUB_WEBHOOKS__MAX_ATTEMPTS": "3",
                                   "HUB_WEBHOOKS__BACKOFF_SECONDS": "0.2",
                                   "HUB_WEBHOOKS__POLL_SECONDS": "0.1"}):
            deadline = time.monotonic() + 60
            while len(ok.requests) < 4 or len(broken.requests) < 3:
                assert time.monotonic() < deadline, (ok.events(), len(broken.requests))
                time.sleep(0.1)
            time.sleep(0.5)  # let the last attempt be recorded
    finally:
        for hook in (created, failing):
            hub.ok("mutation($id: ID!) { deleteWebhook(id: $id) }",
                   {"id": hook["webhook"]["id"]})

    assert ok.events() == ["asset.created", "product.media_changed", "product.media_changed",
                           "asset.deleted"]
    headers, body = ok.requests[0]
    expected = "sha256=" + hmac.new(created["secret"].encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Hub-Signature-256"] == expected
    assert headers["X-Hub-Event"] == "asset.created"
    payload = json.loads(body)
    assert payload["data"]["id"] == asset["id"] and payload["data"]["kind"] == "IMAGE"
    assert payload["id"] == headers["X-Hub-Delivery"]
    linked = json.loads(ok.requests[1][1])["data"]
    assert linked["sku"] == sku and linked["assets"][0]["asset_id"] == asset["id"]
    assert len(broken.requests) == 3, "the first attempt and two retries, then it gives up"
    assert len({json.loads(body)["id"] for _, body in broken.requests}) == 1


def test_webhook_history_and_bad_urls(hub: LiveHub, receivers: tuple[Receiver, Receiver],
                                      hub_settings: Settings, sku_prefix: str) -> None:
    _, broken = receivers
    hook = hub.ok(CREATE, {"url": broken.url, "events": ["ASSET_CREATED"]})["createWebhook"]
    upload(hub, samples.coffee_jpeg(f"{sku_prefix}-hist"), "history.jpg")
    try:
        with worker(hub_settings, env={"HUB_WEBHOOKS__MAX_ATTEMPTS": "2",
                                       "HUB_WEBHOOKS__BACKOFF_SECONDS": "0.1",
                                       "HUB_WEBHOOKS__POLL_SECONDS": "0.1"}):
            deadline = time.monotonic() + 60
            while True:
                mine = next(w for w in hub.ok(DELIVERIES)["webhooks"]
                            if w["id"] == hook["webhook"]["id"])
                if mine["deliveries"] and mine["deliveries"][0]["status"] == "FAILED":
                    break
                assert time.monotonic() < deadline, mine
                time.sleep(0.2)
    finally:
        hub.ok("mutation($id: ID!) { deleteWebhook(id: $id) }", {"id": hook["webhook"]["id"]})

    delivery = mine["deliveries"][0]
    assert (delivery["event"], delivery["attempts"], delivery["lastStatusCode"]) == (
        "asset.created", 2, 500)
    assert "500" in delivery["lastError"]
    bad = hub.graphql(CREATE, {"url": "file:///etc/passwd", "events": ["ASSET_CREATED"]})
    assert bad.codes == ["BAD_USER_INPUT"]
    gone = hub.graphql("mutation($id: ID!) { deleteWebhook(id: $id) }",
                       {"id": hook["webhook"]["id"]})
    assert gone.codes == ["NOT_FOUND"]
