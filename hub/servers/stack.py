"""The local servers together, and optional extras (`--with es-cluster`, `--with s3`): what
`hub services up|down|status` drives."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from hub.config import ServerSettings
from hub.servers.base import LocalServer, ServerStatus
from hub.servers.elasticsearch import ElasticsearchServer
from hub.servers.es_cluster import ElasticsearchCluster
from hub.servers.ferretdb import FerretDBServer
from hub.servers.postgres import PostgresServer
from hub.servers.process import ServerError, make_open_dirs
from hub.servers.seaweedfs import SeaweedFSServer

# Servers started only when asked for (`hub services up --with NAME`, or their setting).
EXTRAS = ("es-cluster", "s3")


class LocalStack:
    def __init__(self, settings: ServerSettings, *, extras: Iterable[str] = ()) -> None:
        self.settings = settings
        self.postgres = PostgresServer(settings)
        self.ferretdb = FerretDBServer(settings, self.postgres)
        self.elasticsearch = ElasticsearchServer(settings)
        self.es_cluster = ElasticsearchCluster(settings)
        self.seaweedfs = SeaweedFSServer(settings)
        self.extras = set(extras) | ({"es-cluster"} if settings.es_cluster else set())
        if unknown := self.extras - set(EXTRAS):
            raise ServerError(f"unknown extra server {sorted(unknown)}; known: {list(EXTRAS)}")

    @property
    def with_s3(self) -> bool:
        return "s3" in self.extras

    @property
    def servers(self) -> list[LocalServer]:
        """In start order: FerretDB needs PostgreSQL; a cluster's master-eligible node first."""
        wanted: list[LocalServer] = [self.postgres, self.ferretdb, self.elasticsearch]
        if "es-cluster" in self.extras:
            wanted += self.es_cluster.nodes
        if self.with_s3:
            wanted.append(self.seaweedfs)
        return wanted

    def _stoppable(self) -> list[LocalServer]:
        """The wanted servers, and extras this checkout started earlier and still runs (so that
        a plain `down` leaves no server behind)."""
        wanted = self.servers
        return wanted + [server for server in [*self.es_cluster.nodes, self.seaweedfs]
                         if server not in wanted and server.pid() is not None]

    def up(self, report: Callable[[str], None] = print) -> None:
        """Provision and start every server that is not already healthy (idempotent)."""
        make_open_dirs(self.settings.instance_dir)
        for server in self.servers:
            if server.healthy():
                owner = "" if server.pid() else " (started outside this checkout)"
                report(f"{server.name:<14} already up on {server.address}{owner}")
                continue
            if server.port_taken_by_stranger():
                raise ServerError(
                    f"{server.name}: port {server.port} is in use by another program; choose "
                    f"another with {server.port_setting}"
                )
            began = time.monotonic()
            try:
                server.provision()
                server.start()
            except ServerError as error:
                raise ServerError(f"{server.name} could not start: {error}") from None
            report(f"{server.name:<14} up on {server.address} "
                   f"({time.monotonic() - began:.1f} s; log {server.log_file})")

    def down(self, report: Callable[[str], None] = print) -> None:
        for server in reversed(self._stoppable()):
            if server.pid() is None:
                report(f"{server.name:<14} not running")
                continue
            server.stop()
            report(f"{server.name:<14} stopped")

    def status(self) -> list[ServerStatus]:
        return [server.status() for server in self.servers]
