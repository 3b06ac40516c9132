"""Translating Elasticsearch driver failures into the hub's errors, in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from elastic_transport import TransportError
from elasticsearch import ApiError

from hub.errors import Unavailable


@asynccontextmanager
async def elasticsearch_errors(action: str) -> AsyncIterator[None]:
    """Raise Unavailable when Elasticsearch cannot be reached or is overloaded."""
    try:
        yield
    except TransportError as error:
        raise Unavailable(
            f"search is unavailable: Elasticsearch did not answer while {action} "
            f"({type(error).__name__}); try again shortly"
        ) from error
    except ApiError as error:
        if error.meta.status in {429, 502, 503, 504}:
            raise Unavailable(
                f"search is unavailable: Elasticsearch answered {error.meta.status} while {action}"
            ) from error
        raise
