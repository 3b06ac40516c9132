"""3D models (glTF 2.0, as GLB or as JSON with embedded data): checked from their JSON before
any geometry is read, then loaded with trimesh for facts, previews and the AR file.

The JSON pass is cheap and decides what a model may cost: its triangle count as drawn (from the
accessor counts and the scene's node instances, so a model of 50 million triangles is refused
without reading them), and every byte range its accessors and buffer views name (so a GLB that
points outside itself is refused rather than read past its end). Files a single upload cannot
carry (external buffers or textures) are refused with the name of the missing file.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import trimesh
from PIL import Image

from hub.errors import BadUserInput, HubError, PayloadTooLarge
from hub.models.asset import Bounds, MediaFacts

DEFAULT_MAX_TRIANGLES = 5_000_000
MAX_TEXTURE_PIXELS = 8192 * 8192  # a texture is decoded in full for previews and USDZ
# Node instances walked in a scene; more is a node graph built to blow up, not a product.
_MAX_NODE_VISITS = 100_000
# glTF primitive modes: TRIANGLES, TRIANGLE_STRIP, TRIANGLE_FAN; points and lines draw none.
_TRIANGLES, _STRIP, _FAN = 4, 5, 6
_COMPONENTS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}
_COMPONENT_BYTES = {5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4}
# Required extensions whose data trimesh cannot read (compressed geometry): refused at upload.
_UNREADABLE_EXTENSIONS = {
    "KHR_draco_mesh_compression": "Draco-compressed geometry",
    "EXT_meshopt_compression": "meshopt-compressed geometry",
    "KHR_mesh_quantization": "quantized geometry",
}
# What a primitive without a material shows in previews: the spec's white would vanish on the
# white background, a light grey keeps the shape readable.
_NO_MATERIAL_COLOR = (0.8, 0.8, 0.8, 1.0)
_EMBED_HINT = "upload a GLB, or a .gltf whose buffers and images are embedded as data: URIs"


@dataclass(frozen=True)
class ModelPart:
    """One mesh as placed by one node: world-space geometry (metres, Y up) and its look."""

    name: str
    vertices: np.ndarray  # (n, 3) float64
    faces: np.ndarray  # (m, 3) int64
    normals: np.ndarray  # (n, 3) float64, unit length
    base_color: tuple[float, float, float, float]  # glTF baseColorFactor (linear, 0..1)
    vertex_colors: np.ndarray | None  # (n, 4) float, 0..1
    uv: np.ndarray | None  # (n, 2), v pointing up (trimesh's convention)
    texture: Image.Image | None  # the base colour texture, RGBA
    metallic: float
    roughness: float
    double_sided: bool  # glTF draws single-sided faces only from their front


@dataclass(frozen=True)
class LoadedModel:
    parts: list[ModelPart]  # the triangle meshes; points and lines are counted, not drawn
    mesh_count: int
    material_count: int
    texture_count: int
    vertex_count: int  # as the scene draws them, from the file's accessor counts
    triangle_count: int

    def bounds(self) -> tuple[np.ndarray, np.ndarray] | None:
        if not self.parts:
            return None
        points = np.concatenate([part.vertices for part in self.parts])
        return points.min(axis=0), points.max(axis=0)


def probe_model(
    path: Path, *, binary: bool, max_triangles: int = DEFAULT_MAX_TRIANGLES
) -> MediaFacts:
    """Facts of an uploaded model, loading it in full; BadUserInput or PayloadTooLarge when it
    cannot be kept. CPU-bound: callers run it in a thread."""
    model = load_model(path, binary=binary, max_triangles=max_triangles, looks=False)
    found = model.bounds()
    bounds = size = None
    if found is not None:
        low, high = found
        bounds = Bounds(min=_rounded(low), max=_rounded(high))
        size = _rounded(high - low)
    return MediaFacts(
        mesh_count=model.mesh_count,
        vertex_count=model.vertex_count,
        triangle_count=model.triangle_count,
        material_count=model.material_count,
        texture_count=model.texture_count,
        bounds=bounds,
        size_meters=size,
    )


def load_model(
    path: Path, *, binary: bool, max_triangles: int = DEFAULT_MAX_TRIANGLES, looks: bool = True
) -> LoadedModel:
    """Check the model's JSON (limits, byte ranges, embedded resources), then load it; without
    `looks`, only the geometry (normals, colours and textures are left out: facts need none)."""
    data = path.read_bytes()
    try:
        document, chunk = _split_glb(data) if binary else (data.decode("utf-8-sig"), None)
        gltf = json.loads(document)
    except (ValueError, RecursionError) as error:  # RecursionError: JSON nested too deep
        raise _corrupt(f"its JSON cannot be read: {_short(error)}") from error
    if not isinstance(gltf, dict):
        raise _corrupt("its JSON is not an object")
    _check_version(gltf)
    _check_extensions(gltf)
    triangles, vertices = _drawn_counts(gltf)
    if triangles > max_triangles:
        raise PayloadTooLarge(
            f"the 3D model draws {triangles} triangles; at most {max_triangles} are accepted "
            "(simplify it, e.g. with a decimation tool)",
            triangles=triangles, max_triangles=max_triangles)
    _check_byte_ranges(gltf, chunk)
    try:
        scene = trimesh.load_scene(io.BytesIO(data), file_type="glb" if binary else "gltf",
                                   process=False)
        parts = _parts(scene, looks=looks)
    except HubError:
        raise
    except Exception as error:  # trimesh meets bad input with any kind of exception
        raise _corrupt(_short(error)) from error
    return LoadedModel(parts=parts, mesh_count=len(_list(gltf, "meshes")),
                       material_count=len(_list(gltf, "materials")),
                       texture_count=len(_list(gltf, "textures")),
                       vertex_count=vertices, triangle_count=triangles)


# The JSON pass


def _split_glb(data: bytes) -> tuple[str, bytes | None]:
    """A GLB's JSON chunk and its BIN chunk, after checking the container's declared lengths."""
    if len(data) < 20:
        raise _corrupt("the file is shorter than a GLB header")
    magic, version, length = struct.unpack_from("<4sII", data, 0)
    if magic != b"glTF" or version != 2:
        raise _corrupt(f"not a version 2 GLB (version {version})")
    if length > len(data):
        raise _corrupt(f"the header declares {length} bytes, the file has {len(data)}")
    chunks: list[tuple[bytes, bytes]] = []
    offset = 12
    while offset + 8 <= length:
        chunk_length, chunk_type = struct.unpack_from("<I4s", data, offset)
        end = offset + 8 + chunk_length
        if end > length:
            raise _corrupt(f"a {chunk_type!r} chunk runs past the end of the file")
        chunks.append((chunk_type, data[offset + 8 : end]))
        offset = end
    if not chunks or chunks[0][0] != b"JSON":
        raise _corrupt("the first chunk is not JSON")
    document = chunks[0][1].decode("utf-8")
    binary = chunks[1][1] if len(chunks) > 1 and chunks[1][0] == b"BIN\x00" else None
    return document, binary


def _check_version(gltf: dict[str, Any]) -> None:
    asset = gltf.get("asset")
    version = str(asset.get("version", "")) if isinstance(asset, dict) else ""
    if not version.startswith("2."):
        raise _corrupt(f"only glTF 2.0 is accepted, this is version {version or 'unknown'}")


def _check_extensions(gltf: dict[str, Any]) -> None:
    for name in _list(gltf, "extensionsRequired"):
        if name in _UNREADABLE_EXTENSIONS:
            raise BadUserInput(
                f"the 3D model uses {_UNREADABLE_EXTENSIONS[name]} ({name}), which this hub "
                "cannot read; export it without compression", reason="unsupported_model",
                extension=name)


def _drawn_counts(gltf: dict[str, Any]) -> tuple[int, int]:
    """Triangles and vertices as the scene draws them: each mesh's counts times the nodes that
    place it."""
    accessors = _list(gltf, "accessors")
    per_mesh = []
    for mesh in _list(gltf, "meshes"):
        total = vertices = 0
        for primitive in _list(mesh, "primitives"):
            attributes = primitive.get("attributes") if isinstance(primitive, dict) else None
            if not isinstance(attributes, dict) or "POSITION" not in attributes:
                continue
            position = attributes["POSITION"]
            vertices += _size(_get(accessors, position, "accessor"), "count",
                              f"accessor {position}")
            source = primitive.get("indices", position)
            count = _size(_get(accessors, source, "accessor"), "count", f"accessor {source}")
            mode = primitive.get("mode", _TRIANGLES)
            if mode == _TRIANGLES:
                total += count // 3
            elif mode in (_STRIP, _FAN):
                total += max(0, count - 2)
        per_mesh.append((total, vertices))
    instances = _mesh_instances(gltf).items()
    return (sum(per_mesh[mesh][0] * times for mesh, times in instances),
            sum(per_mesh[mesh][1] * times for mesh, times in instances))


def _mesh_instances(gltf: dict[str, Any]) -> dict[int, int]:
    """How many times each mesh is placed by the default scene's node tree (every mesh once
    where the file has no scene)."""
    meshes = _list(gltf, "meshes")
    scenes = _list(gltf, "scenes")
    if not scenes:
        return dict.fromkeys(range(len(meshes)), 1)
    index = gltf.get("scene", 0)
    scene = _get(scenes, index, "scene")
    nodes = _list(gltf, "nodes")
    stack = list(_list(scene, "nodes"))
    instances: dict[int, int] = {}
    visits = 0
    while stack:
        visits += 1
        if visits > _MAX_NODE_VISITS:
            raise _corrupt(f"its scene places more than {_MAX_NODE_VISITS} nodes")
        node = _get(nodes, stack.pop(), "node")
        mesh = node.get("mesh")
        if mesh is not None:
            _get(meshes, mesh, "mesh")
            instances[mesh] = instances.get(mesh, 0) + 1
        stack.extend(_list(node, "children"))
    return instances


def _check_byte_ranges(gltf: dict[str, Any], chunk: bytes | None) -> None:
    """Every buffer, buffer view and accessor stays inside the bytes the upload carries."""
    sizes = []
    for number, buffer in enumerate(_list(gltf, "buffers")):
        declared = _size(buffer, "byteLength", f"buffer {number}")
        uri = buffer.get("uri") if isinstance(buffer, dict) else None
        if uri is None:
            if number != 0 or chunk is None:
                raise _corrupt(f"buffer {number} has no data")
            available = len(chunk)
        else:
            available = len(_data_uri(uri, what="buffer"))
        if declared > available:
            raise _corrupt(f"buffer {number} declares {declared} bytes, the file holds "
                           f"{available}")
        sizes.append(declared)
    views = _list(gltf, "bufferViews")
    view_sizes = []
    for number, view in enumerate(views):
        buffer = _get(sizes, _field(view, "buffer"), "buffer")
        start = _size(view, "byteOffset", f"buffer view {number}", default=0)
        length = _size(view, "byteLength", f"buffer view {number}")
        if start + length > buffer:
            raise _corrupt(f"buffer view {number} (bytes {start}..{start + length}) points "
                           f"outside its buffer of {buffer} bytes")
        view_sizes.append(length)
    for number, accessor in enumerate(_list(gltf, "accessors")):
        if not isinstance(accessor, dict) or accessor.get("bufferView") is None:
            continue
        view = _get(views, accessor["bufferView"], "buffer view")
        element = (_COMPONENTS.get(str(accessor.get("type")), 0)
                   * _COMPONENT_BYTES.get(_field(accessor, "componentType"), 0))
        if element == 0:
            raise _corrupt(f"accessor {number} has an unknown type or component type")
        count = _size(accessor, "count", f"accessor {number}")
        stride = _size(view, "byteStride", "a buffer view", default=0) or element
        start = _size(accessor, "byteOffset", f"accessor {number}", default=0)
        end = start + stride * (count - 1) + element if count else start
        if end > view_sizes[accessor["bufferView"]]:
            raise _corrupt(f"accessor {number} reads {end} bytes from a buffer view of "
                           f"{view_sizes[accessor['bufferView']]}")
    for number, image in enumerate(_list(gltf, "images")):
        if not isinstance(image, dict):
            raise _corrupt(f"image {number} is not an object")
        if image.get("bufferView") is not None:
            _get(views, image["bufferView"], "buffer view")
        elif isinstance(image.get("uri"), str):
            _data_uri(image["uri"], what="texture")
        else:
            raise _corrupt(f"image {number} has neither a buffer view nor a URI")


def _data_uri(uri: Any, *, what: str) -> bytes:
    """The bytes of an embedded `data:` URI; a reference to another file is refused by name."""
    if not isinstance(uri, str):
        raise _corrupt(f"a {what} URI is not a string")
    if not uri.startswith("data:"):
        raise BadUserInput(
            f"the glTF refers to the {what} file {uri[:200]!r}, which is not part of the "
            f"upload; {_EMBED_HINT}", reason="external_resource", missing_file=uri[:200])
    header, _, payload = uri.partition(",")
    try:
        return base64.b64decode(payload, validate=True) if header.endswith(";base64") \
            else payload.encode()
    except binascii.Error as error:
        raise _corrupt(f"an embedded {what} is not valid base64") from error


# Loaded geometry


def _parts(scene: trimesh.Scene, *, looks: bool) -> list[ModelPart]:
    """Every triangle mesh as placed by the scene graph; points and lines are not drawn."""
    for geometry in scene.geometry.values():
        texture = _base_color_texture(getattr(geometry, "visual", None))
        if texture is not None and texture.width * texture.height > MAX_TEXTURE_PIXELS:
            raise PayloadTooLarge(
                f"a texture of the 3D model is {texture.width}x{texture.height} pixels; at "
                f"most {MAX_TEXTURE_PIXELS} are accepted (8192x8192)",
                max_pixels=MAX_TEXTURE_PIXELS)
        if texture is not None:
            try:
                texture.load()  # decoded now, so that a broken one is refused at upload
            except (OSError, SyntaxError, ValueError) as error:
                raise _corrupt(f"a texture cannot be decoded: {_short(error)}") from error
    parts = []
    for node in scene.graph.nodes_geometry:
        transform, geometry_name = scene.graph[node]
        geometry = scene.geometry.get(geometry_name)
        if not isinstance(geometry, trimesh.Trimesh) or len(geometry.faces) == 0:
            continue
        matrix = np.asarray(transform, dtype=np.float64)
        linear = matrix[:3, :3]
        if abs(np.linalg.det(linear)) < 1e-12:
            continue  # scaled to nothing: a hidden part
        name = str(geometry_name)[:80]
        faces = np.asarray(geometry.faces, dtype=np.int64)
        if faces.min() < 0 or faces.max() >= len(geometry.vertices):
            raise _corrupt(f"mesh {name!r} has indices past its vertices")
        vertices = trimesh.transform_points(np.asarray(geometry.vertices, dtype=np.float64),
                                            matrix)
        if not np.isfinite(vertices).all():
            raise _corrupt(f"mesh {name!r} has positions that are not finite numbers")
        if np.linalg.det(linear) < 0:  # a mirroring node turns the faces inside out
            faces = faces[:, ::-1]
        if not looks:
            parts.append(ModelPart(name=name, vertices=vertices, faces=faces,
                                   normals=np.zeros((0, 3)), base_color=_NO_MATERIAL_COLOR,
                                   vertex_colors=None, uv=None, texture=None, metallic=0.0,
                                   roughness=1.0, double_sided=False))
            continue
        normals = np.asarray(geometry.vertex_normals, dtype=np.float64) @ np.linalg.inv(linear)
        lengths = np.linalg.norm(normals, axis=1, keepdims=True)
        normals = np.divide(normals, lengths, out=np.zeros_like(normals), where=lengths > 0)
        parts.append(_with_look(name, vertices, faces, normals, geometry.visual))
    return parts


def _with_look(
    name: str, vertices: np.ndarray, faces: np.ndarray, normals: np.ndarray, visual: Any
) -> ModelPart:
    base_color = _NO_MATERIAL_COLOR
    vertex_colors = uv = texture = None
    metallic, roughness = 0.0, 1.0
    double_sided = False
    material = getattr(visual, "material", None)
    if isinstance(material, trimesh.visual.material.PBRMaterial):
        if material.baseColorFactor is not None:
            factor = np.asarray(material.baseColorFactor, dtype=np.float64) / 255.0
            base_color = (float(factor[0]), float(factor[1]), float(factor[2]),
                          float(factor[3]) if len(factor) > 3 else 1.0)
        else:
            base_color = (1.0, 1.0, 1.0, 1.0)
        texture = material.baseColorTexture
        metallic = float(material.metallicFactor if material.metallicFactor is not None else 1.0)
        roughness = float(material.roughnessFactor
                          if material.roughnessFactor is not None else 1.0)
        double_sided = bool(material.doubleSided)
    elif isinstance(material, trimesh.visual.material.SimpleMaterial):
        diffuse = np.asarray(material.diffuse, dtype=np.float64) / 255.0
        base_color = (float(diffuse[0]), float(diffuse[1]), float(diffuse[2]), 1.0)
        texture = material.image
    if texture is not None and getattr(visual, "uv", None) is not None \
            and len(visual.uv) == len(vertices):
        uv = np.asarray(visual.uv, dtype=np.float64)
        texture = texture.convert("RGBA")
    else:
        texture = None
    if getattr(visual, "kind", None) == "vertex":
        colors = np.asarray(visual.vertex_colors, dtype=np.float64) / 255.0
        if len(colors) == len(vertices):
            vertex_colors = colors
            if material is None:  # the colours are the whole look
                base_color = (1.0, 1.0, 1.0, 1.0)
    return ModelPart(name=name, vertices=vertices, faces=faces, normals=normals,
                     base_color=base_color, vertex_colors=vertex_colors, uv=uv, texture=texture,
                     metallic=metallic, roughness=roughness, double_sided=double_sided)


def _base_color_texture(visual: Any) -> Image.Image | None:
    """The base colour texture as trimesh opened it (lazily: its size is known, not decoded)."""
    material = getattr(visual, "material", None)
    if isinstance(material, trimesh.visual.material.PBRMaterial):
        texture = material.baseColorTexture
    elif isinstance(material, trimesh.visual.material.SimpleMaterial):
        texture = material.image
    else:
        return None
    return texture if isinstance(texture, Image.Image) else None


# Small helpers of the JSON pass


def _list(container: Any, key: str) -> list[Any]:
    value = container.get(key) if isinstance(container, dict) else None
    if value is None:
        return []
    if not isinstance(value, list):
        raise _corrupt(f"`{key}` is not a list")
    return value


def _get(items: list[Any], index: Any, what: str) -> Any:
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(items):
        raise _corrupt(f"it names {what} {index!r}, which is not there")
    item = items[index]
    if what != "buffer" and not isinstance(item, dict):
        raise _corrupt(f"{what} {index} is not an object")
    return item


def _field(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, dict) else None


def _size(item: Any, key: str, what: str, *, default: int | None = None) -> int:
    value = _field(item, key)
    if value is None and default is not None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _corrupt(f"{what} has no valid {key}")
    return value


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(value), 6) for value in values]


def _short(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else type(error).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _corrupt(reason: str) -> BadUserInput:
    return BadUserInput(f"the 3D model is corrupt: {reason}", reason="corrupt_model")
