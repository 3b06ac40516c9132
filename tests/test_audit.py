"""The media audit finds what keeps a catalog from looking right, over GraphQL and the CLI."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from PIL import Image
from test_vision import wait_for_embedding

from hub.config import Settings

import media_samples as samples
from conftest import LiveHub, hub_environment
from test_media_uploads import CREATE_PRODUCT, upload

AUDIT = """
{ mediaAudit(limit: 1000) {
    productsWithoutMainImage productsWithoutMainImageCount
    tooSmall { preset count assets { id } }
    duplicateGroups { assets { id } }
    untagged { id } untaggedCount unlinked { id } unlinkedCount
    staleRenditions { assetId presets }
    nearDuplicatesComplete
} }
"""


def test_the_audit_reports_each_kind_of_problem(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    bare, dressed = f"{sku_prefix}-BARE", f"{sku_prefix}-DRESSED"
    for sku in (bare, dressed):
        hub.ok(CREATE_PRODUCT, {"input": {"sku": sku, "name": sku}})
    big = Image.new("RGB", (2600, 1800), (90, 120, 30))
    main = upload(hub, samples.jpeg(big, comment=sku_prefix.encode()), f"{dressed}_main_1.jpg",
                  tags=["hero"])["id"]
    tiny = upload(hub, samples.jpeg(Image.new("RGB", (120, 90), (200, 10, 10)),
                                    comment=sku_prefix.encode()), f"{sku_prefix}-tiny.jpg")["id"]
    original = upload(hub, samples.astronaut_jpeg(f"{sku_prefix}-a"), f"{sku_prefix}-a.jpg")["id"]
    smaller = Image.open(io.BytesIO(samples.astronaut_jpeg())).resize((256, 256))
    copy = upload(hub, samples.jpeg(smaller, comment=b"copy"), f"{sku_prefix}-copy.jpg")["id"]
    for asset_id in (main, tiny, original, copy):
        wait_for_embedding(hub, asset_id)

    audit = hub.ok(AUDIT)["mediaAudit"]

    assert bare in audit["productsWithoutMainImage"]
    assert dressed not in audit["productsWithoutMainImage"]
    small = {entry["preset"]: {a["id"] for a in entry["assets"]} for entry in audit["tooSmall"]}
    assert tiny in small["thumbnail"] and tiny in small["marketplace"]
    assert main not in small.get("web", set()) and main not in small.get("marketplace", set())
    groups = [{a["id"] for a in group["assets"]} for group in audit["duplicateGroups"]]
    assert any({original, copy} <= group for group in groups)
    assert tiny in {a["id"] for a in audit["untagged"]}
    assert main not in {a["id"] for a in audit["untagged"]}
    assert tiny in {a["id"] for a in audit["unlinked"]}
    assert main not in {a["id"] for a in audit["unlinked"]}
    assert audit["nearDuplicatesComplete"] is True

    result = subprocess.run([sys.executable, "-m", "hub.cli", "audit", "--json"],
                            env=hub_environment(hub_settings), capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["counts"]["products_without_main_image"] == \
        audit["productsWithoutMainImageCount"]
    table = subprocess.run([sys.executable, "-m", "hub.cli", "audit"],
                           env=hub_environment(hub_settings), capture_output=True, text=True,
                           timeout=300, check=False)
    assert "products without a MAIN image" in table.stdout


def test_renditions_of_a_changed_preset_are_reported_stale(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str, tmp_path: Path
) -> None:
    from test_media_uploads import wait_for_renditions

    asset = upload(hub, samples.coffee_jpeg(sku_prefix), f"{sku_prefix}-stale.jpg")["id"]
    wait_for_renditions(hub, asset, 7)
    presets = (Path(__file__).parent.parent / "hub" / "media" / "presets.toml").read_text()
    changed = tmp_path / "presets.toml"
    changed.write_text(presets.replace("[presets.thumbnail]\nwidth = 200",
                                       "[presets.thumbnail]\nwidth = 240"))
    assert changed.read_text() != presets

    result = subprocess.run([sys.executable, "-m", "hub.cli", "audit", "--json"],
                            env={**hub_environment(hub_settings),
                                 "HUB_PRESETS_FILE": str(changed)},
                            capture_output=True, text=True, timeout=300, check=False)

    stale = json.loads(result.stdout)["stale_renditions"]
    assert stale[asset] == ["thumbnail"]
    current = hub.ok(AUDIT)["mediaAudit"]["staleRenditions"]
    assert asset not in [entry["assetId"] for entry in current], "not with the hub's presets"
