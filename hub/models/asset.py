"""A media asset: one original file (with its older versions kept), facts probed from its
bytes, tags, and the renditions made from it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


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


class Keyframe(BaseModel):
    """A frame of a video and its vector: similarity search matches a still against each."""

    at_seconds: float
    embedding: list[float] | None = None  # None as read from the index (lists leave vectors out)


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
    embedding: list[float] | None = None
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
        document = self.model_dump(mode="python")
        document["_id"] = document.pop("id")
        return document

    @classmethod
    def from_mongo(cls, document: dict[str, Any]) -> Asset:
        return cls.model_validate({**document, "id": document["_id"]})
