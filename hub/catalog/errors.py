"""Translating MongoDB driver failures into the hub's errors, in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pymongo.errors import ConnectionFailure

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
