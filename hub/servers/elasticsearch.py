"""Elasticsearch 8.19 (the integration-test distribution from Maven Central) on loopback, run by
a dedicated non-root system user because Elasticsearch refuses to run as root: the single node by
default, or one member of a cluster (see hub/servers/es_cluster.py)."""

from __future__ import annotations

import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from hub.config import ServerSettings
from hub.servers.base import LocalServer
from hub.servers.process import (
    ServerError,
    apt_install,
    as_user,
    chown_tree,
    ensure_free_memory,
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
# Memory a node needs beside its heap: metaspace, threads and up to 256 MB of direct buffers
# (measured: a node with a 512 MB heap holds about 0.73 GB resident when idle).
JVM_OVERHEAD = 384 * 2**20


def heap_bytes(size: str) -> int:
    """A JVM size such as 512m or 1g in bytes."""
    units = {"k": 2**10, "m": 2**20, "g": 2**30}
    suffix = size[-1:].lower()
    if suffix in units:
        return int(size[:-1]) * units[suffix]
    return int(size)


@dataclass(frozen=True)
class ClusterMembership:
    """What makes a node one member of a cluster instead of a cluster of its own."""

    cluster_name: str
    node_name: str
    roles: tuple[str, ...]
    seed_hosts: tuple[str, ...]  # the members' transport addresses
    initial_master_nodes: tuple[str, ...]

    def settings(self) -> dict[str, str]:
        settings = {
            "cluster.name": self.cluster_name,
            "node.name": self.node_name,
            "node.roles": ",".join(self.roles),
            "discovery.seed_hosts": ",".join(self.seed_hosts),
        }
        if "master" in self.roles:  # bootstrapping is a master-eligible node's business only
            settings["cluster.initial_master_nodes"] = ",".join(self.initial_master_nodes)
        return settings


class ElasticsearchServer(LocalServer):
    """One node. Members of a cluster share one unpacked distribution (`distribution_dir`) and
    keep their configuration, data, logs and pid file in their own folder."""

    name = "elasticsearch"

    def __init__(
        self,
        settings: ServerSettings,
        *,
        name: str | None = None,
        http_port: int | None = None,
        distribution_dir: Path | None = None,
        membership: ClusterMembership | None = None,
    ) -> None:
        if name is not None:
            self.name = name
        super().__init__(settings)
        self._http_port = http_port
        self.distribution_dir = distribution_dir or self.dir
        self.membership = membership

    @property
    def port(self) -> int:
        return self._http_port or self.settings.elasticsearch_port

    @property
    def transport_port(self) -> int:
        return self.port + 100

    @property
    def config_dir(self) -> Path:
        """A node's own copy when the distribution is shared: Elasticsearch writes its keystore
        there at start."""
        if self.distribution_dir == self.dir:
            return self.home / "config"
        return self.dir / "config"

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
        return self.distribution_dir / f"elasticsearch-{self.version}"

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
        make_open_dirs(self.distribution_dir)
        make_open_dirs(self.log_file.parent)
        if not (self.home / "bin" / "elasticsearch").exists():
            with zipfile.ZipFile(self.zip_file) as archive:
                archive.extractall(self.distribution_dir)
            for script in (self.home / "bin").iterdir():
                script.chmod(0o755)
            chown_tree(self.distribution_dir, self.user)
        if not self.config_dir.exists():
            shutil.copytree(self.home / "config", self.config_dir)
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
        ensure_free_memory(heap_bytes(self.settings.elasticsearch_heap) + JVM_OVERHEAD,
                           f"Elasticsearch {self.name}")
        env_vars = {
            "ES_JAVA_HOME": str(self.settings.java_home),
            "ES_JAVA_OPTS": f"-Xms{self.settings.elasticsearch_heap} "
            f"-Xmx{self.settings.elasticsearch_heap}",
            "ES_PATH_CONF": str(self.config_dir),
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        }
        discovery = ({"discovery.type": "single-node"} if self.membership is None
                     else self.membership.settings())
        settings = {
            **discovery,
            "network.host": "127.0.0.1",
            "http.port": str(self.port),
            "transport.port": str(self.transport_port),
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
