"""Counting the MongoDB commands and Elasticsearch requests one unit of work costs.

A DataLoader that stops batching shows up as a count that grows with the page size; the GraphQL
layer reports these counts so that tests and developers can see it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from elastic_transport import AsyncTransport
from pymongo import monitoring


@dataclass
class StoreCalls:
    mongo: int = 0
    elasticsearch: int = 0


_current: ContextVar[StoreCalls | None] = ContextVar("store_calls", default=None)


@contextmanager
def count_store_calls() -> Iterator[StoreCalls]:
    """Count store calls made by this task and the tasks it starts until the block ends."""
    calls = StoreCalls()
    token = _current.set(calls)
    try:
        yield calls
    finally:
        _current.reset(token)


class MongoCommandCounter(monitoring.CommandListener):
    """PyMongo command listener; runs in the task that sends the command."""

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        calls = _current.get()
        if calls is not None:
            calls.mongo += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


class CountingTransport(AsyncTransport):
    """Elasticsearch transport that counts each request, retries included."""

    async def perform_request(  # type: ignore[override]  # async twin of a sync signature
        self, *args: Any, **kwargs: Any
    ) -> Any:
        calls = _current.get()
        if calls is not None:
            calls.elasticsearch += 1
        return await super().perform_request(*args, **kwargs)
