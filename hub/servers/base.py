"""The shape every local server follows, so `hub services` can treat them alike."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from hub.config import ServerSettings
from hub.servers.process import port_open


@dataclass(frozen=True)
class ServerStatus:
    name: str
    address: str
    healthy: bool
    pid: int | None
    log_file: Path


class LocalServer(ABC):
    """One local server: provision (install/build/download, idempotent), start, stop, health."""

    name: str

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.dir = settings.instance_dir / self.name
        self.log_file = settings.instance_dir / "logs" / f"{self.name}.log"

    @property
    @abstractmethod
    def port(self) -> int: ...

    @abstractmethod
    def provision(self) -> None:
        """Install, build or download what the server needs; reuse what is already there."""

    @abstractmethod
    def start(self) -> None:
        """Start the server and return once it is healthy; raise ServerError otherwise."""

    @abstractmethod
    def stop(self) -> None: ...

    @abstractmethod
    def pid(self) -> int | None: ...

    @abstractmethod
    def healthy(self) -> bool:
        """The server answers its protocol on its port, whichever checkout started it."""

    @property
    def port_setting(self) -> str:
        """The environment variable that moves this server to another port."""
        return f"HUB_SERVERS__{self.name.upper()}_PORT"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def port_taken_by_stranger(self) -> bool:
        """True when something that is not this server listens on its port."""
        return self.pid() is None and port_open(self.port)

    def status(self) -> ServerStatus:
        return ServerStatus(self.name, self.address, self.healthy(), self.pid(), self.log_file)
