"""GraphQL types of search."""

from __future__ import annotations

import strawberry

from hub.catalog.visual_search import SearchMode
from hub.graphql.media.types import Asset
from hub.indexing.asset_search import ScoredAsset

strawberry.enum(SearchMode)


@strawberry.type
class AssetHit:
    asset: Asset
    score: float = strawberry.field(description="Higher is closer; comparable within one list.")

    @classmethod
    def from_scored(cls, hit: ScoredAsset) -> AssetHit:
        return cls(asset=Asset(model=hit.asset), score=round(hit.score, 6))


@strawberry.type
class FacetCount:
    value: str
    count: int


@strawberry.type
class AssetFacets:
    kinds: list[FacetCount]
    tags: list[FacetCount]
    skus: list[FacetCount] = strawberry.field(description="Linked products, by SKU.")
