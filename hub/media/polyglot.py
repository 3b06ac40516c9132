"""Refuse images that are also another kind of file (polyglots).

A JPEG with a ZIP archive appended decodes as a photo, opens as an archive, and keeps whatever it
carries hidden behind the image's facts and renditions. Two checks, for images only (videos,
3D models and PDFs have other structures and are not checked here):

- the image format must end where the file ends: after the JPEG EOI marker, the PNG IEND chunk,
  the GIF trailer, the RIFF size (WebP) or the last ISO box (AVIF, HEIC), only padding may follow
  (0x00 or 0xFF bytes), further whole JPEG images (camera previews and gain maps that the
  Multi-Picture Format appends) or a Samsung metadata trailer without a video in it;
- no signature of an archive, document, page, script or executable may appear anywhere in it.
  The signatures are long enough that compressed image data matches one by chance less than
  once in ten million uploads of 10 MB.

TIFF places its data by offsets anywhere in the file, so it gets the signature check only.
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Callable
from pathlib import Path

from hub.errors import UnsupportedMediaType
from hub.media.sniff import (
    AVIF,
    GIF,
    HEIC,
    JPEG,
    PNG,
    SNIFF_BYTES,
    TIFF,
    UNRECOGNISED,
    WEBP,
    SniffedType,
    describe,
)
from hub.models.asset import AssetKind

# Signatures of formats an image must not also be, each with what it means.
_EMBEDDED: tuple[tuple[re.Pattern[bytes], str], ...] = (
    # A local file header (plausible "version needed" and compression method), or the
    # end-of-archive record ZIP readers look for near the end. JAR, APK, DOCX are ZIP too.
    (re.compile(rb"PK(?:\x03\x04[\x0a-\x3f]\x00..[\x00\x08\x09\x0c\x0e\x5d\x5f\x62\x63]\x00"
                rb"|\x05\x06\x00\x00\x00\x00)", re.DOTALL), "a ZIP archive"),
    (re.compile(rb"Rar!\x1a\x07(?:\x00|\x01\x00)"), "a RAR archive"),
    (re.compile(rb"7z\xbc\xaf\x27\x1c\x00[\x00-\x04]"), "a 7-Zip archive"),
    (re.compile(rb"%PDF-[12]\.\d"), "a PDF document"),
    (re.compile(rb"<(?i:script[\s>/]|!doctype\s+html|iframe[\s>/]|object[\s>/])"),
     "an HTML page"),
    (re.compile(rb"<\?php\s"), "a PHP script"),
    (re.compile(rb"#!/(?:usr/)?bin/"), "a script"),
    (re.compile(rb"\x7fELF[\x01\x02][\x01\x02]\x01"), "an ELF executable"),
    (re.compile(rb"This program cannot be run in DOS mode"), "a Windows executable"),
)

_PADDING = re.compile(rb"(?:\x00|\xff(?!\xd8))+")
# After a JPEG scan's entropy-coded data: the next marker that is not a restart marker
# (0xFF00 is an escaped data byte, 0xFFFF a fill byte before a marker).
_JPEG_MARKER_AFTER_SCAN = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_SAMSUNG_TRAILER_END = b"SEFT"
_SAMSUNG_TRAILER_START = b"SEFH"


def refuse_polyglot(path: Path, sniffed: SniffedType) -> None:
    """Raise UnsupportedMediaType when an image file is also something else; see the module
    docstring for what counts. Reads the file through a memory map, never whole into memory."""
    if sniffed.kind is not AssetKind.IMAGE or path.stat().st_size == 0:
        return  # (an empty file cannot be memory-mapped; it is refused as empty anyway)
    image = _IMAGE_NAMES.get(sniffed, "an image")
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        end_of = _IMAGE_END.get(sniffed)
        if end_of is not None:
            extra = _extra_after(data, end_of(data, 0), sniffed)
            if extra is not None:
                offset, what = extra
                raise _polyglot(image, what, f"after the image's end, at byte {offset} of "
                                             f"{len(data)}", offset)
        for pattern, what in _EMBEDDED:
            match = pattern.search(data)
            if match is not None:
                raise _polyglot(image, what, f"at byte {match.start()}", match.start())


def _polyglot(image: str, what: str, where: str, offset: int) -> UnsupportedMediaType:
    return UnsupportedMediaType(
        f"the file is {image} but also {what} ({where}); a file that is two formats at once "
        "is refused: upload the image alone",
        found=what, reason="polyglot", offset=offset,
    )


def _extra_after(data: mmap.mmap, end: int, sniffed: SniffedType) -> tuple[int, str] | None:
    """Where data that is not part of the image starts after its `end`, and what it is."""
    size = len(data)
    while end < size:
        if sniffed is JPEG and data[end : end + 3] == b"\xff\xd8\xff":
            end = _jpeg_end(data, end)  # a further picture of a Multi-Picture Format file
            continue
        padding = _PADDING.match(data, end)
        if padding is not None and (padding.end() == size
                                    or data[padding.end() : padding.end() + 2] == b"\xff\xd8"):
            end = padding.end()
            continue
        if _is_samsung_trailer(data, end):
            if data.find(b"ftyp", end) != -1:
                return end, "an MP4 video (a motion photo: save it as a still photo)"
            return None
        return end, _what_starts_at(data, end)
    return None


def _what_starts_at(data: mmap.mmap, offset: int) -> str:
    for pattern, what in _EMBEDDED:
        if pattern.match(data, offset):
            return what
    found = describe(data[offset : offset + SNIFF_BYTES])
    return "other data" if found == UNRECOGNISED else found


def _is_samsung_trailer(data: mmap.mmap, start: int) -> bool:
    """Samsung phones append metadata ending in a directory: "SEFH" ... length, "SEFT"."""
    size = len(data)
    if size - start < 12 or data[size - 4 :] != _SAMSUNG_TRAILER_END:
        return False
    directory = size - 8 - int.from_bytes(data[size - 8 : size - 4], "little")
    return start <= directory and data[directory : directory + 4] == _SAMSUNG_TRAILER_START


def _jpeg_end(data: mmap.mmap, start: int) -> int:
    """The offset after the EOI marker of the JPEG at `start`, following its segments like a
    decoder does (stray bytes between segments are skipped); the file's size if it has none."""
    size = len(data)
    position = start + 2  # after SOI
    while position < size:
        if data[position] != 0xFF:  # stray bytes: decoders skip to the next marker
            position = data.find(b"\xff", position)
            if position == -1:
                return size
        while position < size and data[position] == 0xFF:
            position += 1
        if position >= size:
            return size
        marker = data[position]
        position += 1
        if marker == 0xD9:
            return position
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # RSTn and TEM have no length
            continue
        position += int.from_bytes(data[position : position + 2], "big")
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next marker
            found = _JPEG_MARKER_AFTER_SCAN.search(data, position)
            if found is None:
                return size
            position = found.start()
    return size


def _png_end(data: mmap.mmap, start: int) -> int:
    """The offset after the IEND chunk, or where something that is not a chunk begins; the
    file's size when its last chunk is cut off (a truncated file, not a second format)."""
    size = len(data)
    position = start + 8  # after the signature
    while position + 8 <= size:
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        if not kind.isalpha():
            return position
        if position + 12 + length > size:
            return size
        position += 12 + length  # length, type, data, CRC
        if kind == b"IEND":
            return position
    return position


def _gif_end(data: mmap.mmap, start: int) -> int:
    """The offset after the GIF trailer (0x3B); where the block structure breaks otherwise."""
    size = len(data)
    if size < start + 13:
        return size
    flags = data[start + 10]
    position = start + 13 + (3 << ((flags & 0x07) + 1) if flags & 0x80 else 0)
    while position < size:
        block = data[position]
        if block == 0x3B:
            return position + 1
        if block == 0x21:  # extension: label, then data sub-blocks
            position = _skip_gif_sub_blocks(data, position + 2)
        elif block == 0x2C:  # image: descriptor, local colour table, LZW code size, sub-blocks
            if position + 10 > size:
                return size
            flags = data[position + 9]
            position += 10 + (3 << ((flags & 0x07) + 1) if flags & 0x80 else 0)
            position = _skip_gif_sub_blocks(data, position + 1)
        else:
            return position
    return size


def _skip_gif_sub_blocks(data: mmap.mmap, position: int) -> int:
    size = len(data)
    while position < size:
        length = data[position]
        position += 1 + length
        if length == 0:
            break
    return min(position, size)


def _riff_end(data: mmap.mmap, start: int) -> int:
    """WebP is a RIFF file: its header gives the size of everything that follows it."""
    declared = int.from_bytes(data[start + 4 : start + 8], "little")
    return min(start + 8 + declared + (declared & 1), len(data))


def _iso_boxes_end(data: mmap.mmap, start: int) -> int:
    """AVIF and HEIC are sequences of ISO boxes (size, four-letter type) up to the file's end;
    they end where something that is not a box begins, or with a box cut off (truncated)."""
    size = len(data)
    position = start
    while position + 8 <= size:
        box_size = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        header = 8
        if box_size == 0:  # to the end of the file
            return size
        if box_size == 1 and position + 16 <= size:
            box_size = int.from_bytes(data[position + 8 : position + 16], "big")
            header = 16
        if box_size < header or not all(0x20 <= byte <= 0x7E for byte in kind):
            return position
        if position + box_size > size:
            return size
        position += box_size
    return position


_IMAGE_NAMES = {
    JPEG: "a JPEG image", PNG: "a PNG image", GIF: "a GIF image", WEBP: "a WebP image",
    AVIF: "an AVIF image", TIFF: "a TIFF image", HEIC: "a HEIC image",
}
_IMAGE_END: dict[SniffedType, Callable[[mmap.mmap, int], int]] = {
    JPEG: _jpeg_end,
    PNG: _png_end,
    GIF: _gif_end,
    WEBP: _riff_end,
    AVIF: _iso_boxes_end,
    HEIC: _iso_boxes_end,
}
