"""The USDZ file that iOS AR Quick Look opens: the model's meshes with their base colours and
base colour textures, in metres with Y up, packaged by USD's own ARKit packager."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pxr import Gf, Sdf, Usd, UsdGeom, UsdShade, UsdUtils, Vt

from hub.media.model3d import LoadedModel, ModelPart
from hub.media.sniff import USDZ_CONTENT_TYPE

CONTENT_TYPE = USDZ_CONTENT_TYPE


class UsdzFailed(Exception):
    """The model could not be turned into USDZ; the message says why, for the asset's facts."""


@dataclass(frozen=True)
class UsdzFile:
    data: bytes
    triangle_count: int


def write_usdz(model: LoadedModel) -> UsdzFile:
    """Convert a loaded model to USDZ bytes. CPU- and IO-bound: callers run it in a thread."""
    triangles = sum(len(part.faces) for part in model.parts)
    if triangles == 0:
        raise UsdzFailed("the model has no triangles")
    folder = Path(tempfile.mkdtemp(prefix="hub-usdz-"))
    try:
        layer = folder / "model.usdc"
        stage = Usd.Stage.CreateNew(str(layer))
        UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.y)
        UsdGeom.SetStageMetersPerUnit(stage, 1.0)
        root = UsdGeom.Xform.Define(stage, "/Model")
        stage.SetDefaultPrim(root.GetPrim())
        for number, part in enumerate(model.parts):
            _write_part(stage, folder, number, part)
        stage.GetRootLayer().Save()
        package = folder / "model.usdz"
        if not UsdUtils.CreateNewARKitUsdzPackage(Sdf.AssetPath(str(layer)), str(package)):
            raise UsdzFailed("USD's ARKit packager refused the converted stage")
        return UsdzFile(data=package.read_bytes(), triangle_count=triangles)
    except UsdzFailed:
        raise
    except Exception as error:  # pxr raises its own Tf errors and plain RuntimeErrors
        first = (str(error).strip().splitlines() or [type(error).__name__])[0][:160]
        raise UsdzFailed(f"USD conversion failed: {first}") from error
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _write_part(stage: Usd.Stage, folder: Path, number: int, part: ModelPart) -> None:
    path = f"/Model/mesh_{number}"
    mesh = UsdGeom.Mesh.Define(stage, path)
    mesh.CreatePointsAttr(Vt.Vec3fArray.FromNumpy(part.vertices.astype(np.float32)))
    mesh.CreateFaceVertexCountsAttr(Vt.IntArray.FromNumpy(
        np.full(len(part.faces), 3, dtype=np.int32)))
    mesh.CreateFaceVertexIndicesAttr(Vt.IntArray.FromNumpy(
        part.faces.reshape(-1).astype(np.int32)))
    mesh.CreateNormalsAttr(Vt.Vec3fArray.FromNumpy(part.normals.astype(np.float32)))
    mesh.SetNormalsInterpolation(UsdGeom.Tokens.vertex)
    mesh.CreateSubdivisionSchemeAttr(UsdGeom.Tokens.none)
    mesh.CreateDoubleSidedAttr(part.double_sided)
    low, high = part.vertices.min(axis=0), part.vertices.max(axis=0)
    mesh.CreateExtentAttr(Vt.Vec3fArray([Gf.Vec3f(*map(float, low)),
                                         Gf.Vec3f(*map(float, high))]))
    primvars = UsdGeom.PrimvarsAPI(mesh)
    if part.vertex_colors is not None:
        colors = primvars.CreatePrimvar("displayColor", Sdf.ValueTypeNames.Color3fArray,
                                        UsdGeom.Tokens.vertex)
        colors.Set(Vt.Vec3fArray.FromNumpy(part.vertex_colors[:, :3].astype(np.float32)))
    if part.uv is not None:
        st = primvars.CreatePrimvar("st", Sdf.ValueTypeNames.TexCoord2fArray,
                                    UsdGeom.Tokens.vertex)
        st.Set(Vt.Vec2fArray.FromNumpy(part.uv.astype(np.float32)))
    material = _material(stage, folder, number, part)
    UsdShade.MaterialBindingAPI.Apply(mesh.GetPrim()).Bind(material)


def _material(stage: Usd.Stage, folder: Path, number: int, part: ModelPart) -> UsdShade.Material:
    """A UsdPreviewSurface with the part's base colour, metalness and roughness, and its base
    colour texture where it has one (written beside the stage; the packager takes it in)."""
    path = f"/Model/Materials/material_{number}"
    material = UsdShade.Material.Define(stage, path)
    surface = UsdShade.Shader.Define(stage, f"{path}/surface")
    surface.CreateIdAttr("UsdPreviewSurface")
    red, green, blue, alpha = part.base_color
    if part.vertex_colors is not None:  # AR Quick Look shows no vertex colours: their mean
        mean = _to_linear(part.vertex_colors[:, :3].mean(axis=0))
        red, green, blue = (float(value) for value in mean)
    surface.CreateInput("metallic", Sdf.ValueTypeNames.Float).Set(part.metallic)
    surface.CreateInput("roughness", Sdf.ValueTypeNames.Float).Set(part.roughness)
    surface.CreateInput("opacity", Sdf.ValueTypeNames.Float).Set(alpha)
    diffuse = surface.CreateInput("diffuseColor", Sdf.ValueTypeNames.Color3f)
    if part.texture is not None and part.uv is not None:
        name = f"texture_{number}.png"
        part.texture.save(folder / name, "PNG")
        reader = UsdShade.Shader.Define(stage, f"{path}/st_reader")
        reader.CreateIdAttr("UsdPrimvarReader_float2")
        reader.CreateInput("varname", Sdf.ValueTypeNames.Token).Set("st")
        texture = UsdShade.Shader.Define(stage, f"{path}/base_color")
        texture.CreateIdAttr("UsdUVTexture")
        texture.CreateInput("file", Sdf.ValueTypeNames.Asset).Set(name)
        texture.CreateInput("sourceColorSpace", Sdf.ValueTypeNames.Token).Set("sRGB")
        texture.CreateInput("scale", Sdf.ValueTypeNames.Float4).Set(
            Gf.Vec4f(red, green, blue, alpha))
        texture.CreateInput("st", Sdf.ValueTypeNames.Float2).ConnectToSource(
            reader.ConnectableAPI(), "result")
        rgb = texture.CreateOutput("rgb", Sdf.ValueTypeNames.Float3)
        diffuse.ConnectToSource(rgb)
    else:
        diffuse.Set(Gf.Vec3f(red, green, blue))
    material.CreateSurfaceOutput().ConnectToSource(surface.ConnectableAPI(), "surface")
    return material


def _to_linear(srgb: np.ndarray) -> np.ndarray:
    """Vertex colours as trimesh reads them are sRGB; UsdPreviewSurface colours are linear."""
    linear: np.ndarray = np.where(srgb <= 0.04045, srgb / 12.92,
                                  np.power((srgb + 0.055) / 1.055, 2.4))
    return linear
