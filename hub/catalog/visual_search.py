"""Finding assets by likeness: similar to an asset, similar to an uploaded image, and text search
by keywords, by meaning (the model's text vector) or both fused (reciprocal rank fusion, done
here because the local Elasticsearch has no server-side RRF)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from enum import StrEnum

from hub.catalog.library import MediaLibrary
from hub.catalog.vision import AssetVision, VisionModels
from hub.errors import BadUserInput, NotFound, UnsupportedMediaType
from hub.indexing.asset_search import AssetQuery, ScoredAsset
from hub.media.probe import probe
from hub.media.sniff import sniff
from hub.models.asset import AssetKind

RRF_K = 60
# A perceptual hash this close (of 64 bits) marks a copy: resized, re-encoded or lightly edited.
DUPLICATE_HASH_BITS = 10
# Cosine similarity above which two images count as near-duplicates whatever their hashes.
DUPLICATE_COSINE = 0.97


class SearchMode(StrEnum):
    KEYWORD = "KEYWORD"
    SEMANTIC = "SEMANTIC"
    HYBRID = "HYBRID"


def hash_distance(left: str | None, right: str | None) -> int | None:
    if not left or not right:
        return None
    return (int(left, 16) ^ int(right, 16)).bit_count()


def copies_first(hits: list[ScoredAsset], perceptual_hash: str | None) -> list[ScoredAsset]:
    """Put copies of the query image (close perceptual hash) first, then by cosine: a resized
    or re-encoded copy must lead whatever the model's weights make of it."""
    def key(hit: ScoredAsset) -> tuple[int, float]:
        distance = hash_distance(hit.perceptual_hash, perceptual_hash)
        return (0 if distance is not None and distance <= DUPLICATE_HASH_BITS else 1, -hit.score)

    return sorted(hits, key=key)


def likeness_depth(first: int) -> int:
    """How many nearest assets a likeness search fetches to answer `first`: more than asked,
    so that copies (by perceptual hash) can be moved to the front from further down."""
    return max(first * 3, 20)


def cosine(score: float) -> float:
    """Elasticsearch reports cosine kNN scores as (1 + cosine) / 2."""
    return score * 2 - 1


class VisualSearch:
    def __init__(self, *, library: MediaLibrary, vision: AssetVision,
                 models: VisionModels) -> None:
        self.library = library
        self.search = library.catalog.asset_search
        self.vision = vision
        self.models = models

    async def similar(self, asset_id: str, *, first: int, query: AssetQuery) -> list[ScoredAsset]:
        vector, perceptual_hash = await self.search.vector_of(asset_id)
        if vector is None:
            asset = await self.library.get_asset(asset_id)
            if asset is None:
                raise NotFound(f"no asset with id {asset_id!r}", id=asset_id)
            embedded = await self.vision.embed_asset(asset_id)
            vector, perceptual_hash = embedded.embedding, embedded.facts.perceptual_hash
        assert vector is not None
        hits = await self.search.nearest(vector, k=likeness_depth(first), query=query,
                                         exclude=[asset_id])
        return copies_first(hits, perceptual_hash)[:first]

    async def duplicates(self, asset_id: str) -> list[ScoredAsset]:
        """Near-duplicates: a close perceptual hash or a very high cosine."""
        hits = await self.similar(asset_id, first=20, query=AssetQuery())
        asset_hash = (await self.search.vector_of(asset_id))[1]
        def is_copy(hit: ScoredAsset) -> bool:
            distance = hash_distance(hit.perceptual_hash, asset_hash)
            close = distance is not None and distance <= DUPLICATE_HASH_BITS
            return close or cosine(hit.score) >= DUPLICATE_COSINE

        return [hit for hit in hits if is_copy(hit)]

    async def by_image(
        self, chunks: AsyncIterator[bytes], *, first: int, query: AssetQuery
    ) -> list[ScoredAsset]:
        """Similar to an image that is embedded but not stored."""
        storage = self.library.storage
        staged = await storage.stage(chunks, max_bytes=self.library.settings.max_upload_bytes)
        try:
            if staged.byte_size == 0:
                raise BadUserInput("the file is empty", field="file", reason="empty_file")
            sniffed = sniff(staged.head)
            if sniffed.kind is not AssetKind.IMAGE:
                raise UnsupportedMediaType("search by image takes an image",
                                           found=sniffed.content_type)
            facts = await asyncio.to_thread(probe, staged.path, sniffed,
                                            max_pixels=self.library.settings.max_image_pixels)
            vector = await self.models.embed_image(staged.path)
        finally:
            staged.delete()
        hits = await self.search.nearest(vector, k=likeness_depth(first), query=query)
        return copies_first(hits, facts.perceptual_hash)[:first]

    async def find(
        self, text: str, *, mode: SearchMode, first: int, query: AssetQuery
    ) -> list[ScoredAsset]:
        text = text.strip()
        if not text:
            raise BadUserInput("the search text is empty", field="query")
        if mode is SearchMode.KEYWORD:
            return await self.search.matching(AssetQuery(**{**query.__dict__, "text": text}),
                                              k=first)
        vector = await self.models.embed_text(text)
        if mode is SearchMode.SEMANTIC:
            return await self.search.nearest(vector, k=first, query=query)
        depth = max(first * 2, 50)
        keyword, semantic = await asyncio.gather(
            self.search.matching(AssetQuery(**{**query.__dict__, "text": text}), k=depth),
            self.search.nearest(vector, k=depth, query=query),
        )
        return reciprocal_rank_fusion([keyword, semantic])[:first]


def reciprocal_rank_fusion(rankings: list[list[ScoredAsset]]) -> list[ScoredAsset]:
    """Each list votes 1 / (RRF_K + rank) for its hits; the sum orders the fused list."""
    scores: dict[str, float] = {}
    hits: dict[str, ScoredAsset] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            scores[hit.asset.id] = scores.get(hit.asset.id, 0.0) + 1 / (RRF_K + rank)
            kept = hits.setdefault(hit.asset.id, hit)
            if kept.at_seconds is None and hit.at_seconds is not None:  # the matching frame
                hits[hit.asset.id] = replace(kept, at_seconds=hit.at_seconds)
    ordered = sorted(scores, key=lambda asset_id: -scores[asset_id])
    return [replace(hits[i], score=scores[i]) for i in ordered]
