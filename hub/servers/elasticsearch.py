"""Elasticsearch 8.19 (the integration-test distribution from Maven Central), single node on
loopback, run by a dedicated non-root system user because Elasticsearch refuses to run as root."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import httpx

from hub.servers.base import LocalServer
from hub.servers.process import (
    ServerError,
    apt_install,
    as_user,
    chown_tree,
    ensure_reachable,
    ensure_system_user,
    make_open_dirs,
    pid_alive,
    read_pid,
    run,
    spawn,
    terminate,
    wait_until,
)

ARTIFACT_GROUP = "org.elasticsearch.distribution.integ-test-zip"


class ElasticsearchServer(LocalServer):
    name = "elasticsearch"

    @property
    def port(self) -> int:
        return self.settings.elasticsearch_port

    @property
    def user(self) -> str:
        return self.settings.elasticsearch_user

    @property
    def version(self) -> str:
        return self.settings.elasticsearch_version

    @property
    def zip_file(self) -> Path:
        return self.settings.cache_dir / "downloads" / f"elasticsearch-{self.version}.zip"

    @property
    def home(self) -> Path:
        return self.dir / f"elasticsearch-{self.version}"

    @property
    def pid_file(self) -> Path:
        return self.dir / "run" / "elasticsearch.pid"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def provision(self) -> None:
        if not (self.settings.java_home / "bin" / "java").exists():
            apt_install("openjdk-17-jre-headless")
        ensure_system_user(self.user)
        if not self.zip_file.exists():
            self._download()
        make_open_dirs(self.dir)
        make_open_dirs(self.log_file.parent)
        if not (self.home / "bin" / "elasticsearch").exists():
            with zipfile.ZipFile(self.zip_file) as archive:
                archive.extractall(self.dir)
            for script in (self.home / "bin").iterdir():
                script.chmod(0o755)
        for folder in ("data", "logs", "run"):
            (self.dir / folder).mkdir(exist_ok=True)
        chown_tree(self.dir, self.user)
        ensure_reachable(self.dir / "data", self.user)

    def _download(self) -> None:
        """Fetch the zip with Maven, which knows its own repository; no other host is needed."""
        mvn = shutil.which("mvn")
        if mvn is None:
            apt_install("maven")
            mvn = "mvn"
        print(f"downloading Elasticsearch {self.version} with Maven ...", flush=True)
        make_open_dirs(self.zip_file.parent)
        run([mvn, "-q", "-B", "dependency:copy",
             f"-Dartifact={ARTIFACT_GROUP}:elasticsearch:{self.version}:zip",
             f"-DoutputDirectory={self.zip_file.parent}"])
        if not self.zip_file.exists():
            raise ServerError(f"Maven finished but {self.zip_file} is missing")

    def start(self) -> None:
        if self.healthy():
            return
        env_vars = {
            "ES_JAVA_HOME": str(self.settings.java_home),
            "ES_JAVA_OPTS": f"-Xms{self.settings.elasticsearch_heap} "
            f"-Xmx{self.settings.elasticsearch_heap}",
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        }
        settings = {
            "discovery.type": "single-node",
            "network.host": "127.0.0.1",
            "http.port": str(self.port),
            "transport.port": str(self.port + 100),
            "xpack.security.enabled": "false",
            "cluster.routing.allocation.disk.threshold_enabled": "false",
            "path.data": str(self.dir / "data"),
            "path.logs": str(self.dir / "logs"),
            "action.destructive_requires_name": "false",
        }
        command = [*as_user(self.user), "env", *(f"{k}={v}" for k, v in env_vars.items()),
                   str(self.home / "bin" / "elasticsearch"), "-p", str(self.pid_file),
                   *(f"-E{key}={value}" for key, value in settings.items())]
        self.pid_file.unlink(missing_ok=True)
        launcher = spawn(command, log_file=self.log_file)
        wait_until(
            self.healthy,
            what=f"Elasticsearch on {self.address}",
            timeout=self.settings.start_timeout_seconds,
            log_file=self.log_file,
            still_starting=lambda: self.pid() is not None or pid_alive(launcher),
        )

    def stop(self) -> None:
        pid = self.pid()
        if pid is not None:
            terminate(pid, timeout=60)
        self.pid_file.unlink(missing_ok=True)

    def pid(self) -> int | None:
        return read_pid(self.pid_file)

    def healthy(self) -> bool:
        # The integration-test distribution has no `GET /`; cluster health is the check.
        try:
            response = httpx.get(f"{self.url}/_cluster/health", timeout=1.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and response.json().get("status") in {"green", "yellow"}
