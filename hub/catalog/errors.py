"""Translating MongoDB driver failures into the hub's errors, in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pymongo.errors import ConnectionFailure, DuplicateKeyError, OperationFailure

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
