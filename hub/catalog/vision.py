"""The vision model applied to the library: vectors for similarity search and zero-shot tag
suggestions, stored on assets. Model work runs in threads; the event loop never waits on it."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import numpy as np

from hub.catalog.clock import now_millis
from hub.catalog.library import MediaLibrary
from hub.catalog.publisher import ASSET
from hub.errors import BadUserInput, NotFound, Unavailable
from hub.media.poster import write_poster
from hub.models.asset import Asset, AssetKind, Tag, TagSource
from hub.vision.base import EmbeddingModel, ModelWeightsMissing, open_image_for_embedding
from hub.vision.cache import ModelCache
from hub.vision.identity import model_id_for
from hub.vision.labels import ZeroShotLabeler, load_vocabulary
from hub.vision.settings import VisionSettings

logger = logging.getLogger(__name__)

EMBEDDED_KINDS = {AssetKind.IMAGE, AssetKind.VIDEO}


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
        model = await self.model()

        def run() -> np.ndarray:
            image = open_image_for_embedding(path, size=model.image_size)
            return model.embed_images([image])[0]

        try:
            vector = await asyncio.to_thread(run)
        except ValueError as error:
            raise BadUserInput(f"the image cannot be read: {error}",
                               reason="corrupt_image") from error
        return [float(value) for value in vector]

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
        vector = await self._vector_of(asset)
        return await self._save(asset_id, asset.sha256, {
            "embedding": vector, "embedding_model": self.models.model_id})

    async def embed_in_background(self, asset_id: str) -> None:
        """After an upload: a missing model or a failure only leaves the asset without a vector
        (similarity search embeds it on demand, an auto-tag job too)."""
        try:
            asset = await self.library.get_asset(asset_id)
            if asset is not None and asset.kind in EMBEDDED_KINDS:
                await self.embed_asset(asset_id)
        except Unavailable as error:
            if not self._warned:
                logger.warning("uploads are not embedded: %s", error)
                self._warned = True
        except Exception:
            logger.exception("embedding asset %s failed", asset_id)

    async def auto_tag(self, asset_id: str, *, only_untagged: bool = False) -> Asset:
        """Replace the asset's unaccepted AUTO suggestions with fresh ones."""
        asset = await self.embed_asset(asset_id)
        if only_untagged and any(tag.accepted for tag in asset.tags):
            return asset
        labeler = await self.models.labeler()
        vector = np.asarray([asset.embedding], dtype=np.float32)
        suggestions = (await asyncio.to_thread(labeler.suggest, vector))[0]
        async with self.library.locks.hold(asset_id):
            current = await self.library.get_required(asset_id)
            kept = [t for t in current.tags if t.source is TagSource.MANUAL or t.accepted]
            known = {tag.label.casefold() for tag in kept}
            fresh = [Tag(label=s.label, confidence=round(s.confidence, 4), source=TagSource.AUTO,
                         accepted=False)
                     for s in suggestions if s.label.casefold() not in known]
            return await self.library.save_tags(asset_id, kept + fresh)

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

    async def _vector_of(self, asset: Asset) -> list[float]:
        storage = self.library.storage
        async with storage.local_copy(asset.sha256) as source:
            if asset.kind is AssetKind.IMAGE:
                return await self.models.embed_image(source)
            poster = storage.temporary_path(".png")
            try:
                await asyncio.to_thread(write_poster, source, poster)
                return await self.models.embed_image(poster)
            finally:
                poster.unlink(missing_ok=True)

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
