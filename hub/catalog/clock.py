"""The hub's notion of "now"."""

from __future__ import annotations

from datetime import UTC, datetime


def now_millis() -> datetime:
    """UTC now at millisecond precision: MongoDB keeps milliseconds, so trimming here keeps what
    a client sees identical whether a value comes from MongoDB, the index or the write itself."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
