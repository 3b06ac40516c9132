"""One pool of rendering threads per process, as many as the cores this process may use.

Pillow releases the GIL while it resizes and encodes, so threads use every core. One shared
pool, rather than one per call, bounds the CPU that rendering takes however many uploads render
at once: their steps queue here instead of oversubscribing the cores."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity), not the machine's count."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def render_threads() -> int:
    """How many threads the pool has: how many parts a large step is worth splitting into."""
    return usable_cores()


def render_pool() -> ThreadPoolExecutor:
    """The process's rendering pool, created on first use."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=render_threads(), thread_name_prefix="render")
        return _pool
