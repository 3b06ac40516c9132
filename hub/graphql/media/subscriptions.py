"""The asset subscription: a thin resolver over the live asset watch."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing

import strawberry

from hub.graphql.core.context import Info
from hub.graphql.core.permissions import IsReader
from hub.graphql.media.types import Asset
from hub.models.asset import Asset as AssetModel


@strawberry.type
class MediaSubscriptions:
    @strawberry.subscription(permission_classes=[IsReader],
                             description="The asset now, then after each change (tags, file, "
                             "renditions, focal point, links); completes when the asset is "
                             "deleted. NOT_FOUND for an unknown id.")
    async def asset_updated(self, info: Info, id: strawberry.ID) -> AsyncGenerator[Asset, None]:
        return _asset_events(info, await info.context.live.asset_changes(str(id)))


async def _asset_events(
    info: Info, assets: AsyncGenerator[AssetModel, None]
) -> AsyncGenerator[Asset, None]:
    async with aclosing(assets):
        async for asset in assets:
            info.context.renew_loaders()
            yield Asset(model=asset)
