"""Several hub processes on the same stores: API replicas share nothing in memory that matters,
and their writes to one entity never lose each other (FerretDB's updates are not atomic; the
hub's write leases in MongoDB make them so across processes)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from hub.auth.roles import Role
from hub.config import Settings

import media_samples as samples
from conftest import ApiClient, free_port, issue_token, serve_hub
from test_media_uploads import CREATE_PRODUCT, UPLOAD

LINK = """mutation($a: ID!, $s: String!) { linkAsset(assetId: $a, sku: $s, role: GALLERY) {
  assets { asset { id } } } }"""
TAG = "mutation($id: ID!, $t: [String!]) { tagAsset(id: $id, add: $t) { tags { label } } }"
PRODUCT = "query($s: String!) { product(sku: $s) { assets { asset { id } } } }"


@pytest.fixture(scope="module")
def replicas(hub_settings: Settings) -> Iterator[tuple[ApiClient, ApiClient]]:
    """Two `hub serve` processes on different ports, one token for both."""
    token = issue_token(hub_settings, Role.ADMIN, "two replicas")
    processes: list[subprocess.Popen[bytes]] = []
    clients: list[ApiClient] = []
    try:
        for _ in range(2):
            port = free_port()
            processes.append(serve_hub(hub_settings, port))
            clients.append(ApiClient(f"http://127.0.0.1:{port}", token))
        yield clients[0], clients[1]
    finally:
        for client in clients:
            client.close()
        for process in processes:
            process.kill()
            process.wait(timeout=10)


def test_what_one_replica_stores_the_other_serves(
    replicas: tuple[ApiClient, ApiClient], sku_prefix: str
) -> None:
    first, second = replicas
    sku = f"{sku_prefix}-TWO"
    first.ok(CREATE_PRODUCT, {"input": {"sku": sku, "name": "Served twice"}})
    content = samples.coffee_jpeg(sku)

    uploaded = first.upload(UPLOAD, {"sku": sku}, content, f"{sku_prefix}-two.jpg")
    asset_id = uploaded.data["uploadAsset"]["id"]  # type: ignore[index]
    seen = second.ok("query($id: ID!) { asset(id: $id) { originalUrl products { sku } } }",
                     {"id": asset_id})["asset"]
    found = second.ok('query($q: String!) { assets(filter: {text: $q}) { edges { node { id } } } }',
                      {"q": f"{sku_prefix}-two"})["assets"]["edges"]
    by_signature = httpx.get(seen["originalUrl"])
    by_token = second.http.get(seen["originalUrl"].split("?")[0].removeprefix(second.url))

    assert not uploaded.errors
    assert seen["products"] == [{"sku": sku}]
    assert [edge["node"]["id"] for edge in found] == [asset_id]
    assert by_signature.content == content and by_token.content == content


def test_concurrent_edits_through_two_replicas_keep_every_change(
    replicas: tuple[ApiClient, ApiClient], sku_prefix: str
) -> None:
    """Two merchandisers link different photos to one product at the same moment, through
    different API processes, ten times over; and tag one photo at once through both."""
    first, second = replicas
    rounds = []
    for n in range(10):
        sku = f"{sku_prefix}-R{n}"
        first.ok(CREATE_PRODUCT, {"input": {"sku": sku, "name": f"Round {n}"}})
        pair = [client.upload(UPLOAD, {}, samples.coffee_jpeg(f"{sku}-{side}"),
                              f"{sku}-{side}.jpg").data["uploadAsset"]["id"]  # type: ignore[index]
                for side, client in (("a", first), ("b", second))]
        rounds.append((sku, pair))

    with ThreadPoolExecutor(max_workers=2) as pool:
        for sku, (a, b) in rounds:
            both = [pool.submit(first.graphql, LINK, {"a": a, "s": sku}),
                    pool.submit(second.graphql, LINK, {"a": b, "s": sku})]
            assert all(not future.result().errors for future in both)
        photo = rounds[0][1][0]
        tags = [pool.submit(client.graphql, TAG, {"id": photo, "t": [f"tag-{n}"]})
                for n in range(8) for client in ((first, second)[n % 2],)]
        assert all(not future.result().errors for future in tags)

    for sku, pair in rounds:
        linked = {link["asset"]["id"] for link in
                  second.ok(PRODUCT, {"s": sku})["product"]["assets"]}
        assert linked == set(pair), f"{sku} lost a link"
    labels = {tag["label"] for tag in second.ok(
        "query($id: ID!) { asset(id: $id) { tags { label } } }", {"id": photo})["asset"]["tags"]}
    assert {f"tag-{n}" for n in range(8)} <= labels, "no tag lost"


def test_a_replica_set_url_and_its_read_preference_reach_the_driver(
    hub_settings: Settings,
) -> None:
    """MongoDB in production is a replica set: its URL names the members and the set; reads
    follow the configured preference and writes are retried across an election."""
    import asyncio

    from pymongo import ReadPreference

    from hub.stores import Stores

    settings = hub_settings.model_copy(update={
        "mongo_url": "mongodb://db1.internal:27017,db2.internal:27017,db3.internal:27017/"
                     "?replicaSet=rs0",
        "mongo_read_preference": "primaryPreferred"})

    async def client_options() -> tuple[object, ...]:
        async with Stores.open(settings) as stores:
            options = stores.mongo.options
            return (options.replica_set_name, options.read_preference, options.retry_writes,
                    sorted(f"{host}:{port}" for host, port in stores.mongo.topology_description
                           .server_descriptions()))

    name, preference, retry_writes, members = asyncio.run(client_options())

    assert name == "rs0" and retry_writes is True
    assert preference == ReadPreference.PRIMARY_PREFERRED
    assert members == ["db1.internal:27017", "db2.internal:27017", "db3.internal:27017"]
