"""The vision model at work: similar images, search by image and by meaning, auto-tagging.

Runs the real open_clip code on a tiny architecture with seeded random weights, so what is
asserted holds for any weights: copies of an image rank first, suggestions carry confidences,
manual tags are never touched."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image
from pymongo import MongoClient
from test_jobs import AUTO_TAG, wait_for_job, worker

from hub.config import Settings
from hub.vision.settings import VisionSettings

import media_samples as samples
from conftest import LiveHub, free_port, hub_environment
from test_media_uploads import upload

HITS = "asset { id filename tags { label source accepted confidence } } score"
SIMILAR = f"""
query($id: ID!, $first: Int, $filter: AssetFilter) {{
  similarAssets(assetId: $id, first: $first, filter: $filter) {{ {HITS} }}
}}
"""
SEARCH = f"""
query($q: String!, $mode: SearchMode, $filter: AssetFilter) {{
  searchAssets(query: $q, mode: $mode, filter: $filter) {{ {HITS} }}
}}
"""
BY_IMAGE = f"""
mutation($file: Upload!, $filter: AssetFilter) {{
  searchByImage(file: $file, filter: $filter) {{ {HITS} }}
}}
"""
TAGS = "query($id: ID!) { asset(id: $id) { tags { label source accepted confidence } } }"
ACCEPT = """
mutation($id: ID!, $labels: [String!]) {
  acceptSuggestedTags(id: $id, labels: $labels) { tags { label source accepted } }
}
"""


def photo(name: str, marker: str, size: tuple[int, int] | None = None, quality: int = 90) -> bytes:
    from skimage import data

    image = Image.fromarray(getattr(data, name)()).convert("RGB")
    if size:
        image = image.resize(size)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, comment=marker.encode())
    return out.getvalue()


def library(hub: LiveHub, marker: str) -> dict[str, str]:
    """Four real photographs and a smaller, re-encoded copy of one of them, embedded."""
    ids = {name: upload(hub, photo(name, marker), f"{marker}-{name}.jpg")["id"]
           for name in ["astronaut", "coffee", "chelsea", "rocket"]}
    ids["copy"] = upload(hub, photo("astronaut", marker, (300, 300), quality=60),
                         f"{marker}-astronaut-small.jpg")["id"]
    for asset_id in ids.values():
        wait_for_embedding(hub, asset_id)
    return ids


def wait_for_embedding(hub: LiveHub, asset_id: str) -> None:
    """Uploads are embedded in the background, right after their renditions. Waits until the
    vector is searchable, as a list (a search, not a read by id) shows it: on a busy machine an
    index write that times out waits in the outbox for a moment while reads by id already see
    the vector in MongoDB."""
    deadline = time.monotonic() + 60
    filename = hub.ok("query($id: ID!) { asset(id: $id) { filename } }",
                      {"id": asset_id})["asset"]["filename"]
    listed = ("query($q: String!) { assets(filter: {text: $q}) { edges { node { id "
              "embeddingModel } } } }")
    while not any(edge["node"]["id"] == asset_id and edge["node"]["embeddingModel"]
                  for edge in hub.ok(listed, {"q": filename})["assets"]["edges"]):
        assert time.monotonic() < deadline, "the upload was not embedded"
        time.sleep(0.2)


def test_a_resized_copy_is_the_most_similar_asset(hub: LiveHub, sku_prefix: str) -> None:
    marker = sku_prefix.lower()
    ids = library(hub, marker)
    mine = {"text": marker}

    hits = hub.ok(SIMILAR, {"id": ids["astronaut"], "first": 4, "filter": mine})["similarAssets"]

    assert hits[0]["asset"]["id"] == ids["copy"]
    assert ids["astronaut"] not in [hit["asset"]["id"] for hit in hits], "never itself"
    assert len(hits) == 4
    duplicates = hub.ok("query($id: ID!) { asset(id: $id) { duplicates { id } "
                        "embeddingModel } }", {"id": ids["copy"]})["asset"]
    assert {"id": ids["astronaut"]} in duplicates["duplicates"]
    assert duplicates["embeddingModel"] == "hub-tiny__random-seed-7"


def test_search_by_image_finds_the_original_and_stores_nothing(
    hub: LiveHub, sku_prefix: str
) -> None:
    marker = sku_prefix.lower()
    ids = library(hub, marker)
    count = "{ assets(first: 0) { totalCount } }"
    before = hub.ok(count)["assets"]["totalCount"]

    query_image = photo("coffee", f"{marker}-query", (200, 133), quality=50)
    result = hub.upload(BY_IMAGE, {"filter": {"text": marker}}, query_image, "query.jpg")

    assert not result.errors, result.errors
    assert result.data["searchByImage"][0]["asset"]["id"] == ids["coffee"]
    assert hub.ok(count)["assets"]["totalCount"] == before
    refused = hub.upload(BY_IMAGE, {}, samples.pdf_document(), "manual.pdf")
    assert refused.codes == ["UNSUPPORTED_MEDIA_TYPE"]


def test_a_replaced_file_is_found_by_its_new_picture_not_the_old_one(
    hub: LiveHub, sku_prefix: str
) -> None:
    marker = sku_prefix.lower()
    ids = library(hub, marker)
    mine = {"filter": {"text": marker}}
    replace = "mutation($id: ID!, $file: Upload!) { replaceAssetFile(id: $id, file: $file) { " \
              "version embeddingModel } }"

    replaced = hub.upload(replace, {"id": ids["rocket"]}, photo("camera", marker),
                          f"{marker}-camera.jpg")
    assert not replaced.errors, replaced.errors
    assert replaced.data["replaceAssetFile"] == {"version": 2, "embeddingModel": None}
    wait_for_embedding(hub, ids["rocket"])

    def score_of_replaced(query_photo: str) -> tuple[float, list[str]]:
        query = photo(query_photo, f"{marker}-query", (200, 200), quality=50)
        hits = hub.upload(BY_IMAGE, mine, query, "query.jpg").data["searchByImage"]
        found = [hit["asset"]["id"] for hit in hits]
        return next(h["score"] for h in hits if h["asset"]["id"] == ids["rocket"]), found

    by_new_picture, found = score_of_replaced("camera")
    by_old_picture, _ = score_of_replaced("rocket")
    assert found[0] == ids["rocket"]
    assert by_new_picture > by_old_picture


def test_vectors_an_earlier_hub_stored_as_lists_still_work(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    """Vectors are kept as float32 bytes now; documents written before that hold lists of
    numbers, and are read as they are (each is rewritten as bytes with its next vector)."""
    marker = sku_prefix.lower()
    ids = library(hub, marker)
    with MongoClient(hub_settings.mongo_url) as client:
        assets = client[hub_settings.mongo_database]["assets"]
        stored = assets.find_one({"_id": ids["astronaut"]})
        assert stored is not None and isinstance(stored["embedding"], bytes)
        as_list = np.frombuffer(stored["embedding"], dtype="<f4").tolist()
        assets.update_one({"_id": ids["astronaut"]}, {"$set": {"embedding": as_list}})

    hits = hub.ok(SIMILAR, {"id": ids["astronaut"], "first": 4,
                            "filter": {"text": marker}})["similarAssets"]

    assert hits[0]["asset"]["id"] == ids["copy"]


def test_text_search_by_keyword_meaning_or_both(hub: LiveHub, sku_prefix: str) -> None:
    marker = sku_prefix.lower()
    ids = library(hub, marker)
    mine = {"text": marker}

    keyword = hub.ok(SEARCH, {"q": f"{marker} chelsea", "mode": "KEYWORD"})["searchAssets"]
    semantic = hub.ok(SEARCH, {"q": "a cat on a chair", "mode": "SEMANTIC",
                               "filter": mine})["searchAssets"]
    hybrid = hub.ok(SEARCH, {"q": "chelsea", "mode": "HYBRID", "filter": mine})["searchAssets"]

    assert [hit["asset"]["id"] for hit in keyword] == [ids["chelsea"]]
    assert len(semantic) == 5, "meaning search ranks every image the filter allows"
    scores = [hit["score"] for hit in semantic]
    assert scores == sorted(scores, reverse=True)
    assert ids["chelsea"] in [hit["asset"]["id"] for hit in hybrid[:3]]
    assert hub.graphql(SEARCH, {"q": "  "}).codes == ["BAD_USER_INPUT"]


def test_auto_tagging_suggests_labels_and_never_touches_manual_tags(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    marker = sku_prefix.lower()
    manual = upload(hub, photo("chelsea", marker), f"{marker}-cat.jpg", tags=["Cat"])["id"]
    plain = upload(hub, photo("rocket", marker), f"{marker}-rocket.jpg")["id"]

    job = hub.ok(AUTO_TAG, {"filter": {"text": marker}, "only": False})["startAutoTagJob"]
    assert (job["kind"], job["total"]) == ("AUTO_TAG", 2)
    with worker(hub_settings):
        done = wait_for_job(hub, job["id"], "SUCCEEDED", "FAILED")
    assert (done["processed"], done["failed"]) == (2, 0)

    for asset_id in (manual, plain):
        tags = hub.ok(TAGS, {"id": asset_id})["asset"]["tags"]
        suggested = [tag for tag in tags if tag["source"] == "AUTO"]
        assert suggested, "every image gets at least its scene and category suggestions"
        assert all(not tag["accepted"] and 0 < tag["confidence"] <= 1 for tag in suggested)
    kept = hub.ok(TAGS, {"id": manual})["asset"]["tags"]
    assert {"label": "Cat", "source": "MANUAL", "accepted": True, "confidence": 1.0} in kept

    label = next(t["label"] for t in hub.ok(TAGS, {"id": plain})["asset"]["tags"])
    accepted = hub.ok(ACCEPT, {"id": plain, "labels": [label]})["acceptSuggestedTags"]["tags"]
    assert {"label": label, "source": "AUTO", "accepted": True} in accepted
    assert hub.graphql(ACCEPT, {"id": plain, "labels": ["not-suggested"]}).codes == [
        "BAD_USER_INPUT"]

    newcomer = upload(hub, photo("horse", marker), f"{marker}-horse.jpg")["id"]
    again = hub.ok(AUTO_TAG, {"filter": {"text": marker}, "only": True})["startAutoTagJob"]
    assert again["total"] == 1, "only images without accepted tags: the cat and the rocket " \
                                "have one each now"
    with worker(hub_settings):
        wait_for_job(hub, again["id"], "SUCCEEDED", "FAILED")
    assert any(t["source"] == "AUTO" for t in hub.ok(TAGS, {"id": newcomer})["asset"]["tags"])
    tagged = hub.ok("query($f: AssetFilter) { assets(filter: $f) { totalCount } }",
                    {"f": {"text": marker, "tags": [label]}})
    assert tagged["assets"]["totalCount"] >= 1


def test_an_auto_tag_job_reports_images_deleted_while_it_waited_and_ends(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    marker = sku_prefix.lower()
    gone = upload(hub, photo("rocket", marker), f"{marker}-rocket.jpg")["id"]
    job = hub.ok(AUTO_TAG, {"filter": {"text": marker}, "only": False})["startAutoTagJob"]
    assert job["total"] == 1
    hub.ok("mutation($id: ID!) { deleteAsset(id: $id) }", {"id": gone})

    with worker(hub_settings):
        done = wait_for_job(hub, job["id"], "SUCCEEDED", "FAILED")

    assert (done["state"], done["processed"], done["failed"]) == ("SUCCEEDED", 0, 1)
    assert done["errors"][0]["itemId"] == gone
    assert done["errors"][0]["message"].startswith("NOT_FOUND")


def test_facets_count_kinds_and_tags(hub: LiveHub, sku_prefix: str) -> None:
    marker = sku_prefix.lower()
    sku = f"{sku_prefix}-MUG"
    hub.ok("mutation($i: ProductInput!) { createProduct(input: $i) { id } }",
           {"i": {"sku": sku, "name": "Mug"}})
    upload(hub, photo("coffee", marker), f"{marker}-a.jpg", tags=["kitchen"], sku=sku)
    upload(hub, photo("horse", marker), f"{marker}-b.jpg", tags=["kitchen", "animal"])
    upload(hub, samples.mp4_video(frames=3), f"{marker}-c.mp4")

    facets = hub.ok("query($f: AssetFilter) { assetFacets(filter: $f) { "
                    "kinds { value count } tags { value count } skus { value count } } }",
                    {"f": {"text": marker}})["assetFacets"]

    assert {"value": "IMAGE", "count": 2} in facets["kinds"]
    assert {"value": "VIDEO", "count": 1} in facets["kinds"]
    assert facets["tags"][0] == {"value": "kitchen", "count": 2}
    assert facets["skus"] == [{"value": sku, "count": 1}]


def test_without_model_weights_meaning_search_is_unavailable_and_the_rest_works(
    hub_settings: Settings, sku_prefix: str
) -> None:
    missing = hub_settings.model_copy(update={
        "vision": VisionSettings(architecture="ViT-B-32", pretrained="laion2b_s34b_b79k",
                                 cache_dir=hub_settings.data_dir / "empty-hf-cache"),
        "es_index_prefix": f"{hub_settings.es_index_prefix}-noweights",
        "port": free_port(),
    })
    live = LiveHub(missing).start()
    try:
        asset = upload(live, photo("coffee", sku_prefix), f"{sku_prefix}.jpg")
        semantic = live.graphql(SEARCH, {"q": "coffee", "mode": "SEMANTIC"})
        keyword = live.graphql(SEARCH, {"q": sku_prefix.lower(), "mode": "KEYWORD"})
    finally:
        live.stop()

    assert asset["kind"] == "IMAGE", "uploads do not need the model"
    assert semantic.codes == ["UNAVAILABLE"]
    message = semantic.errors[0]["message"]
    assert "ViT-B-32" in message and "hub models fetch" in message
    assert [hit["asset"]["id"] for hit in keyword.data["searchAssets"]] == [asset["id"]]


def test_hub_tag_runs_an_auto_tag_job_with_a_progress_bar(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    marker = sku_prefix.lower()
    asset = upload(hub, photo("coffee", marker), f"{marker}-cup.jpg")["id"]

    result = subprocess.run([sys.executable, "-m", "hub.cli", "tag", "--text", marker],
                            env=hub_environment(hub_settings), capture_output=True, text=True,
                            timeout=300, check=False)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCEEDED: 1 tagged, 0 failed" in result.stdout
    assert "auto-tag" in result.stderr
    assert any(t["source"] == "AUTO" for t in hub.ok(TAGS, {"id": asset})["asset"]["tags"])


def test_hub_models_status_says_which_weights_file_is_missing(hub_settings: Settings) -> None:
    env = {**hub_environment(hub_settings), "HUB_VISION__ARCHITECTURE": "ViT-B-32",
           "HUB_VISION__PRETRAINED": "laion2b_s34b_b79k",
           "HUB_VISION__CACHE_DIR": str(hub_settings.data_dir / "empty-hf-cache")}

    result = subprocess.run([sys.executable, "-m", "hub.cli", "models", "status"], env=env,
                            capture_output=True, text=True, timeout=120, check=False)

    assert result.returncode == 1
    assert "open_clip_pytorch_model.bin" in result.stderr
    assert "hub models fetch" in result.stderr


def test_the_cpu_runner_embeds_images_in_int8_close_to_float32() -> None:
    from skimage import data

    from hub.vision.openclip import OpenClipModel

    settings = VisionSettings(architecture="hub-tiny", pretrained=None, random_weights_seed=7)
    hub_runner = OpenClipModel(settings=settings)
    float32 = OpenClipModel(settings=settings.model_copy(update={"quantize": "none"}))
    photos = [Image.fromarray(getattr(data, name)())
              for name in ("immunohistochemistry", "camera", "cat")]
    texts = ["a photo of a cat", "a camera"]

    images, reference = hub_runner.embed_images(photos), float32.embed_images(photos)

    assert settings.quantize == "int8", "int8 is the default on a CPU"
    assert (hub_runner.precision, float32.precision) == ("int8 image tower", "float32")
    assert (images * reference).sum(axis=1).min() >= 0.99
    assert (hub_runner.embed_texts(texts) == float32.embed_texts(texts)).all(), \
        "texts are embedded in float32 either way"


def test_int8_that_strays_from_float32_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.vision import int8
    from hub.vision.openclip import OpenClipModel

    monkeypatch.setattr(int8, "MIN_COSINE", 1.01)  # stricter than any quantization can meet
    model = OpenClipModel(settings=VisionSettings(architecture="hub-tiny", pretrained=None,
                                                  random_weights_seed=7))
    model.load()

    assert model.precision == "float32"
    assert model.int8_check is not None and not model.int8_check.kept
    assert "float32 kept" in model.int8_check.reason


def test_batches_encoded_side_by_side_come_back_to_each_caller_in_its_order() -> None:
    """The runner encodes two batches at once, from one call or from two callers (an auto-tag
    job's chunks): each caller gets its own images' vectors, in the order it gave them."""
    from skimage import data

    from hub.vision.openclip import OpenClipModel

    settings = VisionSettings(architecture="hub-tiny", pretrained=None, random_weights_seed=7,
                              quantize="none", batch_size=2, concurrent_batches=2)
    runner = OpenClipModel(settings=settings)
    photos = [Image.fromarray(getattr(data, name)()) for name in (
        "astronaut", "camera", "cat", "coffee", "rocket", "horse", "moon", "page", "retina")]
    one_by_one = np.concatenate([runner.embed_images([photo]) for photo in photos])

    with ThreadPoolExecutor(max_workers=2) as callers:
        forwards, backwards = callers.map(runner.embed_images, [photos, photos[::-1]])

    assert len({row.tobytes() for row in one_by_one}) == len(photos), "the photos differ"
    assert np.allclose(forwards, one_by_one, atol=1e-5)
    assert np.allclose(backwards, one_by_one[::-1], atol=1e-5)
