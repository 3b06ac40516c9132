"""The narrow interface the rest of the hub sees: a model that embeds images and texts into one
vector space, and a fast way to decode an image for it.

Kept apart from open_clip so callers (indexing, search, tests) depend on three methods, not on a
library, and so another backend can follow."""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from hub.media.heif import enable_heif


class ModelWeightsMissing(Exception):
    """The configured weights are not on this machine; the message says which file is needed and
    how to get it. Raised at load time, never after a network wait."""


class EmbeddingModel(ABC):
    """Images and texts in, L2-normalised float32 vectors out, in one shared space.

    Every method is synchronous and may take long (loading weights, running the model): callers
    on an event loop run them in a thread. Implementations serialise their own inference.
    """

    #: Stable id used to name search indexes: vectors of different models never share one.
    #: Only [a-z0-9_-] after lower-casing, e.g. "ViT-B-32__laion2b_s34b_b79k".
    model_id: str
    #: Length of every vector; available after load().
    dimension: int
    #: Side of the square the model looks at; a hint for open_image_for_embedding. After load().
    image_size: int

    @abstractmethod
    def load(self) -> None:
        """Load the weights once (later calls do nothing); raise ModelWeightsMissing."""

    @abstractmethod
    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        """(len(images), dimension) float32 rows of unit length, computed in batches."""

    @abstractmethod
    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dimension) float32 rows of unit length, computed in batches."""


def open_image_for_embedding(path: Path, size: int = 224) -> Image.Image:
    """Decode `path` as an upright RGB image, cheaply: JPEGs are decoded at a reduced scale no
    smaller than `size` (the model shrinks them anyway), transparency is flattened on white (as
    product cut-outs are shown). Raise ValueError when the file is not a readable image."""
    enable_heif()
    try:
        with warnings.catch_warnings():
            # A decompression-bomb *warning* (not error) is no reason to fail an embedding.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                if opened.format == "JPEG":
                    opened.draft("RGB", (size, size))
                opened.load()
                image = ImageOps.exif_transpose(opened)
                return _to_rgb(image)
    except (UnidentifiedImageError, Image.DecompressionBombError) as error:
        raise ValueError(f"{path} is not a readable image: {error}") from error
    except (OSError, SyntaxError, ValueError) as error:
        # Truncated or corrupt data surfaces as OSError (or SyntaxError from some plugins).
        raise ValueError(f"{path} could not be decoded: {error}") from error


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB, with any transparency composited on white rather than on black."""
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit (or 32-bit) greyscale: Pillow's own conversion clips at 255, leaving it white.
        values = np.asarray(image, dtype=np.float64)
        peak = max(float(values.max()), 255.0)
        return Image.fromarray(np.clip(values * (255.0 / peak), 0, 255).astype(np.uint8)).convert(
            "RGB"
        )
    return image if image.mode == "RGB" else image.convert("RGB")
