"""The S3 storage backend against a real SeaweedFS: uploads, renditions, delivery (streamed,
ranged, conditional, presigned), transforms, dedupe, deletion, and what a missing bucket or a
stopped S3 server does to uploads and downloads."""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
import shutil
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import obstore
import pytest
from obstore.store import S3Store
from PIL import Image
from pymongo import MongoClient
from test_media_library import REPLACE
from test_vision import wait_for_embedding

from hub.config import S3Settings, SeaweedFSSettings, ServerSettings, Settings, StorageSettings
from hub.errors import NotFound
from hub.media.s3_storage import S3Storage
from hub.servers.seaweedfs import SeaweedFSServer

import media_samples as samples
from conftest import LiveHub
from test_media_uploads import ASSET, CREATE_PRODUCT, UPLOAD, upload, wait_for_renditions

DELETE = "mutation($id: ID!) { deleteAsset(id: $id) }"
TRANSFORM_URL = "query($id: ID!, $t: ImageTransform!) { asset(id: $id) { url(transform: $t) } }"
# A sample of Prometheus' text format: name{label="value",...} value
METRIC_SAMPLE = re.compile(r'(?P<name>[A-Za-z_:][\w:]*)\{(?P<labels>[^}]*)\} (?P<value>\S+)')
METRIC_LABEL = re.compile(r'(\w+)="([^"]*)"')
PART_BYTES = 5 * 1024**2  # S3's smallest multipart part: a 10 MB video goes up in parts


def start_seaweedfs(servers: ServerSettings) -> SeaweedFSServer:
    """Provision (build once) and start SeaweedFS the way `hub services up --with s3` does."""
    server = SeaweedFSServer(servers)
    if not server.binary.exists() and shutil.which("go") is None:
        pytest.skip("Go is not installed: SeaweedFS (the local S3 server) cannot be built")
    if not server.healthy():
        server.provision()
        server.start()
    return server


@pytest.fixture(scope="session")
def seaweedfs(base_settings: Settings) -> SeaweedFSServer:
    """The shared local SeaweedFS, left running like the other local servers."""
    return start_seaweedfs(base_settings.servers)


def s3_settings(base: Settings, server: SeaweedFSServer, bucket: str, data_dir: Path,
                **s3: object) -> Settings:
    """`base` with blobs in `bucket` on `server`; uploads staged under `data_dir`."""
    return base.model_copy(update={
        "data_dir": data_dir,
        "storage": StorageSettings(backend="s3", s3=S3Settings(
            endpoint=server.url, bucket=bucket,
            access_key_id=server.ports.access_key_id,
            secret_access_key=server.ports.secret_access_key,
            multipart_part_bytes=PART_BYTES, **s3)),  # type: ignore[arg-type]
    })


@pytest.fixture(scope="session")
def bucket(seaweedfs: SeaweedFSServer) -> Iterator[str]:
    """This test run's own bucket, removed with its objects at the end."""
    name = f"hub-test-{uuid.uuid4().hex[:10]}"
    seaweedfs.create_bucket(name)
    yield name
    seaweedfs.delete_bucket(name)


@pytest.fixture
def own_bucket(seaweedfs: SeaweedFSServer) -> Iterator[str]:
    """A bucket of one test's own, for counting what the bucket alone sends."""
    name = f"hub-test-{uuid.uuid4().hex[:10]}"
    seaweedfs.create_bucket(name)
    yield name
    seaweedfs.delete_bucket(name)


@pytest.fixture(scope="session")
def s3_hub(
    hub_settings: Settings, seaweedfs: SeaweedFSServer, bucket: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveHub]:
    settings = s3_settings(hub_settings, seaweedfs, bucket, tmp_path_factory.mktemp("s3-hub"))
    live = LiveHub(settings).start()
    yield live
    live.stop()


@pytest.fixture(scope="session")
def presigning_hub(
    hub_settings: Settings, seaweedfs: SeaweedFSServer, bucket: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveHub]:
    settings = s3_settings(hub_settings, seaweedfs, bucket, tmp_path_factory.mktemp("presign"),
                           presign_delivery=True, presign_ttl_seconds=120)
    live = LiveHub(settings).start()
    yield live
    live.stop()


def bucket_store(settings: Settings) -> S3Store:
    s3 = settings.storage.s3
    return S3Store(s3.bucket, endpoint=s3.endpoint, region=s3.region,
                   access_key_id=s3.access_key_id, secret_access_key=s3.secret_access_key,
                   client_options={"allow_http": True})


def object_keys(settings: Settings) -> set[str]:
    return {meta["path"] for batch in obstore.list(bucket_store(settings), prefix="blobs/")
            for meta in batch}


def key(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def local_blobs(settings: Settings) -> list[Path]:
    return [path for path in (settings.data_dir / "blobs").rglob("*") if path.is_file()]


def staging_empties(settings: Settings, within: float = 30) -> bool:
    """Local copies for processing (renditions, then the vector) go once it is done."""
    deadline = time.monotonic() + within
    while any((settings.data_dir / "staging").iterdir()):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def assets_with_sha256(settings: Settings, sha256: str) -> int:
    with MongoClient(settings.mongo_url) as client:
        return client[settings.mongo_database]["assets"].count_documents({"sha256": sha256})


def unique_photo() -> bytes:
    """Pixels of their own: the renditions of a photo that differs only in metadata would be
    the same files as another asset's (metadata is stripped), and kept for that one."""
    color = tuple(uuid.uuid4().bytes[:3])
    return samples.jpeg(Image.new("RGB", (320, 240), color))


def noisy_mp4(frames: int = 24, size: int = 640) -> bytes:
    """About 11 MB: random frames at the finest quantiser barely compress."""
    rng = np.random.default_rng(7)
    return samples.silent_mp4(
        (rng.integers(0, 256, (size, size, 3), dtype=np.uint8) for _ in range(frames)),
        size=(size, size), rate=10, options={"qscale": "1"}, bit_rate=200_000_000)


def test_photos_are_stored_rendered_and_delivered_from_the_bucket(
    s3_hub: LiveHub, sku_prefix: str
) -> None:
    sku = f"{sku_prefix}-S3"
    s3_hub.ok(CREATE_PRODUCT, {"input": {"sku": sku, "name": "S3 sofa"}})
    content = samples.astronaut_jpeg(f"s3-{sku_prefix}")

    asset = upload(s3_hub, content, "s3-sofa.jpg", sku=sku)
    rendered = wait_for_renditions(s3_hub, asset["id"], 7)

    keys = object_keys(s3_hub.settings)
    assert key(asset["sha256"]) in keys
    assert {key(r["url"].split("/media/")[1][:64]) for r in rendered["renditions"]} <= keys
    assert local_blobs(s3_hub.settings) == [], "no blob is kept on the hub's disk"
    assert staging_empties(s3_hub.settings), "downloads for processing are removed"

    full = httpx.get(asset["originalUrl"])
    assert full.status_code == 200 and full.content == content
    assert full.headers["etag"] == f'"{asset["sha256"]}"'
    assert full.headers["content-type"] == "image/jpeg"
    assert full.headers["content-length"] == str(len(content))
    assert full.headers["accept-ranges"] == "bytes"
    assert full.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in full.headers["content-security-policy"]
    assert full.headers["cache-control"].startswith("public, max-age=")
    assert httpx.get(asset["originalUrl"],
                     headers={"If-None-Match": full.headers["etag"]}).status_code == 304

    part = s3_hub.http.get(f"/assets/{asset['id']}/original", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(content)}"
    assert part.headers["cache-control"] == "private, max-age=60, must-revalidate"
    tail = s3_hub.http.get(f"/assets/{asset['id']}/original", headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == content[-10:]
    beyond = s3_hub.http.get(f"/assets/{asset['id']}/original",
                             headers={"Range": f"bytes={len(content)}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(content)}"

    thumbnail = s3_hub.http.get(f"/assets/{asset['id']}/renditions/thumbnail")
    assert thumbnail.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(thumbnail.content)).size == (200, 200)


def test_a_large_video_goes_up_in_parts_and_seeks_by_range(
    s3_hub: LiveHub, sku_prefix: str
) -> None:
    content = noisy_mp4()
    assert len(content) > 2 * PART_BYTES

    def body() -> Iterator[bytes]:
        for start in range(0, len(content), 64 * 1024):
            yield content[start:start + 64 * 1024]

    response = s3_hub.http.post("/uploads", params={"filename": f"{sku_prefix}.mp4"},
                                content=body())

    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["kind"], created["byteSize"]) == ("VIDEO", len(content))
    head = obstore.head(bucket_store(s3_hub.settings), key(created["sha256"]))
    assert head["size"] == len(content)
    assert (head["e_tag"] or "").strip('"').endswith("-3"), "a multipart upload of 3 parts"
    poster = wait_for_renditions(s3_hub, created["id"], 7)
    assert {r["width"] for r in poster["renditions"] if r["preset"] == "thumbnail"} == {200}
    middle = len(content) // 2
    seek = s3_hub.http.get(f"/assets/{created['id']}/original",
                           headers={"Range": f"bytes={middle}-{middle + 999_999}"})
    assert seek.status_code == 206 and seek.content == content[middle:middle + 1_000_000]
    assert seek.headers["content-type"] == "video/mp4"
    whole = s3_hub.http.get(f"/assets/{created['id']}/original")
    assert whole.status_code == 200 and whole.content == content
    assert whole.headers["content-disposition"] == f'inline; filename="{sku_prefix}.mp4"'


def test_a_new_photo_is_rendered_and_embedded_from_its_upload_not_downloaded_again(
    hub_settings: Settings, seaweedfs: SeaweedFSServer, own_bucket: str, tmp_path: Path
) -> None:
    """An upload goes up to the bucket, and its renditions and its vector are made in the
    background right after: from the file the upload left on the hub, so the bucket sends no
    byte back, for a new photo or a new version of one. What is not local any more (the
    original, for a transform later) is downloaded, once."""
    live = LiveHub(s3_settings(hub_settings, seaweedfs, own_bucket, tmp_path)).start()
    second = unique_photo()
    try:
        asset = upload(live, unique_photo(), "fresh.jpg")
        wait_for_renditions(live, asset["id"], 7)
        wait_for_embedding(live, asset["id"])
        replaced = live.upload(REPLACE, {"id": asset["id"]}, second, "fresh-v2.jpg")
        assert not replaced.errors, replaced.errors
        wait_for_renditions(live, asset["id"], 7)
        wait_for_embedding(live, asset["id"])
        after_uploads = bytes_sent(seaweedfs, own_bucket)
        url = live.ok(TRANSFORM_URL, {"id": asset["id"], "t": {
            "width": 100, "height": 100, "fit": "COVER", "format": "PNG"}})["asset"]["url"]
        transformed = httpx.get(url)
        after_transform = bytes_sent(seaweedfs, own_bucket)
        assert staging_empties(live.settings), "the kept copies go once the work is done"
    finally:
        live.stop()

    assert after_uploads == 0, "renditions and vectors were made from the uploaded files"
    assert transformed.status_code == 200
    assert after_transform == len(second) + len(transformed.content), (
        "the transform downloads the original once, then the hub streams its output")


def test_blocks_that_need_one_blob_at_once_share_one_download(
    hub_settings: Settings, seaweedfs: SeaweedFSServer, own_bucket: str, tmp_path: Path
) -> None:
    """Rendering, embedding and a transform of one original at the same time read one local
    copy: the bucket sends its bytes once, the copy goes when the last of them is done, and a
    missing blob is NotFound for each of them, not a copy left behind."""
    staging = tmp_path / "staging"
    storage = S3Storage(
        settings=s3_settings(hub_settings, seaweedfs, own_bucket, tmp_path).storage.s3,
        staging=staging)
    content = uuid.uuid4().bytes * 20_000  # 320 KB

    async def three_at_once() -> tuple[set[Path], list[bytes], int]:
        sha256 = await storage.store_bytes(content)
        before = bytes_sent(seaweedfs, own_bucket)
        inside: list[Path] = []
        all_in = asyncio.Event()

        async def use() -> bytes:
            async with storage.local_copy(sha256) as path:
                inside.append(path)
                if len(inside) == 3:
                    all_in.set()
                await all_in.wait()  # all three hold it at once
                return path.read_bytes()

        read = await asyncio.gather(use(), use(), use())
        return set(inside), list(read), bytes_sent(seaweedfs, own_bucket) - before

    async def missing() -> list[BaseException]:
        async def use() -> None:
            async with storage.local_copy("0" * 64):
                pass

        return await asyncio.gather(use(), use(), return_exceptions=True)

    paths, read, downloaded = asyncio.run(three_at_once())
    failures = asyncio.run(missing())

    assert len(paths) == 1 and read == [content] * 3
    assert downloaded == len(content), "one download for the three"
    assert [type(failure) for failure in failures] == [NotFound, NotFound]
    assert list(staging.iterdir()) == [], "no copy outlives its last user"


def bytes_sent(server: SeaweedFSServer, bucket: str) -> int:
    """Bytes the S3 gateway has sent from `bucket` (object bodies), from its Prometheus
    metrics; 0 before the first download."""
    metrics = httpx.get(f"http://127.0.0.1:{server.ports.metrics_port}/metrics").text
    for line in metrics.splitlines():
        sample = METRIC_SAMPLE.fullmatch(line)
        if (sample and sample["name"] == "SeaweedFS_s3_bucket_traffic_sent_bytes_total"
                and dict(METRIC_LABEL.findall(sample["labels"])).get("bucket") == bucket):
            return int(float(sample["value"]))
    return 0


def test_transforms_render_from_the_bucket_once(s3_hub: LiveHub) -> None:
    asset = upload(s3_hub, samples.astronaut_jpeg(f"s3-transform-{uuid.uuid4()}"), "t.jpg")
    url = s3_hub.ok(TRANSFORM_URL, {"id": asset["id"], "t": {
        "width": 300, "height": 200, "fit": "COVER", "format": "WEBP"}})["asset"]["url"]

    first = httpx.get(url)

    assert first.status_code == 200 and first.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(first.content)).size == (300, 200)
    sha256 = first.headers["etag"].strip('"')
    assert key(sha256) in object_keys(s3_hub.settings)
    assert httpx.get(url).content == first.content


def test_the_same_bytes_make_one_asset_and_one_object(s3_hub: LiveHub) -> None:
    content = samples.coffee_jpeg(f"s3-dedupe-{uuid.uuid4()}")

    first = upload(s3_hub, content, "one.jpg")
    second = upload(s3_hub, content, "two.jpg")

    assert first["id"] == second["id"]
    assert assets_with_sha256(s3_hub.settings, first["sha256"]) == 1
    assert key(first["sha256"]) in object_keys(s3_hub.settings)


def test_deleting_an_asset_removes_its_objects(s3_hub: LiveHub) -> None:
    asset = upload(s3_hub, unique_photo(), "gone.jpg")  # renditions nobody else shares
    rendered = wait_for_renditions(s3_hub, asset["id"], 7)
    shas = {asset["sha256"], *(r["url"].split("/media/")[1][:64]
                               for r in rendered["renditions"])}
    assert {key(sha) for sha in shas} <= object_keys(s3_hub.settings)

    assert s3_hub.ok(DELETE, {"id": asset["id"]}) == {"deleteAsset": True}

    assert {key(sha) for sha in shas} & object_keys(s3_hub.settings) == set()
    assert httpx.get(asset["originalUrl"]).status_code == 404


def test_presigned_delivery_redirects_after_the_hubs_own_check(
    presigning_hub: LiveHub, seaweedfs: SeaweedFSServer
) -> None:
    content = samples.astronaut_jpeg(f"s3-presign-{uuid.uuid4()}")
    asset = upload(presigning_hub, content, "presigned.jpg")

    redirect = httpx.get(asset["originalUrl"])

    assert redirect.status_code == 307
    assert redirect.headers["cache-control"] == "no-store"
    location = redirect.headers["location"]
    assert location.startswith(f"{seaweedfs.url}/") and "X-Amz-Signature=" in location
    served = httpx.get(location)
    assert served.status_code == 200 and served.content == content
    assert served.headers["content-type"] == "image/jpeg", "stored with the object"
    ranged = httpx.get(location, headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and ranged.content == content[:100]
    assert httpx.get(location.replace("X-Amz-Signature=", "X-Amz-Signature=0")).status_code == 403
    followed = presigning_hub.http.get(f"/assets/{asset['id']}/original", follow_redirects=True)
    assert followed.content == content
    head = presigning_hub.http.head(f"/assets/{asset['id']}/original")
    assert head.status_code == 200 and head.headers["content-length"] == str(len(content)), (
        "HEAD is answered by the hub: a presigned URL is for GET only")
    anonymous = httpx.get(f"{presigning_hub.url}/assets/{asset['id']}/original")
    assert anonymous.status_code == 401 and "location" not in anonymous.headers
    tampered = httpx.get(asset["originalUrl"].replace("sig=", "sig=0"))
    assert tampered.status_code == 403 and "location" not in tampered.headers
    cached = httpx.get(asset["originalUrl"], headers={"If-None-Match": f'"{asset["sha256"]}"'})
    assert cached.status_code == 304, "a client that has the bytes needs no redirect"


def test_a_wrong_bucket_refuses_uploads_and_writes_no_document(
    hub_settings: Settings, seaweedfs: SeaweedFSServer, tmp_path: Path
) -> None:
    missing = f"hub-test-missing-{uuid.uuid4().hex[:8]}"
    live = LiveHub(s3_settings(hub_settings, seaweedfs, missing, tmp_path)).start()
    try:
        content = samples.coffee_jpeg(f"wrong-bucket-{uuid.uuid4()}")
        result = live.upload(UPLOAD, {}, content, "nowhere.jpg")
        plain = live.http.post("/uploads", params={"filename": "nowhere.jpg"}, content=content)
    finally:
        live.stop()

    assert result.codes == ["UNAVAILABLE"]
    assert missing in result.errors[0]["message"]
    assert plain.status_code == 503
    assert plain.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    sha256 = hashlib.sha256(content).hexdigest()
    assert assets_with_sha256(hub_settings, sha256) == 0
    assert list((tmp_path / "staging").iterdir()) == []


def free_port_pair() -> int:
    """A port free on loopback whose +10000 (SeaweedFS's gRPC port) is free too."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port + 10000 > 65535:
            port -= 30000
        if all(_free(candidate) for candidate in (port, port + 10000)):
            return port


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.fixture
def own_seaweedfs(base_settings: Settings) -> Iterator[SeaweedFSServer]:
    """A SeaweedFS of this test's own, on other ports and in another folder, so that it can
    be stopped without touching the shared one."""
    ports = SeaweedFSSettings(master_port=free_port_pair(), volume_port=free_port_pair(),
                              filer_port=free_port_pair(), s3_port=free_port_pair(),
                              metrics_port=free_port_pair())
    servers = base_settings.servers.model_copy(update={
        "instance": f"{base_settings.servers.instance}-outage-{uuid.uuid4().hex[:6]}",
        "seaweedfs": ports})
    server = start_seaweedfs(servers)
    yield server
    server.stop()
    shutil.rmtree(servers.instance_dir, ignore_errors=True)


def test_a_stopped_s3_server_answers_unavailable_and_keeps_no_document(
    hub_settings: Settings, own_seaweedfs: SeaweedFSServer, tmp_path: Path
) -> None:
    own_seaweedfs.create_bucket("outage")
    live = LiveHub(s3_settings(hub_settings, own_seaweedfs, "outage", tmp_path)).start()
    try:
        kept = upload(live, samples.astronaut_jpeg(f"outage-{uuid.uuid4()}"), "kept.jpg")
        wait_for_renditions(live, kept["id"], 7)
        own_seaweedfs.stop()
        assert not own_seaweedfs.healthy()

        original = live.http.get(f"/assets/{kept['id']}/original")
        signed = httpx.get(kept["originalUrl"])
        rendition = live.http.get(f"/assets/{kept['id']}/renditions/thumbnail")
        content = samples.coffee_jpeg(f"outage-new-{uuid.uuid4()}")
        refused = live.upload(UPLOAD, {}, content, "refused.jpg")
        still_listed = live.ok(ASSET, {"id": kept["id"]})["asset"]
    finally:
        live.stop()

    for response in (original, signed, rendition):
        assert response.status_code == 503, response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
        assert "outage" in response.json()["errors"][0]["message"]
    assert refused.codes == ["UNAVAILABLE"]
    sha256 = hashlib.sha256(content).hexdigest()
    assert assets_with_sha256(hub_settings, sha256) == 0
    assert still_listed["id"] == kept["id"], "the catalog still answers from MongoDB"
