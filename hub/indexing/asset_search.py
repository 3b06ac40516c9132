"""Reading assets from Elasticsearch: by id (realtime `mget`) and paged, filtered lists."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from elasticsearch import AsyncElasticsearch

from hub.indexing.documents import asset_from_document
from hub.indexing.errors import elasticsearch_errors
from hub.indexing.mappings import IndexNames
from hub.indexing.search import Page, paged_search, sort_clause
from hub.indexing.text import fold
from hub.models.asset import Asset, AssetKind

_SEPARATORS = re.compile(r"[-_./]+")
def knn_candidates(k: int) -> int:
    """How many HNSW candidates each shard examines for k results: more is slower and closer
    to exact (bench/similar_search.py measures both). At 100,000 vectors, 5k kept recall@10 at
    0.999 (as 20k did) and took p95 from 44 to 25 ms."""
    return max(100, k * 5)


# Vectors are only needed by similarity search, which asks for them itself.
HEAVY_FIELDS = ["embedding", "keyframes.embedding"]


class AssetOrderField(StrEnum):
    RELEVANCE = "RELEVANCE"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    FILENAME = "FILENAME"
    BYTE_SIZE = "BYTE_SIZE"


_SORT_FIELDS = {
    AssetOrderField.CREATED_AT: "created_at",
    AssetOrderField.UPDATED_AT: "updated_at",
    AssetOrderField.FILENAME: "filename",
    AssetOrderField.BYTE_SIZE: "byte_size",
}


@dataclass(frozen=True)
class AssetQuery:
    text: str | None = None
    kinds: Sequence[AssetKind] | None = None
    skus: Sequence[str] | None = None
    tags: Sequence[str] | None = None  # every one must be present
    untagged: bool | None = None
    missing_rendition: str | None = None  # a preset name
    unlinked: bool | None = None
    order_by: AssetOrderField | None = None
    descending: bool | None = None


@dataclass(frozen=True)
class ScoredAsset:
    asset: Asset
    score: float
    perceptual_hash: str | None
    at_seconds: float | None = None  # a video found by one of its keyframes: that frame's time


def _scored(hit: dict[str, Any]) -> ScoredAsset:
    source = hit["_source"]
    return ScoredAsset(asset_from_document(source), float(hit["_score"] or 0.0),
                       source.get("perceptual_hash"), _keyframe_time(hit))


def _keyframe_time(hit: dict[str, Any]) -> float | None:
    frames = hit.get("inner_hits", {}).get("keyframes", {}).get("hits", {}).get("hits", [])
    if not frames:
        return None
    return frames[0]["fields"]["keyframes"][0]["at_seconds"][0]


class AssetSearch:
    def __init__(self, es: AsyncElasticsearch, names: IndexNames) -> None:
        self.es = es
        self.names = names

    async def get_many(self, ids: Sequence[str]) -> dict[str, Asset]:
        if not ids:
            return {}
        async with elasticsearch_errors("loading assets"):
            response = await self.es.mget(index=self.names.assets, ids=list(dict.fromkeys(ids)),
                                          source_excludes=HEAVY_FIELDS)
        return {doc["_id"]: asset_from_document(doc["_source"])
                for doc in response["docs"] if doc.get("found")}

    async def find(self, query: AssetQuery, *, first: int, after: str | None) -> Page[Asset]:
        return await paged_search(self.es, index=self.names.assets, query=self._query(query),
                                  sort=self._sort(query), first=first, after=after,
                                  parse=asset_from_document, what="assets",
                                  source_excludes=HEAVY_FIELDS)

    async def vector_of(self, asset_id: str) -> tuple[list[float] | None, str | None]:
        """The asset's indexed vector and perceptual hash (None when it has none yet)."""
        async with elasticsearch_errors("loading an asset's vector"):
            response = await self.es.mget(index=self.names.assets, ids=[asset_id],
                                          source_includes=["embedding", "perceptual_hash"])
        doc = response["docs"][0]
        if not doc.get("found"):
            return None, None
        return doc["_source"].get("embedding"), doc["_source"].get("perceptual_hash")

    async def nearest(
        self,
        vector: list[float],
        *,
        k: int,
        query: AssetQuery,
        exclude: Sequence[str] = (),
    ) -> list[ScoredAsset]:
        """The k assets whose vectors are closest (cosine) among those the filter selects.

        Two kNN searches in one request, each asset found by exactly one: assets with
        keyframes (videos) by their closest frame, all others by their one vector. Both score
        cosine the same way, so Elasticsearch's sum merges them into one ranking."""
        if k < 1:  # a page of none (first: 0); Elasticsearch refuses a kNN search for k = 0
            return []
        filters = self._query(query)  # in a kNN filter, text narrows the candidates, unscored
        if exclude:
            filters["bool"]["must_not"].append({"ids": {"values": list(exclude)}})
        whole = copy.deepcopy(filters)
        whole["bool"]["must_not"].append({"term": {"has_keyframes": True}})
        framed = copy.deepcopy(filters)
        framed["bool"]["filter"].append({"term": {"has_keyframes": True}})
        async with elasticsearch_errors("searching similar assets"):
            response = await self.es.search(
                index=self.names.assets,
                knn=[
                    {"field": "embedding", "query_vector": vector, "k": k,
                     "num_candidates": knn_candidates(k), "filter": whole},
                    {"field": "keyframes.embedding", "query_vector": vector, "k": k,
                     "num_candidates": knn_candidates(k), "filter": framed,
                     "inner_hits": {"size": 1, "_source": False,
                                    "fields": ["keyframes.at_seconds"]}},
                ],
                size=k, source_excludes=HEAVY_FIELDS
            )
        return [_scored(hit) for hit in response["hits"]["hits"]]

    async def matching(self, query: AssetQuery, *, k: int) -> list[ScoredAsset]:
        """The k best text matches (BM25) among those the filter selects."""
        async with elasticsearch_errors("searching assets"):
            response = await self.es.search(index=self.names.assets, query=self._query(query),
                                            size=k, source_excludes=HEAVY_FIELDS)
        return [_scored(hit) for hit in response["hits"]["hits"]]

    async def facets(
        self, query: AssetQuery, *, size: int = 20
    ) -> dict[str, list[tuple[str, int]]]:
        """How many of the selected assets have each kind, each (accepted) tag and are linked to
        each product (by SKU)."""
        async with elasticsearch_errors("counting facets"):
            response = await self.es.search(
                index=self.names.assets, query=self._query(query), size=0,
                aggs={"kinds": {"terms": {"field": "kind", "size": 10}},
                      "tags": {"terms": {"field": "tag_labels", "size": size}},
                      "skus": {"terms": {"field": "skus", "size": size}}},
            )
        return {name: [(bucket["key"], bucket["doc_count"])
                       for bucket in response["aggregations"][name]["buckets"]]
                for name in ("kinds", "tags", "skus")}

    @staticmethod
    def _sort(query: AssetQuery) -> list[dict[str, Any]]:
        field = None if query.order_by is AssetOrderField.RELEVANCE else (
            _SORT_FIELDS.get(query.order_by) if query.order_by else None)
        return sort_clause(field, text_query=bool(query.text), descending=query.descending,
                           default_field="created_at", ascending_by_default={"filename"})

    @staticmethod
    def _query(query: AssetQuery) -> dict[str, Any]:
        filters: list[dict[str, Any]] = []
        must_not: list[dict[str, Any]] = []
        if query.kinds:
            filters.append({"terms": {"kind": [kind.value for kind in query.kinds]}})
        if query.skus:
            filters.append({"terms": {"skus": list(query.skus)}})
        for tag in query.tags or ():
            filters.append({"term": {"tag_labels": tag}})
        if query.untagged is not None:
            filters.append({"term": {"untagged": query.untagged}})
        if query.missing_rendition:
            must_not.append({"term": {"rendition_presets": query.missing_rendition}})
        if query.unlinked is True:
            must_not.append({"exists": {"field": "product_ids"}})
        elif query.unlinked is False:
            filters.append({"exists": {"field": "product_ids"}})
        must: list[dict[str, Any]] = [{"match_all": {}}]
        text = (query.text or "").strip()
        if text:
            folded = _SEPARATORS.sub(" ", fold(text))
            must = [{"multi_match": {
                "query": folded, "type": "cross_fields", "operator": "and",
                "fields": ["search.filename^2", "search.tags^3", "search.products"],
            }}]
        return {"bool": {"filter": filters, "must": must, "must_not": must_not}}
