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
    at_seconds: float | None = strawberry.field(description=(
        "A video found by likeness: when, in seconds, the frame that matched best is shown."))

    @classmethod
    def from_scored(cls, hit: ScoredAsset) -> AssetHit:
        return cls(asset=Asset(model=hit.asset), score=round(hit.score, 6),
                   at_seconds=hit.at_seconds)


@strawberry.type
class FacetCount:
    value: str
    count: int


@strawberry.type
class AssetFacets:
    kinds: list[FacetCount]
    tags: list[FacetCount]
    skus: list[FacetCount] = strawberry.field(description="Linked products, by SKU.")
