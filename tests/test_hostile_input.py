"""Hostile input: files that are two formats at once, text that is not UTF-8, oversized or
deeply nested product attributes, and clients that trickle their uploads. Each is refused with a
coded error, nothing is stored, and the hub keeps serving."""

from __future__ import annotations

import io
import json
import select
import socket
import time
from typing import Any

from PIL import Image

from hub.config import Settings

import media_samples as samples
from conftest import LiveHub
from test_media_uploads import COUNT_ASSETS, UPLOAD, blob_files
from test_products import BY_ID, CREATE, LIST_BY_SKUS, UPDATE


def staging_empties(settings: Settings) -> bool:
    """Whether the staging folder is (or within seconds becomes) empty: renditions made in the
    background stage their files there for a moment; a refused upload's file must not stay."""
    deadline = time.monotonic() + 15
    while any((settings.data_dir / "staging").iterdir()):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def gif(variant: str) -> bytes:
    out = io.BytesIO()
    Image.new("P", (40, 30), 3).save(out, "GIF", comment=variant.encode())
    return out.getvalue()


def multipart(
    *, operations: bytes, files_map: bytes = b'{"0": ["variables.file"]}',
    filename: bytes = b"photo.jpg", content: bytes = b"",
) -> tuple[bytes, dict[str, str]]:
    """A GraphQL multipart request written byte by byte, as a broken or hostile client might."""
    def part(disposition: bytes, body: bytes) -> bytes:
        return b"--BOUNDARY\r\nContent-Disposition: form-data; " + disposition + b"\r\n\r\n" \
            + body + b"\r\n"

    body = (part(b'name="operations"', operations) + part(b'name="map"', files_map)
            + part(b'name="0"; filename="' + filename + b'"', content) + b"--BOUNDARY--\r\n")
    return body, {"content-type": "multipart/form-data; boundary=BOUNDARY"}


UPLOAD_OPERATIONS = json.dumps({"query": UPLOAD, "variables": {"file": None}}).encode()


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
    assert staging_empties(hub_settings)


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


def test_text_that_is_not_utf8_is_refused_with_a_code_and_nothing_is_stored(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    photo = samples.coffee_jpeg(sku_prefix)
    bad_operations, headers = multipart(
        operations=UPLOAD_OPERATIONS.replace(b'"file": null', b'"file": null, "x": "\xc3\x28"'),
        content=photo)
    bad_filename, _ = multipart(operations=UPLOAD_OPERATIONS, filename=b"caf\xe9.jpg",
                                content=photo)
    nul_filename, _ = multipart(operations=UPLOAD_OPERATIONS, filename=b"a\x00b.jpg",
                                content=photo)
    assets_before = hub.ok(COUNT_ASSETS)["assets"]["totalCount"]
    blobs_before = blob_files(hub_settings)

    not_utf8 = [
        hub.http.post("/graphql", headers={"content-type": "application/json"},
                      content=b'{"query": "{ __typename }", "variables": {"a": "\xff"}}'),
        hub.http.post("/graphql", content=bad_operations, headers=headers),
        hub.http.post("/graphql", content=bad_filename, headers=headers),
        hub.http.post("/uploads?filename=caf%E9.jpg", content=photo),
    ]
    control_characters = [  # httpx would escape a NUL in a file name: sent raw here
        hub.http.post("/graphql", content=nul_filename, headers=headers).json()["errors"],
        hub.http.post("/uploads", params={"filename": "a\x00b.jpg"},
                      content=photo).json()["errors"],
        *(hub.upload(UPLOAD, {}, photo, name).errors
          for name in ["photo\x1b[31m.jpg", "photo\u202egpj.exe"]),
    ]

    for response in not_utf8:
        assert response.status_code == 400, response.text
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "not valid UTF-8" in error["message"], error["message"]
    for errors in control_characters:
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT", errors
        assert errors[0]["extensions"]["field"] == "filename"
    assert hub.ok(COUNT_ASSETS)["assets"]["totalCount"] == assets_before
    assert blob_files(hub_settings) == blobs_before
    assert staging_empties(hub_settings)
    accented = hub.upload(UPLOAD, {}, photo, "crème brûlée.jpg")
    assert accented.data and accented.data["uploadAsset"]["filename"] == "crème brûlée.jpg"


def test_json_a_lenient_parser_would_choke_on_is_refused_with_a_code(hub: LiveHub) -> None:
    query = b'{"query": "query($a: JSON) { __typename }", "variables": {"a": %s}}'
    bodies = [
        ("NaN", query % b"NaN"),
        ("half a surrogate pair", query % b'"\\ud800"'),
        ("deeper than 64 levels", query % (b"[" * 100 + b"]" * 100)),
        ("deeper than 64 levels", query % (b"[" * 100_000 + b"]" * 100_000)),  # past recursion
        ("must be an object", b'"just a string"'),
        ("not JSON", b'{"query": '),
    ]
    oversized = b'{"query": "{ __typename }", "variables": {"a": "%s"}}' % (b"x" * 9 * 1024**2)
    file_map_elsewhere, headers = multipart(operations=UPLOAD_OPERATIONS,
                                            files_map=b'{"0": ["variables.file.deeper"]}')

    answers = [(reason, hub.http.post("/graphql", content=body,
                                      headers={"content-type": "application/json"}))
               for reason, body in bodies]
    too_large = hub.http.post("/graphql", content=oversized,
                              headers={"content-type": "application/json"})
    bad_map = hub.http.post("/graphql", content=file_map_elsewhere, headers=headers)

    for reason, response in answers:
        assert response.status_code == 400, (reason, response.text)
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert reason in error["message"], error["message"]
    assert too_large.status_code == 413
    assert too_large.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert bad_map.status_code == 400
    assert bad_map.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert hub.ok("{ __typename }") == {"__typename": "Query"}


def nested(levels: int) -> dict[str, object]:
    value: dict[str, object] = {"leaf": 1}
    for _ in range(levels - 1):
        value = {"inner": value}
    return value


def test_attributes_too_deep_too_large_or_unstorable_are_refused_and_nothing_is_written(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    depth, keys = hub_settings.max_attributes_depth, hub_settings.max_attributes_keys
    kept = hub.ok(CREATE, {"input": {"sku": f"{sku_prefix}-KEPT", "name": "Kept",
                                     "attributes": {"color": "oak"}}})["createProduct"]
    cases = [
        (nested(depth + 2), f"nests deeper than {depth} levels"),
        ({f"k{n}": n for n in range(keys + 1)}, f"{keys + 1} keys"),
        ({"story": "x" * hub_settings.max_attributes_bytes}, "bytes as JSON"),
        ({"code": "a\u0000b"}, "NUL"),
        ({"serial": 10**30}, "beyond 64 bits"),
    ]

    created = [hub.graphql(CREATE, {"input": {"sku": f"{sku_prefix}-{n}", "name": "x",
                                              "attributes": attributes}})
               for n, (attributes, _) in enumerate(cases)]
    updated = [hub.graphql(UPDATE, {"id": kept["id"], "input": {"attributes": attributes}})
               for attributes, _ in cases]
    named = hub.graphql(CREATE, {"input": {"sku": f"{sku_prefix}-NAME", "name": "a\u0000b"}})

    for (_, reason), create, update in zip(cases, created, updated, strict=True):
        for answer in (create, update):
            assert answer.codes == ["BAD_USER_INPUT"], (reason, answer.errors)
            assert answer.errors[0]["extensions"]["field"] == "attributes"
            assert reason in answer.errors[0]["message"], answer.errors[0]["message"]
    assert named.codes == ["BAD_USER_INPUT"]
    assert named.errors[0]["extensions"]["field"] == "name"
    skus = [f"{sku_prefix}-{n}" for n in range(len(cases))] + [f"{sku_prefix}-NAME"]
    assert hub.ok(LIST_BY_SKUS, {"skus": skus})["products"]["totalCount"] == 0
    assert hub.ok(BY_ID, {"id": kept["id"]})["product"]["attributes"] == {"color": "oak"}
    at_the_limits = {"specs": nested(depth - 1), **{f"k{n}": n for n in range(keys - 10)}}
    assert hub.ok(UPDATE, {"id": kept["id"], "input": {"attributes": at_the_limits}})


def send_slowly(live: LiveHub, head: bytes, pieces: list[tuple[bytes, float]]) -> tuple[int, Any]:
    """Send a request's head, then body pieces each followed by a pause, over a raw socket (an
    HTTP client would not stall on purpose); stop sending once an answer comes. Returns the
    answer's status and JSON body."""
    with socket.create_connection(("127.0.0.1", live.port), timeout=15) as connection:
        connection.sendall(head)
        for piece, pause in pieces:
            connection.sendall(piece)
            answered, _, _ = select.select([connection], [], [], pause)
            if answered:
                break
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    status_line, _, rest = received.partition(b"\r\n")
    return int(status_line.split()[1]), json.loads(rest.partition(b"\r\n\r\n")[2])


def request_head(live: LiveHub, target: str, content_type: str, length: int) -> bytes:
    authorization = live.http.headers.get("Authorization")
    lines = [f"POST {target} HTTP/1.1", f"Host: 127.0.0.1:{live.port}",
             f"Content-Type: {content_type}", f"Content-Length: {length}",
             *([f"Authorization: {authorization}"] if authorization else [])]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_a_client_that_stalls_or_trickles_its_upload_is_cut_off_and_nothing_is_kept(
    hub_settings: Settings, sku_prefix: str
) -> None:
    impatient = hub_settings.model_copy(update={"upload_idle_timeout_seconds": 1.0,
                                                "upload_deadline_seconds": 2.0})
    photo = samples.astronaut_jpeg(sku_prefix)
    # 100 bytes every 0.25 s, then quiet before the deadline: a client still sending when the
    # hub closes the connection may get a reset instead of the answer.
    trickle = [(photo[start:start + 100], 0.25) for start in range(0, 600, 100)]
    form, form_headers = multipart(operations=UPLOAD_OPERATIONS, content=photo)
    manual = samples.pdf_document(pages=1)  # documents are not rendered: the hub stops quickly
    live = LiveHub(impatient).start()
    try:
        assets_before = live.ok(COUNT_ASSETS)["assets"]["totalCount"]
        blobs_before = blob_files(hub_settings)
        started = time.monotonic()
        stalled = send_slowly(
            live, request_head(live, "/uploads?filename=slow.jpg", "image/jpeg", len(photo)),
            [(photo[:5000], 10.0)])
        stalled_after = time.monotonic() - started
        stalled_form = send_slowly(
            live, request_head(live, "/graphql", form_headers["content-type"], len(form)),
            [(form[:5000], 10.0)])
        started = time.monotonic()
        trickled = send_slowly(  # never idle for long, but far from done by the deadline
            live, request_head(live, "/uploads?filename=slow.jpg", "image/jpeg", len(photo)),
            [*trickle, (photo[600:700], 10.0)])
        trickled_after = time.monotonic() - started
        blobs_after = blob_files(hub_settings)
        staging_emptied = staging_empties(hub_settings)
        assets_after = live.ok(COUNT_ASSETS)["assets"]["totalCount"]
        fast = live.upload(UPLOAD, {}, manual, "fast.pdf")
    finally:
        live.stop()

    for status, body in (stalled, stalled_form, trickled):
        assert status == 408, body
        assert body["errors"][0]["extensions"]["code"] == "REQUEST_TIMEOUT"
    assert "for 1 seconds" in stalled[1]["errors"][0]["message"]
    assert stalled_after < 5, "cut off after the idle timeout, not when the client gave up"
    assert "within 2 seconds" in trickled[1]["errors"][0]["message"]
    assert trickled_after < 6
    assert (assets_after, blobs_after) == (assets_before, blobs_before)
    assert staging_emptied
    assert not fast.errors, "the hub keeps serving, and a client that sends at once is fine"


def test_a_nullable_argument_left_out_means_null_not_a_crash(hub: LiveHub) -> None:
    """Found by the fuzz (tests/test_fuzz.py): setAssetFocalPoint without focalPoint."""
    result = hub.graphql('mutation { setAssetFocalPoint(id: "000000000000000000000000") { id } }')

    assert result.codes == ["NOT_FOUND"], result.errors


def test_a_semantic_search_for_no_hits_answers_an_empty_list(hub: LiveHub) -> None:
    """Found by the fuzz: a kNN search for `first: 0` reached Elasticsearch, which refuses k = 0."""
    result = hub.graphql('{ searchAssets(query: "sofa", mode: SEMANTIC, first: 0) { score } }')

    assert not result.errors, result.errors
    assert result.data == {"searchAssets": []}
