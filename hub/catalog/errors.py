"""Translating MongoDB driver failures into the hub's errors, in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from pymongo.errors import BulkWriteError, ConnectionFailure, DuplicateKeyError, OperationFailure

from hub.errors import Unavailable


@asynccontextmanager
async def mongo_errors(action: str) -> AsyncIterator[None]:
    try:
        yield
    except ConnectionFailure as error:
        raise Unavailable(
            f"the catalog database is unavailable while {action} ({type(error).__name__}); "
            "nothing was changed, try again shortly"
        ) from error


def is_duplicate_key(error: OperationFailure) -> bool:
    """MongoDB reports a unique-index violation as DuplicateKeyError (code 11000); FerretDB 1.x
    does so for inserts but, for updates, passes PostgreSQL's unique violation through."""
    return isinstance(error, DuplicateKeyError) or (
        "duplicate key value violates unique constraint" in str(error)
    )


def duplicate_key_indexes(error: BulkWriteError) -> set[int]:
    """The positions of an unordered bulk write's operations that hit a unique index; raises
    `error` again if any operation failed for another reason."""
    failures: list[Mapping[str, Any]] = error.details.get("writeErrors", [])
    if not all(failure.get("code") == 11000 or "duplicate key value violates unique constraint"
               in str(failure.get("errmsg", "")) for failure in failures):
        raise error
    return {int(failure["index"]) for failure in failures}
