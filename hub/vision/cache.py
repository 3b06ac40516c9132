"""One loaded model per configuration per process: weights are large and slow to load, and every
caller (indexer, search, labeller) should share the same copy."""

from __future__ import annotations

import threading
from typing import Any

from hub.vision.base import EmbeddingModel
from hub.vision.settings import VisionSettings


def create_model(settings: VisionSettings) -> EmbeddingModel:
    """The EmbeddingModel the settings describe, not loaded yet. ValueError for an architecture or
    tag the backend does not know; nothing is guessed."""
    # Imported here: open_clip and torch take seconds to import, and many processes never embed.
    from hub.vision.openclip import OpenClipModel

    return OpenClipModel(settings=settings)


def _model_key(settings: VisionSettings) -> tuple[Any, ...]:
    """What makes two models different (the labels vocabulary does not)."""
    return (
        settings.architecture,
        settings.pretrained,
        settings.checkpoint.resolve() if settings.checkpoint else None,
        settings.cache_dir.resolve() if settings.cache_dir else None,
        settings.random_weights_seed,
        settings.device,
        settings.batch_size,
        settings.threads,
        settings.concurrent_batches,
        settings.quantize,
    )


class ModelCache:
    """Loaded models keyed by their settings; safe to share between threads.

    get() loads under a lock, so two threads asking for the same model at once load it once. A
    failed load (ModelWeightsMissing) is not cached: the next get() tries again, e.g. after
    `hub models fetch`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._models: dict[tuple[Any, ...], EmbeddingModel] = {}

    def get(self, settings: VisionSettings) -> EmbeddingModel:
        """The loaded model for `settings` (loading it on first use; slow, so run in a thread)."""
        key = _model_key(settings)
        with self._lock:
            model = self._models.get(key)
            if model is None:
                model = create_model(settings)
                model.load()
                self._models[key] = model
            return model

    def clear(self) -> None:
        """Forget every model (tests; freeing memory)."""
        with self._lock:
            self._models.clear()
