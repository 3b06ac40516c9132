"""The asset subscription: a thin resolver over the live asset watch."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from hub.graphql.core.context import Info
from hub.graphql.core.events import stream
from hub.graphql.core.permissions import IsReader
from hub.graphql.media.types import Asset


@strawberry.type
class MediaSubscriptions:
    @strawberry.subscription(permission_classes=[IsReader],
                             description="The asset now, then after each change (tags, file, "
                             "renditions, focal point, links); completes when the asset is "
                             "deleted. NOT_FOUND for an unknown id.")
    async def asset_updated(self, info: Info, id: strawberry.ID) -> AsyncGenerator[Asset, None]:
        return stream(info, await info.context.live.asset_changes(str(id)),
                      lambda asset: Asset(model=asset))

