"""Subscription streams: what a live watch yields, turned into GraphQL objects one by one."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from typing import TypeVar

from hub.graphql.core.context import Info

Model = TypeVar("Model")
Node = TypeVar("Node")


async def stream(
    info: Info, source: AsyncGenerator[Model, None], to_node: Callable[[Model], Node]
) -> AsyncGenerator[Node, None]:
    """Each event with fresh DataLoaders (a WebSocket's context lives for many events), and the
    watch closed when the client goes away, so its polling stops."""
    async with aclosing(source):
        async for event in source:
            info.context.renew_loaders()
            yield to_node(event)
