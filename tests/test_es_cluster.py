"""Search keeps answering while a node of a two-node Elasticsearch cluster goes away.

The cluster is this checkout's own (what `hub services up --with es-cluster` starts: its own
ports and data folders), started here through the same code and stopped when the module ends.
The hub is given both nodes' URLs and creates its indexes with one replica.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from hub.config import ServerSettings, Settings
from hub.servers.es_cluster import ElasticsearchCluster
from hub.servers.stack import LocalStack

import media_samples as samples
from conftest import ApiClient, LiveHub
from test_media_uploads import CREATE_PRODUCT, upload

PRODUCTS = """query($q: String!) {
  products(filter: {text: $q}, first: 50) { edges { node { sku } } } }"""
ASSETS = """query($q: String!, $skus: [String!]) {
  searchAssets(query: $q, first: 50, filter: {skus: $skus}) { asset { id } } }"""
LOAD_SECONDS = 10.0
STOP_AFTER_SECONDS = 3.0


@pytest.fixture(scope="module")
def es_cluster(base_settings: Settings) -> Iterator[ElasticsearchCluster]:
    """Started if not up, and stopped at the end whoever started it: the test stops a node
    anyway, and two idle nodes should not outlive the run."""
    stack = LocalStack(base_settings.servers, extras=["es-cluster"])
    stack.up(report=lambda line: None)
    yield stack.es_cluster
    stack.es_cluster.stop()


@pytest.fixture(scope="module")
def cluster_hub(
    hub_settings: Settings, es_cluster: ElasticsearchCluster,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveHub]:
    """A hub on both nodes, with a database and index prefix of its own: sharing the run's
    database would let the other hub's outbox drainer index this hub's changes elsewhere."""
    run_id = uuid.uuid4().hex[:10]
    data_dir = tmp_path_factory.mktemp("cluster-hub")
    settings = hub_settings.model_copy(update={
        "es_url": ",".join(es_cluster.urls),
        "es_replicas": 1,
        "es_index_prefix": f"hub-cluster-{run_id}",
        "mongo_database": f"hub_cluster_{run_id}",
        "data_dir": data_dir,
        "dev_token_file": data_dir / "dev-token",
    })
    live = LiveHub(settings).start()
    yield live
    live.stop()
    with MongoClient(settings.mongo_url) as client:
        client.drop_database(settings.mongo_database)
    httpx.delete(f"{es_cluster.master.url}/{settings.es_index_prefix}-*")


@dataclass
class SearchLoad:
    """Threads that search until told to stop, each checking every answer in full."""

    hub: LiveHub
    text: str
    expected_skus: list[str]
    expected_assets: list[str]
    threads: int = 3
    stop: threading.Event = field(default_factory=threading.Event)
    answered: list[float] = field(default_factory=list)  # when each search came back
    failures: list[str] = field(default_factory=list)
    workers: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        self.workers = [threading.Thread(target=self._search, args=(n,), daemon=True)
                        for n in range(self.threads)]
        for worker in self.workers:
            worker.start()

    def finish(self) -> None:
        self.stop.set()
        for worker in self.workers:
            worker.join(timeout=60)

    def _search(self, number: int) -> None:
        client = ApiClient(self.hub.url, self.hub.token)
        try:
            while not self.stop.is_set():
                if number % 2 == 0:
                    result = client.graphql(PRODUCTS, {"q": self.text})
                    found = sorted(edge["node"]["sku"] for edge in
                                   (result.data or {}).get("products", {}).get("edges", []))
                    expected = self.expected_skus
                else:
                    result = client.graphql(ASSETS, {"q": "lamp", "skus": self.expected_skus})
                    found = sorted(hit["asset"]["id"] for hit in
                                   (result.data or {}).get("searchAssets", []))
                    expected = self.expected_assets
                number += 1
                if result.errors or found != expected:
                    self.failures.append(f"{result.status_code} {result.errors} {found}")
                self.answered.append(time.monotonic())
        except Exception as error:  # a broken connection counts as a failed search
            self.failures.append(repr(error))
        finally:
            client.close()


def wait_for_health(hub: LiveHub, holds: Callable[[httpx.Response], bool],
                    timeout: float) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(f"{hub.url}/healthz", timeout=10)
        if holds(response):
            return response
        assert time.monotonic() < deadline, response.json()
        time.sleep(0.5)


def is_ok(response: httpx.Response) -> bool:
    return response.status_code == 200 and response.json()["status"] == "ok"


def is_degraded(response: httpx.Response) -> bool:
    """Degraded once the master has dropped the node too (the cluster turns yellow): a node that
    crashed rather than left fails its own probe a moment before that."""
    elasticsearch = response.json()["elasticsearch"]
    return elasticsearch["status"] == "degraded" and elasticsearch.get("cluster") == "yellow"


def seed(hub: LiveHub, sku_prefix: str) -> tuple[list[str], list[str]]:
    """Four products with a photo each; their SKUs and asset ids, sorted."""
    skus, assets = [], []
    for n in range(4):
        sku = f"{sku_prefix}-L{n}"
        hub.ok(CREATE_PRODUCT, {"input": {"sku": sku, "name": f"Cluster lamp {n}"}})
        skus.append(sku)
        assets.append(upload(hub, samples.coffee_jpeg(sku), f"lamp-{n}.jpg", sku=sku)["id"])
    return sorted(skus), sorted(assets)


def test_settings_list_several_nodes_and_one_master_eligible() -> None:
    settings = Settings(es_url="http://127.0.0.1:9230, http://127.0.0.1:9231", es_replicas=1)
    cluster = ElasticsearchCluster(ServerSettings(instance="x", es_cluster_port=9330))

    assert settings.es_hosts == ["http://127.0.0.1:9230", "http://127.0.0.1:9231"]
    assert cluster.urls == ["http://127.0.0.1:9330", "http://127.0.0.1:9331"]
    first, second = (node.membership.settings() for node in cluster.nodes if node.membership)
    assert first["node.roles"] == "master,data,ingest"
    assert second["node.roles"] == "data,ingest"
    assert first["cluster.initial_master_nodes"] == "es-node-1"
    assert "cluster.initial_master_nodes" not in second
    assert first["discovery.seed_hosts"] == "127.0.0.1:9430,127.0.0.1:9431"
    assert cluster.expendable == [cluster.nodes[1]]


def test_services_status_with_the_cluster_lists_both_nodes(
    es_cluster: ElasticsearchCluster,
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hub.cli", "services", "status", "--with", "es-cluster"],
        capture_output=True, text=True, timeout=60, check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line.split()[:3] for line in result.stdout.splitlines()]
    assert lines[-2:] == [["es-node-1", "up", es_cluster.nodes[0].address],
                          ["es-node-2", "up", es_cluster.nodes[1].address]]


def test_search_keeps_answering_while_the_data_only_node_is_stopped(
    cluster_hub: LiveHub, es_cluster: ElasticsearchCluster, sku_prefix: str
) -> None:
    """The node stopped is the data-only one: with two nodes only one can be master-eligible
    and survive the other's loss (see hub/servers/es_cluster.py), so that is the loss a two-node
    cluster is built to take. Every search must answer in full throughout: requests to the
    stopped node fail over to the other, and shards whose copy was there are read from their
    replica. Health says degraded, naming the node, and comes back to ok with it."""
    hub = cluster_hub
    skus, assets = seed(hub, sku_prefix)
    wait_for_health(hub, is_ok, timeout=60)  # green: every shard on both nodes
    # Both searches answer in full before the load (the first search by text loads the model).
    warm = hub.ok(ASSETS, {"q": "lamp", "skus": skus})["searchAssets"]
    assert sorted(hit["asset"]["id"] for hit in warm) == assets
    assert len(hub.ok(PRODUCTS, {"q": sku_prefix})["products"]["edges"]) == len(skus)
    load = SearchLoad(hub, sku_prefix, skus, assets)
    node = es_cluster.expendable[0]

    load.start()
    time.sleep(STOP_AFTER_SECONDS)
    node.stop()
    gone = time.monotonic()
    degraded = wait_for_health(hub, is_degraded, timeout=30)
    time.sleep(max(0.0, LOAD_SECONDS - STOP_AFTER_SECONDS - (time.monotonic() - gone)))
    load.finish()
    node.start()
    recovered = wait_for_health(hub, is_ok, timeout=120)

    assert load.failures == []
    during_outage = [moment for moment in load.answered if moment > gone]
    assert len(during_outage) >= 10, f"only {len(during_outage)} searches ran without the node"
    body: dict[str, Any] = degraded.json()
    assert degraded.status_code == 200, "degraded still serves: no 503"
    assert body["status"] == "degraded" and body["mongo"]["status"] == "up"
    assert body["elasticsearch"]["unreachable"] == [node.url]
    assert any("replica shard(s)" in problem for problem in body["elasticsearch"]["problems"])
    assert body["elasticsearch"]["cluster"] == "yellow"
    assert recovered.json()["elasticsearch"] == {"status": "up", "cluster": "green", "nodes": 2}
