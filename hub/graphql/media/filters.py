"""AssetFilter (GraphQL) -> AssetQuery (search), shared by lists, search and jobs."""

from __future__ import annotations

from hub.graphql.core.pagination import OrderDirection
from hub.graphql.media.types import AssetFilter, AssetOrder
from hub.indexing.asset_search import AssetQuery


def asset_query(filter: AssetFilter | None, order_by: AssetOrder | None = None) -> AssetQuery:
    given = filter or AssetFilter()
    return AssetQuery(
        text=given.text, kinds=given.kinds, skus=given.skus, tags=given.tags,
        untagged=given.untagged, missing_rendition=given.missing_rendition,
        unlinked=given.unlinked,
        order_by=order_by.field if order_by else None,
        descending=(order_by.direction is OrderDirection.DESC
                    if order_by and order_by.direction else None),
    )
