"""A media asset: one original file (with its older versions kept), facts probed from its
bytes, tags, and the renditions made from it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import numpy as np
from bson import Binary
from pydantic import BaseModel, BeforeValidator, Field


class AssetKind(StrEnum):
    IMAGE = "IMAGE"
    VIDEO = "VIDEO"
    MODEL_3D = "MODEL_3D"
    DOCUMENT = "DOCUMENT"


# What the vision model sees of each: the image itself, a video's keyframes, or a 3D model's
# first preview.
EMBEDDED_KINDS = (AssetKind.IMAGE, AssetKind.VIDEO, AssetKind.MODEL_3D)


class TagSource(StrEnum):
    MANUAL = "MANUAL"
    AUTO = "AUTO"


class Tag(BaseModel):
    label: str
    confidence: float = 1.0
    source: TagSource = TagSource.MANUAL
    accepted: bool = True


class Bounds(BaseModel):
    """An axis-aligned bounding box (kept as two lists: FerretDB stores no nested arrays)."""

    min: list[float]
    max: list[float]


class MediaFacts(BaseModel):
    """What probing the bytes found; fields that do not apply to a kind stay None."""

    width: int | None = None
    height: int | None = None
    format: str | None = None
    color_mode: str | None = None
    has_alpha: bool | None = None
    exif_orientation: int | None = None
    has_icc_profile: bool | None = None
    duration_seconds: float | None = None
    fps: float | None = None
    codec: str | None = None
    page_count: int | None = None
    mesh_count: int | None = None
    vertex_count: int | None = None
    bounds: Bounds | None = None
    # 3D models, as the scene draws them (a mesh placed twice counts twice); glTF units are
    # metres, so `size_meters` is the real-world width, height and depth (x, y, z; y is up).
    triangle_count: int | None = None
    material_count: int | None = None
    texture_count: int | None = None
    size_meters: list[float] | None = None
    # Why a 3D model has no previews or no USDZ (AR Quick Look) file, where making them failed.
    preview_problem: str | None = None
    usdz_problem: str | None = None
    blurhash: str | None = None
    dominant_color: str | None = None  # "#rrggbb"
    perceptual_hash: str | None = None  # 64-bit dHash, hex


class FocalPoint(BaseModel):
    """The point that cover crops keep in view: 0..1 from the left and from the top."""

    x: float
    y: float


class RenditionKind(StrEnum):
    """What a rendition is: a still image, a video, or a 3D model file (USDZ, compressed GLB)."""

    IMAGE = "IMAGE"
    VIDEO = "VIDEO"
    MODEL = "MODEL"


class Rendition(BaseModel):
    preset: str
    format: str
    content_type: str
    width: int | None  # None for MODEL renditions
    height: int | None
    byte_size: int
    sha256: str
    preset_digest: str | None = None  # the preset's definition when this was made
    kind: RenditionKind = RenditionKind.IMAGE
    duration_seconds: float | None = None  # VIDEO
    bitrate: int | None = None  # VIDEO: bits per second over the whole file
    codec: str | None = None  # VIDEO: the video codec
    triangle_count: int | None = None  # MODEL


def stored_vector(vector: Sequence[float]) -> Binary:
    """A vector as MongoDB keeps it: little-endian float32 bytes. The model computes in float32
    and Elasticsearch indexes float32, so nothing is lost; and FerretDB turns a list of numbers
    into PostgreSQL jsonb numerics, which made an asset with a vector cost about 10 ms of server
    CPU per read or write (bytes: about 1 ms)."""
    return Binary(np.asarray(vector, dtype="<f4").tobytes())


def _unpacked(value: object) -> object:
    """Vectors read back from MongoDB; documents written before vectors were bytes hold lists."""
    if isinstance(value, bytes):
        return np.frombuffer(value, dtype="<f4").tolist()
    return value


Vector = Annotated[list[float], BeforeValidator(_unpacked)]


class Keyframe(BaseModel):
    """A frame of a video and its vector: similarity search matches a still against each."""

    at_seconds: float
    embedding: Vector | None = None  # None as read from the index (lists leave vectors out)

    def to_mongo(self) -> dict[str, Any]:
        return {"at_seconds": self.at_seconds,
                "embedding": None if self.embedding is None else stored_vector(self.embedding)}


class AssetVersion(BaseModel):
    """A replaced original, kept with the facts it had."""

    version: int
    filename: str
    content_type: str
    byte_size: int
    sha256: str
    replaced_at: datetime


class Asset(BaseModel):
    id: str
    kind: AssetKind
    filename: str
    content_type: str
    byte_size: int
    sha256: str
    facts: MediaFacts = Field(default_factory=MediaFacts)
    tags: list[Tag] = Field(default_factory=list)
    focal_point: FocalPoint | None = None
    renditions: list[Rendition] = Field(default_factory=list)
    # 3D models: PNG views from several angles, rendered offscreen; the first feeds the image
    # presets and the vision model as a video's poster does.
    previews: list[Rendition] = Field(default_factory=list)
    # The vision model's vector of this image (or video poster) and which model made it.
    embedding: Vector | None = None
    embedding_model: str | None = None
    # Videos: frames spread over the video, embedded by the same model (`embedding` is their
    # mean, which labels the video as a whole).
    keyframes: list[Keyframe] = Field(default_factory=list)
    # Products linking this asset; the links themselves (role, position) live on the products.
    product_ids: list[str] = Field(default_factory=list)
    version: int = 1
    versions: list[AssetVersion] = Field(default_factory=list)
    revision: int = 1
    created_at: datetime
    updated_at: datetime

    def to_mongo(self) -> dict[str, Any]:
        document = self.model_dump(mode="python", exclude={"embedding", "keyframes"})
        document["_id"] = document.pop("id")
        document.update(vector_fields(self.embedding, self.keyframes, self.embedding_model))
        return document

    @classmethod
    def from_mongo(cls, document: dict[str, Any]) -> Asset:
        return cls.model_validate({**document, "id": document["_id"]})


def vector_fields(
    vector: Sequence[float] | None, keyframes: Sequence[Keyframe], model_id: str | None
) -> dict[str, Any]:
    """The MongoDB fields of an asset that hold the vision model's output."""
    return {"embedding": None if vector is None else stored_vector(vector),
            "embedding_model": model_id,
            "keyframes": [keyframe.to_mongo() for keyframe in keyframes]}
