"""3D models (GLB, glTF): facts from the loaded model, previews drawn offscreen, image renditions
and vision search from the first preview, a USDZ file for iOS AR Quick Look, and the models
that are refused at upload."""

from __future__ import annotations

import contextlib
import io
import random
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from test_vision import BY_IMAGE, SIMILAR, wait_for_embedding

from hub.config import Settings
from hub.errors import HubError
from hub.media.model3d import load_model
from hub.media.model_preview import PreviewFailed, render_previews
from hub.media.probe import probe
from hub.media.sniff import sniff
from hub.media.usdz import UsdzFailed, write_usdz

import model_samples as models
from conftest import LiveHub
from test_media_uploads import COUNT_ASSETS, CREATE_PRODUCT, blob_files, upload

MODEL_FIELDS = """
id kind filename contentType meshCount vertexCount triangleCount materialCount textureCount
sizeMeters bounds { min max } previewProblem usdzProblem originalUrl embeddingModel
previews { preset kind width height format contentType byteSize url }
renditions { preset kind width height format contentType byteSize url triangleCount }
usdz: rendition(preset: "usdz") { kind format contentType width height triangleCount url }
"""
UPLOAD = f"""
mutation($file: Upload!, $sku: String) {{
  uploadAsset(file: $file, sku: $sku) {{ {MODEL_FIELDS} }}
}}
"""
MODEL = f"query($id: ID!) {{ asset(id: $id) {{ {MODEL_FIELDS} }} }}"
VIEWS = ["preview-front", "preview-three-quarter", "preview-side", "preview-top-three-quarter"]


def wait_until_rendered(hub: LiveHub, asset_id: str) -> dict:
    """A model's previews, USDZ and image renditions are made in the background after upload;
    an explained failure counts as done."""
    image_presets = len(hub.ok("{ renditionPresets { name } }")["renditionPresets"])
    deadline = time.monotonic() + 90
    while True:
        asset = hub.ok(MODEL, {"id": asset_id})["asset"]
        images = [r for r in asset["renditions"] if r["kind"] == "IMAGE"]
        if asset["previewProblem"] or (len(images) == image_presets
                                       and (asset["usdz"] or asset["usdzProblem"])):
            return asset
        assert time.monotonic() < deadline, "the model's previews were not made in time"
        time.sleep(0.3)


def download(hub: LiveHub, url: str) -> tuple[bytes, str]:
    response = hub.http.get(url)
    assert response.status_code == 200, response.text
    return response.content, response.headers["content-type"]


def object_pixels(png: bytes) -> np.ndarray:
    """The pixels that are not the white background."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    return pixels[(pixels < 245).any(axis=1)]


def has_color_near(pixels: np.ndarray, rgb: tuple[int, int, int], tolerance: int = 60) -> bool:
    return bool((np.abs(pixels.astype(int) - rgb).max(axis=1) < tolerance).any())


@pytest.fixture(scope="module")
def lamp(hub: LiveHub) -> tuple[models.SampleModel, dict]:
    """A lamp uploaded once for the tests of this module, fully rendered."""
    sample = models.lamp()
    created = upload(hub, sample.glb, "lamp-3d.glb")
    return sample, wait_until_rendered(hub, created["id"])


def test_a_glb_upload_reports_what_the_model_holds(lamp: tuple) -> None:
    sample, asset = lamp

    assert (asset["kind"], asset["contentType"]) == ("MODEL_3D", "model/gltf-binary")
    assert (asset["meshCount"], asset["materialCount"], asset["textureCount"]) == (3, 3, 0)
    assert (asset["triangleCount"], asset["vertexCount"]) == (sample.triangles, sample.vertices)
    assert asset["sizeMeters"] == pytest.approx(list(sample.size), abs=1e-4), (
        "glTF units are metres: the lamp is 30 cm wide and 46 cm tall")
    assert asset["bounds"]["min"][1] == pytest.approx(0.0, abs=1e-4)
    assert (asset["previewProblem"], asset["usdzProblem"]) == (None, None)


def test_previews_show_the_model_from_four_angles_and_feed_the_image_presets(
    hub: LiveHub, lamp: tuple
) -> None:
    _, asset = lamp

    assert [p["preset"] for p in asset["previews"]] == VIEWS
    for preview in asset["previews"]:
        assert (preview["kind"], preview["format"], preview["contentType"]) == (
            "IMAGE", "png", "image/png")
        png, content_type = download(hub, preview["url"])
        image = Image.open(io.BytesIO(png))
        assert (image.format, image.size, content_type) == (
            "PNG", (preview["width"], preview["height"]), "image/png")
        drawn = object_pixels(png)
        assert len(drawn) > 0.05 * image.width * image.height, f"{preview['preset']} is blank"
        assert has_color_near(drawn, models.SHADE_YELLOW), "the shade's material colour shows"
    thumbnail = next(r for r in asset["renditions"] if r["preset"] == "thumbnail")
    assert (thumbnail["kind"], thumbnail["width"], thumbnail["height"]) == ("IMAGE", 200, 200)
    front_png, _ = download(hub, asset["previews"][0]["url"])
    thumbnail_png, _ = download(hub, thumbnail["url"])
    expected = Image.open(io.BytesIO(front_png)).convert("RGB").resize((200, 200))
    made = Image.open(io.BytesIO(thumbnail_png)).convert("RGB")
    difference = np.abs(np.asarray(made, dtype=int) - np.asarray(expected, dtype=int)).mean()
    assert difference < 8, "the image presets are made from the first (front) preview"


def test_the_glb_is_served_as_gltf_binary_and_a_usdz_is_made_for_ar_quick_look(
    hub: LiveHub, lamp: tuple
) -> None:
    sample, asset = lamp

    original, content_type = download(hub, asset["originalUrl"])
    assert (original, content_type) == (sample.glb, "model/gltf-binary")
    usdz = asset["usdz"]
    assert (usdz["kind"], usdz["format"], usdz["contentType"]) == (
        "MODEL", "usdz", "model/vnd.usdz+zip")
    assert (usdz["width"], usdz["height"], usdz["triangleCount"]) == (
        None, None, sample.triangles)
    package, content_type = download(hub, usdz["url"])
    assert content_type == "model/vnd.usdz+zip"
    names = zipfile.ZipFile(io.BytesIO(package)).namelist()
    assert names[0].endswith((".usdc", ".usda")), names


def test_a_textured_model_shows_its_texture_in_previews_and_in_its_usdz(
    hub: LiveHub, sku_prefix: str
) -> None:
    sku = f"{sku_prefix}-CRATE"
    hub.ok(CREATE_PRODUCT, {"input": {"sku": sku, "name": "Crate"}})
    sample = models.textured_crate()

    created = hub.upload(UPLOAD, {"sku": sku}, sample.glb, "crate.glb")
    assert not created.errors, created.errors
    asset = wait_until_rendered(hub, created.data["uploadAsset"]["id"])

    assert (asset["textureCount"], asset["triangleCount"]) == (1, 12)
    front, _ = download(hub, asset["previews"][0]["url"])
    drawn = object_pixels(front)
    assert has_color_near(drawn, models.TEXTURE_RED) and has_color_near(
        drawn, models.TEXTURE_BLUE), "both halves of the texture show on the front"
    package, _ = download(hub, asset["usdz"]["url"])
    names = zipfile.ZipFile(io.BytesIO(package)).namelist()
    assert any(name.endswith(".png") for name in names), f"the texture is packaged: {names}"


def test_a_gltf_with_embedded_data_is_accepted_and_served_as_gltf_json(hub: LiveHub) -> None:
    sample = models.textured_crate()
    content = models.embedded_gltf(sample)

    result = hub.upload(UPLOAD, {}, content, "crate-embedded.gltf")

    assert not result.errors, result.errors
    asset = result.data["uploadAsset"]
    assert (asset["contentType"], asset["triangleCount"], asset["textureCount"]) == (
        "model/gltf+json", 12, 1)
    original, content_type = download(hub, asset["originalUrl"])
    assert (original, content_type) == (content, "model/gltf+json")


def test_a_rerender_job_after_a_preset_change_includes_3d_models(
    hub: LiveHub, lamp: tuple  # one model named lamp-3d.glb
) -> None:
    start = ("mutation($filter: AssetFilter) { startRerenderJob(filter: $filter) "
             "{ id kind total } }")

    job = hub.ok(start, {"filter": {"text": "lamp-3d", "kinds": ["MODEL_3D"]}})["startRerenderJob"]

    assert (job["kind"], job["total"]) == ("RERENDER", 1)
    hub.ok("mutation($id: ID!) { cancelJob(id: $id) { state } }", {"id": job["id"]})


def test_a_model_is_found_by_image_search_with_one_of_its_previews(
    hub: LiveHub, lamp: tuple
) -> None:
    _, asset = lamp
    wait_for_embedding(hub, asset["id"])
    front, _ = download(hub, asset["previews"][0]["url"])

    found = hub.upload(BY_IMAGE, {"filter": {"text": "lamp-3d"}}, front, "front.png")

    assert not found.errors, found.errors
    assert found.data["searchByImage"][0]["asset"]["id"] == asset["id"]
    similar = hub.ok(SIMILAR, {"id": asset["id"], "first": 3})["similarAssets"]
    assert asset["id"] not in [hit["asset"]["id"] for hit in similar], "never itself"


def test_a_model_without_triangles_is_kept_and_says_why_it_has_no_previews(
    hub: LiveHub,
) -> None:
    created = upload(hub, models.points_only(), "point-cloud.glb")

    asset = wait_until_rendered(hub, created["id"])

    assert asset["triangleCount"] == 0 and asset["vertexCount"] == 3
    assert asset["previews"] == [] and asset["renditions"] == []
    assert "no triangles" in asset["previewProblem"]
    assert "no triangles" in asset["usdzProblem"]


def test_a_model_too_costly_to_draw_keeps_its_usdz_and_says_why_it_has_no_previews(
    hub: LiveHub,
) -> None:
    created = upload(hub, models.stacked_layers(), "layers.glb")

    asset = wait_until_rendered(hub, created["id"])

    assert asset["triangleCount"] == 400 and asset["previews"] == []
    assert "pixels" in asset["previewProblem"], asset["previewProblem"]
    assert asset["usdzProblem"] is None and asset["usdz"]["triangleCount"] == 400


def test_models_that_cannot_be_kept_are_refused_with_a_code_and_nothing_is_stored(
    hub: LiveHub, hub_settings: Settings
) -> None:
    cases = [
        (models.fifty_million_triangles(), "huge.glb", "PAYLOAD_TOO_LARGE", "50000000 triangles"),
        (models.huge_texture(), "poster.glb", "PAYLOAD_TOO_LARGE", "9000x8000 pixels"),
        (models.pointing_outside(), "broken.glb", "BAD_USER_INPUT", "outside its buffer"),
        (models.gltf_with_external_buffer(), "lamp.gltf", "BAD_USER_INPUT", "'lamp.bin'"),
        (models.gltf_with_missing_texture(), "table.gltf", "BAD_USER_INPUT", "'wood.png'"),
        (models.draco_compressed(), "draco.glb", "BAD_USER_INPUT", "Draco"),
    ]
    assets_before = hub.ok(COUNT_ASSETS)["assets"]["totalCount"]
    blobs_before = blob_files(hub_settings)

    for content, filename, code, said in cases:
        result = hub.upload(UPLOAD, {}, content, filename)
        assert result.codes == [code], (filename, result.errors)
        assert said in result.errors[0]["message"], result.errors[0]["message"]

    refused = hub.upload(UPLOAD, {}, models.gltf_with_missing_texture(), "table.gltf").errors[0]
    assert refused["extensions"]["reason"] == "external_resource"
    assert "upload a GLB" in refused["message"]
    assert hub.ok(COUNT_ASSETS)["assets"]["totalCount"] == assets_before
    assert blob_files(hub_settings) == blobs_before


def test_damaged_models_are_refused_with_a_reason_or_drawn_never_crash(tmp_path: Path) -> None:
    """Bit flips, cuts and overwritten bytes in real GLBs, in the process (no server): the
    upload check refuses them with a hub error or accepts them, and what it accepts is drawn
    and converted, or fails with a reason for the asset's facts; no other exception."""
    rng = random.Random(3)
    seeds = [models.lamp().glb, models.textured_crate().glb, models.points_only()]
    path = tmp_path / "model"
    accepted = 0
    for _ in range(120):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            position = rng.randrange(min(len(data), rng.choice([1500, len(data)])))
            mutation = rng.choice(["flip", "cut", "byte", "digit"])
            if mutation == "flip":
                data[position] ^= 1 << rng.randrange(8)
            elif mutation == "cut":
                del data[position:]
            else:
                data[position] = rng.randrange(256) if mutation == "byte" else rng.randint(48, 57)
        path.write_bytes(data)
        try:
            sniffed = sniff(bytes(data[:4096]))
            probe(path, sniffed)
        except HubError:
            continue
        accepted += 1
        model = load_model(path, binary=sniffed.extension == "glb")
        with contextlib.suppress(PreviewFailed):
            render_previews(model, size=48)
        with contextlib.suppress(UsdzFailed):
            write_usdz(model)
    assert accepted > 5, "some damage (in vertex data, say) leaves a loadable model"
