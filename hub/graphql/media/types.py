"""GraphQL types of the media domain."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.graphql.core.context import Info
from hub.graphql.core.pagination import OrderDirection, PageInfo
from hub.http.urls import MediaUrls
from hub.indexing.asset_search import AssetOrderField
from hub.media.renditions import Preset, Transform, srcset_widths
from hub.media.video_presets import VideoPreset
from hub.models.asset import Asset as AssetModel
from hub.models.asset import AssetKind, RenditionKind, TagSource
from hub.models.asset import Rendition as RenditionModel
from hub.models.product import AssetRole

if TYPE_CHECKING:
    from hub.graphql.catalog.types import Product

strawberry.enum(AssetKind)
strawberry.enum(TagSource)
strawberry.enum(RenditionKind)
strawberry.enum(AssetRole)
strawberry.enum(AssetOrderField)


@strawberry.enum
class Fit(Enum):
    CONTAIN = "contain"
    COVER = "cover"
    PAD = "pad"


@strawberry.enum
class ImageFormat(Enum):
    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"
    AVIF = "avif"
    AUTO = strawberry.enum_value("auto", description="Chosen at delivery from the request's "
                                 "Accept header: AVIF, else WebP, else PNG (transparent images) "
                                 "or JPEG; answered with `Vary: Accept`.")


@strawberry.type
class BoundingBox:
    min: list[float] = strawberry.field(description="[x, y, z]")
    max: list[float] = strawberry.field(description="[x, y, z]")


@strawberry.type
class Tag:
    label: str
    confidence: float
    source: TagSource
    accepted: bool


@strawberry.type
class Rendition:
    preset: str
    kind: RenditionKind
    width: int | None = strawberry.field(description="Pixels; null for MODEL renditions.")
    height: int | None = strawberry.field(description="Pixels; null for MODEL renditions.")
    format: str
    content_type: str = strawberry.field(description="The MIME type the URL is served with.")
    byte_size: int
    url: str
    duration_seconds: float | None = strawberry.field(description="VIDEO renditions.")
    bitrate: int | None = strawberry.field(
        description="VIDEO renditions: bits per second over the whole file.")
    codec: str | None = strawberry.field(description="VIDEO renditions: the video codec.")
    triangle_count: int | None = strawberry.field(description="MODEL renditions.")

    @classmethod
    def from_model(cls, rendition: RenditionModel, urls: MediaUrls) -> Rendition:
        return cls(preset=rendition.preset, kind=rendition.kind, width=rendition.width,
                   height=rendition.height, format=rendition.format,
                   content_type=rendition.content_type, byte_size=rendition.byte_size,
                   url=urls.blob(rendition.sha256, rendition.content_type),
                   duration_seconds=rendition.duration_seconds, bitrate=rendition.bitrate,
                   codec=rendition.codec, triangle_count=rendition.triangle_count)


@strawberry.type
class VideoKeyframe:
    at_seconds: float = strawberry.field(description="When the frame is shown.")


@strawberry.type
class RenditionPreset:
    name: str
    width: int
    height: int | None
    fit: str
    format: str
    quality: int
    description: str

    @classmethod
    def from_preset(cls, preset: Preset) -> RenditionPreset:
        return cls(name=preset.name, width=preset.width, height=preset.height, fit=preset.fit,
                   format=preset.format, quality=preset.quality, description=preset.description)


@strawberry.type(description="A video rendition made for every video by a TRANSCODE job.")
class VideoRenditionPreset:
    name: str
    width: int = strawberry.field(description="Box width; videos are never upscaled.")
    height: int = strawberry.field(description="Box height; videos are never upscaled.")
    fit: str = strawberry.field(description="contain, or cover (a centre crop to the box).")
    container: str = strawberry.field(description="mp4 or webm.")
    content_type: str
    video_codec: str
    audio_codec: str = strawberry.field(description="none: a silent rendition.")
    crf: int = strawberry.field(description="Constant quality: lower is better and larger.")
    audio_kbps: int
    max_seconds: float | None = strawberry.field(
        description="Only the first this many seconds; null: the whole video.")
    description: str

    @classmethod
    def from_preset(cls, preset: VideoPreset) -> VideoRenditionPreset:
        return cls(name=preset.name, width=preset.width, height=preset.height, fit=preset.fit,
                   container=preset.container, content_type=preset.content_type,
                   video_codec=preset.video_codec, audio_codec=preset.audio_codec,
                   crf=preset.crf, audio_kbps=preset.audio_kbps, max_seconds=preset.max_seconds,
                   description=preset.description)


@strawberry.type
class AssetVersion:
    version: int
    filename: str
    content_type: str
    byte_size: int
    sha256: str
    replaced_at: datetime
    url: str


@strawberry.input(name="FocalPointInput")
class FocalPoint:
    x: float
    y: float


@strawberry.type(name="FocalPoint")
class FocalPointValue:
    x: float
    y: float


@strawberry.input(description="An on-demand image transform; sizes 1..4096, quality 1..100.")
class ImageTransform:
    width: int | None = None
    height: int | None = None
    fit: Fit = Fit.CONTAIN
    format: ImageFormat = ImageFormat.WEBP
    quality: int | None = None
    focal_point: FocalPoint | None = None


@strawberry.type
class Asset:
    model: strawberry.Private[AssetModel]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.model.id)

    @strawberry.field
    def kind(self) -> AssetKind:
        return self.model.kind

    @strawberry.field
    def filename(self) -> str:
        return self.model.filename

    @strawberry.field
    def content_type(self) -> str:
        return self.model.content_type

    @strawberry.field
    def byte_size(self) -> int:
        return self.model.byte_size

    @strawberry.field
    def sha256(self) -> str:
        return self.model.sha256

    @strawberry.field
    def width(self) -> int | None:
        return self.model.facts.width

    @strawberry.field
    def height(self) -> int | None:
        return self.model.facts.height

    @strawberry.field(description="width / height, to reserve space before the image loads.")
    def aspect_ratio(self) -> float | None:
        facts = self.model.facts
        return round(facts.width / facts.height, 6) if facts.width and facts.height else None

    @strawberry.field
    def format(self) -> str | None:
        return self.model.facts.format

    @strawberry.field
    def color_mode(self) -> str | None:
        return self.model.facts.color_mode

    @strawberry.field
    def has_alpha(self) -> bool | None:
        return self.model.facts.has_alpha

    @strawberry.field
    def duration_seconds(self) -> float | None:
        return self.model.facts.duration_seconds

    @strawberry.field
    def fps(self) -> float | None:
        return self.model.facts.fps

    @strawberry.field
    def codec(self) -> str | None:
        return self.model.facts.codec

    @strawberry.field
    def page_count(self) -> int | None:
        return self.model.facts.page_count

    @strawberry.field
    def mesh_count(self) -> int | None:
        return self.model.facts.mesh_count

    @strawberry.field
    def vertex_count(self) -> int | None:
        return self.model.facts.vertex_count

    @strawberry.field(description="A 3D model's bounding box, in metres.")
    def bounds(self) -> BoundingBox | None:
        bounds = self.model.facts.bounds
        return BoundingBox(min=bounds.min, max=bounds.max) if bounds else None

    @strawberry.field(description="3D models: triangles as the scene draws them (a mesh placed "
                      "by two nodes counts twice).")
    def triangle_count(self) -> int | None:
        return self.model.facts.triangle_count

    @strawberry.field(description="3D models: materials defined in the file.")
    def material_count(self) -> int | None:
        return self.model.facts.material_count

    @strawberry.field(description="3D models: textures defined in the file.")
    def texture_count(self) -> int | None:
        return self.model.facts.texture_count

    @strawberry.field(description="3D models: real-world size [x, y, z] in metres (glTF units "
                      "are metres; y is up): width, height, depth of the bounding box.")
    def size_meters(self) -> list[float] | None:
        return self.model.facts.size_meters

    @strawberry.field(description="3D models: why no previews could be drawn, if so.")
    def preview_problem(self) -> str | None:
        return self.model.facts.preview_problem

    @strawberry.field(description="3D models: why no USDZ file (iOS AR Quick Look) could be "
                      "made, if so; otherwise it is `rendition(preset: \"usdz\")`.")
    def usdz_problem(self) -> str | None:
        return self.model.facts.usdz_problem

    @strawberry.field(description="Where cover crops centre (x, y from 0 to 1), if set.")
    def focal_point(self) -> FocalPointValue | None:
        point = self.model.focal_point
        return FocalPointValue(x=point.x, y=point.y) if point else None

    @strawberry.field
    def blurhash(self) -> str | None:
        return self.model.facts.blurhash

    @strawberry.field
    def dominant_color(self) -> str | None:
        return self.model.facts.dominant_color

    @strawberry.field
    def tags(self) -> list[Tag]:
        return [Tag(label=t.label, confidence=t.confidence, source=t.source, accepted=t.accepted)
                for t in self.model.tags]

    @strawberry.field(description="Every channel's version: IMAGE renditions of photos, of video "
                      "posters and of 3D previews; VIDEO renditions of videos; MODEL files of 3D "
                      "models (USDZ for AR Quick Look).")
    def renditions(self, info: Info) -> list[Rendition]:
        return [Rendition.from_model(r, info.context.media_urls) for r in self.model.renditions]

    @strawberry.field(description="3D models: PNG views from several angles, rendered offscreen "
                      "(empty for other kinds).")
    def previews(self, info: Info) -> list[Rendition]:
        return [Rendition.from_model(r, info.context.media_urls) for r in self.model.previews]

    @strawberry.field(description="The rendition of one preset, null until it has been made.")
    def rendition(self, info: Info, preset: str) -> Rendition | None:
        found = next((r for r in self.model.renditions if r.preset == preset), None)
        return Rendition.from_model(found, info.context.media_urls) if found else None

    @strawberry.field(description="A signed URL of the current original (its bytes never change), "
                      "valid for at least the signed URL lifetime.")
    def original_url(self, info: Info) -> str:
        return info.context.media_urls.blob(self.model.sha256, self.model.content_type)

    @strawberry.field(description="A signed URL of an on-demand transform of this image.")
    def url(self, info: Info, transform: ImageTransform) -> str:
        focal = transform.focal_point or self.model.focal_point
        parsed = Transform(
            width=transform.width, height=transform.height, fit=transform.fit.value,
            format=transform.format.value, quality=transform.quality,
            focal_x=focal.x if focal else None, focal_y=focal.y if focal else None,
        ).validate()
        return info.context.media_urls.transform(self.model.id, parsed)

    @strawberry.field(description="A ready `srcset`: signed transform URLs, one per width "
                      "(default 320, 640, 960, 1280, 1920; never wider than the original). "
                      "Null for assets that are not images.")
    def src_set(self, info: Info, widths: list[int] | None = None,
                format: ImageFormat | None = ImageFormat.AUTO,
                quality: int | None = None) -> str | None:
        if self.model.kind is not AssetKind.IMAGE or not self.model.facts.width:
            return None
        candidates = []
        for width in srcset_widths(widths, self.model.facts.width):
            transform = Transform(width=width, format=(format or ImageFormat.AUTO).value,
                                  quality=quality).validate()
            candidates.append(f"{info.context.media_urls.transform(self.model.id, transform)} "
                              f"{width}w")
        return ", ".join(candidates)

    @strawberry.field
    def version(self) -> int:
        return self.model.version

    @strawberry.field(description="Earlier originals, kept when the file was replaced.")
    def versions(self, info: Info) -> list[AssetVersion]:
        return [AssetVersion(version=v.version, filename=v.filename,
                             content_type=v.content_type, byte_size=v.byte_size,
                             sha256=v.sha256, replaced_at=v.replaced_at,
                             url=info.context.media_urls.blob(v.sha256, v.content_type))
                for v in self.model.versions]

    @strawberry.field(description="Near-duplicates: copies (close perceptual hash) or images "
                      "the vision model finds nearly identical. One search per asset.")
    async def duplicates(self, info: Info) -> list[Asset]:
        hits = await info.context.visual_search.duplicates(self.model.id)
        return [Asset(model=hit.asset) for hit in hits]

    @strawberry.field(description="The vision model whose vector this asset has, if any.")
    def embedding_model(self) -> str | None:
        return self.model.embedding_model

    @strawberry.field(description="Videos: the frames embedded for visual search, spread over "
                      "the video (empty until it is embedded, and for other kinds).")
    def keyframes(self) -> list[VideoKeyframe]:
        return [VideoKeyframe(at_seconds=frame.at_seconds) for frame in self.model.keyframes]

    @strawberry.field(description="Products this asset is linked to.")
    async def products(
        self, info: Info
    ) -> list[Annotated[Product, strawberry.lazy("hub.graphql.catalog.types")]]:
        from hub.graphql.catalog.types import Product

        loaded = await info.context.catalog_loaders.product_by_id.load_many(
            self.model.product_ids)
        return [Product.from_model(product) for product in loaded if product is not None]

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field
    def updated_at(self) -> datetime:
        return self.model.updated_at


@strawberry.type
class AssetEdge:
    cursor: str
    node: Asset


@strawberry.type
class AssetConnection:
    edges: list[AssetEdge]
    page_info: PageInfo
    total_count: int


@strawberry.input
class AssetFilter:
    text: str | None = strawberry.field(default=None, description="Words of the file name, "
                                        "tags, or linked products' names and SKUs.")
    kinds: list[AssetKind] | None = None
    skus: list[str] | None = strawberry.field(default=None,
                                              description="Linked to any of these SKUs.")
    tags: list[str] | None = strawberry.field(default=None,
                                              description="Has every one of these tags.")
    untagged: bool | None = None
    missing_rendition: str | None = strawberry.field(
        default=None, description="Lacks the rendition of this preset.")
    unlinked: bool | None = strawberry.field(default=None,
                                             description="Linked to no product (true) or some.")


@strawberry.input
class AssetOrder:
    field: AssetOrderField
    direction: OrderDirection | None = None


@strawberry.type
class ProductAsset:
    role: AssetRole
    position: int
    asset: Asset
