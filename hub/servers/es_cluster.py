"""A cluster of Elasticsearch nodes on loopback, made of the single-node server's parts.

Two nodes cannot both be master-eligible and survive the loss of either: a master election
needs a majority of the voting configuration, and with two master-eligible nodes that is both
(Elasticsearch's "Resilience in small clusters" guide). So, as that guide recommends, only the
first node is master-eligible; every node holds data, and the hub's indexes get one replica
(HUB_ES_REPLICAS=1), so each shard lives on two nodes. Losing any node but the first leaves the
cluster serving every read and write, yellow until the node is back; losing the first stops the
cluster. Resilience to any single node needs three master-eligible nodes.
"""

from __future__ import annotations

from hub.config import ServerSettings
from hub.servers.elasticsearch import ClusterMembership, ElasticsearchServer

MASTER_ROLES = ("master", "data", "ingest")
DATA_ROLES = ("data", "ingest")


class ClusterNode(ElasticsearchServer):
    @property
    def port_setting(self) -> str:
        return "HUB_SERVERS__ES_CLUSTER_PORT"


class ElasticsearchCluster:
    """The nodes of this checkout's cluster, in start order (the master-eligible node first)."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        names = [f"es-node-{n}" for n in range(1, settings.es_cluster_size + 1)]
        ports = [settings.es_cluster_port + n for n in range(settings.es_cluster_size)]
        seed_hosts = tuple(f"127.0.0.1:{port + 100}" for port in ports)
        self.nodes: list[ElasticsearchServer] = [
            ClusterNode(
                settings,
                name=name,
                http_port=port,
                distribution_dir=settings.instance_dir / "es-cluster",
                membership=ClusterMembership(
                    cluster_name=f"hub-{settings.instance}",
                    node_name=name,
                    roles=MASTER_ROLES if n == 0 else DATA_ROLES,
                    seed_hosts=seed_hosts,
                    initial_master_nodes=(names[0],),
                ),
            )
            for n, (name, port) in enumerate(zip(names, ports, strict=True))
        ]

    @property
    def master(self) -> ElasticsearchServer:
        """The one master-eligible node: stopping it stops the cluster."""
        return self.nodes[0]

    @property
    def expendable(self) -> list[ElasticsearchServer]:
        """Nodes the cluster keeps serving without (one at a time)."""
        return self.nodes[1:]

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()
