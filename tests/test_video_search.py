"""Videos in visual search: each video's keyframes are embedded, so a still of any of its scenes
finds it (and says when that scene is shown), text finds it by meaning, and it is labelled like
a photo. Random-weight model (see tests/test_vision.py): what is asserted holds for any weights."""

from __future__ import annotations

from test_jobs import wait_for_job, worker
from test_vision import AUTO_TAG, BY_IMAGE, SEARCH, SIMILAR, TAGS, photo, wait_for_embedding

from hub.config import Settings

import media_samples as samples
from conftest import LiveHub
from test_media_uploads import upload

SCENES = ["chelsea", "rocket", "camera"]  # two seconds each
FOUND_AT = "asset { id kind } score atSeconds"


def a_video_and_photos(hub: LiveHub, marker: str) -> tuple[str, dict[str, str]]:
    """A slideshow video of three photographs, and two other photographs as images."""
    video = upload(hub, samples.slideshow_mp4(SCENES, marker=marker), f"{marker}-tour.mp4")["id"]
    images = {name: upload(hub, photo(name, marker), f"{marker}-{name}.jpg")["id"]
              for name in ["astronaut", "coffee"]}
    for asset_id in [video, *images.values()]:
        wait_for_embedding(hub, asset_id)
    return video, images


def search_by_still(hub: LiveHub, name: str, marker: str) -> list[dict]:
    still = photo(name, f"{marker}-still", (320, 240), quality=70)
    result = hub.upload(BY_IMAGE.replace("asset { id filename tags { label source accepted "
                                         "confidence } } score", FOUND_AT),
                        {"filter": {"text": marker}}, still, "still.jpg")
    assert not result.errors, result.errors
    return result.data["searchByImage"]  # type: ignore[index]


def test_a_still_of_any_scene_finds_its_video_and_when_the_scene_is_shown(
    hub: LiveHub, sku_prefix: str
) -> None:
    marker = sku_prefix.lower()
    video, images = a_video_and_photos(hub, marker)

    by_scene = {name: search_by_still(hub, name, marker) for name in SCENES}
    by_photo = search_by_still(hub, "coffee", marker)

    for index, name in enumerate(SCENES):
        best = by_scene[name][0]
        assert best["asset"] == {"id": video, "kind": "VIDEO"}, f"a still of the {name} scene"
        assert 2 * index <= best["atSeconds"] < 2 * index + 2, "the matching frame's time"
    assert by_photo[0]["asset"]["id"] == images["coffee"], "photos are found as before"
    assert by_photo[0]["atSeconds"] is None
    ids = [hit["asset"]["id"] for hit in by_photo]
    assert len(ids) == len(set(ids)) == 3, "each asset once, the video among them"


def test_a_video_is_found_by_meaning_and_by_likeness_and_gets_labels(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    marker = sku_prefix.lower()
    video, images = a_video_and_photos(hub, marker)
    keyframes = hub.ok("query($id: ID!) { asset(id: $id) { keyframes { atSeconds } } }",
                       {"id": video})["asset"]["keyframes"]

    by_meaning = hub.ok(SEARCH.replace("asset { id filename tags { label source accepted "
                                       "confidence } } score", FOUND_AT),
                        {"q": "a rocket on the launch pad", "mode": "SEMANTIC",
                         "filter": {"text": marker, "kinds": ["VIDEO"]}})["searchAssets"]
    similar = hub.ok(SIMILAR, {"id": video, "first": 5, "filter": {"text": marker}})
    job = hub.ok(AUTO_TAG, {"filter": {"text": marker, "kinds": ["VIDEO"]}, "only": False})
    with worker(hub_settings):
        done = wait_for_job(hub, job["startAutoTagJob"]["id"], "SUCCEEDED", "FAILED")
    tags = hub.ok(TAGS, {"id": video})["asset"]["tags"]

    times = [frame["atSeconds"] for frame in keyframes]
    assert len(times) == hub_settings.vision.video_keyframes
    assert times == sorted(times) and times[0] >= 0 and times[-1] < 6, "spread over six seconds"
    assert [hit["asset"]["id"] for hit in by_meaning] == [video]
    assert by_meaning[0]["atSeconds"] in times
    assert sorted(hit["asset"]["id"] for hit in similar["similarAssets"]) == sorted(
        images.values()), "the photos, never the video itself"
    assert (done["state"], done["processed"]) == ("SUCCEEDED", 1)
    assert tags and all(tag["source"] == "AUTO" and not tag["accepted"] for tag in tags)
