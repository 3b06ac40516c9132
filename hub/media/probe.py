"""Facts read from a stored original: dimensions, duration, page and mesh counts, placeholders.

Each probe reads what it reports on in full (an image is decoded, a video's first frame is
decoded, a 3D model is loaded: hub/media/model3d.py), so a truncated or corrupt upload is
refused when it arrives rather than when a rendition is made from it. Library errors become
BadUserInput with a short reason; their messages and stack traces are never shown to clients.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import IO

import av
import blurhash
import numpy as np
import pypdf
from PIL import Image, ImageFile
from pypdf.errors import PyPdfError

from hub.errors import BadUserInput, PayloadTooLarge, UnsupportedMediaType
from hub.media.heif import enable_heif
from hub.media.keyframes import video_duration
from hub.media.model3d import DEFAULT_MAX_TRIANGLES, probe_model
from hub.media.sniff import GLB, SniffedType
from hub.models.asset import AssetKind, MediaFacts

DEFAULT_MAX_PIXELS = 100_000_000

# Pillow's registry name for each sniffed image extension.
_PILLOW_FORMATS = {
    "jpg": "JPEG",
    "png": "PNG",
    "gif": "GIF",
    "webp": "WEBP",
    "avif": "AVIF",
    "tiff": "TIFF",
    "heic": "HEIF",
}
_EXIF_ORIENTATION = 0x0112
# What turns stored pixels upright for each EXIF orientation (as PIL.ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SIDEWAYS_ORIENTATIONS = frozenset({5, 6, 7, 8})
_SAMPLE_SIZE = 32  # longest side of the thumbnail that placeholders are computed from
_BLURHASH_COMPONENTS = (4, 3)
_DOMINANT_PALETTE = 5
_PLACEHOLDER_BACKGROUND = (255, 255, 255, 255)  # what transparent areas show in a blurhash
# Pillow reports some malformed data (corrupt EXIF, for one) with warnings.warn: where warnings
# are errors, as in the test suite, that arrives here as a UserWarning.
_IMAGE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, UserWarning)
# pypdf meets hostile input with more than its own exceptions.
_DOCUMENT_ERRORS = (PyPdfError, ValueError, TypeError, KeyError, AttributeError, IndexError)


def probe(
    path: Path,
    sniffed: SniffedType,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_model_triangles: int = DEFAULT_MAX_TRIANGLES,
) -> MediaFacts:
    """Read facts from a stored file. CPU- and IO-bound: callers run it in a thread."""
    if sniffed.kind is AssetKind.IMAGE:
        return _probe_image(path, sniffed, max_pixels)
    if sniffed.kind is AssetKind.VIDEO:
        return _probe_video(path, max_pixels)
    if sniffed.kind is AssetKind.MODEL_3D:
        return probe_model(path, binary=sniffed == GLB, max_triangles=max_model_triangles)
    return _probe_document(path)


def _short_reason(error: BaseException) -> str:
    """The first line of a library's message, bounded: enough to act on, no internals."""
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else type(error).__name__
    return text if len(text) <= 160 else text[:157] + "..."


# Images


def _probe_image(path: Path, sniffed: SniffedType, max_pixels: int) -> MediaFacts:
    pillow_format = _PILLOW_FORMATS[sniffed.extension]
    with path.open("rb") as file:
        try:
            with _open_image(file, pillow_format) as image:
                return _image_facts(image, pillow_format, max_pixels)
        except Image.DecompressionBombError as error:
            # Pillow's own check, met where a plugin grows the canvas (a GIF frame larger than
            # its screen) past twice `Image.MAX_IMAGE_PIXELS` while reading the header.
            raise PayloadTooLarge(
                f"the image is too large to decode: {_short_reason(error)}", max_pixels=max_pixels
            ) from error
        except _IMAGE_ERRORS as error:
            raise BadUserInput(
                f"the image is truncated or corrupt: {_short_reason(error)}",
                reason="corrupt_image",
            ) from error


def _image_facts(image: ImageFile.ImageFile, pillow_format: str, max_pixels: int) -> MediaFacts:
    """Check the declared size before decoding anything, then decode the first frame in full."""
    width, height = image.size
    if width * height > max_pixels:
        raise PayloadTooLarge(
            f"the image declares {width}x{height} = {width * height} pixels; "
            f"at most {max_pixels} are accepted",
            width=width,
            height=height,
            max_pixels=max_pixels,
        )
    image.load()  # the first frame only, for animated GIF and WebP
    orientation = _exif_orientation(image)
    sample = _upright_sample(image, orientation)
    if orientation in _SIDEWAYS_ORIENTATIONS:
        width, height = height, width
    return MediaFacts(
        width=width,
        height=height,
        format=(image.format or pillow_format).lower(),
        color_mode=image.mode,
        has_alpha=image.has_transparency_data,
        exif_orientation=orientation,
        has_icc_profile=bool(image.info.get("icc_profile")),
        blurhash=_blurhash(sample),
        dominant_color=_dominant_color(sample),
        perceptual_hash=perceptual_hash(sample),
    )


def _open_image(file: IO[bytes], pillow_format: str) -> ImageFile.ImageFile:
    """Read an image's header lazily with Pillow's opener for the sniffed format.

    This is `Image.open` restricted to one format, minus its check of the declared size against
    the process-wide `Image.MAX_IMAGE_PIXELS`, which warns (an error under our pytest settings)
    or raises before a caller's own limit can be applied; `probe` applies `max_pixels` instead.
    """
    if pillow_format == "HEIF" and not enable_heif():
        raise UnsupportedMediaType("HEIC images cannot be read on this server", found="image/heic")
    if pillow_format not in Image.OPEN:
        Image.init()
    factory, _accept = Image.OPEN[pillow_format]
    return factory(file, "")


def _exif_orientation(image: Image.Image) -> int | None:
    orientation = image.getexif().get(_EXIF_ORIENTATION)
    return orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else None


def _upright_sample(image: Image.Image, orientation: int | None) -> Image.Image:
    """A tiny RGBA copy of the first frame, turned the way viewers show it."""
    width, height = image.size
    scale = _SAMPLE_SIZE / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
        # CMYK, 16-bit and float modes: convert first, as not every resampler takes them.
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    sample = image.resize(size, Image.Resampling.BOX, reducing_gap=2.0).convert("RGBA")
    upright = _UPRIGHT.get(orientation or 1)
    return sample.transpose(upright) if upright is not None else sample


def perceptual_hash(image: Image.Image) -> str:
    """A 64-bit difference hash (dHash) as 16 hex digits: resized or re-encoded copies of an
    image differ from it in a few bits only, unrelated images in about half."""
    background = Image.new("RGBA", image.size, _PLACEHOLDER_BACKGROUND)
    gray = Image.alpha_composite(background, image.convert("RGBA")).convert("L")
    pixels = np.asarray(gray.resize((9, 8), Image.Resampling.LANCZOS), dtype=np.int16)
    bits = (pixels[:, 1:] > pixels[:, :-1]).flatten()
    return f"{int(''.join('1' if bit else '0' for bit in bits), 2):016x}"


def _blurhash(sample: Image.Image) -> str:
    background = Image.new("RGBA", sample.size, _PLACEHOLDER_BACKGROUND)
    pixels = np.asarray(Image.alpha_composite(background, sample).convert("RGB")).tolist()
    components_x, components_y = _BLURHASH_COMPONENTS
    return str(blurhash.encode(pixels, components_x, components_y))


def _dominant_color(sample: Image.Image) -> str | None:
    """The most common colour of a few, over the pixels that are not fully transparent."""
    pixels = np.asarray(sample)
    visible = pixels[pixels[..., 3] > 0][:, :3]
    if visible.size == 0:
        return None
    strip = Image.fromarray(np.ascontiguousarray(visible.reshape(1, -1, 3)))
    quantized = strip.quantize(colors=_DOMINANT_PALETTE, method=Image.Quantize.MEDIANCUT)
    colors = quantized.getcolors()
    palette = quantized.getpalette()
    if not colors or palette is None:
        return None
    _count, index = max(colors)
    if not isinstance(index, int):  # a palette image's colours are palette indexes
        return None
    red, green, blue = palette[3 * index : 3 * index + 3]
    return f"#{red:02x}{green:02x}{blue:02x}"


# Videos


def _probe_video(path: Path, max_pixels: int) -> MediaFacts:
    with path.open("rb") as file:
        try:
            with av.open(file, mode="r") as container:
                if not container.streams.video:
                    raise BadUserInput("the file has no video stream", reason="no_video_stream")
                stream = container.streams.video[0]
                width, height = stream.codec_context.width, stream.codec_context.height
                if width * height > max_pixels:
                    raise PayloadTooLarge(
                        f"the video declares {width}x{height} = {width * height} pixels a frame; "
                        f"at most {max_pixels} are accepted",
                        width=width,
                        height=height,
                        max_pixels=max_pixels,
                    )
                first_frame = next(container.decode(stream), None)
                if first_frame is None:
                    raise _corrupt_video("no frame could be decoded")
                if first_frame.rotation % 180 == 90:  # a phone held upright
                    width, height = height, width
                rate = stream.average_rate or stream.guessed_rate
                duration = video_duration(container, stream)
                return MediaFacts(
                    width=width,
                    height=height,
                    codec=stream.codec_context.name,
                    fps=round(float(rate), 3) if rate else None,
                    duration_seconds=round(duration, 3) if duration is not None else None,
                )
        except av.FFmpegError as error:
            # FFmpeg's message without the file name it appends.
            raise _corrupt_video(error.strerror or _short_reason(error)) from error
        except ValueError as error:
            raise _corrupt_video(_short_reason(error)) from error


def _corrupt_video(reason: str) -> BadUserInput:
    return BadUserInput(f"the video is truncated or corrupt: {reason}", reason="corrupt_video")


# Documents


def _probe_document(path: Path) -> MediaFacts:
    with path.open("rb") as file:
        try:
            reader = pypdf.PdfReader(file)
            if reader.is_encrypted:
                raise BadUserInput(
                    "the PDF is encrypted; upload a copy without a password",
                    reason="corrupt_document",
                )
            page_count = len(reader.pages)
        except _DOCUMENT_ERRORS as error:
            raise BadUserInput(
                f"the PDF is corrupt or unreadable: {_short_reason(error)}",
                reason="corrupt_document",
            ) from error
    if page_count == 0:
        raise BadUserInput("the PDF has no pages", reason="corrupt_document")
    return MediaFacts(page_count=page_count)
