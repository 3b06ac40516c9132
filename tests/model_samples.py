"""3D models made for the tests: real GLBs built with trimesh (what exporters write), and
hand-written glTF for the broken and hostile cases no exporter would write."""

from __future__ import annotations

import base64
import json
import struct
from dataclasses import dataclass

import numpy as np
import trimesh
from PIL import Image
from trimesh.visual.material import PBRMaterial

SHADE_YELLOW = (250, 200, 40)
TEXTURE_RED = (220, 30, 30)
TEXTURE_BLUE = (30, 60, 220)


@dataclass(frozen=True)
class SampleModel:
    glb: bytes
    triangles: int
    vertices: int
    size: tuple[float, float, float]  # metres, x y z


def _upright(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """trimesh's cylinders and cones stand on Z; glTF's up is Y."""
    mesh.apply_transform(trimesh.transformations.rotation_matrix(-np.pi / 2, [1, 0, 0]))
    return mesh


def _painted(mesh: trimesh.Trimesh, rgb: tuple[int, int, int], name: str) -> trimesh.Trimesh:
    linear = [(channel / 255) ** 2.2 for channel in rgb]  # glTF colour factors are linear
    mesh.visual = trimesh.visual.TextureVisuals(material=PBRMaterial(
        name=name, baseColorFactor=[*linear, 1.0], metallicFactor=0.0, roughnessFactor=0.8))
    return mesh


def _sample(scene: trimesh.Scene) -> SampleModel:
    meshes = list(scene.geometry.values())
    low, high = scene.bounds
    return SampleModel(glb=scene.export(file_type="glb"),
                       triangles=sum(len(mesh.faces) for mesh in meshes),
                       vertices=sum(len(mesh.vertices) for mesh in meshes),
                       size=tuple(float(value) for value in high - low))  # type: ignore[arg-type]


def lamp() -> SampleModel:
    """A table lamp 46 cm tall: a dark foot, a thin stem and a yellow shade, three materials."""
    foot = _painted(_upright(trimesh.creation.cylinder(radius=0.12, height=0.03, sections=48)),
                    (40, 40, 45), "foot")
    foot.apply_translation([0, 0.015, 0])
    stem = _painted(_upright(trimesh.creation.cylinder(radius=0.012, height=0.3, sections=16)),
                    (180, 180, 185), "stem")
    stem.apply_translation([0, 0.18, 0])
    shade = _painted(_upright(trimesh.creation.cylinder(radius=0.15, height=0.16, sections=48)),
                     SHADE_YELLOW, "shade")
    shade.apply_translation([0, 0.38, 0])
    return _sample(trimesh.Scene({"foot": foot, "stem": stem, "shade": shade}))


def textured_crate() -> SampleModel:
    """A 30 cm cube whose front shows a texture: left half red, right half blue."""
    texture = Image.new("RGB", (64, 64), TEXTURE_RED)
    texture.paste(TEXTURE_BLUE, (32, 0, 64, 64))
    cube = trimesh.creation.box(extents=[0.3, 0.3, 0.3])
    cube.unmerge_vertices()
    uv = (cube.vertices[:, :2] + 0.15) / 0.3  # projected from the front
    cube.visual = trimesh.visual.TextureVisuals(uv=uv, material=PBRMaterial(
        name="crate", baseColorTexture=texture, baseColorFactor=[1.0, 1.0, 1.0, 1.0]))
    return _sample(trimesh.Scene({"crate": cube}))


def stacked_layers(count: int = 400) -> bytes:
    """Hundreds of large triangles stacked 1 mm apart: cheap to store, far too costly to draw
    (each covers half the view), yet nothing wrong for USD."""
    corners = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], dtype=np.float64)
    lift = np.array([0, 0, 0.001])
    vertices = np.concatenate([corners + lift * layer for layer in range(count)])
    faces = np.arange(3 * count).reshape(-1, 3)
    return trimesh.Scene([trimesh.Trimesh(vertices, faces, process=False)]).export(
        file_type="glb")


def embedded_gltf(sample: SampleModel) -> bytes:
    """The same model as one glTF JSON file, its buffers and images as data: URIs."""
    scene = trimesh.load_scene(trimesh.util.wrap_as_stream(sample.glb), file_type="glb")
    files = scene.export(file_type="gltf", embed_buffers=True)
    return bytes(files["model.gltf"])


def huge_texture() -> bytes:
    """A cube whose texture is 9000 x 8000 pixels of one colour: 70 kB compressed, 288 MB to
    decode as RGBA."""
    cube = trimesh.creation.box(extents=[0.3, 0.3, 0.3])
    cube.unmerge_vertices()
    uv = (cube.vertices[:, :2] + 0.15) / 0.3
    cube.visual = trimesh.visual.TextureVisuals(uv=uv, material=PBRMaterial(
        baseColorTexture=Image.new("L", (9000, 8000), 128)))
    return trimesh.Scene([cube]).export(file_type="glb")


# Hand-written glTF


def _triangle_buffer() -> bytes:
    return np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], dtype=np.float32).tobytes()


def _glb(document: dict, binary: bytes) -> bytes:
    """A GLB container around a JSON document and its binary chunk."""
    text = json.dumps(document).encode()
    text += b" " * (-len(text) % 4)
    binary += b"\x00" * (-len(binary) % 4)
    chunks = (struct.pack("<I4s", len(text), b"JSON") + text
              + struct.pack("<I4s", len(binary), b"BIN\x00") + binary)
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def _triangle_document(buffer: dict, *, mode: int = 4, view_offset: int = 0) -> dict:
    return {
        "asset": {"version": "2.0"},
        "scene": 0, "scenes": [{"nodes": [0]}], "nodes": [{"mesh": 0}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "mode": mode}]}],
        "accessors": [{"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3",
                       "min": [0, 0, 0], "max": [1, 1, 0]}],
        "bufferViews": [{"buffer": 0, "byteOffset": view_offset, "byteLength": 36}],
        "buffers": [buffer],
    }


def points_only() -> bytes:
    """A valid GLB that draws three points and no triangle: nothing to preview."""
    return _glb(_triangle_document({"byteLength": 36}, mode=0), _triangle_buffer())


def fifty_million_triangles() -> bytes:
    """A small file whose accessors declare 50 million triangles: refused from the counts,
    before any geometry is read."""
    indices = 150_000_000
    document = _triangle_document({"byteLength": 36 + 4 * indices})
    document["meshes"][0]["primitives"][0]["indices"] = 1
    document["accessors"].append({"bufferView": 1, "componentType": 5125, "count": indices,
                                  "type": "SCALAR"})
    document["bufferViews"].append({"buffer": 0, "byteOffset": 36, "byteLength": 4 * indices})
    return _glb(document, _triangle_buffer())


def pointing_outside() -> bytes:
    """A GLB whose buffer view starts beyond the end of its 36-byte buffer."""
    return _glb(_triangle_document({"byteLength": 36}, view_offset=4096), _triangle_buffer())


def _data_uri(data: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


def gltf_with_external_buffer() -> bytes:
    """glTF JSON whose geometry lives in a separate lamp.bin."""
    return json.dumps(_triangle_document({"uri": "lamp.bin", "byteLength": 36})).encode()


def gltf_with_missing_texture() -> bytes:
    """glTF JSON with embedded geometry whose texture is a separate wood.png."""
    document = _triangle_document({"uri": _data_uri(_triangle_buffer(),
                                                    "application/octet-stream"),
                                   "byteLength": 36})
    document |= {"images": [{"uri": "wood.png"}], "textures": [{"source": 0}],
                 "materials": [{"pbrMetallicRoughness": {"baseColorTexture": {"index": 0}}}]}
    document["meshes"][0]["primitives"][0]["material"] = 0
    return json.dumps(document).encode()


def draco_compressed() -> bytes:
    document = _triangle_document({"byteLength": 36})
    document["extensionsUsed"] = document["extensionsRequired"] = ["KHR_draco_mesh_compression"]
    return _glb(document, _triangle_buffer())
