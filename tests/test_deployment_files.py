"""The Docker path for users who have it: the compose file is valid and wires what it should."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose_command() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_compose_file_is_valid_and_binds_every_port_to_loopback() -> None:
    command = compose_command()
    if command is None:
        pytest.skip("no docker compose client here (install docker-compose to run this check)")

    result = subprocess.run([*command, "config"], cwd=ROOT, capture_output=True, text=True,
                            check=False)

    assert result.returncode == 0, result.stderr
    everything = yaml.safe_load(result.stdout)["services"]
    # compose v1 lists the services of every profile; the default stack is those without one
    services = {name: service for name, service in everything.items()
                if not service.get("profiles")}
    assert set(services) == {"mongo", "elasticsearch", "api", "worker"}
    assert services["elasticsearch"]["image"].endswith(":8.19.21")
    ports = [port for service in services.values() for port in service.get("ports", [])]
    assert len(ports) == 3
    for port in ports:  # compose v1 prints "ip:host:container", v2 a mapping
        host_ip = port["host_ip"] if isinstance(port, dict) else port.split(":")[0]
        assert host_ip == "127.0.0.1", port


def test_the_replica_set_profile_starts_three_members_and_initiates_them() -> None:
    command = compose_command()
    if command is None:
        pytest.skip("no docker compose client here (install docker-compose to run this check)")

    result = subprocess.run([*command, "--profile", "replica-set", "config"], cwd=ROOT,
                            capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    members = [name for name in services if name.startswith("mongo-rs") and name[-1].isdigit()]
    assert members == ["mongo-rs1", "mongo-rs2", "mongo-rs3"]
    for member in members:
        assert services[member]["command"][:3] == ["mongod", "--replSet", "rs0"]
        assert not services[member].get("ports"), "members stay on the compose network"
    initiate = " ".join(services["mongo-rs-init"]["command"])
    assert "rs.initiate" in initiate and all(f"{m}:27017" in initiate for m in members)
