"""Servers the project builds itself with Go, each from a small module of its own under
`servers/` (FerretDB, SeaweedFS): one binary per machine in the shared cache, named by a hash of
the module's sources, so a new pin builds anew and every checkout reuses the rest."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from hub.servers.process import ServerError, make_open_dirs, require_program, run


@dataclass(frozen=True)
class GoProgram:
    title: str  # for messages: "FerretDB"
    binary_name: str  # the cached file is <binary_name>-<hash of the sources>
    source_dir: Path
    source_files: tuple[str, ...]
    package: str  # what `go build` builds in source_dir: "." or an import path
    go_version: str  # the oldest Go that builds it
    first_build: str  # how long the first build takes, for the progress line

    def binary(self, cache_dir: Path) -> Path:
        digest = hashlib.sha256()
        for name in self.source_files:
            digest.update((self.source_dir / name).read_bytes())
        return cache_dir / "bin" / f"{self.binary_name}-{digest.hexdigest()[:12]}"

    def ensure_built(self, cache_dir: Path) -> Path:
        """The binary, built first when this machine has none for these sources. It is
        written beside its final name and renamed, so a killed build leaves nothing used."""
        binary = self.binary(cache_dir)
        if binary.exists():
            return binary
        go = require_program("go", f"{self.title} is built with Go {self.go_version} or newer "
                                   "(go.dev/doc/install)")
        make_open_dirs(binary.parent)
        print(f"building {self.title} (first time {self.first_build}) ...", flush=True)
        partial = binary.with_suffix(".partial")
        env = {**os.environ, "CGO_ENABLED": "0"}
        try:
            run([go, "build", "-trimpath", "-o", str(partial), self.package],
                cwd=self.source_dir, env=env)
        except ServerError as error:
            raise ServerError(f"could not build {self.title} from {self.source_dir}: "
                              f"{error}") from None
        partial.rename(binary)
        return binary
