"""The vision model applied to the library: vectors for similarity search and zero-shot tag
suggestions, stored on assets. Model work runs in threads; the event loop never waits on it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from hub.catalog.clock import now_millis
from hub.catalog.library import MediaLibrary
from hub.catalog.publisher import ASSET
from hub.errors import BadUserInput, NotFound, Unavailable
from hub.media.keyframes import read_keyframes
from hub.models.asset import (
    EMBEDDED_KINDS,
    Asset,
    AssetKind,
    Keyframe,
    Tag,
    TagSource,
    vector_fields,
)
from hub.vision.base import EmbeddingModel, ModelWeightsMissing, open_image_for_embedding
from hub.vision.cache import ModelCache
from hub.vision.identity import model_id_for
from hub.vision.labels import Suggestion, ZeroShotLabeler, load_vocabulary
from hub.vision.settings import VisionSettings

logger = logging.getLogger(__name__)

@dataclass(frozen=True)
class AssetEmbedding:
    """What the model made of one asset: its vector and, for a video, each keyframe's."""

    vector: list[float]
    keyframes: tuple[Keyframe, ...] = ()

    def changes(self, model_id: str) -> dict[str, object]:
        """The asset fields that store it."""
        return vector_fields(self.vector, self.keyframes, model_id)


def mean_direction(vectors: Sequence[Sequence[float]]) -> list[float]:
    """The unit vector along the vectors' mean: what a set of frames shows overall."""
    mean = np.asarray(vectors, dtype=np.float64).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return [float(value) for value in (mean / norm if norm > 0 else mean)]


class VisionModels:
    """The process's model and labeller, loaded on first use."""

    def __init__(self, settings: VisionSettings, cache: ModelCache) -> None:
        self.settings = settings
        self.cache = cache
        self.model_id = model_id_for(settings)
        self._labeler: ZeroShotLabeler | None = None

    async def model(self) -> EmbeddingModel:
        try:
            return await asyncio.to_thread(self.cache.get, self.settings)
        except ModelWeightsMissing as error:
            raise Unavailable(f"the vision model is not available: {error}") from error

    async def labeler(self) -> ZeroShotLabeler:
        if self._labeler is None:
            labeler = ZeroShotLabeler(model=await self.model(),
                                      vocabulary=load_vocabulary(self.settings.vocabulary))
            await asyncio.to_thread(labeler.prepare)
            self._labeler = labeler
        return self._labeler

    async def embed_image(self, path: Path) -> list[float]:
        [vector] = await self.embed_image_files([path])
        if isinstance(vector, BadUserInput):
            raise vector
        return vector

    async def embed_image_files(self, paths: Sequence[Path]) -> list[list[float] | BadUserInput]:
        """Each file's vector, or why it cannot be read; decoded and embedded in one thread, as
        one model call (a batch costs less per image than single images: bench/embedding.py)."""
        model = await self.model()

        def run() -> list[list[float] | BadUserInput]:
            images = []
            results: list[BadUserInput | None] = []
            for path in paths:
                try:
                    images.append(open_image_for_embedding(path, size=model.image_size))
                    results.append(None)
                except ValueError as error:
                    results.append(BadUserInput(f"the image cannot be read: {error}",
                                                reason="corrupt_image"))
            vectors = iter(model.embed_images(images).tolist())
            return [next(vectors) if result is None else result for result in results]

        return await asyncio.to_thread(run)

    async def embed_pictures(self, images: Sequence[Image.Image]) -> list[list[float]]:
        """Vectors of decoded pictures (video frames), as one model call."""
        model = await self.model()
        vectors = await asyncio.to_thread(model.embed_images, images)
        return [[float(value) for value in row] for row in vectors]

    async def embed_text(self, text: str) -> list[float]:
        model = await self.model()
        vector = await asyncio.to_thread(model.embed_texts, [text])
        return [float(value) for value in vector[0]]


class AssetVision:
    """Embedding and auto-tagging assets; manual tags are never overwritten or removed."""

    def __init__(self, *, library: MediaLibrary, models: VisionModels) -> None:
        self.library = library
        self.models = models
        self._warned = False

    async def embed_asset(self, asset_id: str) -> Asset:
        """Store the asset's vector for the configured model (once; again after a new version)."""
        asset = await self.library.get_required(asset_id)
        if asset.kind not in EMBEDDED_KINDS:
            raise BadUserInput(f"{asset.kind.value} assets have no image to embed", id=asset_id)
        if asset.embedding is not None and asset.embedding_model == self.models.model_id:
            return asset
        embedded = await self._embedding_of(asset)
        return await self._save(asset_id, asset.sha256, embedded.changes(self.models.model_id))

    async def embed_in_background(self, asset_id: str) -> None:
        """After an upload: a missing model or a failure only leaves the asset without a vector
        (similarity search embeds it on demand, an auto-tag job too)."""
        try:
            asset = await self.library.get_asset(asset_id)
            if asset is not None and asset.kind in EMBEDDED_KINDS and (
                    asset.kind is not AssetKind.MODEL_3D or asset.previews):
                await self.embed_asset(asset_id)
        except Unavailable as error:
            if not self._warned:
                logger.warning("uploads are not embedded: %s", error)
                self._warned = True
        except Exception:
            logger.exception("embedding asset %s failed", asset_id)

    async def auto_tag(
        self, asset_ids: Sequence[str], *, only_untagged: bool = False
    ) -> dict[str, BaseException | None]:
        """Replace each asset's unaccepted AUTO suggestions with fresh ones (with `only_untagged`,
        not where a tag is accepted), embedding it first if it has no vector for this model.

        Many at once, as an auto-tag job hands them over: one model batch for their images, one
        labeller pass, one write per asset (vector and tags together) and one index update for
        all, where one asset at a time would pay every round trip and a one-image model call per
        image. Returns each asset's outcome: None, or the error that failed it alone."""
        outcomes: dict[str, BaseException | None] = dict.fromkeys(asset_ids)
        found = await self.library.assets.get_many(asset_ids)
        assets = []
        for asset_id in asset_ids:
            asset = found.get(asset_id)
            if asset is None:
                outcomes[asset_id] = NotFound(f"no asset with id {asset_id!r}", id=asset_id)
            elif asset.kind not in EMBEDDED_KINDS:
                outcomes[asset_id] = BadUserInput(
                    f"{asset.kind.value} assets have no image to embed", id=asset_id)
            else:
                assets.append(asset)
        model_id = self.models.model_id
        fresh = await self._vectors_of([a for a in assets
                                        if a.embedding is None or a.embedding_model != model_id])
        vectors: dict[str, list[float]] = {}
        for asset in assets:
            embedded = fresh.get(asset.id)
            if isinstance(embedded, BaseException):
                outcomes[asset.id] = embedded
            elif embedded is not None:
                vectors[asset.id] = embedded.vector
            elif asset.embedding is not None:
                vectors[asset.id] = asset.embedding
        to_label = [a for a in assets if a.id in vectors
                    and not (only_untagged and any(tag.accepted for tag in a.tags))]
        suggestions: dict[str, list[Suggestion]] = {}
        if to_label:
            labeler = await self.models.labeler()
            rows = np.asarray([vectors[a.id] for a in to_label], dtype=np.float32)
            found_labels = await asyncio.to_thread(labeler.suggest, rows)
            suggestions = {a.id: labels for a, labels in zip(to_label, found_labels, strict=True)}
        writes = [a for a in assets if a.id in vectors]
        publisher = self.library.publisher
        # One outbox round trip for all; entries of assets left unwritten are discarded.
        entries = await publisher.record_many(ASSET, [asset.id for asset in writes])
        # The chunk's leases are taken and given back together, two round trips for all.
        async with self.library.locks.hold_many([asset.id for asset in writes]):
            results = await asyncio.gather(
                *(self._write(asset, fresh.get(asset.id), suggestions.get(asset.id))
                  for asset in writes), return_exceptions=True)
        written, unwritten, updated, retagged = [], [], [], []
        for asset, entry, result in zip(writes, entries, results, strict=True):
            if isinstance(result, Unavailable):
                raise result
            if isinstance(result, BaseException):
                outcomes[asset.id] = result
                if isinstance(result, NotFound):
                    unwritten.append(entry)
            elif result is None:
                unwritten.append(entry)
            else:
                written.append(entry)
                updated.append(result)
                if asset.id in suggestions:
                    retagged.append(result)
        await publisher.discard(unwritten)
        if updated:
            # Without a refresh of its own (a new index segment per chunk, about half the
            # index's CPU here): the periodic refresh (Settings.es_refresh_interval) shows the
            # chunk, and the job's end shows them all (build_processors: settle).
            await publisher.publish(written, assets=updated, refresh="false")
        await self.library.changed_many(retagged)
        return outcomes

    async def _write(
        self,
        asset: Asset,
        embedded: AssetEmbedding | BaseException | None,
        suggestions: list[Suggestion] | None,
    ) -> Asset | None:
        """Store a new vector and fresh suggestions in one update, holding the asset's lease.

        The update applies only while the asset is as it was read before embedding (its
        revision), which spares reading it again; one changed meanwhile is read again and
        updated from what it holds now, unless its file was replaced (the vector and the
        suggestions would be of the old one). None when there was nothing to write."""
        changes = self._changes(asset, embedded, suggestions)
        if not changes:
            return None
        assets = self.library.assets
        updated = await assets.update(asset.id, changes, revision=asset.revision)
        if updated is not None:
            return updated
        current = await self.library.get_required(asset.id)
        if current.sha256 != asset.sha256:
            return None
        updated = await assets.update(asset.id, self._changes(current, embedded, suggestions))
        if updated is None:
            raise NotFound(f"no asset with id {asset.id!r}", id=asset.id)
        return updated

    def _changes(
        self,
        current: Asset,
        embedded: AssetEmbedding | BaseException | None,
        suggestions: list[Suggestion] | None,
    ) -> dict[str, object]:
        """The new vector, and the current tags with fresh suggestions in place of unaccepted
        ones (manual and accepted tags stay); empty when there is nothing to store."""
        changes: dict[str, object] = {}
        if isinstance(embedded, AssetEmbedding):
            changes |= embedded.changes(self.models.model_id)
        if suggestions is not None:
            kept = [t for t in current.tags if t.source is TagSource.MANUAL or t.accepted]
            known = {tag.label.casefold() for tag in kept}
            new = [Tag(label=s.label, confidence=round(s.confidence, 4),
                       source=TagSource.AUTO, accepted=False)
                   for s in suggestions if s.label.casefold() not in known]
            changes["tags"] = [tag.model_dump(mode="python") for tag in kept + new]
        return {**changes, "updated_at": now_millis()} if changes else {}

    async def accept_suggestions(self, asset_id: str, labels: list[str] | None) -> Asset:
        """Promote AUTO suggestions (all, or those named) to accepted tags."""
        wanted = None if labels is None else {label.casefold() for label in labels}
        async with self.library.locks.hold(asset_id):
            asset = await self.library.get_required(asset_id)
            suggested = {t.label.casefold() for t in asset.tags if not t.accepted}
            if wanted is not None and (unknown := wanted - suggested):
                raise BadUserInput(f"not suggested for this asset: {', '.join(sorted(unknown))}",
                                   field="labels")
            tags = [t.model_copy(update={"accepted": True})
                    if not t.accepted and (wanted is None or t.label.casefold() in wanted) else t
                    for t in asset.tags]
            return await self.library.save_tags(asset_id, tags)

    async def _vectors_of(
        self, assets: Sequence[Asset]
    ) -> dict[str, AssetEmbedding | BaseException]:
        """Embeddings of many assets: images as one batch, each video's keyframes as one."""
        images = [a for a in assets if a.kind is AssetKind.IMAGE]
        vectors: dict[str, AssetEmbedding | BaseException] = {}
        if images:
            async with contextlib.AsyncExitStack() as files:
                paths = [await files.enter_async_context(
                    self.library.storage.local_copy(a.sha256)) for a in images]
                try:
                    found: Sequence[list[float] | BaseException] = \
                        await self.models.embed_image_files(paths)
                except Unavailable:
                    raise
                except Exception as error:  # the model failed: every image of the batch too
                    found = [error] * len(images)
            vectors = {a.id: vector if isinstance(vector, BaseException) else AssetEmbedding(vector)
                       for a, vector in zip(images, found, strict=True)}
        for asset in assets:
            if asset.kind is not AssetKind.IMAGE:
                try:
                    vectors[asset.id] = await self._embedding_of(asset)
                except Unavailable:
                    raise
                except Exception as error:
                    vectors[asset.id] = error
        return vectors

    async def _embedding_of(self, asset: Asset) -> AssetEmbedding:
        storage = self.library.storage
        if asset.kind is AssetKind.MODEL_3D:  # seen as its first preview, like a photo
            if not asset.previews:
                raise BadUserInput("the 3D model has no preview to embed yet", id=asset.id)
            async with storage.local_copy(asset.previews[0].sha256) as preview:
                return AssetEmbedding(await self.models.embed_image(preview))
        async with storage.local_copy(asset.sha256) as source:
            if asset.kind is AssetKind.IMAGE:
                return AssetEmbedding(await self.models.embed_image(source))
            frames = await asyncio.to_thread(read_keyframes, source,
                                             self.models.settings.video_keyframes)
        vectors = await self.models.embed_pictures([frame.image for frame in frames])
        return AssetEmbedding(
            vector=mean_direction(vectors),
            keyframes=tuple(Keyframe(at_seconds=frame.at_seconds, embedding=vector)
                            for frame, vector in zip(frames, vectors, strict=True)))

    async def _save(self, asset_id: str, sha256: str, changes: dict[str, object]) -> Asset:
        library = self.library
        async with library.locks.hold(asset_id):
            current = await library.get_required(asset_id)
            if current.sha256 != sha256:  # replaced meanwhile: this vector is of the old file
                return current
            entry = await library.publisher.record(ASSET, asset_id)
            updated = await library.assets.update(asset_id, {**changes,
                                                             "updated_at": now_millis()})
            if updated is None:
                await library.publisher.discard([entry])
                raise NotFound(f"no asset with id {asset_id!r}", id=asset_id)
            await library.publisher.publish([entry], assets=[updated])
            return updated
