"""PNG views of a 3D model from several angles, drawn on the CPU with NumPy.

No GPU or OpenGL is assumed. Triangles are projected orthographically, rasterised into a
z-buffer in vectorised batches (triangles grouped by the size of their screen box, so a batch
tests only the pixels its triangles can cover), lit per face (Lambert, two-sided, plus ambient)
and coloured by the material's base colour, the base colour texture (sampled per pixel) or the
vertex colours. Drawn at twice the size and halved, for smooth edges, on white.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from hub.media.model3d import LoadedModel

DEFAULT_SIZE = 768
SUPERSAMPLING = 2
_MARGIN = 0.06  # of the image, on each side
_AMBIENT = 0.38
_LIGHT_VIEW = np.array([-0.35, 0.55, 0.76])  # from the upper left, behind the camera
_PIXELS_PER_BATCH = 1 << 21  # pixels drawn at once: bounds the memory a batch takes
_SPANS_PER_BATCH = 1 << 20  # triangle rows cut into spans at once
# What one view may cost, whatever the triangle count: pixels drawn (all layers together) and
# triangle rows. A product at 1536 px draws a few million of each.
_MAX_PIXELS_DRAWN = 200_000_000
_MAX_SPANS = 50_000_000
_BACKGROUND = 255


@dataclass(frozen=True)
class View:
    """Where the camera stands: degrees around the vertical axis from the front (+Z, glTF's
    forward), and above the horizon."""

    name: str
    azimuth: float
    elevation: float


VIEWS = (
    View("front", 0, 8),
    View("three-quarter", 35, 20),
    View("side", 90, 8),
    View("top-three-quarter", 35, 55),
)


@dataclass(frozen=True)
class PreviewImage:
    view: str
    png: bytes
    width: int
    height: int


class PreviewFailed(ValueError):
    """A model that cannot be previewed, for a reason its facts should say."""


class NothingToDraw(PreviewFailed):
    """The model has no triangles (only points or lines, or an empty scene)."""


class TooCostlyToDraw(PreviewFailed):
    """The model's triangles would cover more pixels (overlapping many times) or rows than a
    view may cost: slivers and stacked layers, not a product."""


def render_previews(
    model: LoadedModel, *, size: int = DEFAULT_SIZE, views: tuple[View, ...] = VIEWS
) -> list[PreviewImage]:
    """One square PNG of `size` pixels per view. CPU-bound: callers run it in a thread."""
    scene = _Scene.of(model)
    previews = []
    for view in views:
        image = scene.draw(view, size * SUPERSAMPLING).reduce(SUPERSAMPLING)
        buffer = io.BytesIO()
        image.save(buffer, "PNG", compress_level=3)
        previews.append(PreviewImage(view.name, buffer.getvalue(), size, size))
    return previews


@dataclass(frozen=True)
class _Scene:
    """Every part's triangles in one set of arrays, with what colours each face."""

    corners: np.ndarray  # (m, 3, 3) world positions of each face's corners
    normals: np.ndarray  # (m, 3) unit face normals
    colors: np.ndarray  # (m, 3) sRGB 0..1 of untextured faces (base colour x vertex colours)
    double_sided: np.ndarray  # (m,) bool: drawn when seen from the back too
    textures: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]  # part: (texels, uv, tint)
    part_offsets: np.ndarray  # (parts + 1,) first face of each part

    @classmethod
    def of(cls, model: LoadedModel) -> _Scene:
        if not any(len(part.faces) for part in model.parts):
            raise NothingToDraw("the model has no triangles to draw")
        corners, colors, sides, offsets = [], [], [], [0]
        textures = {}
        for number, part in enumerate(model.parts):
            triangles = part.vertices[part.faces]
            corners.append(triangles)
            base = _to_srgb(np.asarray(part.base_color[:3]))
            if part.vertex_colors is not None:
                color = part.vertex_colors[part.faces][:, :, :3].mean(axis=1) * base
            else:
                color = np.broadcast_to(base, (len(part.faces), 3))
            colors.append(color.astype(np.float32))
            sides.append(np.full(len(part.faces), part.double_sided))
            offsets.append(offsets[-1] + len(part.faces))
            if part.texture is not None and part.uv is not None:
                texels = np.asarray(part.texture.convert("RGB"), dtype=np.float32) / 255.0
                textures[number] = (texels, part.uv[part.faces].astype(np.float32),
                                   base.astype(np.float32))
        stacked = np.concatenate(corners)
        # Centred and scaled to a unit box (views are framed on the model anyway), then single
        # precision: half the memory, no detail lost to a model placed far from the origin, and
        # no overflow from absurd coordinates.
        low, high = stacked.reshape(-1, 3).min(axis=0), stacked.reshape(-1, 3).max(axis=0)
        extent = float((high - low).max()) or 1.0
        stacked = ((stacked - (low + high) / 2) / extent).astype(np.float32)
        normals = np.cross(stacked[:, 1] - stacked[:, 0], stacked[:, 2] - stacked[:, 0])
        lengths = np.linalg.norm(normals, axis=1, keepdims=True)
        normals = np.divide(normals, lengths, out=np.zeros_like(normals), where=lengths > 0)
        return cls(corners=stacked, normals=normals, colors=np.concatenate(colors),
                   double_sided=np.concatenate(sides),
                   textures=textures,
                   part_offsets=np.asarray(offsets))

    def draw(self, view: View, size: int) -> Image.Image:
        right, up, toward = (axis.astype(np.float32) for axis in _camera(view))
        shown = np.nonzero(self.double_sided | (self.normals @ toward > 0))[0]
        if len(shown) == 0:
            return Image.new("RGB", (size, size), (_BACKGROUND,) * 3)
        # Framed on the whole model, so that every view shows it at the same scale.
        every = self.corners.reshape(-1, 3)
        all_x, all_y = every @ right, every @ up
        low_x, high_x, low_y, high_y = all_x.min(), all_x.max(), all_y.min(), all_y.max()
        scale = size * (1 - 2 * _MARGIN) / (max(high_x - low_x, high_y - low_y) or 1.0)
        screen_x = (size / 2 + (all_x - (low_x + high_x) / 2) * scale).reshape(-1, 3)
        screen_y = (size / 2 - (all_y - (low_y + high_y) / 2) * scale).reshape(-1, 3)
        depth = (every @ toward).reshape(-1, 3)
        found = _rasterize(screen_x[shown].astype(np.float32),
                           screen_y[shown].astype(np.float32),
                           depth[shown].astype(np.float32), size)
        light = _LIGHT_VIEW / np.linalg.norm(_LIGHT_VIEW)
        light_world = light[0] * right + light[1] * up + light[2] * toward
        shade = (_AMBIENT + (1 - _AMBIENT) * np.abs(self.normals @ light_world)).astype(
            np.float32)
        face_rgb = np.clip(self.colors * shade[:, None] * 255 + 0.5, 0, 255).astype(np.uint8)
        where = np.nonzero(found >= 0)[0]
        hit = shown[found[where]]
        pixels = np.full((size * size, 3), _BACKGROUND, dtype=np.uint8)
        pixels[where] = face_rgb[hit]
        for part, (texels, uv, tint) in self.textures.items():
            start, end = self.part_offsets[part], self.part_offsets[part + 1]
            textured = np.nonzero((hit >= start) & (hit < end))[0]
            if len(textured) == 0:
                continue
            planes = _uv_planes(screen_x[start:end], screen_y[start:end], uv)
            face = hit[textured] - start
            pixel = where[textured]
            row = np.floor((pixel + 0.5) * (1.0 / size))
            cx = (pixel - row * size + 0.5).astype(np.float32)
            cy = (row + 0.5).astype(np.float32)
            u, v = (np.ascontiguousarray(planes[:, 0, k])[face] * cx
                    + np.ascontiguousarray(planes[:, 1, k])[face] * cy
                    + np.ascontiguousarray(planes[:, 2, k])[face] for k in (0, 1))
            color = _sample(texels, u, v)
            color *= (tint * 255)[None, :] * shade[hit[textured]][:, None]
            color += 0.5
            pixels[where[textured]] = np.minimum(color, 255, out=color).astype(np.uint8)
        return Image.fromarray(pixels.reshape(size, size, 3), "RGB")


def _uv_planes(xs: np.ndarray, ys: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """Per face, the affine map from a screen point to its texture coordinate (exact under an
    orthographic camera): uv = a * x + b * y + c, as (faces, 3, 2) rows a, b, c."""
    corners = np.stack([xs, ys, np.ones_like(xs)], axis=2)  # (faces, 3 corners, 3)
    flat = np.abs(np.linalg.det(corners)) < 1e-9  # never drawn; keep solve() from failing
    corners[flat] = np.eye(3)
    planes: np.ndarray = np.linalg.solve(corners, uv.astype(np.float64)).astype(np.float32)
    return planes


def _camera(view: View) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit vectors of the screen's right and up, and toward the camera, in world space."""
    azimuth, elevation = math.radians(view.azimuth), math.radians(view.elevation)
    toward = np.array([math.sin(azimuth) * math.cos(elevation), math.sin(elevation),
                       math.cos(azimuth) * math.cos(elevation)])
    right = np.cross(np.array([0.0, 1.0, 0.0]), toward)
    right /= np.linalg.norm(right)
    up = np.cross(toward, right)
    return right, up, toward


def _rasterize(xs: np.ndarray, ys: np.ndarray, depths: np.ndarray, size: int) -> np.ndarray:
    """For each pixel of a size x size image (row-major): the nearest face, or -1.

    Scanline spans: each triangle is cut into the rows whose pixel centres it covers, each row
    into the run of pixels between its edges, so the work grows with the pixels drawn, not
    with the triangles' screen boxes. Depth is a plane over each triangle's screen area (the
    camera is orthographic): a span's depth is its start value plus a step per pixel."""
    nearest = np.full(size * size, -np.inf, dtype=np.float32)
    face_of = np.full(size * size, -1, dtype=np.int32)
    # The depth plane z = slope_x * x + slope_y * y + offset of each face, from the normal of
    # its screen-space triangle; its z component is twice the signed screen area.
    ex1, ey1, ez1 = xs[:, 1] - xs[:, 0], ys[:, 1] - ys[:, 0], depths[:, 1] - depths[:, 0]
    ex2, ey2, ez2 = xs[:, 2] - xs[:, 0], ys[:, 2] - ys[:, 0], depths[:, 2] - depths[:, 0]
    area = ex1 * ey2 - ey1 * ex2
    top = np.clip(np.ceil(ys.min(axis=1) - 0.5), 0, size).astype(np.int32)
    bottom = np.clip(np.floor(ys.max(axis=1) - 0.5), -1, size - 1).astype(np.int32)
    faces = np.nonzero((np.abs(area) > 1e-6) & (bottom >= top))[0].astype(np.int32)
    safe = np.where(area != 0, area, 1)
    slope_x = -(ey1 * ez2 - ez1 * ey2) / safe
    slope_y = -(ez1 * ex2 - ex1 * ez2) / safe
    offset = depths[:, 0] - slope_x * xs[:, 0] - slope_y * ys[:, 0]
    rows_of = (bottom[faces] - top[faces] + 1).astype(np.int64)
    drawn = float(np.abs(area[faces]).sum()) / 2
    if drawn > _MAX_PIXELS_DRAWN or rows_of.sum() > _MAX_SPANS:
        raise TooCostlyToDraw(
            f"its triangles would cover {drawn:.0f} pixels in {rows_of.sum()} rows of a "
            f"{size} px view; at most {_MAX_PIXELS_DRAWN} and {_MAX_SPANS} are drawn")
    row_ends = np.cumsum(rows_of)
    done = 0
    while done < len(faces):
        upto = int(np.searchsorted(row_ends, row_ends[done] - rows_of[done] + _SPANS_PER_BATCH,
                                   side="right"))
        upto = max(upto, done + 1)
        chunk = faces[done:upto]
        _draw_faces(chunk, rows_of[done:upto], xs, ys, top, slope_x, slope_y, offset, size,
                    nearest, face_of)
        done = upto
    return face_of


def _draw_faces(
    faces: np.ndarray, rows_of: np.ndarray, xs: np.ndarray, ys: np.ndarray, top: np.ndarray,
    slope_x: np.ndarray, slope_y: np.ndarray, offset: np.ndarray, size: int,
    nearest: np.ndarray, face_of: np.ndarray,
) -> None:
    """Cut some faces into spans, then draw the spans' pixels in batches."""
    span_face = np.repeat(faces, rows_of)
    span_row = top[span_face] + _ramp(rows_of)
    first, last = _spans(xs[span_face], ys[span_face], span_row + 0.5, size)
    lengths = np.maximum(last - first + 1, 0).astype(np.int32)
    centre_x = first.astype(np.float32) + 0.5
    span_depth = (slope_x[span_face] * centre_x + slope_y[span_face] * (span_row + 0.5)
                  + offset[span_face]).astype(np.float32)
    span_step = slope_x[span_face].astype(np.float32)
    span_pixel = (span_row * size + first).astype(np.int32)
    ends = np.cumsum(lengths, dtype=np.int64)
    start = 0
    while start < len(lengths):
        stop = int(np.searchsorted(ends, ends[start] - lengths[start] + _PIXELS_PER_BATCH,
                                   side="right"))
        stop = max(stop, start + 1)
        chunk = slice(start, stop)
        _draw_spans(span_face[chunk], span_pixel[chunk], span_depth[chunk], span_step[chunk],
                    lengths[chunk], nearest, face_of)
        start = stop


def _ramp(counts: np.ndarray) -> np.ndarray:
    """0, 1, .. count - 1 for each count, one after the other."""
    total = int(counts.sum(dtype=np.int64))
    starts = np.repeat((np.cumsum(counts, dtype=np.int64) - counts).astype(np.int32), counts)
    ramp: np.ndarray = np.arange(total, dtype=np.int32) - starts
    return ramp


def _spans(
    xs: np.ndarray, ys: np.ndarray, centre_y: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """The first and last pixel column whose centre lies inside each triangle on its row."""
    low = np.full(len(centre_y), np.inf)
    high = np.full(len(centre_y), -np.inf)
    for a, b in ((0, 1), (1, 2), (2, 0)):
        ya, yb, xa, xb = ys[:, a], ys[:, b], xs[:, a], xs[:, b]
        crosses = (centre_y >= np.minimum(ya, yb)) & (centre_y <= np.maximum(ya, yb)) & (ya != yb)
        rise = np.where(ya != yb, yb - ya, 1.0)
        x = xa + (centre_y - ya) / rise * (xb - xa)
        low = np.where(crosses, np.minimum(low, x), low)
        high = np.where(crosses, np.maximum(high, x), high)
    finite = np.isfinite(low) & np.isfinite(high)
    first = np.where(finite, np.ceil(np.where(finite, low, 0) - 0.5), 1)
    last = np.where(finite, np.floor(np.where(finite, high, 0) - 0.5), 0)
    return (np.clip(first, 0, size).astype(np.int64),
            np.clip(last, -1, size - 1).astype(np.int64))


def _draw_spans(
    span_face: np.ndarray, span_pixel: np.ndarray, span_depth: np.ndarray,
    span_step: np.ndarray, lengths: np.ndarray, nearest: np.ndarray, face_of: np.ndarray,
) -> None:
    """Every pixel of a batch of spans: its depth, kept where nearer than before."""
    step = _ramp(lengths)
    if len(step) == 0:
        return
    pixel = np.repeat(span_pixel, lengths) + step
    # float32 like the z-buffer, so that the winner compares equal to what it stored there
    depth = np.repeat(span_depth, lengths) + np.repeat(span_step, lengths) * step.astype(
        np.float32)
    np.maximum.at(nearest, pixel, depth)
    won = depth >= nearest[pixel]
    face_of[pixel[won]] = np.repeat(span_face, lengths)[won]


def _sample(texels: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Nearest texel at each UV (repeating), v pointing up as trimesh keeps it."""
    height, width = texels.shape[:2]
    column = np.minimum(((u - np.floor(u)) * width).astype(np.int32), width - 1)
    row = np.minimum(((1.0 - (v - np.floor(v))) * height).astype(np.int32), height - 1)
    result: np.ndarray = texels.reshape(-1, 3)[row * width + column]
    return result


def _to_srgb(linear: np.ndarray) -> np.ndarray:
    """glTF colour factors are linear; the screen and textures are sRGB."""
    srgb: np.ndarray = np.where(linear <= 0.0031308, linear * 12.92,
                                1.055 * np.power(np.clip(linear, 0, None), 1 / 2.4) - 0.055)
    return srgb
