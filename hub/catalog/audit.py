"""The media audit: what keeps a catalog from looking right in every channel. Products without
a MAIN image, images too small for a preset, copies, untagged and unlinked assets, renditions made
from an older preset definition. Read from the search index, so it costs no MongoDB scans."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from hub.catalog.visual_search import DUPLICATE_COSINE, cosine
from hub.indexing.search import scan_index
from hub.media.renditions import Preset
from hub.media.video_presets import VideoPreset
from hub.stores import Stores

# Near-duplicate detection asks the vector index once per image; beyond this many images the
# report says it stopped rather than running for hours.
NEAR_DUPLICATE_SCAN_LIMIT = 5000


@dataclass(frozen=True)
class AuditedAsset:
    id: str
    filename: str
    width: int | None = None
    height: int | None = None


@dataclass
class AuditReport:
    products_without_main_image: list[str] = field(default_factory=list)  # SKUs
    too_small: dict[str, list[AuditedAsset]] = field(default_factory=dict)  # by preset
    duplicate_groups: list[list[AuditedAsset]] = field(default_factory=list)
    untagged: list[AuditedAsset] = field(default_factory=list)
    unlinked: list[AuditedAsset] = field(default_factory=list)
    stale_renditions: dict[str, list[str]] = field(default_factory=dict)  # asset id -> presets
    near_duplicates_complete: bool = True

    def counts(self) -> dict[str, int]:
        return {
            "products_without_main_image": len(self.products_without_main_image),
            "too_small": sum(len(assets) for assets in self.too_small.values()),
            "duplicate_groups": len(self.duplicate_groups),
            "untagged": len(self.untagged),
            "unlinked": len(self.unlinked),
            "stale_renditions": len(self.stale_renditions),
        }


def minimum_size(preset: Preset) -> tuple[int, int]:
    """The smallest original that fills a preset without upscaling: its box, or for presets
    with a minimum longest side, that minimum."""
    if preset.min_long_side:
        return preset.min_long_side, 0
    return preset.width, preset.height or 0


async def run_audit(
    stores: Stores, presets: dict[str, Preset],
    video_presets: Mapping[str, VideoPreset] | None = None,
) -> AuditReport:
    report = AuditReport()
    es, names = stores.es, stores.indices
    async for product in scan_index(es, index=names.products, source_includes=["sku"],
                                    query={"bool": {"must_not": [
                                        {"term": {"assets.role": "MAIN"}}]}}):
        report.products_without_main_image.append(product["sku"])

    by_hash: dict[str, list[AuditedAsset]] = defaultdict(list)
    current = {name: preset.digest for name, preset in presets.items()}
    current |= {name: preset.digest for name, preset in (video_presets or {}).items()}
    images: list[tuple[AuditedAsset, str | None]] = []
    fields = ["id", "kind", "filename", "facts", "untagged", "product_ids", "renditions",
              "perceptual_hash"]
    async for source in scan_index(es, index=names.assets, query={"match_all": {}},
                                   source_includes=fields):
        facts = source.get("facts") or {}
        asset = AuditedAsset(source["id"], source["filename"], facts.get("width"),
                             facts.get("height"))
        if source.get("untagged"):
            report.untagged.append(asset)
        if not source.get("product_ids"):
            report.unlinked.append(asset)
        stale = [r["preset"] for r in source.get("renditions") or []
                 if current.get(r["preset"]) != r.get("preset_digest")]
        if stale:
            report.stale_renditions[asset.id] = stale
        if source["kind"] != "IMAGE" or not asset.width or not asset.height:
            continue
        images.append((asset, source.get("perceptual_hash")))
        if source.get("perceptual_hash"):
            by_hash[source["perceptual_hash"]].append(asset)
        for name, preset in presets.items():
            min_width, min_height = minimum_size(preset)
            if preset.min_long_side:
                small = max(asset.width, asset.height) < min_width
            else:
                small = asset.width < min_width and (not min_height or asset.height < min_height)
            if small:
                report.too_small.setdefault(name, []).append(asset)
    report.duplicate_groups = [group for group in by_hash.values() if len(group) > 1]
    await _near_duplicates(stores, images, report)
    return report


async def _near_duplicates(
    stores: Stores, images: list[tuple[AuditedAsset, str | None]], report: AuditReport
) -> None:
    """Group images the vector index finds nearly identical (cosine >= DUPLICATE_COSINE)."""
    from hub.indexing.asset_search import AssetQuery, AssetSearch

    search = AssetSearch(stores.es, stores.indices)
    grouped = {asset.id for group in report.duplicate_groups for asset in group}
    by_id = {asset.id: asset for asset, _ in images}
    for number, (asset, _) in enumerate(images):
        if number >= NEAR_DUPLICATE_SCAN_LIMIT:
            report.near_duplicates_complete = False
            return
        if asset.id in grouped:
            continue
        vector, _ = await search.vector_of(asset.id)
        if vector is None:
            continue
        hits = await search.nearest(vector, k=5, query=AssetQuery(), exclude=[asset.id])
        twins = [by_id[hit.asset.id] for hit in hits
                 if cosine(hit.score) >= DUPLICATE_COSINE and hit.asset.id in by_id]
        if twins:
            group = [asset, *(twin for twin in twins if twin.id not in grouped)]
            grouped.update(member.id for member in group)
            report.duplicate_groups.append(group)
