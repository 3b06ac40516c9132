"""FerretDB 1.24 (MongoDB wire protocol on PostgreSQL), built from the small Go main in
`servers/ferretdb/` that embeds FerretDB's public `ferretdb` package."""

from __future__ import annotations

from pathlib import Path

from hub.config import PROJECT_ROOT, ServerSettings
from hub.servers.base import LocalServer
from hub.servers.go_build import GoProgram
from hub.servers.postgres import PostgresServer
from hub.servers.process import (
    make_open_dirs,
    read_pid,
    spawn,
    terminate,
    wait_until,
)

PROGRAM = GoProgram(title="FerretDB", binary_name="ferretdb",
                    source_dir=PROJECT_ROOT / "servers" / "ferretdb",
                    source_files=("main.go", "go.mod", "go.sum"), package=".",
                    go_version="1.22", first_build="about a minute")


class FerretDBServer(LocalServer):
    name = "ferretdb"

    def __init__(self, settings: ServerSettings, postgres: PostgresServer) -> None:
        super().__init__(settings)
        self.postgres = postgres
        self.pid_file = self.dir / "ferretdb.pid"

    @property
    def port(self) -> int:
        return self.settings.ferretdb_port

    @property
    def binary(self) -> Path:
        return PROGRAM.binary(self.settings.cache_dir)

    def provision(self) -> None:
        make_open_dirs(self.dir)
        make_open_dirs(self.log_file.parent)
        PROGRAM.ensure_built(self.settings.cache_dir)

    def start(self) -> None:
        if self.healthy():
            return
        self.postgres.ensure_database()
        pid = spawn(
            [str(self.binary), "-listen", self.address, "-postgresql-url", self.postgres.url],
            log_file=self.log_file,
        )
        self.pid_file.write_text(str(pid))
        wait_until(
            self.healthy,
            what=f"FerretDB on {self.address}",
            timeout=self.settings.start_timeout_seconds,
            log_file=self.log_file,
            still_starting=lambda: self.pid() is not None,
        )

    def stop(self) -> None:
        pid = self.pid()
        if pid is not None:
            terminate(pid)
        self.pid_file.unlink(missing_ok=True)

    def pid(self) -> int | None:
        return read_pid(self.pid_file)

    def healthy(self) -> bool:
        from pymongo import MongoClient
        from pymongo.errors import PyMongoError

        client: MongoClient = MongoClient(
            f"mongodb://{self.address}/", serverSelectionTimeoutMS=500, connectTimeoutMS=500
        )
        try:
            # `ping` is answered by FerretDB alone; listing databases reaches PostgreSQL too.
            client.admin.command("listDatabases", nameOnly=True)
            return True
        except PyMongoError:
            return False
        finally:
            client.close()
