"""Linking media to products, delivering it, versions, deletion, tags, filters and transforms."""

from __future__ import annotations

import io
import time

import httpx
from PIL import Image

from hub.config import Settings

import media_samples as samples
from conftest import LiveHub
from test_media_uploads import ASSET, CREATE_PRODUCT, PRODUCT_MEDIA, upload, wait_for_renditions

LINK = """
mutation($assetId: ID!, $sku: String!, $role: AssetRole!, $position: Int) {
  linkAsset(assetId: $assetId, sku: $sku, role: $role, position: $position) {
    assets { role position asset { id } }
  }
}
"""
UNLINK = """
mutation($assetId: ID!, $sku: String!) {
  unlinkAsset(assetId: $assetId, sku: $sku) { assets { asset { id } } }
}
"""
REPLACE = """
mutation($id: ID!, $file: Upload!) {
  replaceAssetFile(id: $id, file: $file) {
    version sha256 width height renditions { preset }
    versions { version sha256 url }
  }
}
"""
DELETE = "mutation($id: ID!) { deleteAsset(id: $id) }"
TAG = """
mutation($id: ID!, $add: [String!], $remove: [String!]) {
  tagAsset(id: $id, add: $add, remove: $remove) { tags { label source accepted } }
}
"""
ASSETS = """
query($filter: AssetFilter, $first: Int) {
  assets(first: $first, filter: $filter) { totalCount edges { node { id filename } } }
}
"""


def image(color: tuple[int, int, int], size: tuple[int, int] = (320, 240)) -> bytes:
    """A flat image; the comment keeps near-identical colours from encoding to equal bytes."""
    return samples.jpeg(Image.new("RGB", size, color), comment=repr((color, size)).encode())


def product(hub: LiveHub, sku: str) -> None:
    hub.ok(CREATE_PRODUCT, {"input": {"sku": sku, "name": f"Product {sku}"}})


def test_links_keep_roles_and_positions_and_one_asset_serves_many_products(
    hub: LiveHub, sku_prefix: str
) -> None:
    chair, table = f"{sku_prefix}-CHAIR", f"{sku_prefix}-TABLE"
    product(hub, chair)
    product(hub, table)
    a, b, c = (upload(hub, image(color), f"{n}.jpg")["id"]
               for n, color in enumerate([(200, 0, 0), (0, 200, 0), (0, 0, 200)]))

    hub.ok(LINK, {"assetId": a, "sku": chair, "role": "GALLERY"})
    hub.ok(LINK, {"assetId": b, "sku": chair, "role": "GALLERY"})
    linked = hub.ok(LINK, {"assetId": c, "sku": chair, "role": "GALLERY", "position": 1})
    hub.ok(LINK, {"assetId": a, "sku": table, "role": "MAIN"})

    gallery = linked["linkAsset"]["assets"]
    assert [(x["asset"]["id"], x["position"]) for x in gallery] == [(c, 1), (a, 2), (b, 3)]
    shared = hub.ok(ASSET, {"id": a})["asset"]["products"]
    assert sorted(p["sku"] for p in shared) == [chair, table]
    moved = hub.ok(LINK, {"assetId": b, "sku": chair, "role": "MAIN"})["linkAsset"]["assets"]
    assert [(x["role"], x["asset"]["id"], x["position"]) for x in moved] == [
        ("MAIN", b, 1), ("GALLERY", c, 1), ("GALLERY", a, 2)]
    assert hub.ok(PRODUCT_MEDIA, {"sku": chair})["product"]["mainImage"]["id"] == b
    only_main = hub.ok('query($sku: String!) { product(sku: $sku) { assets(role: MAIN) '
                       '{ asset { id } } } }', {"sku": chair})
    assert only_main["product"]["assets"] == [{"asset": {"id": b}}]

    after = hub.ok(UNLINK, {"assetId": c, "sku": chair})["unlinkAsset"]["assets"]
    assert [x["asset"]["id"] for x in after] == [b, a]
    by_sku = hub.ok(ASSETS, {"filter": {"skus": [chair]}})["assets"]
    assert sorted(e["node"]["id"] for e in by_sku["edges"]) == sorted([a, b])


def test_linking_to_an_unknown_sku_or_asset_is_not_found(hub: LiveHub, sku_prefix: str) -> None:
    asset = upload(hub, image((1, 2, 3)), "x.jpg")["id"]
    product(hub, f"{sku_prefix}-P")

    unknown_sku = hub.graphql(LINK, {"assetId": asset, "sku": f"{sku_prefix}-NONE",
                                     "role": "MAIN"})
    unknown_asset = hub.graphql(LINK, {"assetId": "000000000000000000000000",
                                       "sku": f"{sku_prefix}-P", "role": "MAIN"})
    bad_position = hub.graphql(LINK, {"assetId": asset, "sku": f"{sku_prefix}-P",
                                      "role": "MAIN", "position": 0})

    assert unknown_sku.codes == unknown_asset.codes == ["NOT_FOUND"]
    assert bad_position.codes == ["BAD_USER_INPUT"]
    assert hub.ok(PRODUCT_MEDIA, {"sku": f"{sku_prefix}-P"})["product"]["assets"] == []


def test_originals_and_renditions_are_delivered_with_cache_headers(hub: LiveHub) -> None:
    content = samples.coffee_jpeg("delivery")
    asset = upload(hub, content, "coffee.jpg")

    immutable = httpx.get(asset["originalUrl"])
    assert immutable.content == content
    assert immutable.headers["content-type"] == "image/jpeg"
    assert "immutable" in immutable.headers["cache-control"]
    etag = immutable.headers["etag"]
    assert etag == f'"{asset["sha256"]}"'
    assert httpx.get(asset["originalUrl"], headers={"If-None-Match": etag}).status_code == 304

    part = hub.http.get(f"/assets/{asset['id']}/original",
                     headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(content)}"

    missing = hub.http.get(f"/assets/{asset['id']}/renditions/no-such-preset")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert hub.http.get(f"/media/{'0' * 64}.jpg").status_code == 404


def test_a_replaced_file_becomes_a_new_version_and_the_old_one_is_kept(
    hub: LiveHub, sku_prefix: str
) -> None:
    sku = f"{sku_prefix}-V"
    product(hub, sku)
    first = upload(hub, image((250, 0, 0), (400, 300)), "shoe.jpg", sku=sku)
    wait_for_renditions(hub, first["id"], 7)

    replaced = hub.upload(REPLACE, {"id": first["id"]}, image((0, 0, 250), (300, 400)),
                          "shoe-v2.jpg")
    assert not replaced.errors, replaced.errors
    asset = replaced.data["replaceAssetFile"]

    assert asset["version"] == 2 and asset["sha256"] != first["sha256"]
    assert (asset["width"], asset["height"]) == (300, 400)
    assert asset["versions"] == [{"version": 1, "sha256": first["sha256"],
                                  "url": first["originalUrl"]}]
    assert httpx.get(first["originalUrl"]).status_code == 200, "the old original is kept"
    renewed = wait_for_renditions(hub, first["id"], 7)
    thumbnail = next(r for r in renewed["renditions"] if r["preset"] == "thumbnail")
    pixel = Image.open(io.BytesIO(httpx.get(thumbnail["url"]).content)).convert("RGB")
    assert pixel.getpixel((pixel.width // 2, pixel.height // 2))[2] > 200, "made from v2"
    assert hub.ok(PRODUCT_MEDIA, {"sku": sku})["product"]["mainImage"]["id"] == first["id"]


def test_deleting_an_asset_removes_links_index_entry_and_unused_files(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    sku = f"{sku_prefix}-D"
    product(hub, sku)
    asset = upload(hub, image((9, 99, 199)), "gone.jpg", sku=sku)
    rendered = wait_for_renditions(hub, asset["id"], 7)
    urls = [asset["originalUrl"], *(r["url"] for r in rendered["renditions"])]

    assert hub.ok(DELETE, {"id": asset["id"]}) == {"deleteAsset": True}

    assert hub.ok(ASSET, {"id": asset["id"]}) == {"asset": None}
    assert hub.ok(PRODUCT_MEDIA, {"sku": sku})["product"]["assets"] == []
    assert hub.ok(ASSETS, {"filter": {"text": "gone"}})["assets"]["edges"] == []
    assert all(httpx.get(url).status_code == 404 for url in urls)
    assert hub.graphql(DELETE, {"id": asset["id"]}).codes == ["NOT_FOUND"]


def test_tags_and_filters_find_the_right_assets(hub: LiveHub, sku_prefix: str) -> None:
    marker = sku_prefix.lower()
    tagged = upload(hub, image((5, 5, 5)), f"{marker}-front.jpg", tags=["Front", "studio"])
    plain = upload(hub, image((6, 6, 6)), f"{marker}-plain.jpg")
    video = upload(hub, samples.mp4_video(frames=4), f"{marker}-clip.mp4")

    def ids(filter_: dict) -> set[str]:
        found = hub.ok(ASSETS, {"filter": {"text": marker, **filter_}, "first": 50})
        return {edge["node"]["id"] for edge in found["assets"]["edges"]}

    assert ids({}) == {tagged["id"], plain["id"], video["id"]}
    assert ids({"tags": ["front"]}) == {tagged["id"]}, "tags match without regard to case"
    assert ids({"untagged": True}) == {plain["id"], video["id"]}
    assert ids({"kinds": ["VIDEO"]}) == {video["id"]}
    assert ids({"unlinked": True}) == {tagged["id"], plain["id"], video["id"]}

    changed = hub.ok(TAG, {"id": plain["id"], "add": ["lifestyle"], "remove": []})
    assert changed["tagAsset"]["tags"] == [
        {"label": "lifestyle", "source": "MANUAL", "accepted": True}]
    hub.ok(TAG, {"id": tagged["id"], "remove": ["front"]})
    assert ids({"tags": ["lifestyle"]}) == {plain["id"]}
    assert ids({"untagged": True}) == {video["id"]}
    assert hub.graphql(TAG, {"id": plain["id"], "add": ["x" * 65]}).codes == ["BAD_USER_INPUT"]


def test_signed_transforms_render_once_and_refuse_tampering(hub: LiveHub) -> None:
    asset = upload(hub, samples.astronaut_jpeg("transform"), "transform.jpg")
    query = """
    query($id: ID!, $t: ImageTransform!) { asset(id: $id) { url(transform: $t) } }
    """
    url = hub.ok(query, {"id": asset["id"], "t": {
        "width": 300, "height": 200, "fit": "COVER", "format": "AVIF"}})["asset"]["url"]

    first = httpx.get(url)
    assert first.status_code == 200 and first.headers["content-type"] == "image/avif"
    assert Image.open(io.BytesIO(first.content)).size == (300, 200)
    assert httpx.get(url).content == first.content

    tampered = httpx.get(url.replace("w=300", "w=3000"))
    assert tampered.status_code == 403
    assert tampered.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    unsigned = hub.http.get(f"/assets/{asset['id']}/transform?w=100")
    assert unsigned.status_code == 403
    too_big = hub.graphql(query, {"id": asset["id"], "t": {"width": 5000}})
    assert too_big.codes == ["BAD_USER_INPUT"]


def test_a_srcset_offers_each_width_in_the_best_format_the_browser_accepts(
    hub: LiveHub,
) -> None:
    photo = upload(hub, samples.astronaut_jpeg("srcset"), "srcset.jpg")  # 512 x 512
    clear = upload(hub, samples.transparent_png(), "clear.png")
    video = upload(hub, samples.mp4_video(frames=6), "srcset.mp4")
    query = """
    query($id: ID!, $widths: [Int!]) { asset(id: $id) { width height aspectRatio
      srcSet(widths: $widths) } }
    """

    srcset = hub.ok(query, {"id": photo["id"]})["asset"]["srcSet"]
    candidates = [candidate.rsplit(" ", 1) for candidate in srcset.split(", ")]
    assert [descriptor for _, descriptor in candidates] == ["320w", "512w"], "never upscaled"
    url_320 = candidates[0][0]
    avif = httpx.get(url_320, headers={"Accept": "image/avif,image/webp,*/*"})
    webp = httpx.get(url_320, headers={"Accept": "image/webp,*/*"})
    old = httpx.get(url_320, headers={"Accept": "*/*"})
    assert avif.headers["content-type"] == "image/avif" and avif.headers["vary"] == "Accept"
    assert webp.headers["content-type"] == "image/webp"
    assert old.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(old.content)).size == (320, 320)
    clear_srcset = hub.ok(query, {"id": clear["id"], "widths": [8]})["asset"]["srcSet"]
    transparent = httpx.get(clear_srcset.rsplit(" ", 1)[0], headers={"Accept": "*/*"})
    assert transparent.headers["content-type"] == "image/png", "transparency kept"
    assert hub.ok(query, {"id": video["id"]})["asset"]["srcSet"] is None
    too_many = hub.graphql(query, {"id": photo["id"], "widths": list(range(100, 1500, 100))})
    too_wide = hub.graphql(query, {"id": photo["id"], "widths": [5000]})
    assert too_many.codes == ["BAD_USER_INPUT"] and too_wide.codes == ["BAD_USER_INPUT"]


def test_a_page_of_products_with_media_costs_the_same_for_2_and_50(
    hub: LiveHub, sku_prefix: str
) -> None:
    assets = [upload(hub, image((n * 40, 10, 10), (64, 64)), f"p{n}.jpg")["id"]
              for n in range(5)]
    skus = [f"{sku_prefix}-{n:02d}" for n in range(50)]
    for n, sku in enumerate(skus):
        product(hub, sku)
        hub.ok(LINK, {"assetId": assets[n % 5], "sku": sku, "role": "MAIN"})
        hub.ok(LINK, {"assetId": assets[(n + 1) % 5], "sku": sku, "role": "GALLERY"})
    page = """
    query($first: Int, $skus: [String!]) {
      products(first: $first, filter: {skus: $skus}) { edges { node {
        sku mainImage { id width renditions { preset url } }
        assets { role asset { id filename products { sku } } }
      } } }
    }
    """

    small = hub.graphql(page, {"first": 2, "skus": skus})
    large = hub.graphql(page, {"first": 50, "skus": skus})

    assert not small.errors and not large.errors
    assert len(large.data["products"]["edges"]) == 50
    assert all(len(e["node"]["assets"]) == 2 for e in large.data["products"]["edges"])
    assert small.store_calls == large.store_calls
    assert large.store_calls["mongo"] == 1, "the token check; the page itself is read from ES"


def test_a_focal_point_steers_cover_crops(hub: LiveHub) -> None:
    banner = Image.new("RGB", (1200, 400), (0, 0, 230))
    banner.paste((230, 0, 0), (0, 0, 400, 400))  # the product sits on the left
    asset = upload(hub, samples.jpeg(banner, comment=b"focal"), "banner.jpg")
    wait_for_renditions(hub, asset["id"], 7)
    set_point = """
    mutation($id: ID!, $p: FocalPointInput) { setAssetFocalPoint(id: $id, focalPoint: $p) {
      focalPoint { x y } } }
    """

    def social_centre() -> tuple[int, ...] | None:
        """The centre pixel of the social rendition; None while it is being made anew."""
        rendered = hub.ok(ASSET, {"id": asset["id"]})["asset"]["renditions"]
        url = next((r["url"] for r in rendered if r["preset"] == "social"), None)
        if url is None:
            return None
        image = Image.open(io.BytesIO(httpx.get(url).content)).convert("RGB")
        return image.getpixel((image.width // 2, image.height // 2))

    centred = social_centre()
    assert centred is not None and centred[2] > 200, "centred crop: the blue middle"
    changed = hub.ok(set_point, {"id": asset["id"], "p": {"x": 0.15, "y": 0.5}})
    assert changed["setAssetFocalPoint"]["focalPoint"] == {"x": 0.15, "y": 0.5}
    deadline = time.monotonic() + 30
    while (pixel := social_centre()) is None or pixel[0] < 200:
        assert time.monotonic() < deadline, "renditions were not re-made around the point"
        time.sleep(0.3)
    assert hub.graphql(set_point, {"id": asset["id"], "p": {"x": 2, "y": 0}}).codes == [
        "BAD_USER_INPUT"]
