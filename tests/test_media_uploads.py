"""Uploading product media through GraphQL multipart requests and the streaming endpoint."""

from __future__ import annotations

import hashlib
import io
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from PIL import Image

from hub.config import Settings

import media_samples as samples
from conftest import LiveHub

ASSET_FIELDS = """
id kind filename contentType byteSize sha256 width height aspectRatio format colorMode hasAlpha
durationSeconds fps codec pageCount meshCount vertexCount bounds { min max } blurhash dominantColor
originalUrl version tags { label source accepted } products { sku }
renditions { preset width height format contentType byteSize url }
"""
UPLOAD = f"""
mutation Upload($file: Upload!, $sku: String, $role: AssetRole, $tags: [String!]) {{
  uploadAsset(file: $file, sku: $sku, role: $role, tags: $tags) {{ {ASSET_FIELDS} }}
}}
"""
ASSET = f"query($id: ID!) {{ asset(id: $id) {{ {ASSET_FIELDS} }} }}"
CREATE_PRODUCT = "mutation($input: ProductInput!) { createProduct(input: $input) { id sku } }"
PRODUCT_MEDIA = """
query($sku: String!) {
  product(sku: $sku) {
    mainImage { id filename }
    assets { role position asset { id filename kind } }
  }
}
"""
COUNT_ASSETS = "{ assets(first: 0) { totalCount } }"


def upload(hub: LiveHub, content: bytes, filename: str, **variables: object) -> dict:
    result = hub.upload(UPLOAD, variables, content, filename)
    assert not result.errors, result.errors
    return result.data["uploadAsset"]


def wait_for_renditions(hub: LiveHub, asset_id: str, count: int) -> dict:
    deadline = time.monotonic() + 60
    while True:
        asset = hub.ok(ASSET, {"id": asset_id})["asset"]
        if len(asset["renditions"]) >= count:
            return asset
        assert time.monotonic() < deadline, "renditions were not made in time"
        time.sleep(0.3)


def blob_files(settings: Settings) -> set[Path]:
    return {path for path in (settings.data_dir / "blobs").rglob("*") if path.is_file()}


def test_a_photo_is_probed_linked_as_main_image_and_rendered_for_every_channel(
    hub: LiveHub, sku_prefix: str
) -> None:
    sku = f"{sku_prefix}-SOFA"
    hub.ok(CREATE_PRODUCT, {"input": {"sku": sku, "name": "Sofa"}})

    asset = upload(hub, samples.astronaut_jpeg(sku), "sofa-front.jpg", sku=sku, tags=["front"])

    assert (asset["kind"], asset["contentType"], asset["format"]) == (
        "IMAGE", "image/jpeg", "jpeg")
    assert (asset["width"], asset["height"], asset["aspectRatio"]) == (512, 512, 1.0)
    assert asset["blurhash"] and asset["dominantColor"].startswith("#")
    assert asset["tags"] == [{"label": "front", "source": "MANUAL", "accepted": True}]
    assert asset["products"] == [{"sku": sku}]
    media = hub.ok(PRODUCT_MEDIA, {"sku": sku})["product"]
    assert media["mainImage"] == {"id": asset["id"], "filename": "sofa-front.jpg"}
    assert media["assets"][0]["role"] == "MAIN"

    presets = hub.ok("{ renditionPresets { name width height fit format } }")
    names = {preset["name"] for preset in presets["renditionPresets"]}
    assert {"thumbnail", "web", "mobile", "retina", "square", "marketplace",
            "social"} <= names
    rendered = wait_for_renditions(hub, asset["id"], len(names))
    by_preset = {r["preset"]: r for r in rendered["renditions"]}
    assert (by_preset["thumbnail"]["width"], by_preset["thumbnail"]["format"]) == (200, "webp")
    assert by_preset["web"]["width"] == 512, "never upscaled beyond the original"
    assert (by_preset["square"]["width"], by_preset["square"]["height"]) == (2048, 2048)
    assert by_preset["social"]["width"] == by_preset["social"]["height"] == 512, (
        "cropped square at its own size: presets only upscale when they say so")
    assert by_preset["marketplace"]["format"] == "jpeg"
    assert max(by_preset["marketplace"]["width"], by_preset["marketplace"]["height"]) >= 1000
    delivered = httpx.get(by_preset["thumbnail"]["url"])
    assert delivered.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(delivered.content)).size == (200, 200)


def test_the_same_bytes_uploaded_again_return_the_same_asset(
    hub: LiveHub, sku_prefix: str
) -> None:
    content = samples.jpeg(Image.new("RGB", (64, 48), (10, 20, 30)), comment=sku_prefix.encode())
    before = hub.ok(COUNT_ASSETS)["assets"]["totalCount"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = set(pool.map(lambda n: upload(hub, content, f"copy-{n}.jpg")["id"], range(6)))

    assert len(ids) == 1
    assert hub.ok(COUNT_ASSETS)["assets"]["totalCount"] == before + 1
    again = upload(hub, content, "copy-again.jpg", tags=["navy"])
    assert again["id"] in ids
    assert [tag["label"] for tag in again["tags"]] == ["navy"], "the second uploader's tags"


def test_exif_orientation_is_applied_to_facts_and_renditions(hub: LiveHub) -> None:
    asset = upload(hub, samples.rotated_jpeg(), "rotated.jpg")

    assert (asset["width"], asset["height"]) == (200, 300)
    thumbnail = wait_for_renditions(hub, asset["id"], 1)
    rendered = hub.http.get(f"/assets/{asset['id']}/renditions/thumbnail")
    width, height = Image.open(io.BytesIO(rendered.content)).size
    assert height > width
    assert thumbnail["id"] == asset["id"]


def test_transparency_is_kept_in_webp_and_flattened_on_white_in_jpeg(hub: LiveHub) -> None:
    asset = upload(hub, samples.transparent_png(), "swatch.png")
    assert asset["hasAlpha"] is True

    webp = hub.http.get(f"/assets/{asset['id']}/renditions/thumbnail")
    jpeg = hub.http.get(f"/assets/{asset['id']}/renditions/social")

    assert Image.open(io.BytesIO(webp.content)).mode == "RGBA"
    corner = Image.open(io.BytesIO(jpeg.content)).convert("RGB").getpixel((0, 0))
    assert min(corner) > 240, "transparent areas become white in JPEG"


def test_video_3d_and_pdf_files_are_probed(hub: LiveHub, sku_prefix: str) -> None:
    sku = f"{sku_prefix}-LAMP"
    hub.ok(CREATE_PRODUCT, {"input": {"sku": sku, "name": "Lamp"}})

    video = upload(hub, samples.mp4_video(), "spin.mp4", sku=sku)
    model = upload(hub, samples.glb_model(), "lamp.glb", sku=sku)
    manual = upload(hub, samples.pdf_document(pages=2), "manual.pdf", sku=sku)

    assert (video["kind"], video["contentType"], video["width"], video["height"]) == (
        "VIDEO", "video/mp4", 64, 64)
    assert video["durationSeconds"] == 1.0 and video["fps"] == 10.0
    assert video["codec"] == "mpeg4"
    poster = wait_for_renditions(hub, video["id"], 7)
    thumbnail = next(r for r in poster["renditions"] if r["preset"] == "thumbnail")
    assert (thumbnail["width"], thumbnail["height"], thumbnail["format"]) == (64, 64, "webp"), (
        "a video gets poster renditions from a frame")
    assert (model["kind"], model["meshCount"], model["vertexCount"]) == ("MODEL_3D", 1, 3)
    assert model["bounds"] == {"min": [0.0, 0.0, 0.0], "max": [1.0, 1.0, 0.0]}
    assert (manual["kind"], manual["pageCount"]) == ("DOCUMENT", 2)
    roles = {link["asset"]["kind"]: link["role"]
             for link in hub.ok(PRODUCT_MEDIA, {"sku": sku})["product"]["assets"]}
    assert roles == {"VIDEO": "VIDEO", "MODEL_3D": "MODEL_3D", "DOCUMENT": "MANUAL"}


def test_large_files_stream_through_the_plain_upload_endpoint(
    hub: LiveHub, sku_prefix: str
) -> None:
    sku = f"{sku_prefix}-VID"
    hub.ok(CREATE_PRODUCT, {"input": {"sku": sku, "name": "Video product"}})
    content = samples.mp4_video(frames=30)

    def body():  # a generator: httpx sends it chunked, as a large file would go
        for start in range(0, len(content), 4096):
            yield content[start:start + 4096]

    response = hub.http.post("/uploads", params={"filename": "demo.mp4", "sku": sku},
                          content=body())

    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["kind"], created["byteSize"], created["created"]) == (
        "VIDEO", len(content), True)
    asset = hub.ok(ASSET, {"id": created["id"]})["asset"]
    assert asset["products"] == [{"sku": sku}] and asset["durationSeconds"] == 3.0
    again = hub.http.post("/uploads", params={"filename": "demo.mp4"}, content=content)
    assert again.status_code == 200 and again.json()["id"] == created["id"]


def test_bad_files_are_refused_with_a_code_and_nothing_is_kept(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    hub.ok(CREATE_PRODUCT, {"input": {"sku": f"{sku_prefix}-OK", "name": "Target"}})
    cases = [
        (samples.truncated_jpeg(), "broken.jpg", {}, "BAD_USER_INPUT"),
        (samples.astronaut_jpeg(), "photo.png", {}, "BAD_USER_INPUT"),
        (samples.bomb_png(), "bomb.png", {}, "PAYLOAD_TOO_LARGE"),
        (b"", "empty.jpg", {}, "BAD_USER_INPUT"),
        (samples.coffee_jpeg(), "coffee.jpg", {"sku": f"{sku_prefix}-NOPE"}, "NOT_FOUND"),
        (samples.coffee_jpeg(), "../../etc/passwd.jpg", {}, "BAD_USER_INPUT"),
        (samples.ELF, "tool.jpg", {}, "UNSUPPORTED_MEDIA_TYPE"),
        (samples.SVG, "logo.svg", {}, "UNSUPPORTED_MEDIA_TYPE"),
        (samples.HTML, "page.jpg", {}, "UNSUPPORTED_MEDIA_TYPE"),
    ]
    assets_before = hub.ok(COUNT_ASSETS)["assets"]["totalCount"]
    blobs_before = blob_files(hub_settings)

    for content, filename, variables, code in cases:
        result = hub.upload(UPLOAD, variables, content, filename)
        assert result.codes == [code], (filename, result.errors)
        assert result.errors[0]["message"], filename

    assert hub.ok(COUNT_ASSETS)["assets"]["totalCount"] == assets_before
    # None of the new blobs is a refused file (blobs are named by their content's sha256); the
    # store may still gain renditions of earlier tests' uploads meanwhile.
    refused = {hashlib.sha256(content).hexdigest() for content, *_ in cases}
    assert refused.isdisjoint(path.name for path in blob_files(hub_settings) - blobs_before)
    assert not list((hub_settings.data_dir / "staging").iterdir())


def test_an_upload_over_the_size_limit_is_refused_while_streaming(
    hub_settings: Settings,
) -> None:
    small = hub_settings.model_copy(update={"max_upload_bytes": 100_000})
    limited = LiveHub(small).start()
    try:
        content = samples.mp4_video(frames=5) + b"\x00" * 200_000
        response = limited.http.post("/uploads", params={"filename": "big.mp4"},
                              content=content)
        multipart = limited.upload(UPLOAD, {}, content, "big.mp4")
        huge = limited.upload(UPLOAD, {}, content * 8, "huge.mp4")  # past the whole-body limit
    finally:
        limited.stop()

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert multipart.codes == ["PAYLOAD_TOO_LARGE"]
    assert huge.status_code == 413 and huge.codes == ["PAYLOAD_TOO_LARGE"]
    assert not list((hub_settings.data_dir / "staging").iterdir())
