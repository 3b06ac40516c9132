"""Test media made on the fly: real photographs shipped with scikit-image, and generated images,
video, 3D and PDF files, plus the hostile and broken files uploads must refuse."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable

import av
import numpy as np
import pygltflib
from PIL import Image
from pypdf import PdfWriter
from skimage import data as photos


def jpeg(image: Image.Image, **options: object) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=90, **options)
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def astronaut_jpeg(variant: str = "") -> bytes:
    """A real 512x512 photograph; a `variant` (stored as a JPEG comment) makes distinct bytes,
    so tests do not meet each other's uploads through deduplication."""
    return jpeg(Image.fromarray(photos.astronaut()), comment=variant.encode())


def coffee_jpeg(variant: str = "") -> bytes:
    """A real 600x400 photograph."""
    return jpeg(Image.fromarray(photos.coffee()), comment=variant.encode())


def rotated_jpeg() -> bytes:
    """Stored 300x200 landscape with EXIF orientation 6: shown as 200x300 portrait."""
    image = Image.new("RGB", (300, 200), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6
    return jpeg(image, exif=exif.tobytes())


def transparent_png() -> bytes:
    image = Image.new("RGBA", (120, 80), (0, 0, 0, 0))
    image.paste((20, 120, 220, 255), (30, 20, 90, 60))
    return png(image)


def silent_mp4(
    pictures: Iterable[np.ndarray], *, size: tuple[int, int], rate: int, codec: str = "mpeg4",
    options: dict[str, str] | None = None, bit_rate: int | None = None, title: str = "",
) -> bytes:
    """An MP4 of these RGB pictures (height x width x 3), one frame each, and no sound."""
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        if title:
            container.metadata["title"] = title
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        if bit_rate is not None:
            stream.bit_rate = bit_rate
        if options:
            stream.options = options
        for picture in pictures:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        container.mux(stream.encode(None))
    return out.getvalue()


def mp4_video(frames: int = 10, size: int = 64, rate: int = 10) -> bytes:
    return silent_mp4((np.full((size, size, 3), (n * 20) % 256, np.uint8) for n in range(frames)),
                      size=(size, size), rate=rate)


def slideshow_mp4(
    scenes: list[str], *, seconds_each: float = 2.0, size: tuple[int, int] = (320, 240),
    rate: int = 8, marker: str = "",
) -> bytes:
    """A video that shows each named scikit-image photograph in turn, `seconds_each` seconds
    apiece; `marker` (stored as the title) makes distinct bytes."""
    pictures = [np.asarray(Image.fromarray(getattr(photos, name)()).convert("RGB").resize(size))
                for name in scenes]
    frames_each = round(seconds_each * rate)
    return silent_mp4((picture for picture in pictures for _ in range(frames_each)),
                      size=size, rate=rate, title=marker)


def glb_model() -> bytes:
    """One triangle: 1 mesh, 3 vertices, bounds [[0,0,0],[1,1,0]]."""
    points = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], dtype=np.float32)
    blob = points.tobytes()
    gltf = pygltflib.GLTF2(
        scene=0, scenes=[pygltflib.Scene(nodes=[0])], nodes=[pygltflib.Node(mesh=0)],
        meshes=[pygltflib.Mesh(primitives=[
            pygltflib.Primitive(attributes=pygltflib.Attributes(POSITION=0))])],
        accessors=[pygltflib.Accessor(
            bufferView=0, componentType=pygltflib.FLOAT, count=3, type=pygltflib.VEC3,
            min=points.min(axis=0).tolist(), max=points.max(axis=0).tolist())],
        bufferViews=[pygltflib.BufferView(buffer=0, byteLength=len(blob),
                                          target=pygltflib.ARRAY_BUFFER)],
        buffers=[pygltflib.Buffer(byteLength=len(blob))],
    )
    gltf.set_binary_blob(blob)
    return b"".join(gltf.save_to_bytes())


def pdf_document(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def truncated_jpeg() -> bytes:
    whole = astronaut_jpeg()
    return whole[: len(whole) // 2]


def bomb_png(width: int = 50_000, height: int = 50_000) -> bytes:
    """A tiny PNG whose header declares an enormous image."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (struct.pack(">I", len(payload)) + kind + payload
                + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200


def zip_archive() -> bytes:
    """A small ZIP archive, to append to images (polyglots)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("payload.txt", "not an image " * 50)
    return out.getvalue()


def test_pattern_video(
    width: int = 640, height: int = 360, seconds: float = 3, rate: int = 25,
    audio: bool = True, container: str = "mp4", variant: int = 0,
) -> bytes:
    """A moving colour-bar pattern with a 440 Hz tone (H.264/AAC in MP4, VP9/Opus in WebM),
    encoded fast; `variant` shifts the pattern so tests get distinct bytes."""
    video_codec, audio_codec = ("libx264", "aac") if container == "mp4" else ("libvpx-vp9",
                                                                              "libopus")
    out = io.BytesIO()
    with av.open(out, "w", format=container) as output:
        video = output.add_stream(video_codec, rate=rate)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = ({"preset": "ultrafast"} if video_codec == "libx264"
                         else {"deadline": "realtime", "cpu-used": "8"})
        sound = output.add_stream(audio_codec, rate=48_000) if audio else None
        if sound is not None:
            sound.layout = "stereo"
        bars = np.repeat(np.linspace(0, 255, width, dtype=np.uint8)[None, :], height, axis=0)
        for n in range(int(seconds * rate)):
            shifted = np.roll(bars, 8 * n + variant, axis=1)
            pixels = np.stack([shifted, np.roll(shifted, width // 3, axis=1),
                               np.full_like(shifted, (40 * variant) % 256)], axis=-1)
            output.mux(video.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
        output.mux(video.encode(None))
        if sound is not None:
            samples_per_frame = 960
            for n in range(int(seconds * 48_000 / samples_per_frame)):
                t = (np.arange(samples_per_frame) + n * samples_per_frame) / 48_000
                tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
                frame = av.AudioFrame.from_ndarray(np.stack([tone, tone]).reshape(1, -1),
                                                   format="flt", layout="stereo")
                frame.sample_rate = 48_000
                frame.pts = n * samples_per_frame
                output.mux(sound.encode(frame))
            output.mux(sound.encode(None))
    return out.getvalue()


def sound_only_mp4(seconds: float = 1) -> bytes:
    """An MP4 holding an AAC tone and no picture."""
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as output:
        sound = output.add_stream("aac", rate=48_000)
        sound.layout = "stereo"
        for n in range(int(seconds * 48_000 / 1024)):
            tone = np.full((1, 2048), 0.1 * (n % 2), np.float32)
            frame = av.AudioFrame.from_ndarray(tone, format="flt", layout="stereo")
            frame.sample_rate = 48_000
            frame.pts = n * 1024
            output.mux(sound.encode(frame))
        output.mux(sound.encode(None))
    return out.getvalue()


def phone_video(seconds: float = 1, rate: int = 10) -> bytes:
    """What a phone held upright records: 320x180 pictures (left half white, right half black)
    in an MP4 whose track matrix says "turn 90 degrees clockwise to show", so players show
    180x320 with the white half on top."""
    pixels = np.zeros((180, 320, 3), np.uint8)
    pixels[:, :160] = 255
    data = bytearray(silent_mp4((pixels for _ in range(int(seconds * rate))), size=(320, 180),
                                rate=rate, codec="libx264"))
    # tkhd: type, then version+flags, 2 times, track id, reserved, duration, 8 reserved, layer,
    # group, volume, reserved (40 bytes), then the 3x3 display matrix in 16.16 / 2.30 fixed point.
    matrix = data.find(b"tkhd") + 4 + 40
    data[matrix:matrix + 36] = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000)
    return bytes(data)
