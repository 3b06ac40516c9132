"""Video renditions: each video preset's file, made by the worker's TRANSCODE jobs.

A job item is one asset and one preset ("<asset id>:<preset>"), so progress advances per file
and one preset that fails is one item error while the others are made."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path

from hub.catalog.library import MediaLibrary
from hub.config import VideoSettings
from hub.errors import BadUserInput, NotFound
from hub.media.transcode import transcode
from hub.media.video_presets import VideoPreset
from hub.models.asset import Asset, AssetKind, Rendition, RenditionKind

_CHUNK = 1024 * 1024


def transcode_item(asset_id: str, preset: str) -> str:
    """The job item that makes one preset's rendition of one video."""
    return f"{asset_id}:{preset}"


def parse_transcode_item(item: str) -> tuple[str, str]:
    asset_id, separator, preset = item.partition(":")
    if not separator or not asset_id or not preset:
        raise BadUserInput(f"{item!r} is not '<asset id>:<preset>'", item=item)
    return asset_id, preset


class VideoRenditions:
    def __init__(
        self, *, library: MediaLibrary, presets: Mapping[str, VideoPreset],
        settings: VideoSettings,
    ) -> None:
        self.library = library
        self.storage = library.storage
        self.presets = dict(presets)
        self.settings = settings

    def preset_names(self, wanted: Sequence[str] | None = None) -> list[str]:
        """The presets a transcode job makes: all of them, or the named ones (checked)."""
        if wanted is None:
            return list(self.presets)
        if not wanted:
            raise BadUserInput("name at least one video preset, or leave `presets` out for all",
                               field="presets")
        unknown = sorted(set(wanted) - set(self.presets))
        if unknown:
            raise BadUserInput(f"no video preset(s) {unknown}; known: {sorted(self.presets)}",
                               field="presets")
        return list(dict.fromkeys(wanted))

    async def transcode_item(self, item: str) -> Asset:
        return await self.transcode(*parse_transcode_item(item))

    async def transcode(self, asset_id: str, preset_name: str) -> Asset:
        """Make (or make anew) one preset's rendition of a video and record it on the asset.
        The file is written to staging, probed back, then stored; a failure leaves no blob."""
        preset = self.presets.get(preset_name)
        if preset is None:
            raise NotFound(f"no video preset {preset_name!r}", preset=preset_name)
        asset = await self.library.get_required(asset_id)
        if asset.kind is not AssetKind.VIDEO:
            raise BadUserInput(f"asset {asset_id} is a {asset.kind.value}, not a video",
                               id=asset_id)
        target = self.storage.temporary_path(f".{preset.container}")
        try:
            async with self.storage.local_copy(asset.sha256) as source:
                made = await asyncio.to_thread(
                    transcode, source, target, preset,
                    threads=self.settings.encoder_threads, max_seconds=self.settings.max_seconds)
            sha256 = await asyncio.to_thread(_file_sha256, target)
            existed = await self.storage.exists(sha256)
            await self.storage.store_file(target, sha256, content_type=preset.content_type)
        finally:
            target.unlink(missing_ok=True)
        rendition = Rendition(
            preset=preset.name, format=preset.container, content_type=preset.content_type,
            width=made.width, height=made.height, byte_size=made.byte_size, sha256=sha256,
            preset_digest=preset.digest, kind=RenditionKind.VIDEO,
            duration_seconds=made.duration_seconds, bitrate=made.bitrate, codec=made.codec)
        try:
            return await self.library.record_renditions(asset, [rendition])
        except BaseException:
            if not existed:
                await self.storage.delete(sha256)
            raise


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
