"""Health reporting, and what users see while Elasticsearch is unreachable."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from hub.auth.roles import Role
from hub.config import Settings
from hub.servers.stack import LocalStack

from conftest import LiveHub, free_port, issue_token, serve_hub

CREATE = "mutation($input: ProductInput!) { createProduct(input: $input) { id sku name } }"
BY_ID = "query($id: ID!) { product(id: $id) { id sku name } }"
BY_SKUS = "query($skus: [String!]) { products(filter: {skus: $skus}) { totalCount } }"


@pytest.fixture
def hub_without_search(hub_settings: Settings) -> Iterator[LiveHub]:
    """The same hub (same database and indexes) but with Elasticsearch unreachable: its URL
    points at a port where nothing listens."""
    settings = hub_settings.model_copy(update={"es_url": f"http://127.0.0.1:{free_port()}"})
    live = LiveHub(settings).start()
    yield live
    live.stop()


def test_healthz_reports_both_stores_up(hub: LiveHub) -> None:
    response = httpx.get(f"{hub.url}/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["mongo"]["status"] == "up"
    assert body["elasticsearch"]["status"] == "up"


def test_healthz_answers_503_naming_elasticsearch_when_it_is_down(
    hub_without_search: LiveHub,
) -> None:
    response = httpx.get(f"{hub_without_search.url}/healthz", timeout=10)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["mongo"]["status"] == "up"
    assert body["elasticsearch"]["status"] == "down"
    assert "Connection" in body["elasticsearch"]["error"]


def test_writes_succeed_during_a_search_outage_and_the_index_catches_up(
    hub: LiveHub, hub_without_search: LiveHub, sku_prefix: str
) -> None:
    sku = f"{sku_prefix}-OUTAGE"

    created = hub_without_search.ok(CREATE, {"input": {"sku": sku, "name": "Written blind"}})
    product = created["createProduct"]

    # Single products still read back, from MongoDB.
    assert hub_without_search.ok(BY_ID, {"id": product["id"]})["product"] == product
    # Lists and search need Elasticsearch and say so.
    listing = hub_without_search.graphql(BY_SKUS, {"skus": [sku]})
    assert listing.codes == ["UNAVAILABLE"]
    assert "search is unavailable" in listing.errors[0]["message"]

    # The healthy hub's outbox drainer indexes the change it did not see happen.
    deadline = time.monotonic() + 20
    while hub.ok(BY_SKUS, {"skus": [sku]})["products"]["totalCount"] == 0:
        assert time.monotonic() < deadline, "the outbox was not drained"
        time.sleep(0.2)
    assert hub.ok(BY_ID, {"id": product["id"]})["product"] == product


def test_elasticsearch_stopped_and_restarted_the_index_catches_up(
    hub: LiveHub, base_settings: Settings, sku_prefix: str
) -> None:
    """The real server goes down: writes and uploads still succeed, search says UNAVAILABLE,
    health says degraded; once it is back the outbox brings the index up to date."""
    from media_samples import coffee_jpeg
    from test_media_uploads import upload

    elasticsearch = LocalStack(base_settings.servers).elasticsearch
    sku = f"{sku_prefix}-DOWN"
    elasticsearch.stop()
    try:
        product = hub.ok(CREATE, {"input": {"sku": sku, "name": "Made while search was down"}})
        asset = upload(hub, coffee_jpeg(sku), f"{sku}_main_1.jpg")
        health = httpx.get(f"{hub.url}/healthz", timeout=10)
        listing = hub.graphql(BY_SKUS, {"skus": [sku]})
        by_id = hub.ok(BY_ID, {"id": product["createProduct"]["id"]})
    finally:
        elasticsearch.provision()
        elasticsearch.start()

    assert health.status_code == 503 and health.json()["elasticsearch"]["status"] == "down"
    assert listing.codes == ["UNAVAILABLE"]
    assert by_id["product"]["sku"] == sku, "single products are read from MongoDB meanwhile"
    deadline = time.monotonic() + 60
    query = 'query($s: [String!]) { products(filter: {skus: $s}) { edges { node { ' \
            'mainImage { id } } } } }'
    while True:
        edges = hub.graphql(query, {"s": [sku]}).data
        if edges and edges["products"]["edges"] and \
                edges["products"]["edges"][0]["node"]["mainImage"]:
            break
        assert time.monotonic() < deadline, "the index did not catch up"
        time.sleep(0.5)
    assert edges["products"]["edges"][0]["node"]["mainImage"]["id"] == asset["id"]
    assert httpx.get(f"{hub.url}/healthz").status_code == 200


def test_mongodb_stopped_answers_unavailable_quickly_and_recovers(
    hub_settings: Settings, base_settings: Settings, sku_prefix: str
) -> None:
    """FerretDB (the MongoDB server) goes down: writes answer UNAVAILABLE within the selection
    timeout and store nothing, health says which store is down, and the hub recovers by itself
    once the server is back."""
    from media_samples import coffee_jpeg
    from test_media_uploads import UPLOAD

    quick = hub_settings.model_copy(update={"mongo_timeout_ms": 1500, "port": free_port()})
    live = LiveHub(quick).start()
    ferretdb = LocalStack(base_settings.servers).ferretdb
    blobs = set((hub_settings.data_dir / "blobs").rglob("*"))
    try:
        ferretdb.stop()
        began = time.monotonic()
        write = live.graphql(CREATE, {"input": {"sku": f"{sku_prefix}-M", "name": "Lost?"}})
        elapsed = time.monotonic() - began
        upload = live.upload(UPLOAD, {}, coffee_jpeg(sku_prefix), "during-outage.jpg")
        health = httpx.get(f"{live.url}/healthz", timeout=10)
    finally:
        ferretdb.start()
    try:
        deadline = time.monotonic() + 30
        while True:
            again = live.graphql(CREATE, {"input": {"sku": f"{sku_prefix}-M", "name": "Back"}})
            if not again.errors:
                break
            assert time.monotonic() < deadline, again.errors
            time.sleep(0.5)
    finally:
        live.stop()

    assert write.codes == ["UNAVAILABLE"] and elapsed < 10
    assert "catalog database is unavailable" in write.errors[0]["message"]
    assert upload.codes == ["UNAVAILABLE"]
    assert set((hub_settings.data_dir / "blobs").rglob("*")) == blobs, "no blob without its asset"
    assert health.status_code == 503 and health.json()["mongo"]["status"] == "down"
    assert health.json()["elasticsearch"]["status"] == "up"
    assert again.data["createProduct"]["sku"] == f"{sku_prefix}-M"


def test_a_hub_killed_during_an_upload_leaves_nothing_half_visible_and_the_retry_works(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    """SIGKILL while the body is streaming in: no asset, no blob; the next start clears the
    staging file, and uploading the same file again succeeds once."""
    from media_samples import mp4_video

    content = mp4_video(frames=8) + sku_prefix.encode()  # bytes of this test's own
    token = issue_token(hub_settings, Role.EDITOR, "killed upload")
    port = free_port()
    blobs = set((hub_settings.data_dir / "blobs").rglob("*"))
    server = serve_hub(hub_settings, port)
    try:
        with socket.create_connection(("127.0.0.1", port)) as connection:
            connection.sendall(
                f"POST /uploads?filename={sku_prefix}.mp4 HTTP/1.1\r\nHost: hub\r\n"
                f"Authorization: Bearer {token}\r\nContent-Length: {len(content)}\r\n\r\n"
                .encode() + content[:len(content) // 2])
            staging = hub_settings.data_dir / "staging"
            deadline = time.monotonic() + 10
            while not any(staging.iterdir()):
                assert time.monotonic() < deadline, "the upload never reached staging"
                time.sleep(0.05)
            os.kill(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        half_visible = hub.ok('query($q: String!) { assets(filter: {text: $q}) { totalCount } }',
                              {"q": sku_prefix})

        server = serve_hub(hub_settings, port)  # a restart clears what the killed one staged
        staged_after_restart = list((hub_settings.data_dir / "staging").iterdir())
        retry = httpx.post(f"http://127.0.0.1:{port}/uploads",
                           params={"filename": f"{sku_prefix}.mp4"}, content=content,
                           headers={"Authorization": f"Bearer {token}"}, timeout=30)
    finally:
        server.kill()
        server.wait(timeout=10)

    assert half_visible["assets"]["totalCount"] == 0
    assert staged_after_restart == []
    assert retry.status_code == 201, retry.text
    new_blobs = set((hub_settings.data_dir / "blobs").rglob("*")) - blobs
    assert retry.json()["sha256"] in {path.name for path in new_blobs}
    found = hub.ok('query($q: String!) { assets(filter: {text: $q}) { totalCount } }',
                   {"q": sku_prefix})
    assert found["assets"]["totalCount"] == 1
