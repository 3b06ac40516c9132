"""Hostile input: files that are two formats at once, text that is not UTF-8, oversized or
deeply nested product attributes, and clients that trickle their uploads. Each is refused with a
coded error, nothing is stored, and the hub keeps serving."""

from __future__ import annotations

import io

from PIL import Image

from hub.config import Settings

import media_samples as samples
from conftest import LiveHub
from test_media_uploads import COUNT_ASSETS, UPLOAD, blob_files


def staged_files(settings: Settings) -> list[str]:
    return [path.name for path in (settings.data_dir / "staging").iterdir()]


def gif(variant: str) -> bytes:
    out = io.BytesIO()
    Image.new("P", (40, 30), 3).save(out, "GIF", comment=variant.encode())
    return out.getvalue()


def test_an_image_that_is_also_another_format_is_refused_and_nothing_is_kept(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    photo = samples.astronaut_jpeg(sku_prefix)
    cases = [
        (photo + samples.zip_archive(), "photo.jpg", "a ZIP archive"),
        (photo + samples.pdf_document(pages=1), "photo.jpg", "a PDF document"),
        (photo + samples.HTML, "photo.jpg", "an HTML page"),
        (photo + b"#!/bin/sh\necho owned\n", "photo.jpg", "a script"),
        (photo + b"some hidden notes", "photo.jpg", "other data"),
        (samples.jpeg(Image.new("RGB", (32, 32)), comment=b"<?php system($_GET['c']); ?>"),
         "shell.jpg", "a PHP script"),
        (samples.transparent_png() + samples.zip_archive(), "swatch.png", "a ZIP archive"),
        (gif(sku_prefix) + samples.HTML, "banner.gif", "an HTML page"),
    ]
    assets_before = hub.ok(COUNT_ASSETS)["assets"]["totalCount"]
    blobs_before = blob_files(hub_settings)

    answers = [hub.upload(UPLOAD, {}, content, filename) for content, filename, _ in cases]
    streamed = hub.http.post("/uploads", params={"filename": "photo.jpg"},
                             content=photo + samples.zip_archive())

    for (_, _, what), answer in zip(cases, answers, strict=True):
        assert answer.codes == ["UNSUPPORTED_MEDIA_TYPE"], (what, answer.errors)
        error = answer.errors[0]
        assert f"but also {what}" in error["message"], error["message"]
        assert error["extensions"]["reason"] == "polyglot"
    assert streamed.status_code == 415
    assert streamed.json()["errors"][0]["extensions"]["found"] == "a ZIP archive"
    assert hub.ok(COUNT_ASSETS)["assets"]["totalCount"] == assets_before
    assert blob_files(hub_settings) == blobs_before
    assert staged_files(hub_settings) == []


def test_camera_photos_with_padding_or_extra_pictures_after_the_image_are_accepted(
    hub: LiveHub, sku_prefix: str
) -> None:
    photo = samples.astronaut_jpeg(sku_prefix)
    padded = photo + b"\x00" * 64
    # Multi-Picture Format: a preview or an HDR gain map appended after the primary image.
    multi_picture = photo + samples.coffee_jpeg(sku_prefix)

    answers = [hub.upload(UPLOAD, {}, content, name)
               for content, name in [(padded, "padded.jpg"), (multi_picture, "mpf.jpg")]]

    for answer in answers:
        assert not answer.errors, answer.errors
        assert answer.data is not None
        asset = answer.data["uploadAsset"]
        assert (asset["kind"], asset["width"], asset["height"]) == ("IMAGE", 512, 512)
