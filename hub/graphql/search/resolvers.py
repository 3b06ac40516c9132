"""Search queries and mutations: thin resolvers over VisualSearch and AssetVision."""

from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload

from hub.auth.rate_limit import Expensive
from hub.catalog.visual_search import SearchMode
from hub.graphql.core.context import Info
from hub.graphql.core.pagination import check_page_size
from hub.graphql.core.permissions import IsEditor, IsReader
from hub.graphql.media.filters import asset_query
from hub.graphql.media.mutations import upload_chunks
from hub.graphql.media.types import Asset, AssetFilter
from hub.graphql.search.types import AssetFacets, AssetHit, FacetCount
from hub.indexing.asset_search import AssetQuery


@strawberry.type
class SearchQueries:
    @strawberry.field(permission_classes=[IsReader],
                      description="Assets matching words (KEYWORD), meaning (SEMANTIC: the "
                      "vision model's text vector) or both fused (HYBRID), best first.")
    async def search_assets(
        self,
        info: Info,
        query: str,
        mode: SearchMode | None = SearchMode.HYBRID,
        first: int | None = 20,
        filter: AssetFilter | None = None,
    ) -> list[AssetHit]:
        first = check_page_size(first, info.context.settings.max_page_size)
        hits = await info.context.visual_search.find(query, mode=mode or SearchMode.HYBRID,
                                                     first=first,
                                                     query=asset_query(filter))
        return [AssetHit.from_scored(hit) for hit in hits]

    @strawberry.field(permission_classes=[IsReader],
                      description="Assets that look like this one, copies of it first.")
    async def similar_assets(
        self, info: Info, asset_id: strawberry.ID, first: int | None = 10,
        filter: AssetFilter | None = None,
    ) -> list[AssetHit]:
        first = check_page_size(first, info.context.settings.max_page_size, default=10)
        hits = await info.context.visual_search.similar(str(asset_id), first=first,
                                                        query=asset_query(filter))
        return [AssetHit.from_scored(hit) for hit in hits]

    @strawberry.field(permission_classes=[IsReader],
                      description="How many selected assets have each kind and each tag.")
    async def asset_facets(
        self, info: Info, query: str | None = None, filter: AssetFilter | None = None
    ) -> AssetFacets:
        selected = asset_query(filter)
        if query:
            selected = AssetQuery(**{**selected.__dict__, "text": query})
        counts = await info.context.catalog.asset_search.facets(selected)
        return AssetFacets(
            kinds=[FacetCount(value=v, count=c) for v, c in counts["kinds"]],
            tags=[FacetCount(value=v, count=c) for v, c in counts["tags"]],
            skus=[FacetCount(value=v, count=c) for v, c in counts["skus"]],
        )


@strawberry.type
class SearchMutations:
    @strawberry.mutation(permission_classes=[IsReader],
                         description="Assets that look like an uploaded image; the image is "
                         "not stored.")
    async def search_by_image(
        self, info: Info, file: Upload, first: int | None = 10,
        filter: AssetFilter | None = None,
    ) -> list[AssetHit]:
        first = check_page_size(first, info.context.settings.max_page_size, default=10)
        await info.context.count_expensive(Expensive.IMAGE_SEARCH)
        hits = await info.context.visual_search.by_image(upload_chunks(file), first=first,
                                                         query=asset_query(filter))
        return [AssetHit.from_scored(hit) for hit in hits]

    @strawberry.mutation(permission_classes=[IsEditor],
                         description="Accept the vision model's suggested tags (all, or the "
                         "labels given).")
    async def accept_suggested_tags(
        self, info: Info, id: strawberry.ID, labels: list[str] | None = None
    ) -> Asset:
        return Asset(model=await info.context.vision.accept_suggestions(str(id), labels))
