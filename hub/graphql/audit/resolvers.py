"""The media audit over GraphQL."""

from __future__ import annotations

import strawberry

from hub.catalog.audit import AuditedAsset as AuditedAssetModel
from hub.catalog.audit import run_audit
from hub.graphql.core.context import Info
from hub.graphql.core.permissions import IsReader


@strawberry.type
class AuditedAsset:
    id: strawberry.ID
    filename: str
    width: int | None
    height: int | None

    @classmethod
    def from_model(cls, asset: AuditedAssetModel) -> AuditedAsset:
        return cls(id=strawberry.ID(asset.id), filename=asset.filename, width=asset.width,
                   height=asset.height)


@strawberry.type
class PresetShortfall:
    preset: str
    count: int
    assets: list[AuditedAsset]


@strawberry.type
class DuplicateGroup:
    assets: list[AuditedAsset]


@strawberry.type
class StaleRendition:
    asset_id: strawberry.ID
    presets: list[str]


@strawberry.type
class MediaAudit:
    products_without_main_image: list[str]
    products_without_main_image_count: int
    too_small: list[PresetShortfall] = strawberry.field(
        description="Images smaller than a preset's box (or minimum): they render small.")
    duplicate_groups: list[DuplicateGroup] = strawberry.field(
        description="Copies: equal perceptual hashes, or nearly identical to the model.")
    untagged: list[AuditedAsset]
    untagged_count: int
    unlinked: list[AuditedAsset]
    unlinked_count: int
    stale_renditions: list[StaleRendition] = strawberry.field(
        description="Renditions made from an older preset definition: run startRerenderJob "
        "(images) or startTranscodeJob (videos).")
    near_duplicates_complete: bool


@strawberry.type
class AuditQueries:
    @strawberry.field(permission_classes=[IsReader],
                      description="What keeps the catalog from looking right in every channel. "
                      "Lists hold at most `limit` entries; the counts are complete.")
    async def media_audit(self, info: Info, limit: int = 100) -> MediaAudit:
        library = info.context.library
        report = await run_audit(library.catalog.stores, library.presets,
                                 info.context.videos.presets)

        def assets(items: list[AuditedAssetModel]) -> list[AuditedAsset]:
            return [AuditedAsset.from_model(item) for item in items[:limit]]

        return MediaAudit(
            products_without_main_image=report.products_without_main_image[:limit],
            products_without_main_image_count=len(report.products_without_main_image),
            too_small=[PresetShortfall(preset=name, count=len(items), assets=assets(items))
                       for name, items in report.too_small.items()],
            duplicate_groups=[DuplicateGroup(assets=assets(group))
                              for group in report.duplicate_groups[:limit]],
            untagged=assets(report.untagged), untagged_count=len(report.untagged),
            unlinked=assets(report.unlinked), unlinked_count=len(report.unlinked),
            stale_renditions=[StaleRendition(asset_id=strawberry.ID(asset_id), presets=presets)
                              for asset_id, presets in
                              list(report.stale_renditions.items())[:limit]],
            near_duplicates_complete=report.near_duplicates_complete,
        )
