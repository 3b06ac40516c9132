"""A 3D model's previews and AR file: made once per file version in the background, with the
image renditions (MediaLibrary.ensure_renditions), and recorded on the asset in one step.

Either may fail for one model without failing the other or the process: the failure is logged
and the asset's facts say why (`preview_problem`, `usdz_problem`), so the hub does not try again
on every request. Blobs stored for a result that is not recorded are deleted again."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hub.catalog.publisher import ASSET
from hub.errors import HubError, NotFound
from hub.media.model3d import load_model
from hub.media.model_preview import PreviewFailed, PreviewImage, render_previews
from hub.media.sniff import GLB
from hub.media.usdz import CONTENT_TYPE as USDZ_CONTENT_TYPE
from hub.media.usdz import UsdzFailed, UsdzFile, write_usdz
from hub.models.asset import Asset, Rendition, RenditionKind

if TYPE_CHECKING:
    from hub.catalog.library import MediaLibrary

logger = logging.getLogger(__name__)

USDZ_PRESET = "usdz"
PREVIEW_PRESET_PREFIX = "preview-"


@dataclass(frozen=True)
class ModelOutputs:
    previews: list[PreviewImage]
    usdz: UsdzFile | None
    preview_problem: str | None
    usdz_problem: str | None


def make_model_outputs(
    path: Path, *, binary: bool, max_triangles: int, preview_size: int
) -> ModelOutputs:
    """Load the model once, then draw its previews and convert it to USDZ, each failure kept
    as a sentence. CPU-bound: callers run it in a thread."""
    try:
        model = load_model(path, binary=binary, max_triangles=max_triangles)
    except HubError as error:  # e.g. the triangle limit was lowered since the upload
        return ModelOutputs([], None, error.message, error.message)
    previews: list[PreviewImage] = []
    preview_problem = usdz_problem = None
    try:
        previews = render_previews(model, size=preview_size)
    except PreviewFailed as error:
        logger.warning("no previews of %s: %s", path.name, error)
        preview_problem = f"previews could not be drawn: {error}"
    except Exception as error:
        logger.exception("drawing previews of %s failed", path.name)
        preview_problem = f"previews could not be drawn: {_first_line(error)}"
    usdz = None
    try:
        usdz = write_usdz(model)
    except UsdzFailed as error:
        logger.warning("no USDZ for %s: %s", path.name, error)
        usdz_problem = str(error)
    except Exception as error:
        logger.exception("converting %s to USDZ failed", path.name)
        usdz_problem = f"USD conversion failed: {_first_line(error)}"
    return ModelOutputs(previews, usdz, preview_problem, usdz_problem)


async def ensure_model_outputs(library: MediaLibrary, asset: Asset) -> Asset:
    """Make and record the previews and the USDZ file of a model's current version, unless
    they were made (or failed) before."""
    if asset.previews or asset.facts.preview_problem:
        return asset
    settings = library.settings
    async with library.storage.local_copy(asset.sha256) as source:
        outputs = await asyncio.to_thread(
            make_model_outputs, source, binary=asset.content_type == GLB.content_type,
            max_triangles=settings.max_model_triangles, preview_size=settings.model_preview_size)
    made: list[Rendition] = []
    usdz: Rendition | None = None
    try:
        for preview in outputs.previews:
            sha256 = await library.storage.store_bytes(preview.png, content_type="image/png")
            made.append(Rendition(
                preset=f"{PREVIEW_PRESET_PREFIX}{preview.view}", format="png",
                content_type="image/png", width=preview.width, height=preview.height,
                byte_size=len(preview.png), sha256=sha256))
        if outputs.usdz is not None:
            sha256 = await library.storage.store_bytes(outputs.usdz.data,
                                                       content_type=USDZ_CONTENT_TYPE)
            usdz = Rendition(preset=USDZ_PRESET, kind=RenditionKind.MODEL, format="usdz",
                             content_type=USDZ_CONTENT_TYPE, width=None, height=None,
                             byte_size=len(outputs.usdz.data), sha256=sha256,
                             triangle_count=outputs.usdz.triangle_count)
            made.append(usdz)
    except BaseException:
        await _drop_unused(library, made)
        raise
    previews = [rendition for rendition in made if rendition is not usdz]
    async with library.locks.hold(asset.id):
        current = await library.get_required(asset.id)
        if current.sha256 != asset.sha256 or current.previews or current.facts.preview_problem:
            await _drop_unused(library, made)  # replaced, or made by another caller meanwhile
            return current
        facts = current.facts.model_copy(update={"preview_problem": outputs.preview_problem,
                                                 "usdz_problem": outputs.usdz_problem})
        renditions = [r for r in current.renditions if r.preset != USDZ_PRESET]
        entry = await library.publisher.record(ASSET, asset.id)
        updated = await library.assets.update(asset.id, {
            "previews": [r.model_dump(mode="python") for r in previews],
            "renditions": [r.model_dump(mode="python")
                           for r in renditions + ([usdz] if usdz else [])],
            "facts": facts.model_dump(mode="python"),
        })
        if updated is None:
            await library.publisher.discard([entry])
            await _drop_unused(library, made)
            raise NotFound(f"no asset with id {asset.id!r}", id=asset.id)
        await library.publisher.publish([entry], assets=[updated])
    return await library.changed(updated)


async def _drop_unused(library: MediaLibrary, made: list[Rendition]) -> None:
    for rendition in made:
        if not await library.assets.references_blob(rendition.sha256):
            await library.storage.delete(rendition.sha256)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else type(error).__name__
    return text if len(text) <= 160 else text[:157] + "..."
