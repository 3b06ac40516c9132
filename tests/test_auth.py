"""Who may do what: every operation needs a token, its role decides what it may do, and media
is readable without a token only through the signed URLs the API hands out."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta

import httpx
import pytest

from hub.auth.roles import Role
from hub.config import Settings
from hub.graphql.core.permissions import IsAdmin, IsEditor, IsReader
from hub.graphql.schema import schema
from hub.http.urls import MediaUrls

import media_samples as samples
from conftest import Callers, LiveHub, free_port, hub_environment, issue_token
from test_media_uploads import UPLOAD

PRODUCTS = "{ products(first: 1) { totalCount } }"
CREATE = "mutation($input: ProductInput!) { createProduct(input: $input) { id sku } }"
DELETE = "mutation($id: ID!) { deleteProduct(id: $id) }"
VIEWER = "{ viewer { id label role hint } }"
CREATE_TOKEN = """
mutation($role: Role!, $label: String!, $days: Float) {
  createApiToken(role: $role, label: $label, expiresInDays: $days) {
    secret token { id label role hint expiresAt revokedAt }
  }
}"""
REVOKE_TOKEN = "mutation($id: ID!) { revokeApiToken(id: $id) { id revokedAt } }"
TOKENS = "query($all: Boolean) { apiTokens(includeRevoked: $all) { id label role revokedAt } }"
REINDEX = "mutation { startReindexJob { id } }"


def test_every_root_field_checks_a_role() -> None:
    for type_name in ("Query", "Mutation", "Subscription"):
        definition = schema.get_type_by_name(type_name)
        assert definition is not None
        for field in definition.fields:  # type: ignore[union-attr]
            roles = [cls for cls in field.permission_classes
                     if cls in (IsReader, IsEditor, IsAdmin)]
            assert len(roles) == 1, f"{type_name}.{field.python_name} declares no role"


def test_without_a_token_nothing_is_answered(hub: LiveHub, callers: Callers) -> None:
    anonymous = callers.anonymous()
    garbage = callers.with_secret("hub_not-a-real-token")
    basic = callers.anonymous()
    basic.http.headers["Authorization"] = "Basic dXNlcjpwYXNz"

    query = anonymous.graphql(PRODUCTS)
    mutation = anonymous.graphql(CREATE, {"input": {"sku": "ANON-1", "name": "Nope"}})
    upload = anonymous.upload(UPLOAD, {}, samples.coffee_jpeg("anonymous"), "anon.jpg")
    unknown = garbage.graphql(PRODUCTS)
    wrong_scheme = basic.graphql(PRODUCTS)

    assert query.codes == ["UNAUTHENTICATED"] and query.data is None
    assert "Authorization: Bearer" in query.errors[0]["message"]
    assert mutation.codes == ["UNAUTHENTICATED"]
    assert upload.codes == ["UNAUTHENTICATED"]
    assert unknown.codes == ["UNAUTHENTICATED"] and "not known" in unknown.errors[0]["message"]
    assert wrong_scheme.codes == ["UNAUTHENTICATED"]
    assert hub.ok('{ product(sku: "ANON-1") { id } }')["product"] is None, "nothing written"


def test_each_role_may_do_its_own_work_and_no_more(
    hub: LiveHub, callers: Callers, sku_prefix: str
) -> None:
    reader = callers.with_role(Role.READER, "shop frontend")
    editor = callers.with_role(Role.EDITOR, "merchandiser")
    sku = f"{sku_prefix}-ROLE"

    assert reader.ok(VIEWER)["viewer"]["role"] == "READER"
    assert reader.ok(PRODUCTS)["products"]["totalCount"] >= 0
    refused_edit = reader.graphql(CREATE, {"input": {"sku": sku, "name": "Chair"}})
    refused_upload = reader.upload(UPLOAD, {}, samples.coffee_jpeg(sku), "reader.jpg")
    created = editor.ok(CREATE, {"input": {"sku": sku, "name": "Chair"}})["createProduct"]
    uploaded = editor.upload(UPLOAD, {"sku": sku}, samples.coffee_jpeg(sku), "editor.jpg")
    refused_delete = editor.graphql(DELETE, {"id": created["id"]})
    refused_job = editor.graphql(REINDEX)
    refused_tokens = editor.graphql(TOKENS)

    assert refused_edit.codes == ["FORBIDDEN"]
    assert refused_edit.errors[0]["extensions"]["requiredRole"] == "editor"
    assert refused_edit.errors[0]["extensions"]["tokenRole"] == "reader"
    assert "shop frontend" in refused_edit.errors[0]["message"]
    assert refused_upload.codes == ["FORBIDDEN"]
    assert not uploaded.errors
    assert refused_delete.codes == ["FORBIDDEN"] and refused_job.codes == ["FORBIDDEN"]
    assert refused_tokens.codes == ["FORBIDDEN"]
    assert reader.ok('query($s: String!) { product(sku: $s) { sku } }', {"s": sku})["product"]
    assert hub.ok(DELETE, {"id": created["id"]})["deleteProduct"] is True, "admins may delete"


def test_an_admin_makes_tokens_that_work_until_revoked(hub: LiveHub, callers: Callers) -> None:
    made = hub.ok(CREATE_TOKEN, {"role": "EDITOR", "label": "PIM sync"})["createApiToken"]
    pim = callers.with_secret(made["secret"])

    assert made["secret"].startswith(made["token"]["hint"])
    assert pim.ok(VIEWER)["viewer"] == {"id": made["token"]["id"], "label": "PIM sync",
                                        "role": "EDITOR", "hint": made["token"]["hint"]}
    listed = hub.ok(TOKENS)["apiTokens"]
    assert {"id": made["token"]["id"], "label": "PIM sync", "role": "EDITOR",
            "revokedAt": None} in listed
    assert "secret" not in str(hub.http.post("/graphql", json={"query": TOKENS}).json())

    revoked = hub.ok(REVOKE_TOKEN, {"id": made["token"]["id"]})["revokeApiToken"]
    after = pim.graphql(VIEWER)

    assert revoked["revokedAt"] is not None
    assert after.codes == ["UNAUTHENTICATED"] and "revoked" in after.errors[0]["message"]
    assert made["token"]["id"] not in {t["id"] for t in hub.ok(TOKENS)["apiTokens"]}
    assert made["token"]["id"] in {t["id"] for t in hub.ok(TOKENS, {"all": True})["apiTokens"]}
    bad = hub.graphql(CREATE_TOKEN, {"role": "READER", "label": " ", "days": -1})
    assert bad.codes == ["BAD_USER_INPUT"]


def test_an_expired_token_is_refused(callers: Callers) -> None:
    short = callers.with_role(Role.ADMIN, "short-lived", expires_in=timedelta(seconds=1))
    assert short.ok(VIEWER)["viewer"]["label"] == "short-lived"
    time.sleep(1.2)

    expired = short.graphql(VIEWER)

    assert expired.codes == ["UNAUTHENTICATED"] and "expired" in expired.errors[0]["message"]


def test_media_needs_a_signed_url_or_a_token(hub: LiveHub, callers: Callers) -> None:
    content = samples.coffee_jpeg("signed media")
    asset = hub.upload(UPLOAD, {}, content, "signed.jpg").data["uploadAsset"]  # type: ignore[index]
    signed = asset["originalUrl"]
    unsigned = signed.split("?")[0]
    path = unsigned.removeprefix(hub.url)
    past = MediaUrls(base=hub.url, secret=hub.settings.signing_secret, ttl_seconds=60,
                     now=time.time() - 3600).blob(asset["sha256"], "image/jpeg")
    reader = callers.with_role(Role.READER, "media reader")

    by_signature = httpx.get(signed)
    anonymous = httpx.get(unsigned)
    with_token = reader.http.get(path)
    tampered = httpx.get(signed.replace("exp=", "exp=9"))
    expired = httpx.get(past)
    upload_anonymous = httpx.post(f"{hub.url}/uploads", params={"filename": "a.jpg"},
                                  content=content)
    upload_as_reader = reader.http.post("/uploads", params={"filename": "a.jpg"},
                                        content=content)

    assert by_signature.status_code == 200 and by_signature.content == content
    assert by_signature.headers["cache-control"].startswith("public, max-age=")
    max_age = int(by_signature.headers["cache-control"].split("max-age=")[1].split(",")[0])
    assert hub.settings.signed_url_ttl_seconds <= max_age <= \
        hub.settings.signed_url_ttl_seconds * 1.25 + 5
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert with_token.status_code == 200 and with_token.content == content
    assert with_token.headers["cache-control"].startswith("private")
    assert tampered.status_code == 403 and "signature" in tampered.json()["errors"][0]["message"]
    assert expired.status_code == 403 and "expired" in expired.json()["errors"][0]["message"]
    assert upload_anonymous.status_code == 401 and upload_as_reader.status_code == 403


def test_signed_urls_stay_the_same_for_a_while_so_caches_can_keep_them(hub: LiveHub) -> None:
    asset = hub.upload(UPLOAD, {}, samples.coffee_jpeg("stable"), "stable.jpg").data
    query = "query($id: ID!) { asset(id: $id) { originalUrl } }"
    variables = {"id": asset["uploadAsset"]["id"]}  # type: ignore[index]

    assert hub.ok(query, variables) == hub.ok(query, variables)


def test_expensive_operations_are_rate_limited_per_token(hub_settings: Settings) -> None:
    limited = LiveHub(hub_settings.model_copy(update={"uploads_per_minute": 2})).start()
    other = limited.client(issue_token(hub_settings, Role.EDITOR, "another editor"))
    try:
        answers = [limited.upload(UPLOAD, {}, samples.coffee_jpeg(f"rate {n}"), f"r{n}.jpg")
                   for n in range(3)]
        plain = limited.http.post("/uploads", params={"filename": "r.jpg"},
                                  content=samples.coffee_jpeg("rate plain"))
        unaffected = other.upload(UPLOAD, {}, samples.coffee_jpeg("rate other"), "o.jpg")
    finally:
        other.close()
        limited.stop()

    assert [answer.codes for answer in answers] == [[], [], ["RATE_LIMITED"]]
    refused = answers[2].errors[0]
    assert 1 <= refused["extensions"]["retryAfterSeconds"] <= 60
    assert "at most 2 per 60 s" in refused["message"]
    assert plain.status_code == 429
    assert not unaffected.errors


def test_production_refuses_to_start_with_the_default_signing_secret(
    hub_settings: Settings,
) -> None:
    environment = {**hub_environment(hub_settings), "HUB_ENVIRONMENT": "production",
                   "HUB_PORT": str(free_port())}
    environment.pop("HUB_SIGNING_SECRET", None)

    refused = subprocess.run([sys.executable, "-m", "hub.cli", "serve"], env=environment,
                             capture_output=True, text=True, timeout=60, check=False)

    assert refused.returncode == 2
    assert "refusing to serve in production" in refused.stderr
    assert "HUB_SIGNING_SECRET" in refused.stderr


@pytest.mark.parametrize("secret", ["short-secret"])
def test_production_refuses_a_short_signing_secret(hub_settings: Settings, secret: str) -> None:
    from hub.app import InsecureSettings, create_app

    production = hub_settings.model_copy(update={"environment": "production",
                                                 "signing_secret": secret})
    with pytest.raises(InsecureSettings, match="shorter than 32"):
        create_app(production)
