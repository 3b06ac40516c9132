"""The file-naming convention links uploads to products; what it cannot link is reported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from PIL import Image

from hub.config import Settings

import media_samples as samples
from conftest import LiveHub, hub_environment
from test_media_uploads import CREATE_PRODUCT, PRODUCT_MEDIA, upload


def image(seed: int) -> bytes:
    return samples.jpeg(Image.new("RGB", (80, 60), (seed % 256, 40, 90)),
                        comment=f"naming-{seed}".encode())


def test_a_conventional_file_name_links_the_upload(hub: LiveHub, sku_prefix: str) -> None:
    sku = f"{sku_prefix}_SOFA-001"  # underscores inside the SKU are fine
    hub.ok(CREATE_PRODUCT, {"input": {"sku": sku, "name": "Sofa"}})

    upload(hub, image(1), f"{sku}_gallery_2.jpg")
    main = upload(hub, image(2), f"{sku}_main_1.jpg")

    links = hub.ok(PRODUCT_MEDIA, {"sku": sku})["product"]
    assert links["mainImage"]["id"] == main["id"]
    assert [(link["role"], link["position"]) for link in links["assets"]] == [
        ("MAIN", 1), ("GALLERY", 1)]


def test_the_streaming_endpoint_reports_why_a_file_stayed_unlinked(
    hub: LiveHub, sku_prefix: str
) -> None:
    unknown = hub.http.post("/uploads", content=image(3),
                         params={"filename": f"{sku_prefix}-NOPE_main_1.jpg"}).json()
    odd = hub.http.post("/uploads", content=image(4),
                     params={"filename": "holiday photo.jpg"}).json()

    assert unknown["products"] == [] and "no product with SKU" in unknown["unlinkedReason"]
    assert odd["products"] == [] and "{sku}_{role}_{position}.{ext}" in odd["unlinkedReason"]


def test_hub_ingest_uploads_a_folder_and_reports_unlinked_and_refused_files(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str, tmp_path: Path
) -> None:
    sku = f"{sku_prefix}-LAMP"
    hub.ok(CREATE_PRODUCT, {"input": {"sku": sku, "name": "Lamp"}})
    (tmp_path / f"{sku}_main_1.jpg").write_bytes(image(5))
    (tmp_path / f"{sku}_detail_1.png").write_bytes(
        samples.png(Image.new("RGBA", (50, 40), (7, 8, 9, 100))))
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "random.jpg").write_bytes(image(6))
    (tmp_path / "nested" / "broken.jpg").write_bytes(samples.truncated_jpeg())
    result = subprocess.run([sys.executable, "-m", "hub.cli", "ingest", str(tmp_path)],
                            env=hub_environment(hub_settings), capture_output=True,
                            text=True, timeout=300, check=False)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "3 new assets, 0 already in the library, 2 linked by file name, 1 unlinked, " \
           "1 refused" in result.stdout
    assert "random.jpg" in result.stdout and "BAD_USER_INPUT" in result.stdout
    assert "ingest" in result.stderr, "a progress bar on stderr"
    roles = [link["role"] for link in hub.ok(PRODUCT_MEDIA, {"sku": sku})["product"]["assets"]]
    assert roles == ["MAIN", "DETAIL"]

    again = subprocess.run([sys.executable, "-m", "hub.cli", "ingest", "--json", str(tmp_path)],
                           env=hub_environment(hub_settings), capture_output=True, text=True,
                           timeout=300, check=False)
    summary = json.loads(again.stdout)
    assert (summary["created"], summary["existing"]) == (0, 3), "a re-run skips known files"
    assert [item["path"].endswith("broken.jpg") for item in summary["refused"]] == [True]
