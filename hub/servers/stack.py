"""The local servers together: what `hub services up|down|status [--with s3]` drives."""

from __future__ import annotations

import time
from collections.abc import Callable

from hub.config import ServerSettings
from hub.servers.base import LocalServer, ServerStatus
from hub.servers.elasticsearch import ElasticsearchServer
from hub.servers.ferretdb import FerretDBServer
from hub.servers.postgres import PostgresServer
from hub.servers.process import ServerError, make_open_dirs
from hub.servers.seaweedfs import SeaweedFSServer


class LocalStack:
    def __init__(self, settings: ServerSettings, *, with_s3: bool = False) -> None:
        self.settings = settings
        self.postgres = PostgresServer(settings)
        self.ferretdb = FerretDBServer(settings, self.postgres)
        self.elasticsearch = ElasticsearchServer(settings)
        self.seaweedfs = SeaweedFSServer(settings)
        self.with_s3 = with_s3

    @property
    def servers(self) -> list[LocalServer]:
        """In start order: FerretDB needs PostgreSQL. SeaweedFS (S3) only when asked for."""
        optional = [self.seaweedfs] if self.with_s3 else []
        return [self.postgres, self.ferretdb, self.elasticsearch, *optional]

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
                    f"another with HUB_SERVERS__{server.name.upper()}_PORT"
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
        for server in reversed(self.servers):
            if server.pid() is None:
                report(f"{server.name:<14} not running")
                continue
            server.stop()
            report(f"{server.name:<14} stopped")

    def status(self) -> list[ServerStatus]:
        return [server.status() for server in self.servers]
