"""FerretDB 1.24 (MongoDB wire protocol on PostgreSQL), built from the small Go main in
`servers/ferretdb/` that embeds FerretDB's public `ferretdb` package."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from hub.config import PROJECT_ROOT, ServerSettings
from hub.servers.base import LocalServer
from hub.servers.postgres import PostgresServer
from hub.servers.process import (
    ServerError,
    make_open_dirs,
    read_pid,
    require_program,
    run,
    spawn,
    terminate,
    wait_until,
)

SOURCE_DIR = PROJECT_ROOT / "servers" / "ferretdb"
SOURCE_FILES = ("main.go", "go.mod", "go.sum")


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
        """The build is keyed by its sources, so a change to them builds anew and others reuse."""
        digest = hashlib.sha256()
        for name in SOURCE_FILES:
            digest.update((SOURCE_DIR / name).read_bytes())
        return self.settings.cache_dir / "bin" / f"ferretdb-{digest.hexdigest()[:12]}"

    def provision(self) -> None:
        make_open_dirs(self.dir)
        make_open_dirs(self.log_file.parent)
        if self.binary.exists():
            return
        go = require_program("go", "FerretDB is built with Go 1.22 or newer (go.dev/doc/install)")
        make_open_dirs(self.binary.parent)
        print("building FerretDB (first time about a minute) ...", flush=True)
        partial = self.binary.with_suffix(".partial")
        env = {**os.environ, "CGO_ENABLED": "0"}
        try:
            run([go, "build", "-trimpath", "-o", str(partial), "."], cwd=SOURCE_DIR, env=env)
        except ServerError as error:
            raise ServerError(f"could not build FerretDB from {SOURCE_DIR}: {error}") from None
        partial.rename(self.binary)

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
