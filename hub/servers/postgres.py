"""PostgreSQL 15 from Debian, the storage under FerretDB, run as the `postgres` system user."""

from __future__ import annotations

import subprocess
from pathlib import Path

from hub.servers.base import LocalServer
from hub.servers.lookup_indexes import LOOKUP_INDEXES_SQL
from hub.servers.process import (
    ServerError,
    apt_install,
    as_user,
    chown_tree,
    ensure_reachable,
    log_tail,
    make_open_dirs,
    read_pid,
    run,
)

USER = "postgres"
FERRETDB_DATABASE = "ferretdb"


class PostgresServer(LocalServer):
    name = "postgres"

    @property
    def port(self) -> int:
        return self.settings.postgres_port

    @property
    def data_dir(self) -> Path:
        return self.dir / "data"

    def _bin(self, program: str) -> str:
        return str(self.settings.postgres_bin / program)

    def provision(self) -> None:
        if not (self.settings.postgres_bin / "initdb").exists():
            apt_install("postgresql")
        if not (self.settings.postgres_bin / "initdb").exists():
            raise ServerError(f"PostgreSQL binaries not found in {self.settings.postgres_bin}")
        make_open_dirs(self.log_file.parent)
        make_open_dirs(self.dir)
        chown_tree(self.dir, USER)
        ensure_reachable(self.dir, USER)
        if not (self.data_dir / "PG_VERSION").exists():
            run([*as_user(USER), self._bin("initdb"), "-D", str(self.data_dir),
                 "-A", "trust", "-U", USER, "-E", "UTF8", "--no-sync"])

    def start(self) -> None:
        if self.healthy():
            return
        self.log_file.touch()
        chown_tree(self.log_file, USER)
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.dir} -c fsync=off -c full_page_writes=off "
            "-c synchronous_commit=off -c max_connections=200"
        )
        try:
            run([*as_user(USER), self._bin("pg_ctl"), "-D", str(self.data_dir), "-l",
                 str(self.log_file), "-o", options, "-w", "-t", "60", "start"])
        except ServerError as error:
            message = f"PostgreSQL failed to start: {error}{log_tail(self.log_file)}"
            raise ServerError(message) from None

    def ensure_database(self) -> None:
        """FerretDB's database, with indexes its lookups can use (lookup_indexes.py); also on a
        server this checkout did not start."""
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{FERRETDB_DATABASE}'",
                           database="postgres")
        if exists.strip() != "1":
            self.psql(f"CREATE DATABASE {FERRETDB_DATABASE}", database="postgres")
        self.psql(LOOKUP_INDEXES_SQL)

    def psql(self, sql: str, *, database: str = FERRETDB_DATABASE) -> str:
        """Run SQL as the superuser; returns the rows, unaligned, one per line."""
        return run([*as_user(USER), self._bin("psql"), "-h", "127.0.0.1", "-p", str(self.port),
                    "-U", USER, "-d", database, "-tA", "-v", "ON_ERROR_STOP=1",
                    "-c", sql]).stdout

    def stop(self) -> None:
        if self.pid() is None:
            return
        run([*as_user(USER), self._bin("pg_ctl"), "-D", str(self.data_dir), "-m", "fast",
             "-w", "stop"])

    def pid(self) -> int | None:
        return read_pid(self.data_dir / "postmaster.pid")

    def healthy(self) -> bool:
        probe = subprocess.run(
            [self._bin("pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
            check=False,
        )
        return probe.returncode == 0

    @property
    def url(self) -> str:
        return f"postgres://{USER}@127.0.0.1:{self.port}/{FERRETDB_DATABASE}"
