"""Media queries: thin resolvers over the catalog and the media library."""

from __future__ import annotations

import strawberry

from hub.graphql.core.context import Info
from hub.graphql.core.pagination import PageInfo, check_page_size
from hub.graphql.core.permissions import IsReader
from hub.graphql.media.filters import asset_query
from hub.graphql.media.types import (
    Asset,
    AssetConnection,
    AssetEdge,
    AssetFilter,
    AssetOrder,
    RenditionPreset,
    VideoRenditionPreset,
)


@strawberry.type
class MediaQueries:
    @strawberry.field(permission_classes=[IsReader],
                      description="One asset by id; null if there is none.")
    async def asset(self, info: Info, id: strawberry.ID) -> Asset | None:
        found = await info.context.media_loaders.asset_by_id.load(str(id))
        return Asset(model=found) if found else None

    @strawberry.field(permission_classes=[IsReader],
                      description="Assets, newest first unless ordered otherwise.")
    async def assets(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        filter: AssetFilter | None = None,
        order_by: AssetOrder | None = None,
    ) -> AssetConnection:
        first = check_page_size(first, info.context.settings.max_page_size)
        page = await info.context.catalog.find_assets(asset_query(filter, order_by),
                                                      first=first, after=after)
        edges = [AssetEdge(cursor=cursor, node=Asset(model=asset)) for asset, cursor in page.items]
        return AssetConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next_page,
                               end_cursor=edges[-1].cursor if edges else None),
            total_count=page.total_count,
        )

    @strawberry.field(permission_classes=[IsReader],
                      description="The renditions made for every image, by sales channel.")
    def rendition_presets(self, info: Info) -> list[RenditionPreset]:
        return [RenditionPreset.from_preset(p) for p in info.context.library.presets.values()]

    @strawberry.field(permission_classes=[IsReader],
                      description="The video renditions made for every video, by channel.")
    def video_rendition_presets(self, info: Info) -> list[VideoRenditionPreset]:
        return [VideoRenditionPreset.from_preset(p) for p in info.context.videos.presets.values()]
