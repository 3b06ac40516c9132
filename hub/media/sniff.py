"""Upload type detection from the file's leading bytes.

The client's filename and content type are never trusted: they decide nothing about how a file
is stored, probed or served. Only the formats listed here are accepted; anything a browser could
execute or render as a page (SVG, HTML, XML) and anything else is refused.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from hub.errors import UnsupportedMediaType
from hub.models.asset import AssetKind

SNIFF_BYTES = 4096
"""How many leading bytes callers must pass to `sniff` (fewer only when the file is shorter)."""
UNRECOGNISED = "an unrecognised format"


@dataclass(frozen=True)
class SniffedType:
    content_type: str
    kind: AssetKind
    extension: str  # canonical, without the dot


JPEG = SniffedType("image/jpeg", AssetKind.IMAGE, "jpg")
PNG = SniffedType("image/png", AssetKind.IMAGE, "png")
GIF = SniffedType("image/gif", AssetKind.IMAGE, "gif")
WEBP = SniffedType("image/webp", AssetKind.IMAGE, "webp")
AVIF = SniffedType("image/avif", AssetKind.IMAGE, "avif")
TIFF = SniffedType("image/tiff", AssetKind.IMAGE, "tiff")
HEIC = SniffedType("image/heic", AssetKind.IMAGE, "heic")
MP4 = SniffedType("video/mp4", AssetKind.VIDEO, "mp4")
MOV = SniffedType("video/quicktime", AssetKind.VIDEO, "mov")
WEBM = SniffedType("video/webm", AssetKind.VIDEO, "webm")
GLB = SniffedType("model/gltf-binary", AssetKind.MODEL_3D, "glb")
GLTF = SniffedType("model/gltf+json", AssetKind.MODEL_3D, "gltf")
PDF = SniffedType("application/pdf", AssetKind.DOCUMENT, "pdf")

# Made from 3D models for iOS AR Quick Look (hub/media/usdz.py) and handed out; never accepted.
USDZ_CONTENT_TYPE = "model/vnd.usdz+zip"

ACCEPTED: tuple[SniffedType, ...] = (
    JPEG, PNG, GIF, WEBP, AVIF, TIFF, HEIC, MP4, MOV, WEBM, GLB, GLTF, PDF,
)  # fmt: skip

# ISO base media (`ftyp`) brands. Image brands are checked before video ones, because an AVIF or
# HEIC file also lists the generic HEIF brands `mif1`/`msf1` among its compatible brands.
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"})
_MOV_BRANDS = frozenset({b"qt  "})
_MP4_BRANDS = frozenset({
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6",
    b"mp41", b"mp42", b"avc1", b"dash", b"M4V ",
})  # fmt: skip
_BRAND_FAMILIES: tuple[tuple[frozenset[bytes], SniffedType], ...] = (
    (_AVIF_BRANDS, AVIF),
    (_HEIC_BRANDS, HEIC),
    (_MOV_BRANDS, MOV),
    (_MP4_BRANDS, MP4),
)
_GENERIC_HEIF_BRANDS = frozenset({b"mif1", b"msf1"})
# Major brands of files that also list `isom` or `mp42` but hold no video we accept.
_REFUSED_MAJOR_BRANDS = {
    b"M4A ": "an MPEG-4 audio file",
    b"M4B ": "an MPEG-4 audiobook",
    b"M4P ": "a protected MPEG-4 audio file",
    b"crx ": "a Canon raw photo (CR3)",
}

_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_EBML_DOC_TYPE = 0x4282
_UTF8_BOM = b"\xef\xbb\xbf"


def sniff(head: bytes) -> SniffedType:
    """The type of a file from its first `SNIFF_BYTES` bytes; UnsupportedMediaType otherwise."""
    found = _match(head)
    if isinstance(found, SniffedType):
        return found
    accepted = ", ".join(sniffed.content_type for sniffed in ACCEPTED)
    raise UnsupportedMediaType(
        f"unsupported file type: found {found}; accepted types are {accepted}",
        found=found,
        accepted=[sniffed.content_type for sniffed in ACCEPTED],
    )


def describe(head: bytes) -> str:
    """What a file's leading bytes are, in words: "a ZIP archive", "an HTML page"."""
    found = _match(head)
    return f"a file of type {found.content_type}" if isinstance(found, SniffedType) else found


def _match(head: bytes) -> SniffedType | str:
    """The accepted type, or a short description of what was found instead."""
    if not head:
        return "an empty file"
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    if head[4:8] == b"ftyp":
        return _match_ftyp(head)
    if head.startswith(_EBML_MAGIC):
        return _match_ebml(head)
    if head.startswith(b"glTF"):
        return _match_glb(head)
    if head.startswith(b"%PDF-"):
        return PDF
    return _match_text(head)


def _match_ftyp(head: bytes) -> SniffedType | str:
    """An ISO base media file (MP4, MOV, AVIF, HEIC) told apart by its `ftyp` brands."""
    (box_size,) = struct.unpack(">I", head[:4])
    if len(head) < 12:
        return "a truncated ISO media file"
    major = head[8:12]
    if major in _REFUSED_MAJOR_BRANDS:
        return _REFUSED_MAJOR_BRANDS[major]
    # Compatible brands follow the 4-byte minor version; size 0 means "to the end of the file".
    end = len(head) if box_size == 0 else min(box_size, len(head))
    compatible = {head[offset : offset + 4] for offset in range(16, end - 3, 4)}
    if major in _GENERIC_HEIF_BRANDS and compatible & _AVIF_BRANDS:
        return AVIF
    for brands, sniffed in _BRAND_FAMILIES:
        if major in brands:
            return sniffed
    for brands, sniffed in _BRAND_FAMILIES:
        if compatible & brands:
            return sniffed
    return f"an ISO media file of brand {major.decode('latin-1')!r}"


def _match_ebml(head: bytes) -> SniffedType | str:
    """WebM, and not any other Matroska file: the EBML header's DocType says which."""
    doc_type = _ebml_doc_type(head)
    if doc_type == b"webm":
        return WEBM
    if doc_type == b"matroska":
        return "a Matroska (MKV) video"
    return "an EBML (Matroska-like) file"


def _ebml_doc_type(head: bytes) -> bytes | None:
    """The DocType element of the EBML header at the start of `head`, if it is there."""
    header = _read_vint(head, len(_EBML_MAGIC), keep_marker=False)
    if header is None:
        return None
    header_size, offset = header
    end = min(offset + header_size, len(head))
    while offset < end:
        element = _read_vint(head, offset, keep_marker=True)
        if element is None:
            return None
        element_id, offset = element
        size = _read_vint(head, offset, keep_marker=False)
        if size is None:
            return None
        data_size, offset = size
        if element_id == _EBML_DOC_TYPE:
            return head[offset : offset + data_size].rstrip(b"\x00")
        offset += data_size
    return None


def _read_vint(data: bytes, offset: int, *, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer at `offset`: (value, offset after it)."""
    if offset >= len(data) or data[offset] == 0:
        return None
    first = data[offset]
    length = 8 - first.bit_length() + 1
    if offset + length > len(data):
        return None
    value = first if keep_marker else first & ((1 << (8 - length)) - 1)
    for byte in data[offset + 1 : offset + length]:
        value = (value << 8) | byte
    return value, offset + length


def _match_glb(head: bytes) -> SniffedType | str:
    if len(head) >= 12 and struct.unpack("<I", head[4:8])[0] == 2:
        return GLB
    return "a binary glTF file of a version other than 2"


def _match_text(head: bytes) -> SniffedType | str:
    """glTF JSON, or a description of the text or executable formats that are refused."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "a ZIP archive"
    if head.startswith(b"\x7fELF"):
        return "an ELF executable"
    if head.startswith(b"MZ"):
        return "a Windows executable"
    if head.startswith(b"#!"):
        return "a script"
    text = head.removeprefix(_UTF8_BOM).lstrip()
    if text.startswith(b"{"):
        return GLTF if b'"asset"' in text else "a JSON file that is not glTF"
    lowered = text[:1024].lower()
    if b"<svg" in lowered:
        return "an SVG image"
    if lowered.startswith(b"<!doctype html") or b"<html" in lowered:
        return "an HTML page"
    if lowered.startswith(b"<"):
        return "an XML or markup file"
    return UNRECOGNISED
