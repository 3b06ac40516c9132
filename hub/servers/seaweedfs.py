"""SeaweedFS (Apache-2.0), the local S3 server: master, volume server, filer and S3 gateway in
one `weed server` process on loopback, built from the Go module in `servers/seaweedfs/`.

`go install github.com/seaweedfs/seaweedfs/weed@…` refuses to build it (its go.mod has a
`replace`), so `servers/seaweedfs/go.mod` requires it as a tool, repeats that `replace`, and
pins every module in go.sum; `go build` of the tool there makes the binary, once per machine,
under the shared cache beside FerretDB's. The gateway accepts one identity (loopback and
development only, see SeaweedFSSettings); buckets are folders under `/buckets` in the filer,
which is how `weed shell`'s `s3.bucket.create` makes them too.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx

from hub.config import PROJECT_ROOT, ServerSettings
from hub.servers.base import LocalServer
from hub.servers.go_build import GoProgram
from hub.servers.process import (
    ServerError,
    make_open_dirs,
    read_pid,
    spawn,
    terminate,
    wait_until,
)

PROGRAM = GoProgram(title="SeaweedFS", binary_name="weed",
                    source_dir=PROJECT_ROOT / "servers" / "seaweedfs",
                    source_files=("go.mod", "go.sum"),
                    package="github.com/seaweedfs/seaweedfs/weed", go_version="1.26",
                    first_build="about 4 minutes")


class SeaweedFSServer(LocalServer):
    name = "seaweedfs"

    def __init__(self, settings: ServerSettings) -> None:
        super().__init__(settings)
        self.ports = settings.seaweedfs
        self.pid_file = self.dir / "weed.pid"
        self.config_file = self.dir / "s3-identities.json"

    @property
    def port(self) -> int:
        return self.ports.s3_port

    @property
    def url(self) -> str:
        """The S3 endpoint."""
        return f"http://{self.address}"

    @property
    def binary(self) -> Path:
        return PROGRAM.binary(self.settings.cache_dir)

    def provision(self) -> None:
        make_open_dirs(self.dir / "data")
        make_open_dirs(self.log_file.parent)
        self._write_identities()
        PROGRAM.ensure_built(self.settings.cache_dir)

    def _write_identities(self) -> None:
        identity = {"identities": [{
            "name": "hub",
            "credentials": [{"accessKey": self.ports.access_key_id,
                             "secretKey": self.ports.secret_access_key}],
            "actions": ["Admin", "Read", "List", "Tagging", "Write"],
        }]}
        self.config_file.write_text(json.dumps(identity, indent=2))
        self.config_file.chmod(0o600)

    def start(self) -> None:
        if self.healthy():
            return
        ports = self.ports
        command = [
            str(self.binary), "server", f"-dir={self.dir / 'data'}",
            "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-master.port={ports.master_port}",
            f"-master.volumeSizeLimitMB={ports.volume_size_limit_mb}",
            f"-volume.port={ports.volume_port}", "-volume.max=0",
            f"-filer.port={ports.filer_port}",
            "-s3", f"-s3.port={ports.s3_port}", f"-s3.config={self.config_file}",
            f"-metricsPort={ports.metrics_port}", "-metricsIp=127.0.0.1",
            # A wrong bucket must fail, not appear; the Iceberg and Lance side servers are
            # not used and would take fixed ports of their own.
            "-s3.autoCreateBucket=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
        ]
        pid = spawn(command, log_file=self.log_file)
        self.pid_file.write_text(str(pid))
        wait_until(
            self.healthy,
            what=f"SeaweedFS S3 on {self.address}",
            timeout=self.settings.start_timeout_seconds,
            log_file=self.log_file,
            still_starting=lambda: self.pid() is not None,
        )

    def stop(self) -> None:
        pid = self.pid()
        if pid is not None:
            # `weed server` stops its parts in an order that leaves the filer retrying its
            # metadata log for ~25 s; everything that matters is on disk by then.
            terminate(pid, timeout=10)
        self.pid_file.unlink(missing_ok=True)

    def pid(self) -> int | None:
        return read_pid(self.pid_file)

    def healthy(self) -> bool:
        """The master, the filer and the S3 gateway all answer their health checks."""
        ports = self.ports
        checks = [f"http://127.0.0.1:{ports.master_port}/healthz",
                  f"http://127.0.0.1:{ports.filer_port}/healthz",
                  f"{self.url}/healthz"]
        try:
            return all(httpx.get(url, timeout=1.0).status_code == 200 for url in checks)
        except httpx.HTTPError:
            return False

    def create_bucket(self, bucket: str, *, timeout: float = 60.0) -> None:
        """Create `bucket` if it is missing, and return once an object can be written to it
        (a fresh server first has to grow volumes)."""
        folder = f"http://127.0.0.1:{self.ports.filer_port}/buckets/{bucket}/"
        try:
            if httpx.get(folder, headers={"Accept": "application/json"},
                         timeout=5).status_code == 404:
                made = httpx.post(folder, timeout=10)  # no body, no Content-Type: mkdir
                if made.status_code >= 300 and "already exists" not in made.text:
                    raise ServerError(f"could not create bucket {bucket!r}: "
                                      f"{made.status_code} {made.text[:300]}")
        except httpx.HTTPError as error:
            raise ServerError(f"SeaweedFS's filer on 127.0.0.1:{self.ports.filer_port} is not "
                              f"reachable ({error}); is it running? `hub services up --with "
                              "s3`") from None
        self._wait_writable(bucket, timeout)

    def delete_bucket(self, bucket: str) -> None:
        """Remove `bucket` and every object in it."""
        httpx.delete(f"http://127.0.0.1:{self.ports.filer_port}/buckets/{bucket}",
                     params={"recursive": "true", "ignoreRecursiveError": "true"}, timeout=60)

    def _wait_writable(self, bucket: str, timeout: float) -> None:
        import obstore
        from obstore.exceptions import BaseError
        from obstore.store import S3Store

        store = S3Store(bucket, endpoint=self.url, region="us-east-1",
                        access_key_id=self.ports.access_key_id,
                        secret_access_key=self.ports.secret_access_key,
                        client_options={"allow_http": True}, retry_config={"max_retries": 0})
        deadline = time.monotonic() + timeout
        while True:
            try:
                obstore.put(store, ".hub-ready", b"ok")
                obstore.delete(store, ".hub-ready")
                return
            except BaseError as error:
                if time.monotonic() > deadline:
                    raise ServerError(f"bucket {bucket!r} on {self.address} is not writable "
                                      f"after {timeout:.0f} s: {error}") from None
                time.sleep(0.5)
