"""Image renditions: the preset sizes made per sales channel, and bounded on-demand transforms.

Originals are decoded once, at the smallest scale that still serves every output (JPEG DCT
scaling via `draft`, integer `reduce` otherwise), turned upright and into sRGB, and every output
is cut from that one image. Outputs carry no metadata: no EXIF (camera, GPS), and no ICC profile,
since everything is sRGB, which is what browsers assume without one."""

from __future__ import annotations

import hashlib
import io
import itertools
import math
import re
import tomllib
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from hub.errors import BadUserInput, UnsupportedMediaType
from hub.media.heif import enable_heif
from hub.media.render_pool import render_pool, render_threads

FITS = ("contain", "cover", "pad")
FORMATS = ("jpeg", "png", "webp", "avif")
# A transform may leave the format to delivery: the best one the client's Accept header names.
AUTO_FORMAT = "auto"
CONTENT_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "avif": "image/avif",
}
# PNG is lossless: its quality is carried along but not used.
DEFAULT_QUALITY = {"jpeg": 85, "png": 100, "webp": 80, "avif": 60}
DEFAULT_PRESETS_PATH = Path(__file__).with_name("presets.toml")
PRESET_MAX_SIDE = 8192
TRANSFORM_MAX_SIDE = 4096  # on-demand requests: keeps one request's CPU and memory bounded

_PRESET_KEYS = frozenset(
    {
        "width",
        "height",
        "fit",
        "format",
        "quality",
        "background",
        "upscale",
        "min_long_side",
        "description",
    }
)
PRESET_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
_COLOUR = re.compile(r"#([0-9a-f]{6})([0-9a-f]{2})?")
# Decode at least this many times larger than the largest output, as Image.thumbnail does, so
# the final LANCZOS pass has real pixels to filter rather than DCT-scaled ones at 1:1.
_DECODE_HEADROOM = 2.0
# Derive an output from an already-resized intermediate only if that intermediate is at least this
# many times larger. Resizing costs per source pixel, so each output cut from an intermediate saves
# most of a pass. Measured on 4000x3000 photos (bench/renditions.py): at 1.15 the square preset
# (2048) comes from the 2400 px retina one, 49.6 dB PSNR against a single pass, and the presets
# stay 36-49 dB against a naive per-preset render (JPEG/WebP encoding itself costs 38-42 dB);
# on fine texture (gravel, the worst case) LANCZOS after LANCZOS gave 44 dB at 1.25x, less below.
_INTERMEDIATE_RATIO = 1.15
# Image.resize's own reduce-then-LANCZOS; >= 3.0 is indistinguishable from a single LANCZOS pass.
_REDUCING_GAP = 3.0
# Resizes to at least this many output pixels run as strips, one per rendering thread.
_STRIP_MIN_PIXELS = 1_000_000
_REDUCIBLE_MODES = frozenset({"RGB", "RGBA", "RGBX", "L", "LA", "CMYK"})
_SIXTEEN_BIT_GREY = frozenset({"I;16", "I;16L", "I;16B", "I;16N"})

Colour = tuple[int, int, int, int]
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Preset:
    """A named rendition made for every image asset; see presets.toml for what each key means."""

    name: str
    width: int
    height: int | None
    fit: str
    format: str
    quality: int
    background: str
    upscale: bool
    min_long_side: int | None
    description: str

    @property
    def digest(self) -> str:
        """Changes whenever a setting that shapes the output changes (not the description):
        renditions record it, so the audit can find those made from an older definition."""
        shaping = (self.width, self.height, self.fit, self.format, self.quality,
                   self.background, self.upscale, self.min_long_side)
        return hashlib.sha256(repr(shaping).encode()).hexdigest()[:12]


def load_presets(path: Path | None = None) -> dict[str, Preset]:
    """Read and check the presets file (default: presets.toml beside this module).

    Fails early, at start-up, with a ValueError naming the preset and key, rather than later on the
    first upload that uses a broken preset."""
    path = path or DEFAULT_PRESETS_PATH
    with path.open("rb") as file:
        document = tomllib.load(file)
    unknown = sorted(set(document) - {"presets", "video_presets"})
    if unknown:
        raise ValueError(f"{path.name}: unknown top-level key(s) {unknown}; "
                         "expected [presets.*] and [video_presets.*]")
    tables = document.get("presets")
    if not isinstance(tables, dict) or not tables:
        raise ValueError(f"{path.name}: no presets; expected [presets.<name>] tables")
    return {name: _parse_preset(name, table) for name, table in tables.items()}


def _parse_preset(name: str, table: Any) -> Preset:
    if not PRESET_NAME.fullmatch(name):
        raise ValueError(f"preset {name!r}: name must be lower-case letters, digits, '-' or '_'")
    if not isinstance(table, dict):
        raise ValueError(f"preset {name!r}: must be a table of keys")
    for key in table:
        if key not in _PRESET_KEYS:
            raise _preset_error(name, key, f"unknown key; known: {', '.join(sorted(_PRESET_KEYS))}")
    for key in ("width", "fit", "format"):
        if key not in table:
            raise _preset_error(name, key, "missing")

    width = _preset_int(name, table, "width", 1, PRESET_MAX_SIDE)
    height = _preset_int(name, table, "height", 1, PRESET_MAX_SIDE)
    fit = _preset_choice(name, table, "fit", FITS)
    format_ = _preset_choice(name, table, "format", FORMATS)
    quality = _preset_int(name, table, "quality", 1, 100)
    min_long_side = _preset_int(name, table, "min_long_side", 1, PRESET_MAX_SIDE)
    background = table.get("background", "#ffffff")
    if not isinstance(background, str) or _parse_colour(background) is None:
        raise _preset_error(
            name, "background", f"must be '#rrggbb' or '#rrggbbaa', not {background!r}"
        )
    upscale = table.get("upscale", False)
    if not isinstance(upscale, bool):
        raise _preset_error(name, "upscale", f"must be true or false, not {upscale!r}")
    description = table.get("description", "")
    if not isinstance(description, str):
        raise _preset_error(name, "description", "must be a string")

    assert width is not None  # checked as required above
    if fit in ("cover", "pad") and height is None:
        raise _preset_error(name, "height", f"required with fit = {fit!r}")
    if min_long_side is not None and height is not None and min_long_side > max(width, height):
        raise _preset_error(
            name, "min_long_side", f"{min_long_side} is larger than the {width}x{height} box"
        )
    return Preset(
        name=name,
        width=width,
        height=height,
        fit=fit,
        format=format_,
        quality=DEFAULT_QUALITY[format_] if quality is None else quality,
        background=_canonical_colour(background),
        upscale=upscale,
        min_long_side=min_long_side,
        description=description,
    )


def _preset_error(name: str, key: str, problem: str) -> ValueError:
    return ValueError(f"preset {name!r}, key {key!r}: {problem}")


def _preset_int(name: str, table: dict[str, Any], key: str, low: int, high: int) -> int | None:
    value = table.get(key)
    if value is None:
        return None
    if not _is_int(value) or not low <= value <= high:
        raise _preset_error(name, key, f"must be an integer from {low} to {high}, not {value!r}")
    return int(value)


def _preset_choice(name: str, table: dict[str, Any], key: str, choices: Sequence[str]) -> str:
    value = table.get(key)
    if value not in choices:
        raise _preset_error(name, key, f"must be one of {', '.join(choices)}, not {value!r}")
    return str(value)


@dataclass(frozen=True)
class Transform:
    """An on-demand transform (URL parameters): bounded so nobody can make the server render huge
    images. A missing width or height follows the source's aspect ratio, which makes cover and pad
    with one side behave as contain. Transforms never upscale."""

    width: int | None = None
    height: int | None = None
    fit: str = "contain"
    format: str = "webp"
    quality: int | None = None
    focal_x: float | None = None
    focal_y: float | None = None
    background: str = "#ffffff"

    def validate(self) -> Transform:
        """The same transform in canonical form (lower-case names, "jpg" as "jpeg", quality
        filled in), or BadUserInput naming the first bad field."""
        for field in ("width", "height"):
            value = getattr(self, field)
            if value is not None and (not _is_int(value) or not 1 <= value <= TRANSFORM_MAX_SIDE):
                raise BadUserInput(
                    f"{field} must be an integer from 1 to {TRANSFORM_MAX_SIDE}",
                    field=field,
                    value=value,
                )
        if self.width is None and self.height is None:
            raise BadUserInput("give a width, a height or both", field="width")
        fit = self.fit.lower() if isinstance(self.fit, str) else self.fit
        if fit not in FITS:
            raise BadUserInput(f"fit must be one of {', '.join(FITS)}", field="fit", value=fit)
        format_ = self.format.lower() if isinstance(self.format, str) else self.format
        format_ = "jpeg" if format_ == "jpg" else format_
        if format_ not in (*FORMATS, AUTO_FORMAT):
            raise BadUserInput(
                f"format must be one of {', '.join((*FORMATS, AUTO_FORMAT))}", field="format",
                value=format_,
            )
        quality = self.quality
        if quality is not None and (not _is_int(quality) or not 1 <= quality <= 100):
            raise BadUserInput(
                "quality must be an integer from 1 to 100", field="quality", value=quality
            )
        for field in ("focal_x", "focal_y"):
            value = getattr(self, field)
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not 0.0 <= value <= 1.0
            ):
                raise BadUserInput(
                    f"{field} must be a number from 0 to 1", field=field, value=value
                )
        if not isinstance(self.background, str) or _parse_colour(self.background) is None:
            raise BadUserInput(
                "background must be '#rrggbb' or '#rrggbbaa'",
                field="background",
                value=self.background,
            )
        return replace(
            self,
            fit=fit,
            format=format_,
            quality=DEFAULT_QUALITY.get(format_) if quality is None else quality,
            background=_canonical_colour(self.background),
        )

    def negotiated(self, accept: str, *, has_alpha: bool) -> Transform:
        """An AUTO format made concrete for one client: AVIF or WebP when its Accept header
        names them, else PNG for images with transparency and JPEG for the rest."""
        if self.format != AUTO_FORMAT:
            return self
        accepted = accept.lower()
        if "image/avif" in accepted:
            chosen = "avif"
        elif "image/webp" in accepted:
            chosen = "webp"
        else:
            chosen = "png" if has_alpha else "jpeg"
        return replace(self, format=chosen).validate()

    def key(self) -> str:
        """Canonical cache key: transforms that render the same bytes get the same key (defaults
        filled in, and fields that cannot change the output left out)."""
        transform = self.validate()
        both_sides = transform.width is not None and transform.height is not None
        fit = transform.fit if both_sides else "contain"
        parts = []
        if transform.width is not None:
            parts.append(f"w={transform.width}")
        if transform.height is not None:
            parts.append(f"h={transform.height}")
        parts += [f"fit={fit}", f"fmt={transform.format}"]
        if transform.format != "png":
            parts.append(f"q={transform.quality}")
        if fit == "cover":
            focal_x, focal_y = _focal(transform.focal_x, transform.focal_y)
            parts += [f"fx={focal_x:g}", f"fy={focal_y:g}"]
        if fit == "pad" or transform.format == "jpeg":
            parts.append(f"bg={transform.background.lstrip('#')}")
        return ",".join(parts)


DEFAULT_SRCSET_WIDTHS = (320, 640, 960, 1280, 1920)
MAX_SRCSET_WIDTHS = 12


def srcset_widths(requested: Sequence[int] | None, original_width: int) -> list[int]:
    """The widths of a responsive image set: those asked for (bounded), never wider than the
    original, which closes the list when some asked for were wider."""
    widths = list(DEFAULT_SRCSET_WIDTHS if requested is None else requested)
    if not 1 <= len(widths) <= MAX_SRCSET_WIDTHS:
        raise BadUserInput(f"give 1 to {MAX_SRCSET_WIDTHS} widths", field="widths")
    for width in widths:
        if not 1 <= width <= TRANSFORM_MAX_SIDE:
            raise BadUserInput(f"widths must be from 1 to {TRANSFORM_MAX_SIDE}",
                               field="widths", value=width)
    fitting = sorted({width for width in widths if width <= original_width})
    if len(fitting) < len(set(widths)) and original_width not in fitting:
        fitting.append(min(original_width, TRANSFORM_MAX_SIDE))
    return fitting


@dataclass(frozen=True)
class RenderedImage:
    data: bytes
    format: str
    content_type: str
    width: int
    height: int


def render_presets(
    source: Path,
    presets: Sequence[Preset],
    *,
    focal_point: tuple[float, float] | None = None,
) -> dict[str, RenderedImage]:
    """Every preset's rendition of `source`, by preset name.

    Decodes the original ONCE and derives every preset from it, largest first, each from the
    decoded image or from a larger intermediate when that keeps quality. CPU-bound (Pillow
    releases the GIL while resizing and encoding): callers run it in a thread."""
    if focal_point is not None and not all(
        isinstance(value, int | float) and 0.0 <= value <= 1.0 for value in focal_point
    ):
        raise BadUserInput("focal point must be two numbers from 0 to 1", field="focal_point")
    focal = focal_point or (0.5, 0.5)
    specs = [
        _Spec(
            width=preset.width,
            height=preset.height,
            fit=preset.fit,
            format=preset.format,
            quality=preset.quality,
            background=_colour(preset.background),
            upscale=preset.upscale,
            min_long_side=preset.min_long_side,
            focal=focal,
        )
        for preset in presets
    ]
    if not specs:
        return {}
    rendered = _render(source, specs)
    return {preset.name: image for preset, image in zip(presets, rendered, strict=True)}


def render_transform(source: Path, transform: Transform) -> RenderedImage:
    """One on-demand rendition; the transform is validated here too, so an unchecked one cannot
    slip through."""
    transform = transform.validate()
    assert transform.quality is not None  # filled in by validate
    spec = _Spec(
        width=transform.width,
        height=transform.height,
        fit=transform.fit,
        format=transform.format,
        quality=transform.quality,
        background=_colour(transform.background),
        upscale=False,
        min_long_side=None,
        focal=_focal(transform.focal_x, transform.focal_y),
    )
    return _render(source, [spec])[0]


@dataclass(frozen=True)
class _Spec:
    """One output, whether it came from a preset or a transform."""

    width: int | None
    height: int | None
    fit: str
    format: str
    quality: int
    background: Colour
    upscale: bool
    min_long_side: int | None
    focal: tuple[float, float]


@dataclass(frozen=True)
class _Plan:
    """The geometry of one output, in pixels of the upright full-size source."""

    spec: _Spec
    crop: Box  # the region of the source that is shown
    size: tuple[int, int]  # the crop's size once scaled
    canvas: tuple[int, int] | None  # pad: the exact box the scaled crop is centred on

    @property
    def scale(self) -> float:
        """Output pixels per source pixel (the larger of the two axes, after rounding)."""
        return max(
            self.size[0] / (self.crop[2] - self.crop[0]),
            self.size[1] / (self.crop[3] - self.crop[1]),
        )

    def full_frame(self, source: tuple[int, int]) -> bool:
        return self.crop == (0, 0, source[0], source[1])


def _plan(spec: _Spec, source: tuple[int, int]) -> _Plan:
    source_w, source_h = source
    box_w, box_h = spec.width, spec.height
    if spec.fit == "cover" and box_w is not None and box_h is not None:
        aspect = box_w / box_h
        if source_w / source_h > aspect:
            crop_w, crop_h = max(1, min(source_w, round(source_h * aspect))), source_h
        else:
            crop_w, crop_h = source_w, max(1, min(source_h, round(source_w / aspect)))
        fit_scale = max(box_w / crop_w, box_h / crop_h)
    else:
        crop_w, crop_h = source_w, source_h
        fit_scale = min(
            box_w / source_w if box_w is not None else math.inf,
            box_h / source_h if box_h is not None else math.inf,
        )
    scale = fit_scale if spec.upscale else min(fit_scale, 1.0)
    if spec.min_long_side is not None:
        scale = max(scale, min(spec.min_long_side / max(crop_w, crop_h), fit_scale))
    size = (
        max(1, min(round(crop_w * scale), box_w or PRESET_MAX_SIDE)),
        max(1, min(round(crop_h * scale), box_h or PRESET_MAX_SIDE)),
    )
    focal_x, focal_y = spec.focal
    left = min(max(round(focal_x * source_w - crop_w / 2), 0), source_w - crop_w)
    top = min(max(round(focal_y * source_h - crop_h / 2), 0), source_h - crop_h)
    canvas = None
    if spec.fit == "pad" and box_w is not None and box_h is not None:
        canvas = (box_w, box_h)
    return _Plan(spec, (left, top, left + crop_w, top + crop_h), size, canvas)


def _render(source: Path, specs: Sequence[_Spec]) -> list[RenderedImage]:
    enable_heif()  # originals may be HEIC; cheap after the first call
    try:
        opened = Image.open(source)
    except UnidentifiedImageError as error:
        raise UnsupportedMediaType("the original is not an image that can be decoded") from error
    with opened:
        upright = _upright_size(opened)
        plans = [_plan(spec, upright) for spec in specs]
        base = _decode(opened, upright, max(plan.scale for plan in plans))
        return _cut_and_encode(base, plans, upright)


def _cut_and_encode(
    base: Image.Image, plans: Sequence[_Plan], source: tuple[int, int]
) -> list[RenderedImage]:
    """Every output, its steps run on the rendering pool as soon as their input exists: an
    output's resize once the image it is cut from is made (a large one as strips, one per
    thread), its encoding once it is resized. Steps never wait inside the pool (this thread
    hands them out), so a full pool cannot deadlock, and every core works on one original."""
    parents = _parents(plans, source)
    pool, threads = render_pool(), render_threads()
    pending: dict[Future[Any], tuple[str, int, int]] = {}  # step, output, first row of a strip
    cut: dict[int, Image.Image] = {}
    strips: dict[int, list[tuple[int, Image.Image]]] = {}
    strips_left: dict[int, int] = {}
    rendered: dict[int, RenderedImage] = {}

    def resize(index: int) -> None:
        parent = parents[index]
        image = base if parent is None else cut[parent]
        rows = _strip_rows(image, plans[index], source, threads)
        if rows is None:
            pending[pool.submit(_resample, image, plans[index], source)] = ("resize", index, 0)
            return
        strips[index], strips_left[index] = [], len(rows)
        for strip in rows:
            future = pool.submit(_resample, image, plans[index], source, strip)
            pending[future] = ("strip", index, strip[0])

    def resized(index: int, image: Image.Image) -> None:
        cut[index] = image
        pending[pool.submit(_finish_and_encode, image, plans[index])] = ("encode", index, 0)
        for child, parent in enumerate(parents):
            if parent == index:
                resize(child)

    for index, parent in enumerate(parents):
        if parent is None:
            resize(index)
    try:
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                step, index, first_row = pending.pop(future)
                if step == "encode":
                    rendered[index] = future.result()
                elif step == "resize":
                    resized(index, future.result())
                else:
                    strips[index].append((first_row, future.result()))
                    strips_left[index] -= 1
                    if not strips_left[index]:
                        resized(index, _joined(plans[index].size, strips.pop(index)))
    except BaseException:
        for future in pending:
            future.cancel()
        wait(pending)  # steps still running use the decoded image: let them end first
        raise
    return [rendered[index] for index in range(len(plans))]


def _parents(plans: Sequence[_Plan], source: tuple[int, int]) -> list[int | None]:
    """For each output, the larger full-frame output it is cut from (None: the decoded image):
    the smallest one at least _INTERMEDIATE_RATIO times its scale, so quality holds while most
    of a resize pass is saved (resizing costs per source pixel)."""
    largest_first = sorted(range(len(plans)), reverse=True,
                           key=lambda i: plans[i].size[0] * plans[i].size[1])
    parents: list[int | None] = [None] * len(plans)
    full_frame: list[int] = []  # largest first
    for index in largest_first:
        needed = plans[index].scale * _INTERMEDIATE_RATIO
        for candidate in full_frame:
            ratio = plans[candidate].size[0] / source[0]
            # isclose: exactly 1.5x must count, but e.g. a 2400 px intermediate for a 1600 px
            # output of a 4000 px source compares 0.6 against 0.4 * 1.5 == 0.6000000000000001.
            if ratio >= needed or math.isclose(ratio, needed):
                parents[index] = candidate
        if plans[index].full_frame(source):
            full_frame.append(index)
    return parents


def _upright_size(image: Image.Image) -> tuple[int, int]:
    """The size once EXIF orientation is applied, known before decoding any pixels."""
    orientation = image.getexif().get(0x0112, 1)
    width, height = image.size
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _decode(image: ImageFile.ImageFile, upright: tuple[int, int], scale: float) -> Image.Image:
    """Decode once, no larger than `scale` (output pixels per source pixel, plus headroom) needs,
    then turn it upright and into sRGB."""
    icc = image.info.get("icc_profile")
    wanted = scale * _DECODE_HEADROOM
    if wanted < 1.0 and image.format in ("JPEG", "MPO"):  # MPO: phone JPEGs with extra frames
        # DCT scaling by 1/2, 1/4 or 1/8: draft picks the smallest scale still >= the request.
        image.draft(
            "RGB",
            (max(1, math.ceil(image.width * wanted)), max(1, math.ceil(image.height * wanted))),
        )
    image.load()
    ImageOps.exif_transpose(image, in_place=True)
    decoded: Image.Image = image
    # What draft could not do (other formats, or a gap between JPEG's scales): a box reduction
    # by an integer factor, which keeps the image at least `wanted` times the full size.
    factor = math.floor(
        min(image.width / (upright[0] * wanted), image.height / (upright[1] * wanted))
    )
    if factor >= 2 and image.mode in _REDUCIBLE_MODES:
        decoded = image.reduce(factor)
    return _to_srgb(decoded, icc)


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """8-bit sRGB, RGB or RGBA (alpha kept only if some pixel is not opaque), with no metadata."""
    if image.mode in ("RGBa", "La", "PA", "P", "1"):
        wants_alpha = image.mode != "1" and image.has_transparency_data
        image = image.convert("RGBA" if wants_alpha else "RGB")
    elif image.mode in _SIXTEEN_BIT_GREY or image.mode == "I":
        image = _to_eight_bit(image)
    elif image.mode == "F":
        image = image.convert("L")
    elif image.mode not in ("RGB", "RGBA", "RGBX", "L", "LA", "CMYK", "LAB"):
        image = image.convert("RGB")  # YCbCr, HSV

    alpha = None
    if image.mode in ("RGBA", "LA"):
        alpha = image.getchannel("A")
        if alpha.getextrema() == (255, 255):
            alpha = None
        elif image.mode == "RGBA" and not icc:
            image.info = {}
            return image
        image = image.convert("RGB") if image.mode == "RGBA" else image.getchannel("L")
    elif image.mode == "RGBX":
        image = image.convert("RGB")
    result = _profile_to_srgb(image, icc)
    if alpha is not None:
        result.putalpha(alpha)
    result.info = {}
    return result


def _profile_to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """RGB, L, CMYK or LAB pixels in their embedded profile -> sRGB RGB.

    Without a usable profile, RGB and grey are taken as sRGB already and CMYK is converted
    naively: a broken profile should not stop a product image from being published."""
    if image.mode == "LAB" and not icc:
        return _transform(image, ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")))
    if icc:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        except (OSError, ImageCms.PyCMSError):
            profile = None
        if profile is not None and not _is_srgb(profile):
            try:
                return _transform(image, profile)
            except (OSError, ImageCms.PyCMSError):
                pass
    return image if image.mode == "RGB" else image.convert("RGB")


def _transform(image: Image.Image, profile: ImageCms.ImageCmsProfile) -> Image.Image:
    # A fresh sRGB profile per call: lcms profiles are not meant to be shared between threads.
    srgb = ImageCms.createProfile("sRGB")
    converted = ImageCms.profileToProfile(image, profile, srgb, outputMode="RGB")
    assert converted is not None  # not in place
    return converted


def _is_srgb(profile: ImageCms.ImageCmsProfile) -> bool:
    """sRGB profiles (cameras and phones embed one) need no conversion: skip the work."""
    description = profile.profile.profile_description or ""
    return description.startswith("sRGB")


def _to_eight_bit(image: Image.Image) -> Image.Image:
    """16-bit grey (PNG, TIFF) -> L by scaling, where a plain convert would clip at 255."""
    wide = image.convert("I")
    _low, high = wide.getextrema()
    assert isinstance(high, int)
    if high > 255:
        wide = wide.point(lambda value: value * (1 / 256))
    return wide.convert("L")


def _box(image: Image.Image, plan: _Plan, source: tuple[int, int]) -> Box:
    """The plan's crop in pixels of `image` (the decoded original or an intermediate)."""
    ratio_x, ratio_y = image.width / source[0], image.height / source[1]
    left, top, right, bottom = plan.crop
    return (left * ratio_x, top * ratio_y, right * ratio_x, bottom * ratio_y)


def _unresized(image: Image.Image, plan: _Plan, source: tuple[int, int]) -> bool:
    """Whether the output is `image` itself, or a crop of it at full scale: nothing to filter."""
    left, top, right, bottom = plan.crop
    whole = _box(image, plan, source) == (0, 0, *image.size) and plan.size == image.size
    return whole or (image.size == source and (right - left, bottom - top) == plan.size)


def _resample(
    image: Image.Image, plan: _Plan, source: tuple[int, int], rows: tuple[int, int] | None = None
) -> Image.Image:
    """The plan's output cut from `image`; with `rows` (first, end), only those output rows: a
    strip of the same pixels (each output row is filtered from the same source rows either
    way), so that one large resize can run on every core."""
    box = _box(image, plan, source)
    if _unresized(image, plan, source):
        if plan.size == image.size:
            return image
        return image.crop((int(box[0]), int(box[1]), int(box[2]), int(box[3])))
    size = plan.size
    if rows is not None:
        first, end = rows
        scale = (box[3] - box[1]) / plan.size[1]
        box = (box[0], box[1] + first * scale, box[2], box[1] + end * scale)
        size = (plan.size[0], end - first)
    return image.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=_REDUCING_GAP)


def _strip_rows(
    image: Image.Image, plan: _Plan, source: tuple[int, int], parts: int
) -> list[tuple[int, int]] | None:
    """Output rows per strip for a resize worth splitting (None: one step): only large ones,
    where the thread hand-over is small beside the work."""
    if parts < 2 or plan.size[0] * plan.size[1] < _STRIP_MIN_PIXELS:
        return None
    if _unresized(image, plan, source):
        return None
    bounds = [round(plan.size[1] * part / parts) for part in range(parts + 1)]
    return [(first, end) for first, end in itertools.pairwise(bounds) if end > first]


def _joined(size: tuple[int, int], strips: Sequence[tuple[int, Image.Image]]) -> Image.Image:
    """One image from strips given as (first row, strip)."""
    joined = Image.new(strips[0][1].mode, size)
    for first_row, strip in strips:
        joined.paste(strip, (0, first_row))
    return joined


def _finish_and_encode(image: Image.Image, plan: _Plan) -> RenderedImage:
    return _encode(_finish(image, plan), plan.spec)


def _finish(image: Image.Image, plan: _Plan) -> Image.Image:
    """Pad onto the canvas, and flatten transparency for JPEG."""
    background = plan.spec.background
    if plan.canvas is not None:
        offset = ((plan.canvas[0] - image.width) // 2, (plan.canvas[1] - image.height) // 2)
        if background[3] < 255:
            canvas = Image.new("RGBA", plan.canvas, background)
            canvas.alpha_composite(image.convert("RGBA"), offset)
        else:
            canvas = Image.new("RGB", plan.canvas, background[:3])
            canvas.paste(image, offset, image.getchannel("A") if image.mode == "RGBA" else None)
        image = canvas
    if plan.spec.format == "jpeg" and image.mode == "RGBA":
        flat = Image.new("RGB", image.size, background[:3])
        flat.paste(image, (0, 0), image.getchannel("A"))
        image = flat
    return image


def _encode(image: Image.Image, spec: _Spec) -> RenderedImage:
    """Encode with no metadata: exif= and icc_profile= are never passed, and image.info is empty
    (the PNG and AVIF encoders would otherwise copy a profile from it)."""
    image.info = {}
    buffer = io.BytesIO()
    if spec.format == "jpeg":
        image.save(buffer, "JPEG", quality=spec.quality, optimize=True, progressive=True)
    elif spec.format == "png":
        image.save(buffer, "PNG", optimize=True)
    elif spec.format == "webp":
        image.save(buffer, "WEBP", quality=spec.quality, method=4)
    else:
        image.save(buffer, "AVIF", quality=spec.quality, speed=8)
    return RenderedImage(
        data=buffer.getvalue(),
        format=spec.format,
        content_type=CONTENT_TYPES[spec.format],
        width=image.width,
        height=image.height,
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_colour(text: str) -> Colour | None:
    match = _COLOUR.fullmatch(text.lower())
    if match is None:
        return None
    rgb, alpha = match.groups()
    return (int(rgb[0:2], 16), int(rgb[2:4], 16), int(rgb[4:6], 16), int(alpha or "ff", 16))


def _colour(text: str) -> Colour:
    colour = _parse_colour(text)
    if colour is None:
        raise ValueError(f"not a colour: {text!r}")
    return colour


def _canonical_colour(text: str) -> str:
    """Lower case, and an opaque alpha dropped: "#FFFFFFFF" -> "#ffffff"."""
    text = text.lower()
    return text[:7] if text.endswith("ff") and len(text) == 9 else text


def _focal(focal_x: float | None, focal_y: float | None) -> tuple[float, float]:
    """A missing coordinate is the centre."""
    return (
        0.5 if focal_x is None else round(float(focal_x), 4),
        0.5 if focal_y is None else round(float(focal_y), 4),
    )
