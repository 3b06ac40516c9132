"""Reading products from Elasticsearch: by id (realtime `mget`), by SKU, and paged lists with
text search, filters and a stable sort."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from elasticsearch import AsyncElasticsearch

from hub.indexing.cursors import decode_cursor, encode_cursor
from hub.indexing.documents import product_from_document
from hub.indexing.errors import elasticsearch_errors
from hub.indexing.mappings import IndexNames
from hub.indexing.text import fold
from hub.models.product import Product

_SKU_SEPARATORS = re.compile(r"[-_./]+")
T = TypeVar("T")


class ProductOrderField(StrEnum):
    RELEVANCE = "RELEVANCE"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    NAME = "NAME"
    SKU = "SKU"


_SORT_FIELDS = {
    ProductOrderField.CREATED_AT: "created_at",
    ProductOrderField.UPDATED_AT: "updated_at",
    ProductOrderField.NAME: "name",
    ProductOrderField.SKU: "sku",
}


@dataclass(frozen=True)
class ProductQuery:
    text: str | None = None
    skus: Sequence[str] | None = None
    order_by: ProductOrderField | None = None
    descending: bool | None = None


@dataclass
class Page(Generic[T]):
    items: list[tuple[T, str]] = field(default_factory=list)  # (entity, cursor)
    has_next_page: bool = False
    total_count: int = 0


def sort_clause(
    field: str | None,
    *,
    text_query: bool,
    descending: bool | None,
    default_field: str,
    ascending_by_default: set[str],
) -> list[dict[str, Any]]:
    """The sort of a list: by `field`, or by relevance when there is a text query and no field
    (`default_field` otherwise); dates and numbers newest/largest first unless asked, names
    ascending; the id breaks ties so that cursors are stable."""
    if field is None and text_query:
        return [{"_score": "asc" if descending is False else "desc"}, {"id": "asc"}]
    field = field or default_field
    if descending is None:
        descending = field not in ascending_by_default
    return [{field: "desc" if descending else "asc"}, {"id": "asc"}]


async def scan_index(
    es: AsyncElasticsearch,
    *,
    index: str,
    query: dict[str, Any],
    source_includes: list[str],
    batch_size: int = 500,
) -> AsyncIterator[dict[str, Any]]:
    """Every matching document's selected fields, in id order, a batch per request (for reports
    over the whole library; lists for people page with cursors instead)."""
    search_after: list[Any] | None = None
    while True:
        async with elasticsearch_errors(f"reading {index}"):
            response = await es.search(index=index, query=query, sort=[{"id": "asc"}],
                                       size=batch_size, search_after=search_after,
                                       source_includes=source_includes)
        hits = response["hits"]["hits"]
        for hit in hits:
            yield hit["_source"]
        if len(hits) < batch_size:
            return
        search_after = hits[-1]["sort"]


async def paged_search(
    es: AsyncElasticsearch,
    *,
    index: str,
    query: dict[str, Any],
    sort: list[dict[str, Any]],
    first: int,
    after: str | None,
    parse: Callable[[dict[str, Any]], T],
    what: str,
    source_excludes: list[str] | None = None,
) -> Page[T]:
    """One search request for one page: `first + 1` hits tell whether another page follows;
    `search_after` with the previous page's last sort values continues where it stopped."""
    order = ",".join(f"{field}:{direction}" for key in sort for field, direction in key.items())
    search_after = decode_cursor(after, order=order) if after else None
    async with elasticsearch_errors(f"searching {what}"):
        response = await es.search(index=index, query=query, sort=sort, size=first + 1,
                                   search_after=search_after, track_total_hits=True,
                                   source_excludes=source_excludes)
    hits = response["hits"]["hits"]
    return Page(
        items=[(parse(hit["_source"]), encode_cursor(order, hit["sort"])) for hit in hits[:first]],
        has_next_page=len(hits) > first,
        total_count=response["hits"]["total"]["value"],
    )


class ProductSearch:
    def __init__(self, es: AsyncElasticsearch, names: IndexNames) -> None:
        self.es = es
        self.names = names

    async def get_many(self, ids: Sequence[str]) -> dict[str, Product]:
        """Realtime: a product is found here as soon as its write was indexed."""
        if not ids:
            return {}
        async with elasticsearch_errors("loading products"):
            response = await self.es.mget(index=self.names.products, ids=list(ids))
        return {
            doc["_id"]: product_from_document(doc["_source"])
            for doc in response["docs"]
            if doc.get("found")
        }

    async def get_many_by_sku(self, skus: Sequence[str]) -> dict[str, Product]:
        if not skus:
            return {}
        async with elasticsearch_errors("loading products by SKU"):
            response = await self.es.search(
                index=self.names.products,
                query={"bool": {"filter": [{"terms": {"sku": list(skus)}}]}},
                size=len(skus) * 2,
            )
        products = [product_from_document(hit["_source"]) for hit in response["hits"]["hits"]]
        return {product.sku: product for product in products if product.sku in skus}

    async def find(self, query: ProductQuery, *, first: int, after: str | None) -> Page[Product]:
        return await paged_search(self.es, index=self.names.products, query=self._query(query),
                                  sort=self._sort(query), first=first, after=after,
                                  parse=product_from_document, what="products")

    @staticmethod
    def _sort(query: ProductQuery) -> list[dict[str, Any]]:
        field = None if query.order_by is ProductOrderField.RELEVANCE else (
            _SORT_FIELDS.get(query.order_by) if query.order_by else None)
        return sort_clause(field, text_query=bool(query.text), descending=query.descending,
                           default_field="created_at", ascending_by_default={"name", "sku"})

    @staticmethod
    def _query(query: ProductQuery) -> dict[str, Any]:
        filters: list[dict[str, Any]] = []
        must: list[dict[str, Any]] = []
        if query.skus is not None:
            filters.append({"terms": {"sku": list(query.skus)}})
        text = (query.text or "").strip()
        if text:
            folded = fold(text)
            must.append({"bool": {"minimum_should_match": 1, "should": [
                {"multi_match": {
                    "query": _SKU_SEPARATORS.sub(" ", folded),
                    "type": "cross_fields",
                    "fields": ["search.name^3", "search.sku^2", "search.description"],
                    "operator": "and",
                }},
                {"match": {"search.name": {"query": folded, "fuzziness": "AUTO",
                                           "operator": "and", "boost": 0.5}}},
                {"match_phrase_prefix": {"search.name": {"query": folded}}},
                {"term": {"sku": {"value": text, "boost": 10}}},
                {"prefix": {"sku": {"value": folded, "boost": 4}}},
            ]}})
        return {"bool": {"filter": filters, "must": must or [{"match_all": {}}]}}
