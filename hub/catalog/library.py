"""Media library use cases: one ingest service behind every upload path, renditions, versions,
tags and deletion. Bytes live in blob storage; MongoDB holds the asset; the index follows."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass

from bson import ObjectId

from hub.catalog.clock import now_millis
from hub.catalog.model_assets import ensure_model_outputs
from hub.catalog.naming import NamingConvention
from hub.catalog.publisher import ASSET
from hub.catalog.service import CatalogService
from hub.catalog.transform_cache import CachedTransform, TransformCache
from hub.catalog.validation import clean_filename, clean_tags
from hub.config import Settings
from hub.errors import BadUserInput, NotFound, PayloadTooLarge
from hub.media.polyglot import refuse_polyglot
from hub.media.poster import write_poster
from hub.media.probe import probe
from hub.media.renditions import Preset, RenderedImage, Transform, render_presets
from hub.media.renditions import render_transform as render_transform_image
from hub.media.sniff import SniffedType, sniff
from hub.media.storage import BlobStorage, StagedUpload
from hub.models.asset import (
    Asset,
    AssetKind,
    AssetVersion,
    FocalPoint,
    MediaFacts,
    Rendition,
    Tag,
    TagSource,
    vector_fields,
)
from hub.models.product import AssetRole
from hub.webhooks.payloads import asset_payload
from hub.webhooks.store import WebhookEvent

logger = logging.getLogger(__name__)

# Extensions a client may use for each sniffed type; anything else is a lie about the content.
EXTENSION_ALIASES: dict[str, set[str]] = {
    "jpg": {"jpg", "jpeg", "jpe", "jfif"},
    "tiff": {"tif", "tiff"},
    "heic": {"heic", "heif"},
    "mp4": {"mp4", "m4v"},
    "mov": {"mov", "qt"},
}

RENDERED_KINDS = {AssetKind.IMAGE, AssetKind.VIDEO, AssetKind.MODEL_3D}

DEFAULT_ROLE = {
    AssetKind.IMAGE: AssetRole.GALLERY,
    AssetKind.VIDEO: AssetRole.VIDEO,
    AssetKind.MODEL_3D: AssetRole.MODEL_3D,
    AssetKind.DOCUMENT: AssetRole.MANUAL,
}


@dataclass(frozen=True)
class IngestResult:
    asset: Asset
    created: bool  # False: the same bytes were uploaded before and that asset is returned
    # Set when no SKU was given: which product the file name linked it to, or why none.
    linked_by_name: str | None = None
    unlinked_reason: str | None = None


class MediaLibrary:
    def __init__(
        self,
        *,
        catalog: CatalogService,
        storage: BlobStorage,
        settings: Settings,
        presets: dict[str, Preset],
    ) -> None:
        self.catalog = catalog
        self.assets = catalog.assets
        self.publisher = catalog.publisher
        self.locks = catalog.locks
        self.storage = storage
        self.settings = settings
        self.presets = presets
        self.transforms = TransformCache(catalog.assets.collection.database)
        # Called in the background after each new file's renditions (the vision model's vector).
        self.after_new_file: Callable[[str], Awaitable[None]] | None = None
        # Called for each new or replaced video file (queues its transcode job).
        self.after_new_video: Callable[[str], Awaitable[object]] | None = None
        self.naming = NamingConvention(settings.naming_pattern)
        self._rendering: set[asyncio.Task[None]] = set()

    # -- ingest ---------------------------------------------------------------------------

    async def ingest(
        self,
        chunks: AsyncIterator[bytes],
        *,
        filename: str | None,
        sku: str | None = None,
        role: AssetRole | None = None,
        position: int | None = None,
        tags: list[str] | None = None,
    ) -> IngestResult:
        """Store an upload as an asset (or find the asset with the same bytes), optionally
        linked to a product. Bad input raises before anything is kept."""
        name = clean_filename(filename)
        labels = clean_tags(tags)
        if sku is not None and await self.catalog.products.get_by_sku(sku) is None:
            raise NotFound(f"no product with SKU {sku!r}; create it first", sku=sku)
        linked_by_name = unlinked_reason = None
        if sku is None:
            named = self.naming.match(name)
            if named is None:
                unlinked_reason = (f"the file name does not follow {self.naming.pattern}; "
                                   "the asset was kept unlinked")
            elif await self.catalog.products.get_by_sku(named.sku) is None:
                unlinked_reason = f"no product with SKU {named.sku!r}; the asset was kept unlinked"
            else:
                sku, role, position = named.sku, role or named.role, position or named.position
                linked_by_name = named.sku
        staged = await self.storage.stage(chunks, max_bytes=self.settings.max_upload_bytes)
        release_copy = self.storage.keep_local(staged.path, staged.sha256)
        try:
            try:
                sniffed, facts = await self._inspect(staged, name)
                asset, created = await self._store_new_asset(staged, sniffed, facts, name, labels)
            finally:
                staged.delete()
            if not created and {label.casefold() for label in labels} - {
                    tag.label.casefold() for tag in asset.tags if tag.accepted}:
                asset = await self.tag_asset(asset.id, add=labels)  # the uploader's tags too
            if sku is not None and await self._needs_link(asset, sku, role, position):
                chosen = role or await self._default_role(sku, asset.kind)
                await self.catalog.link_asset(asset.id, sku, chosen, position)
                asset = await self.get_required(asset.id)
        except BaseException:
            release_copy()
            raise
        if created:
            self.schedule_renditions(asset.id, release_copy)
            await self._announce_video(asset)
        else:
            release_copy()
        return IngestResult(asset, created, linked_by_name, unlinked_reason)

    async def _inspect(self, staged: StagedUpload, filename: str) -> tuple[SniffedType, MediaFacts]:
        if staged.byte_size == 0:
            raise BadUserInput("the file is empty", field="file", reason="empty_file")
        sniffed = sniff(staged.head)
        _check_extension(filename, sniffed)
        facts = await asyncio.to_thread(probe, staged.path, sniffed,
                                        max_pixels=self.settings.max_image_pixels,
                                        max_model_triangles=self.settings.max_model_triangles)
        _check_duration(facts, self.settings.video.max_seconds)
        await asyncio.to_thread(refuse_polyglot, staged.path, sniffed)
        return sniffed, facts

    async def _store_new_asset(
        self,
        staged: StagedUpload,
        sniffed: SniffedType,
        facts: MediaFacts,
        filename: str,
        labels: list[str],
    ) -> tuple[Asset, bool]:
        existing = await self.assets.get_by_sha256(staged.sha256)
        if existing is not None:
            return existing, False
        # The blob first, then the document: a failed blob write leaves no asset behind.
        blob_existed = await self.storage.exists(staged.sha256)
        await self.storage.store_file(staged.path, staged.sha256,
                                      content_type=sniffed.content_type)
        now = now_millis()
        asset = Asset.model_validate({
            "id": str(ObjectId()),
            "kind": sniffed.kind,
            "filename": filename or f"upload.{sniffed.extension}",
            "content_type": sniffed.content_type,
            "byte_size": staged.byte_size,
            "sha256": staged.sha256,
            "facts": facts,
            "tags": [Tag(label=label) for label in labels],
            "created_at": now,
            "updated_at": now,
        })
        entry = await self.publisher.record(ASSET, asset.id)
        try:
            inserted = await self.assets.insert(asset)
        except BaseException:
            await self._drop_blob_unless_used(staged.sha256, blob_existed)
            raise
        if not inserted:  # a concurrent upload of the same bytes won
            await self.publisher.discard([entry])
            winner = await self.assets.get_by_sha256(staged.sha256)
            if winner is None:
                raise RuntimeError("duplicate sha256 reported but no asset holds it")
            return winner, False
        await self.publisher.publish([entry], assets=[asset])
        await self.catalog.events.emit(WebhookEvent.ASSET_CREATED, asset_payload(asset))
        return asset, True

    async def _drop_blob_unless_used(self, sha256: str, existed_before: bool) -> None:
        if not existed_before:
            await self.storage.delete(sha256)

    async def _needs_link(
        self, asset: Asset, sku: str, role: AssetRole | None, position: int | None
    ) -> bool:
        """Uploading the same file for the same SKU again keeps its link as it is, unless a
        role or position is asked for."""
        product = await self.catalog.products.get_by_sku(sku)
        already = product is not None and asset.id in product.asset_ids()
        return not already or role is not None or position is not None

    async def _default_role(self, sku: str, kind: AssetKind) -> AssetRole:
        """The first image of a product becomes its MAIN image; later ones go to the gallery."""
        if kind is AssetKind.IMAGE:
            product = await self.catalog.products.get_by_sku(sku)
            if product is not None and all(link.role is not AssetRole.MAIN
                                           for link in product.assets):
                return AssetRole.MAIN
        return DEFAULT_ROLE[kind]

    # -- versions and deletion ------------------------------------------------------------

    async def replace_file(
        self, asset_id: str, chunks: AsyncIterator[bytes], *, filename: str | None
    ) -> Asset:
        """A new version of the asset's file: the old original is kept, renditions are made
        anew, links and tags stay."""
        name = clean_filename(filename)
        current = await self.get_required(asset_id)
        staged = await self.storage.stage(chunks, max_bytes=self.settings.max_upload_bytes)
        release_copy = self.storage.keep_local(staged.path, staged.sha256)
        try:
            versions = await self._store_new_version(current, staged, name)
        except BaseException:
            release_copy()
            raise
        finally:
            staged.delete()
        if versions is None:  # the same bytes again
            release_copy()
            return current
        replaced, updated = versions
        try:  # first, so that a new rendition with the same bytes as an old one is kept
            await self._delete_unused_blobs(
                [r.sha256 for r in replaced.renditions + replaced.previews])
        finally:
            self.schedule_renditions(asset_id, release_copy)
        await self._announce_video(updated)
        return await self.changed(updated)

    async def _store_new_version(
        self, current: Asset, staged: StagedUpload, name: str
    ) -> tuple[Asset, Asset] | None:
        """Store the staged file as the asset's new version: the asset as it was replaced and
        as it is now; None when the bytes are the same."""
        sniffed, facts = await self._inspect(staged, name)
        if sniffed.kind is not current.kind:
            raise BadUserInput(
                f"a {current.kind.value} asset cannot be replaced by a "
                f"{sniffed.kind.value} file; upload it as a new asset", field="file")
        if staged.sha256 == current.sha256:
            return None
        other = await self.assets.get_by_sha256(staged.sha256)
        if other is not None:
            raise BadUserInput(f"this file is already asset {other.id}", field="file",
                               existing_asset_id=other.id)
        blob_existed = await self.storage.exists(staged.sha256)
        await self.storage.store_file(staged.path, staged.sha256,
                                      content_type=sniffed.content_type)
        asset_id = current.id
        async with self.locks.hold(asset_id):
            current = await self.get_required(asset_id)
            entry = await self.publisher.record(ASSET, asset_id)
            old = AssetVersion(version=current.version, filename=current.filename,
                               content_type=current.content_type, byte_size=current.byte_size,
                               sha256=current.sha256, replaced_at=now_millis())
            try:
                updated = await self.assets.update(asset_id, {
                    "filename": name or current.filename,
                    "content_type": sniffed.content_type,
                    "byte_size": staged.byte_size,
                    "sha256": staged.sha256,
                    "facts": facts.model_dump(mode="python"),
                    "renditions": [],
                    "previews": [],
                    # The old file's vector would find this one by the old picture; the new
                    # one is embedded after its renditions, as an upload's is.
                    **vector_fields(None, [], None),
                    "version": current.version + 1,
                    "updated_at": now_millis(),
                }, extra={"$push": {"versions": old.model_dump(mode="python")}})
            except BaseException:
                await self._drop_blob_unless_used(staged.sha256, blob_existed)
                raise
            if updated is None:
                await self._drop_blob_unless_used(staged.sha256, blob_existed)
                raise BadUserInput("this file was just uploaded as another asset", field="file")
            await self.publisher.publish([entry], assets=[updated])
        return current, updated

    async def delete_asset(self, asset_id: str) -> None:
        """Remove the asset, its links, its index entry and every blob nothing else uses."""
        asset = await self.get_required(asset_id)
        for product_id in asset.product_ids:
            product = await self.catalog.products.get(product_id)
            if product is not None and asset_id in product.asset_ids():
                await self.catalog.unlink_asset(asset_id, product.sku)
        async with self.locks.hold(asset_id):
            entry = await self.publisher.record(ASSET, asset_id)
            deleted = await self.assets.delete(asset_id)
            if deleted is None:
                await self.publisher.discard([entry])
                raise NotFound(f"no asset with id {asset_id!r}", id=asset_id)
            await self.publisher.publish([entry],
                                         deleted_assets=[(asset_id, deleted.revision + 1)])
        await self.catalog.events.emit(WebhookEvent.ASSET_DELETED, asset_payload(deleted))
        await self._delete_unused_blobs([deleted.sha256, *(v.sha256 for v in deleted.versions),
                                         *(r.sha256 for r in deleted.renditions),
                                         *(r.sha256 for r in deleted.previews)])

    async def _delete_unused_blobs(self, shas: Sequence[str]) -> None:
        for sha256 in dict.fromkeys(shas):
            if not await self.assets.references_blob(sha256):
                await self.storage.delete(sha256)

    # -- tags -----------------------------------------------------------------------------

    async def tag_asset(
        self, asset_id: str, *, add: list[str] | None = None, remove: list[str] | None = None
    ) -> Asset:
        """Add manual tags (accepting a matching suggestion) and remove tags by label."""
        to_add = clean_tags(add)
        to_remove = {label.casefold() for label in clean_tags(remove)}
        async with self.locks.hold(asset_id):
            asset = await self.get_required(asset_id)
            kept = [tag for tag in asset.tags if tag.label.casefold() not in to_remove]
            for label in to_add:
                match = next((t for t in kept if t.label.casefold() == label.casefold()), None)
                if match is None:
                    kept.append(Tag(label=label))
                elif not match.accepted:
                    kept[kept.index(match)] = match.model_copy(update={
                        "accepted": True, "source": TagSource.MANUAL})
            return await self.save_tags(asset_id, kept)

    async def changed(self, asset: Asset) -> Asset:
        """Tell subscribers an asset changed (tags, file, renditions, focal point)."""
        await self.catalog.events.emit(WebhookEvent.ASSET_UPDATED, asset_payload(asset))
        return asset

    async def changed_many(self, assets: Sequence[Asset]) -> None:
        """changed() for many assets (bulk jobs): the subscriptions are read once."""
        await self.catalog.events.emit_many(WebhookEvent.ASSET_UPDATED,
                                            [asset_payload(asset) for asset in assets])

    async def save_tags(self, asset_id: str, tags: list[Tag]) -> Asset:
        entry = await self.publisher.record(ASSET, asset_id)
        updated = await self.assets.update(asset_id, {
            "tags": [tag.model_dump(mode="python") for tag in tags],
            "updated_at": now_millis(),
        })
        if updated is None:
            await self.publisher.discard([entry])
            raise NotFound(f"no asset with id {asset_id!r}", id=asset_id)
        await self.publisher.publish([entry], assets=[updated])
        return await self.changed(updated)

    # -- renditions -----------------------------------------------------------------------

    def schedule_renditions(self, asset_id: str, release_copy: Callable[[], None]) -> None:
        """Make every preset's rendition in the background: the upload answers at once and
        `Asset.renditions` fills in; a rendition asked for before that is made on demand.
        `release_copy` gives back the upload's local copy (BlobStorage.keep_local) once the
        renditions and the work after them are done."""
        task = asyncio.create_task(self._render_all(asset_id, release_copy))
        self._rendering.add(task)
        task.add_done_callback(self._rendering.discard)

    async def wait_for_renditions(self) -> None:
        """Let background rendering finish (shutdown)."""
        while self._rendering:
            await asyncio.gather(*list(self._rendering), return_exceptions=True)

    async def _render_all(self, asset_id: str, release_copy: Callable[[], None]) -> None:
        try:
            try:
                await self.ensure_renditions(asset_id, list(self.presets))
            except NotFound:
                return  # deleted meanwhile
            except Exception:
                logger.exception("rendering asset %s failed; renditions will be made on demand",
                                 asset_id)
            if self.after_new_file is not None:
                await self.after_new_file(asset_id)
        finally:
            release_copy()

    async def ensure_renditions(
        self, asset_id: str, preset_names: Sequence[str], *, anew: bool = False
    ) -> Asset:
        """Make the named presets' renditions that do not exist yet (all of them with `anew`),
        decoding the original once for all, and record them on the asset in one step: clients
        see the old renditions until the new ones are there."""
        asset = await self.get_required(asset_id)
        if asset.kind not in RENDERED_KINDS:
            return asset  # PDF pages are not rendered yet
        if asset.kind is AssetKind.MODEL_3D:
            asset = await ensure_model_outputs(self, asset)  # the views the presets start from
            if not asset.previews:
                return asset  # nothing to make images from: facts.preview_problem says why
        missing = [self.presets[name] for name in preset_names
                   if anew or name not in {r.preset for r in asset.renditions}]
        if not missing:
            return asset
        rendered = await self._render(asset, missing)
        made = [await self._store_rendition(self.presets[name], image)
                for name, image in rendered.items()]
        return await self.record_renditions(asset, made)

    async def record_renditions(self, asset: Asset, made: Sequence[Rendition]) -> Asset:
        """Put renditions made from `asset`'s file in place of the same presets' ones, in one
        step. If the file was replaced or the asset deleted meanwhile they belong to nobody:
        their blobs go, so nothing points to a missing blob and no blob is left unused; so do the
        replaced renditions' blobs that nothing else uses."""
        async with self.locks.hold(asset.id):
            current = await self.get_required(asset.id)
            if current.sha256 != asset.sha256:
                await self._delete_unused_blobs([r.sha256 for r in made])
                return current
            fresh = {r.preset for r in made}
            replaced = [r.sha256 for r in current.renditions if r.preset in fresh]
            renditions = [r for r in current.renditions if r.preset not in fresh] + list(made)
            entry = await self.publisher.record(ASSET, asset.id)
            updated = await self.assets.update(asset.id, {
                "renditions": [r.model_dump(mode="python") for r in renditions]})
            if updated is None:
                await self.publisher.discard([entry])
                await self._delete_unused_blobs([r.sha256 for r in made])
                raise NotFound(f"no asset with id {asset.id!r}", id=asset.id)
            await self.publisher.publish([entry], assets=[updated])
        await self._delete_unused_blobs(replaced)
        return await self.changed(updated)

    async def _announce_video(self, asset: Asset) -> None:
        """Queue a new video file's transcoding; the upload itself has succeeded either way."""
        if asset.kind is not AssetKind.VIDEO or self.after_new_video is None:
            return
        try:
            await self.after_new_video(asset.id)
        except Exception:
            logger.exception("queueing the transcoding of video %s failed; start it with "
                             "startTranscodeJob", asset.id)

    async def rerender(self, asset_id: str) -> Asset:
        """Make every rendition anew (after presets changed); old files nothing uses go."""
        before = await self.get_required(asset_id)
        rendered = await self.ensure_renditions(asset_id, list(self.presets), anew=True)
        await self._delete_unused_blobs([r.sha256 for r in before.renditions])
        return rendered

    async def set_focal_point(self, asset_id: str, focal_point: FocalPoint | None) -> Asset:
        """Where cover crops centre; the renditions are made anew in the background."""
        if focal_point is not None and not (0 <= focal_point.x <= 1 and 0 <= focal_point.y <= 1):
            raise BadUserInput("a focal point's x and y go from 0 to 1", field="focalPoint")
        async with self.locks.hold(asset_id):
            await self.get_required(asset_id)
            entry = await self.publisher.record(ASSET, asset_id)
            updated = await self.assets.update(asset_id, {
                "focal_point": focal_point.model_dump() if focal_point else None,
                "updated_at": now_millis()})
            if updated is None:
                await self.publisher.discard([entry])
                raise NotFound(f"no asset with id {asset_id!r}", id=asset_id)
            await self.publisher.publish([entry], assets=[updated])
        await self.changed(updated)
        task = asyncio.create_task(self._rerender_quietly(asset_id))
        self._rendering.add(task)
        task.add_done_callback(self._rendering.discard)
        return updated

    async def _rerender_quietly(self, asset_id: str) -> None:
        try:
            await self.rerender(asset_id)
        except Exception:
            logger.exception("re-rendering asset %s failed", asset_id)

    async def _render(self, asset: Asset, presets: list[Preset]) -> dict[str, RenderedImage]:
        """Images render from their original; videos from a poster frame; 3D models from their
        first preview."""
        focal = (asset.focal_point.x, asset.focal_point.y) if asset.focal_point else None
        if asset.kind is AssetKind.MODEL_3D:  # ensure_renditions made sure it has previews
            async with self.storage.local_copy(asset.previews[0].sha256) as preview:
                return await asyncio.to_thread(render_presets, preview, presets,
                                               focal_point=focal)
        async with self.storage.local_copy(asset.sha256) as source:
            if asset.kind is AssetKind.IMAGE:
                return await asyncio.to_thread(render_presets, source, presets,
                                               focal_point=focal)
            poster = self.storage.temporary_path(".png")
            try:
                await asyncio.to_thread(write_poster, source, poster)
                return await asyncio.to_thread(render_presets, poster, presets,
                                               focal_point=focal)
            finally:
                poster.unlink(missing_ok=True)

    async def _store_rendition(self, preset: Preset, image: RenderedImage) -> Rendition:
        sha256 = await self.storage.store_bytes(image.data, content_type=image.content_type)
        return Rendition(preset=preset.name, format=image.format,
                         content_type=image.content_type, width=image.width, height=image.height,
                         byte_size=len(image.data), sha256=sha256, preset_digest=preset.digest)

    async def rendition(self, asset_id: str, preset: str) -> Rendition:
        if preset not in self.presets:  # a video preset's rendition, once a worker made it
            asset = await self.get_required(asset_id)
            made = next((r for r in asset.renditions if r.preset == preset), None)
            if made is not None:
                return made
            raise NotFound(f"asset {asset_id} has no {preset!r} rendition (yet); see "
                           "renditionPresets and videoRenditionPresets", preset=preset)
        asset = await self.ensure_renditions(asset_id, [preset])
        found = next((r for r in asset.renditions if r.preset == preset), None)
        if found is None:
            raise BadUserInput(f"{asset.kind.value} assets have no {preset!r} rendition",
                               preset=preset)
        return found

    async def transform(
        self, asset_id: str, transform: Transform, *, accept: str = ""
    ) -> CachedTransform:
        """An on-demand transform, rendered once and then served from the blob store; an AUTO
        format becomes the best one `accept` (the client's Accept header) allows. Returns the
        rendered blob's sha256 and content type."""
        asset = await self.get_required(asset_id)
        if asset.kind is not AssetKind.IMAGE:
            raise BadUserInput("only images can be transformed", id=asset_id)
        transform = transform.negotiated(accept, has_alpha=bool(asset.facts.has_alpha))
        key = f"{asset.sha256}:{transform.key()}"
        cached = await self.transforms.get(key)
        if cached is None or not await self.storage.exists(cached.sha256):
            async with self.storage.local_copy(asset.sha256) as source:
                image = await asyncio.to_thread(render_transform_image, source, transform)
            stored = await self.storage.store_bytes(image.data, content_type=image.content_type)
            cached = CachedTransform(stored, image.content_type)
            await self.transforms.put(key, cached)
        return cached

    # -- reads ----------------------------------------------------------------------------

    async def get_required(self, asset_id: str) -> Asset:
        asset = await self.assets.get(asset_id)
        if asset is None:
            raise NotFound(f"no asset with id {asset_id!r}", id=asset_id)
        return asset

    async def get_asset(self, asset_id: str) -> Asset | None:
        return (await self.catalog.assets_by_id([asset_id])).get(asset_id)


def _check_duration(facts: MediaFacts, max_seconds: float) -> None:
    if facts.duration_seconds is not None and facts.duration_seconds > max_seconds:
        raise PayloadTooLarge(
            f"the video is {facts.duration_seconds:.0f} seconds long; at most {max_seconds:.0f} "
            "seconds are accepted: shorten it and upload it again", field="file",
            duration_seconds=facts.duration_seconds, max_seconds=max_seconds)


def _check_extension(filename: str, sniffed: SniffedType) -> None:
    if "." not in filename:
        return
    extension = filename.rsplit(".", 1)[1].lower()
    allowed = EXTENSION_ALIASES.get(sniffed.extension, {sniffed.extension})
    if extension not in allowed:
        raise BadUserInput(
            f"the file name says .{extension} but the content is {sniffed.content_type}; "
            "rename it or upload the right file", field="filename", reason="extension_mismatch",
            detected_content_type=sniffed.content_type,
        )
