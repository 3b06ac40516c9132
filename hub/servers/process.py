"""Process helpers shared by the local servers: users, pid files, ports, waiting, logs."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path


class ServerError(RuntimeError):
    """A local server could not be provisioned, started or stopped; the message says which."""


def is_root() -> bool:
    return os.geteuid() == 0


def as_user(user: str) -> list[str]:
    """Command prefix that runs a program as `user` (only needed, and only possible, as root)."""
    return ["runuser", "-u", user, "--"] if is_root() else []


def ensure_system_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        if not is_root():
            raise ServerError(f"system user {name!r} is missing; create it as root") from None
        run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name])


def chown_tree(path: Path, user: str) -> None:
    if is_root():
        run(["chown", "-R", f"{user}:", str(path)])


def ensure_reachable(path: Path, user: str) -> None:
    """Fail with a clear message when `user` cannot write `path` (e.g. a checkout under /root)."""
    if is_root() and subprocess.run([*as_user(user), "test", "-w", str(path)]).returncode != 0:
        raise ServerError(
            f"user {user!r} cannot write {path}: a parent folder is closed to it. "
            "Point HUB_SERVERS__HOME at a folder every user can enter (default /var/tmp/...)."
        )


def make_open_dirs(path: Path) -> None:
    """Create `path` and its missing parents so that other users may enter them (mode 755)."""
    missing = [folder for folder in [path, *path.parents] if not folder.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for folder in missing:
        folder.chmod(0o755)


def run(
    command: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command to completion; on failure raise ServerError with its output."""
    result = subprocess.run(
        list(command), env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise ServerError(f"`{' '.join(command)}` failed ({result.returncode}):\n{output[-3000:]}")
    return result


def require_program(name: str, hint: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ServerError(f"{name} is not installed: {hint}")
    return found


def apt_install(*packages: str) -> None:
    """Install Debian packages (root only); used for what the project needs but pip cannot give."""
    if not is_root() or shutil.which("apt-get") is None:
        raise ServerError(f"please install the Debian packages: {' '.join(packages)}")
    print(f"installing {' '.join(packages)} with apt-get ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-q"], env=env)
    run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages], env=env)


def available_memory() -> int | None:
    """Bytes the kernel could give a new process without swapping (None where unknown)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def ensure_free_memory(needed: int, what: str) -> None:
    """Refuse to start `what` when it would not fit: no swap here, so the kernel would kill it
    (or a neighbour) later instead."""
    available = available_memory()
    if available is not None and available < needed:
        raise ServerError(f"{what} needs about {needed // 2**20} MiB but only "
                          f"{available // 2**20} MiB of memory are available")


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def read_pid(pid_file: Path) -> int | None:
    try:
        pid = int(pid_file.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None
    return pid if pid_alive(pid) else None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still answers kill(0); treat it as gone.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def terminate(pid: int, *, timeout: float = 30.0) -> None:
    """SIGTERM, wait, then SIGKILL if the process does not go."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


def spawn(command: Sequence[str], *, log_file: Path, env: dict[str, str] | None = None) -> int:
    """Start a long-running server detached from this process (a shell starts it in the
    background of a new session and exits, so the server is nobody's child here); its output
    goes to `log_file`. Returns the server's pid."""
    launcher = subprocess.run(
        ["sh", "-c", 'exec "$@" </dev/null >>"$LOG" 2>&1 & echo $!', "sh", *command],
        env={**(env or os.environ), "LOG": str(log_file)},
        capture_output=True, text=True, start_new_session=True, check=True,
    )
    return int(launcher.stdout.strip())


def wait_until(
    check: Callable[[], bool],
    *,
    what: str,
    timeout: float,
    log_file: Path | None = None,
    still_starting: Callable[[], bool] | None = None,
) -> None:
    """Poll `check` until it holds; on timeout or early death raise with the log's tail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if still_starting is not None and not still_starting():
            raise ServerError(f"{what} exited during start-up.{log_tail(log_file)}")
        time.sleep(0.25)
    raise ServerError(f"{what} did not become healthy within {timeout:.0f} s.{log_tail(log_file)}")


def log_tail(log_file: Path | None, lines: int = 30) -> str:
    if log_file is None or not log_file.exists():
        return ""
    tail = log_file.read_text(errors="replace").splitlines()[-lines:]
    return f"\n--- last lines of {log_file} ---\n" + "\n".join(tail)
