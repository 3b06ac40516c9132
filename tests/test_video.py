"""Video renditions: an uploaded video queues a TRANSCODE job that a `hub worker` runs, one item
per video preset, with progress; every preset's file is checked by probing the downloaded bytes.
Bad videos are refused at upload, and a transcode that fails records an item error while the
worker goes on."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image
from test_jobs import JOB_FIELDS, RERENDER, wait_for_job, worker

from hub.config import Settings, VideoSettings
from hub.media.renditions import DEFAULT_PRESETS_PATH, load_presets
from hub.media.video_presets import load_video_presets

import media_samples as samples
from conftest import LiveHub
from test_media_uploads import COUNT_ASSETS, UPLOAD, blob_files, upload, wait_for_renditions

MAX_SECONDS = 10
RENDITIONS = """
query($id: ID!) {
  asset(id: $id) {
    renditions { preset kind width height format contentType byteSize url durationSeconds
                 bitrate codec }
  }
}
"""
TRANSCODE = f"""
mutation($filter: AssetFilter, $presets: [String!]) {{
  startTranscodeJob(filter: $filter, presets: $presets) {{ {JOB_FIELDS} }}
}}
"""
REPLACE = """
mutation($id: ID!, $file: Upload!) { replaceAssetFile(id: $id, file: $file) { durationSeconds } }
"""
RECENT_JOBS = f"{{ jobs(first: 10) {{ {JOB_FIELDS} }} }}"
VIDEO_PRESETS = ("mp4-1080", "mp4-720", "webm-1080", "social-vertical", "preview")


@pytest.fixture(scope="module")
def video_hub(hub_settings: Settings) -> Iterator[LiveHub]:
    """A hub that queues a transcode job for each new video, as hubs do by default."""
    settings = hub_settings.model_copy(update={
        "video": VideoSettings(transcode_on_upload=True, max_seconds=MAX_SECONDS)})
    live = LiveHub(settings).start()
    yield live
    live.stop()


def queued_transcode(hub: LiveHub) -> dict:
    """The newest TRANSCODE job: the one the last video upload queued (tests run one by one)."""
    jobs = [job for job in hub.ok(RECENT_JOBS)["jobs"] if job["kind"] == "TRANSCODE"]
    assert jobs, "the upload queued no transcode job"
    return jobs[0]


def upload_untranscoded(hub: LiveHub, content: bytes, filename: str) -> dict:
    """Upload a video and cancel the transcode job it queued, before any worker runs it."""
    asset = upload(hub, content, filename)
    cancelled = hub.ok("mutation($id: ID!) { cancelJob(id: $id) { state } }",
                       {"id": queued_transcode(hub)["id"]})
    assert cancelled["cancelJob"]["state"] == "CANCELLED"
    return asset


def progress_while_running(hub: LiveHub, job_id: str) -> list[int]:
    """`processed` as `job(id)` reports it, polled until the job ends."""
    seen: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = hub.ok("query($id: ID!) { job(id: $id) { state processed } }", {"id": job_id})["job"]
        if job["state"] not in ("QUEUED", "RUNNING"):
            break
        if not seen or seen[-1] != job["processed"]:
            seen.append(job["processed"])
        time.sleep(0.05)
    return seen


def video_renditions(hub: LiveHub, asset_id: str) -> dict[str, dict]:
    renditions = hub.ok(RENDITIONS, {"id": asset_id})["asset"]["renditions"]
    return {r["preset"]: r for r in renditions if r["kind"] == "VIDEO"}


def probed(content: bytes) -> dict:
    """What a player finds in a downloaded file."""
    with av.open(io.BytesIO(content)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        return {"size": (video.codec_context.width, video.codec_context.height),
                "video": video.codec_context.name,
                "audio": audio.codec_context.name if audio else None,
                "seconds": container.duration / av.time_base,
                "format": container.format.name}


def test_a_video_upload_is_transcoded_by_the_worker_for_every_preset_and_never_upscaled(
    video_hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    marker = sku_prefix.lower()
    landscape = upload(video_hub, samples.test_pattern_video(1280, 720, seconds=4, variant=1),
                       f"{marker}-spin.mp4")
    job = queued_transcode(video_hub)
    assert (job["state"], job["total"], job["processed"]) == ("QUEUED", 5, 0), (
        "transcoding waits for a worker; the upload answered at once")
    portrait = upload(video_hub, samples.test_pattern_video(360, 640, seconds=3, audio=False,
                                                            container="webm", variant=2),
                      f"{marker}-phone.webm")
    portrait_job = queued_transcode(video_hub)
    phone = upload(video_hub, samples.phone_video(), f"{marker}-upright.mp4")
    phone_job = queued_transcode(video_hub)

    with worker(hub_settings):
        seen = progress_while_running(video_hub, job["id"])
        done = wait_for_job(video_hub, job["id"], "SUCCEEDED", "FAILED")
        portrait_done = wait_for_job(video_hub, portrait_job["id"], "SUCCEEDED", "FAILED")
        phone_done = wait_for_job(video_hub, phone_job["id"], "SUCCEEDED", "FAILED")

    assert (done["state"], done["processed"], done["failed"]) == ("SUCCEEDED", 5, 0), done
    assert seen == sorted(seen) and set(seen) & {1, 2, 3, 4}, (
        f"progress advances one preset at a time: {seen}")
    assert (portrait_done["processed"], portrait_done["failed"]) == (5, 0), portrait_done
    assert (phone_done["processed"], phone_done["failed"]) == (5, 0), phone_done
    made = video_renditions(video_hub, landscape["id"])
    assert {name: (r["width"], r["height"]) for name, r in made.items()} == {
        "mp4-1080": (1280, 720),  # a 720p source is not upscaled to 1080p
        "mp4-720": (1280, 720),
        "webm-1080": (1280, 720),
        "social-vertical": (404, 720),  # the 9:16 centre of each frame
        "preview": (852, 480),  # 854 x 480 box, even sides
    }
    found = {}
    for name, rendition in made.items():
        response = video_hub.http.get(rendition["url"])
        assert response.status_code == 200
        assert response.headers["content-type"] == rendition["contentType"]
        content = response.content
        found[name] = facts = probed(content)
        assert facts["size"] == (rendition["width"], rendition["height"]), name
        assert rendition["byteSize"] == len(content), name
        assert rendition["durationSeconds"] == pytest.approx(facts["seconds"], abs=0.01), name
        assert rendition["bitrate"] == round(len(content) * 8 / rendition["durationSeconds"])
        assert rendition["codec"] == facts["video"], name
        if rendition["format"] == "mp4":
            assert 0 <= content.find(b"moov") < content.find(b"mdat"), (
                f"{name}: the index comes first, so the video plays while it downloads")
    assert {name: (f["video"], f["audio"]) for name, f in found.items()} == {
        "mp4-1080": ("h264", "aac"), "mp4-720": ("h264", "aac"), "webm-1080": ("vp9", "opus"),
        "social-vertical": ("h264", "aac"), "preview": ("h264", None)}
    for name in ("mp4-1080", "webm-1080", "social-vertical"):
        assert found[name]["seconds"] == pytest.approx(4.0, abs=0.1), name
    assert found["preview"]["seconds"] <= 6.0

    upright = video_renditions(video_hub, portrait["id"])
    assert {name: (r["width"], r["height"]) for name, r in upright.items()} == {
        "mp4-1080": (360, 640), "mp4-720": (360, 640), "webm-1080": (360, 640),
        "social-vertical": (360, 640), "preview": (270, 480)}
    for name, rendition in upright.items():
        facts = probed(video_hub.http.get(rendition["url"]).content)
        assert facts["audio"] is None, f"{name}: a silent source gives a silent rendition"
        assert facts["seconds"] == pytest.approx(3.0, abs=0.1), name
    assert (phone["width"], phone["height"]) == (180, 320)
    turned = video_renditions(video_hub, phone["id"])["mp4-720"]
    assert (turned["width"], turned["height"]) == (180, 320), "shown as the phone was held"
    with av.open(io.BytesIO(video_hub.http.get(turned["url"]).content)) as container:
        picture = next(container.decode(video=0)).to_ndarray(format="gray")
    assert picture[:150].mean() > 200 and picture[170:].mean() < 50, "upright, not mirrored"
    poster = {r["preset"]: r for r in wait_for_renditions(video_hub, phone["id"], 12)["renditions"]}
    thumbnail = poster["thumbnail"]
    assert (thumbnail["width"], thumbnail["height"]) == (112, 200), "its poster is upright too"
    shown = np.asarray(Image.open(io.BytesIO(video_hub.http.get(thumbnail["url"]).content))
                       .convert("L"))
    assert shown[:90].mean() > 200 and shown[110:].mean() < 50, "white on top, as it was held"
    images = wait_for_renditions(video_hub, landscape["id"], 12)["renditions"]
    assert {r["preset"] for r in images} >= {"thumbnail", "web", "social"}, (
        "the poster frame still feeds the image presets")
    stale = video_hub.ok("{ mediaAudit { staleRenditions { assetId presets } } }")
    assert landscape["id"] not in [entry["assetId"]
                                   for entry in stale["mediaAudit"]["staleRenditions"]]


def test_the_video_presets_are_listed_for_clients(video_hub: LiveHub) -> None:
    presets = video_hub.ok("""{ videoRenditionPresets { name width height fit container
                                contentType videoCodec audioCodec maxSeconds } }""")

    listed = {p["name"]: p for p in presets["videoRenditionPresets"]}
    assert tuple(listed) == VIDEO_PRESETS
    assert listed["webm-1080"] == {
        "name": "webm-1080", "width": 1920, "height": 1080, "fit": "contain",
        "container": "webm", "contentType": "video/webm", "videoCodec": "vp9",
        "audioCodec": "opus", "maxSeconds": None}
    assert (listed["preview"]["audioCodec"], listed["preview"]["maxSeconds"]) == ("none", 6.0)


def test_transcoding_can_be_started_again_for_chosen_presets_and_survives_a_rerender(
    video_hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    marker = sku_prefix.lower()
    clip = upload_untranscoded(
        video_hub, samples.test_pattern_video(320, 180, seconds=2, variant=3),
        f"{marker}-clip.mp4")

    unknown = video_hub.graphql(TRANSCODE, {"filter": {"text": marker}, "presets": ["8k"]})
    none = video_hub.graphql(TRANSCODE, {"filter": {"text": marker}, "presets": []})
    job = video_hub.ok(TRANSCODE, {"filter": {"text": marker},
                                   "presets": ["preview", "mp4-720"]})["startTranscodeJob"]
    with worker(hub_settings):
        done = wait_for_job(video_hub, job["id"], "SUCCEEDED", "FAILED")
        transcoded = video_renditions(video_hub, clip["id"])
        rerender = video_hub.ok(RERENDER, {"filter": {"text": marker}})["startRerenderJob"]
        rerendered = wait_for_job(video_hub, rerender["id"], "SUCCEEDED", "FAILED")

    assert unknown.codes == ["BAD_USER_INPUT"] and "8k" in unknown.errors[0]["message"]
    assert none.codes == ["BAD_USER_INPUT"]
    assert (done["kind"], done["total"], done["processed"], done["failed"]) == (
        "TRANSCODE", 2, 2, 0)
    assert set(transcoded) == {"preview", "mp4-720"}
    assert (rerendered["processed"], rerendered["failed"]) == (1, 0)
    assert video_renditions(video_hub, clip["id"]) == transcoded, (
        "re-making the poster's images keeps the video renditions")
    assert len(wait_for_renditions(video_hub, clip["id"], 9)["renditions"]) == 9
    by_name = video_hub.http.get(f"/assets/{clip['id']}/renditions/preview")
    assert (by_name.status_code, by_name.headers["content-type"]) == (200, "video/mp4")
    not_made = video_hub.http.get(f"/assets/{clip['id']}/renditions/webm-1080")
    assert not_made.status_code == 404


def test_a_replaced_video_file_is_transcoded_again(video_hub: LiveHub, sku_prefix: str) -> None:
    clip = upload_untranscoded(video_hub, samples.test_pattern_video(160, 90, seconds=1, variant=7),
                               f"{sku_prefix.lower()}-v1.mp4")

    replaced = video_hub.upload(REPLACE, {"id": clip["id"]},
                                samples.test_pattern_video(160, 90, seconds=2, variant=8),
                                "clip-v2.mp4")

    assert not replaced.errors, replaced.errors
    assert replaced.data["replaceAssetFile"]["durationSeconds"] == pytest.approx(2.0, abs=0.1)
    job = queued_transcode(video_hub)
    assert (job["state"], job["total"]) == ("QUEUED", 5)
    video_hub.ok("mutation($id: ID!) { cancelJob(id: $id) { state } }", {"id": job["id"]})


def test_a_transcode_that_fails_is_an_item_error_and_leaves_nothing_behind(
    video_hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    marker = sku_prefix.lower()
    lost, kept = (upload_untranscoded(
        video_hub, samples.test_pattern_video(320, 180, seconds=2, variant=variant),
        f"{marker}-{name}.mp4") for variant, name in ((4, "lost"), (5, "kept")))
    for asset in (lost, kept):
        wait_for_renditions(video_hub, asset["id"], 7)  # the poster's images
    # The storage loses the original of one video: every preset of it fails.
    next(path for path in blob_files(hub_settings) if path.name == lost["sha256"]).unlink()
    blobs_before = blob_files(hub_settings)

    job = video_hub.ok(TRANSCODE, {"filter": {"text": marker},
                                   "presets": ["preview", "mp4-720"]})["startTranscodeJob"]
    with worker(hub_settings):
        done = wait_for_job(video_hub, job["id"], "SUCCEEDED", "FAILED")

    assert (done["total"], done["processed"], done["failed"]) == (4, 2, 2), done
    assert {error["itemId"] for error in done["errors"]} == {
        f"{lost['id']}:preview", f"{lost['id']}:mp4-720"}
    assert all(error["message"].startswith("NOT_FOUND: ") and "missing" in error["message"]
               for error in done["errors"])
    assert video_renditions(video_hub, lost["id"]) == {}
    assert set(video_renditions(video_hub, kept["id"])) == {"preview", "mp4-720"}
    new_blobs = blob_files(hub_settings) - blobs_before
    assert len(new_blobs) == 2, "only the kept video's two renditions were stored"
    assert not list((hub_settings.data_dir / "staging").iterdir()), "no half-written file"


def test_broken_silent_and_overlong_videos_are_refused_at_upload_and_nothing_is_kept(
    video_hub: LiveHub, hub_settings: Settings
) -> None:
    whole = samples.test_pattern_video(320, 180, seconds=2, variant=6)
    too_long = samples.test_pattern_video(64, 36, seconds=MAX_SECONDS + 2, audio=False)
    assets_before = video_hub.ok(COUNT_ASSETS)["assets"]["totalCount"]
    jobs_before = {job["id"] for job in video_hub.ok(RECENT_JOBS)["jobs"]}
    blobs_before = blob_files(hub_settings)

    truncated = video_hub.upload(UPLOAD, {}, whole[: len(whole) // 3], "cut.mp4")
    sound_only = video_hub.upload(UPLOAD, {}, samples.sound_only_mp4(), "tone.mp4")
    overlong = video_hub.upload(UPLOAD, {}, too_long, "long.mp4")

    assert truncated.codes == ["BAD_USER_INPUT"], truncated.errors
    assert "truncated or corrupt" in truncated.errors[0]["message"]
    assert sound_only.codes == ["BAD_USER_INPUT"], sound_only.errors
    assert "no video stream" in sound_only.errors[0]["message"]
    assert overlong.codes == ["PAYLOAD_TOO_LARGE"], overlong.errors
    assert f"at most {MAX_SECONDS} seconds" in overlong.errors[0]["message"]
    assert video_hub.ok(COUNT_ASSETS)["assets"]["totalCount"] == assets_before
    assert {job["id"] for job in video_hub.ok(RECENT_JOBS)["jobs"]} == jobs_before
    assert blob_files(hub_settings) == blobs_before


@pytest.mark.parametrize(("table", "problem"), [
    ('width = 1280\nheight = 720\nfit = "contain"\ncontainer = "mp4"\nvideo_codec = "h264"\n'
     'audio_codec = "aac"\nbitrate = 5000', "video preset 'teaser', key 'bitrate': unknown key"),
    ('width = 1280\nheight = 720\nfit = "contain"\ncontainer = "mp4"\nvideo_codec = "vp9"\n'
     'audio_codec = "aac"', "key 'video_codec': must be one of h264, av1, not 'vp9'"),
    ('width = 1280\nheight = 720\nfit = "stretch"\ncontainer = "webm"\nvideo_codec = "vp9"\n'
     'audio_codec = "opus"', "key 'fit': must be one of contain, cover"),
    ('width = 1280\nfit = "contain"\ncontainer = "webm"\nvideo_codec = "vp9"\n'
     'audio_codec = "opus"', "key 'height': missing"),
    ('width = 1280\nheight = 720\nfit = "contain"\ncontainer = "mp4"\nvideo_codec = "h264"\n'
     'audio_codec = "aac"\ncrf = 60', "key 'crf': must be an integer from 0 to 51"),
])
def test_a_bad_video_preset_stops_the_hub_at_start_with_the_preset_and_key_named(
    tmp_path: Path, table: str, problem: str
) -> None:
    presets = tmp_path / "presets.toml"
    presets.write_text(DEFAULT_PRESETS_PATH.read_text() + f"\n[video_presets.teaser]\n{table}\n")

    with pytest.raises(ValueError, match=re.escape(problem)):
        load_video_presets(presets)
    assert load_presets(presets), "the image presets of the same file are unaffected"


def test_a_video_preset_may_not_share_an_image_preset_s_name(tmp_path: Path) -> None:
    presets = tmp_path / "presets.toml"
    presets.write_text(DEFAULT_PRESETS_PATH.read_text() + (
        '\n[video_presets.social]\nwidth = 1080\nheight = 1080\nfit = "cover"\n'
        'container = "mp4"\nvideo_codec = "h264"\naudio_codec = "aac"\n'))

    with pytest.raises(ValueError, match=r"\['social'\] name both an image and a video preset"):
        load_video_presets(presets)
