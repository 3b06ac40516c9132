"""GraphQL over HTTP as frontend clients meet it: GET for queries, content negotiation between
application/graphql-response+json and application/json with the spec's status codes, ETags on
GET queries, and automatic persisted queries (with the allow-list mode of production)."""

from __future__ import annotations

import hashlib
import http.client
import json
import uuid
from typing import Any

import httpx

from hub.auth.roles import Role
from hub.config import Settings

from conftest import ApiClient, Callers, LiveHub, issue_token

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
APOLLO_ACCEPT = "application/graphql-response+json,application/json;q=0.9"
CREATE = "mutation($input: ProductInput!) { createProduct(input: $input) { id sku name } }"
RENAME = """mutation($id: ID!, $name: String!) {
  updateProduct(id: $id, input: {name: $name}) { id } }"""
BY_SKU = "query BySku($sku: String!) { product(sku: $sku) { sku name } }"


def get(client: ApiClient, params: dict[str, Any], accept: str = JSON,
        **headers: str) -> httpx.Response:
    encoded = {name: json.dumps(value) if isinstance(value, dict) else value
               for name, value in params.items()}
    return client.http.get("/graphql", params=encoded, headers={"accept": accept, **headers})


def post(client: ApiClient, body: dict[str, Any], accept: str = JSON) -> httpx.Response:
    return client.http.post("/graphql", json=body, headers={"accept": accept})


def codes(response: httpx.Response) -> list[str]:
    return [error["extensions"]["code"] for error in response.json().get("errors", [])]


def persisted(query: str) -> dict[str, Any]:
    """Apollo's APQ extension for a query."""
    return {"persistedQuery": {"version": 1,
                               "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}}


def unique_query() -> str:
    """A query no other test has stored."""
    return f"{{ q{uuid.uuid4().hex[:12]}: __typename products(first: 1) {{ totalCount }} }}"


# GET and POST


def test_a_query_over_get_answers_as_over_post(hub: LiveHub, sku_prefix: str) -> None:
    sku = f"{sku_prefix}-GET"
    hub.ok(CREATE, {"input": {"sku": sku, "name": "Oak stool"}})
    params = {"query": BY_SKU, "variables": {"sku": sku}, "operationName": "BySku"}

    over_get = get(hub, params)
    over_post = post(hub, params | {"variables": {"sku": sku}})

    assert over_get.status_code == 200
    assert over_get.json()["data"] == over_post.json()["data"] == {
        "product": {"sku": sku, "name": "Oak stool"}}


def test_a_mutation_over_get_is_refused_with_405_and_nothing_changes(
    hub: LiveHub, sku_prefix: str
) -> None:
    sku = f"{sku_prefix}-VIAGET"

    for accept in (JSON, GRAPHQL_RESPONSE):
        response = get(hub, {"query": CREATE, "variables": {"input": {"sku": sku, "name": "x"}}},
                       accept=accept)

        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        assert response.headers["cache-control"] == "no-store"
        assert codes(response) == ["METHOD_NOT_ALLOWED"]
        assert "POST" in response.json()["errors"][0]["message"]
    assert hub.ok(BY_SKU, {"sku": sku})["product"] is None


def test_methods_other_than_get_and_post_are_405_with_a_code(hub: LiveHub) -> None:
    response = hub.http.put("/graphql", json={"query": "{ __typename }"})

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert codes(response) == ["METHOD_NOT_ALLOWED"]


# Content negotiation and status codes


def test_the_response_media_type_follows_accept(hub: LiveHub) -> None:
    def content_type(accept: str | None) -> str:
        headers = {"accept": accept} if accept is not None else {}
        response = hub.http.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
        assert response.status_code == 200, response.text
        return str(response.headers["content-type"])

    assert content_type(GRAPHQL_RESPONSE) == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert content_type(APOLLO_ACCEPT).startswith(GRAPHQL_RESPONSE)
    assert content_type(JSON) == f"{JSON}; charset=utf-8"
    assert content_type("*/*").startswith(JSON), "legacy clients (curl, fetch) say */*"
    assert content_type(f"{JSON}, {GRAPHQL_RESPONSE};q=0.5").startswith(JSON)
    assert content_type("text/html, application/*;q=0.2").startswith(JSON)
    # No Accept at all (httpx always sends one): graphql-response+json, the spec's default
    # since its 2025-01-01 watershed.
    connection = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=30)
    try:
        connection.request("POST", "/graphql", body=b'{"query": "{ __typename }"}', headers={
            "Content-Type": JSON, "Authorization": f"Bearer {hub.token}"})
        bare = connection.getresponse()
        assert bare.status == 200
        assert bare.getheader("content-type", "").startswith(GRAPHQL_RESPONSE)
    finally:
        connection.close()


def test_an_accept_without_a_graphql_media_type_is_406(hub: LiveHub) -> None:
    for accept in ("text/html", "application/xml", f"{JSON};q=0, text/plain"):
        response = post(hub, {"query": "{ __typename }"}, accept=accept)

        assert response.status_code == 406, accept
        assert response.headers["content-type"].startswith(JSON)
        assert codes(response) == ["NOT_ACCEPTABLE"]


def test_graphql_response_json_uses_4xx_for_requests_that_never_ran(
    hub: LiveHub, callers: Callers
) -> None:
    """Parse, validation and variable errors are 400 without a `data` entry; field errors (an
    anonymous caller's UNAUTHENTICATED included) are a partial response: 200 with `data`."""
    anonymous = callers.anonymous()
    cases = {
        "parse": {"query": "{ products(first: 2 { edges }"},
        "validation": {"query": "{ products { edges { node { price } } } }"},
        "variables": {"query": "query($n: Int) { products(first: $n) { totalCount } }",
                      "variables": {"n": "ten"}},
        "operation": {"query": "query A { __typename } query B { __typename }",
                      "operationName": "C"},
    }

    refused = {name: post(hub, body, accept=GRAPHQL_RESPONSE) for name, body in cases.items()}
    unauthenticated = post(anonymous, {"query": "{ products { totalCount } }"},
                           accept=GRAPHQL_RESPONSE)

    for name, response in refused.items():
        assert response.status_code == 400, (name, response.text)
        assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
        assert "data" not in response.json(), name
        assert response.headers["cache-control"] == "no-store"
    assert codes(refused["parse"]) == ["GRAPHQL_PARSE_FAILED"]
    assert codes(refused["validation"]) == ["GRAPHQL_VALIDATION_FAILED"]
    assert codes(refused["variables"]) == ["BAD_USER_INPUT"]
    assert codes(refused["operation"]) == ["GRAPHQL_VALIDATION_FAILED"]
    assert unauthenticated.status_code == 200
    assert unauthenticated.json()["data"] is None
    assert codes(unauthenticated) == ["UNAUTHENTICATED"]


def test_application_json_keeps_200_for_every_well_formed_request(hub: LiveHub) -> None:
    """The legacy rule: a 4xx under application/json could come from any proxy, so GraphQL
    errors are reported in the body only."""
    for body in ({"query": "{ products(first: 2 { edges }"},
                 {"query": "{ products { edges { node { price } } } }"},
                 {"query": "query($n: Int) { products(first: $n) { totalCount } }",
                  "variables": {"n": "ten"}}):
        response = post(hub, body, accept=JSON)

        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(JSON)
        assert response.json()["errors"] and "data" not in response.json()


def test_requests_that_are_not_graphql_over_http_are_4xx_with_a_code(hub: LiveHub) -> None:
    no_content_type = hub.http.post("/graphql", content=b'{"query": "{ __typename }"}')
    text = hub.http.post("/graphql", content=b'{"query": "{ __typename }"}',
                         headers={"content-type": "text/plain"})
    latin1 = hub.http.post("/graphql", content=b'{"query": "{ __typename }"}',
                           headers={"content-type": "application/json; charset=latin-1"})
    no_query = post(hub, {"qeury": "{ __typename }"}, accept=GRAPHQL_RESPONSE)
    bad_name = post(hub, {"query": "{ __typename }", "operationName": 7})
    bad_variables = get(hub, {"query": "{ __typename }", "variables": "{not json"})
    listed_variables = get(hub, {"query": "{ __typename }", "variables": "[1]"})

    for response in (no_content_type, text, latin1):
        assert response.status_code == 415, response.text
        assert codes(response) == ["UNSUPPORTED_MEDIA_TYPE"]
        assert "application/json" in response.json()["errors"][0]["message"]
    assert no_query.status_code == 400 and codes(no_query) == ["BAD_USER_INPUT"]
    assert no_query.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert bad_name.status_code == 400 and "operationName" in bad_name.text
    assert bad_variables.status_code == 400 and codes(bad_variables) == ["BAD_USER_INPUT"]
    assert "`variables` parameter is not JSON" in bad_variables.json()["errors"][0]["message"]
    assert listed_variables.status_code == 400
    assert "must be a JSON object" in listed_variables.json()["errors"][0]["message"]


# Caching


def test_a_get_query_is_revalidated_by_etag_until_the_data_changes(
    hub: LiveHub, sku_prefix: str
) -> None:
    sku = f"{sku_prefix}-ETAG"
    product = hub.ok(CREATE, {"input": {"sku": sku, "name": "Walnut desk"}})["createProduct"]
    params = {"query": BY_SKU, "variables": {"sku": sku}}

    first = get(hub, params)
    etag = first.headers["etag"]
    again = get(hub, params, **{"if-none-match": etag})
    weak = get(hub, params, **{"if-none-match": f'"other", {etag.removeprefix("W/")}'})
    other_type = get(hub, params, accept=GRAPHQL_RESPONSE, **{"if-none-match": etag})
    hub.ok(RENAME, {"id": product["id"], "name": "Walnut writing desk"})
    changed = get(hub, params, **{"if-none-match": etag})

    assert first.status_code == 200
    assert etag.startswith('W/"'), "weak: equal data, diagnostics may differ"
    assert first.headers["cache-control"] == "private, max-age=0, must-revalidate"
    assert first.headers["vary"] == "Authorization, Accept"
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == first.headers["cache-control"]
    assert weak.status_code == 304, "If-None-Match compares weakly"
    assert other_type.status_code == 200 and other_type.headers["etag"] != etag
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.json()["data"]["product"]["name"] == "Walnut writing desk"


def test_mutations_posts_and_errors_are_never_cached(
    hub: LiveHub, callers: Callers, sku_prefix: str
) -> None:
    mutation = post(hub, {"query": CREATE,
                          "variables": {"input": {"sku": f"{sku_prefix}-NS", "name": "x"}}})
    query_over_post = post(hub, {"query": "{ __typename }"})
    failing_get = get(callers.anonymous(), {"query": "{ products { totalCount } }"})

    for response in (mutation, query_over_post, failing_get):
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        assert "etag" not in response.headers


# Automatic persisted queries


def test_a_persisted_query_is_registered_once_then_sent_by_hash_over_get(
    hub: LiveHub, callers: Callers
) -> None:
    query = unique_query()
    reader = callers.with_role(Role.READER, "shop frontend")

    unknown = get(reader, {"extensions": persisted(query)})
    unknown_strict = get(reader, {"extensions": persisted(query)}, accept=APOLLO_ACCEPT)
    registered = post(reader, {"query": query, "extensions": persisted(query)})
    by_hash = get(reader, {"extensions": persisted(query)},
                  accept="text/html,application/xhtml+xml,*/*;q=0.8")
    revalidated = get(reader, {"extensions": persisted(query)},
                      accept="text/html,application/xhtml+xml,*/*;q=0.8",
                      **{"if-none-match": by_hash.headers.get("etag", "-")})

    assert unknown.status_code == 200, "Apollo's protocol: 200 under application/json"
    assert codes(unknown) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert unknown.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert unknown_strict.status_code == 404 and codes(unknown_strict) == [
        "PERSISTED_QUERY_NOT_FOUND"]
    assert registered.status_code == 200 and "errors" not in registered.json()
    assert by_hash.status_code == 200, by_hash.text
    assert by_hash.headers["content-type"].startswith(JSON), "data, not the GraphiQL page"
    assert by_hash.json()["data"] == registered.json()["data"]
    assert revalidated.status_code == 304


def test_a_hash_that_does_not_match_its_query_is_refused_and_nothing_is_stored(
    hub: LiveHub,
) -> None:
    query, other = unique_query(), unique_query()

    mismatch = post(hub, {"query": other, "extensions": persisted(query)})
    strict = post(hub, {"query": other, "extensions": persisted(query)}, accept=GRAPHQL_RESPONSE)
    afterwards = get(hub, {"extensions": persisted(query)})

    assert mismatch.status_code == 200 and codes(mismatch) == ["BAD_USER_INPUT"]
    assert mismatch.json()["errors"][0]["message"] == "provided sha does not match query"
    assert strict.status_code == 400
    assert codes(afterwards) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_only_documents_that_ran_are_stored(hub: LiveHub, callers: Callers) -> None:
    """A document that does not validate, or a caller without a valid token, stores nothing."""
    invalid = "{ products { edges { node { price } } } }" + f" # {uuid.uuid4().hex}"
    anonymous_query = unique_query()

    refused = post(hub, {"query": invalid, "extensions": persisted(invalid)})
    anonymous = post(callers.anonymous(),
                     {"query": anonymous_query, "extensions": persisted(anonymous_query)})

    assert codes(refused) == ["GRAPHQL_VALIDATION_FAILED"]
    assert codes(anonymous) == ["UNAUTHENTICATED"], "it ran, as any anonymous query does"
    assert codes(get(hub, {"extensions": persisted(invalid)})) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert codes(get(hub, {"extensions": persisted(anonymous_query)})) == [
        "PERSISTED_QUERY_NOT_FOUND"]


def test_malformed_persisted_query_extensions_are_bad_user_input(hub: LiveHub) -> None:
    query = "{ __typename }"
    sha = hashlib.sha256(query.encode()).hexdigest()
    cases = [
        {"persistedQuery": {"version": 2, "sha256Hash": sha}},
        {"persistedQuery": {"version": 1, "sha256Hash": "abc"}},
        {"persistedQuery": "yes"},
    ]

    for extensions in cases:
        response = post(hub, {"query": query, "extensions": extensions})

        assert codes(response) == ["BAD_USER_INPUT"], extensions
        assert response.json()["errors"][0]["extensions"]["field"].startswith(
            "extensions.persistedQuery")


def test_the_allowlist_mode_runs_only_registered_queries_and_only_admins_register(
    hub_settings: Settings,
) -> None:
    registered, unregistered = unique_query(), unique_query()
    live = LiveHub(hub_settings.model_copy(update={"persisted_queries_only": True})).start()
    reader = live.client(issue_token(hub_settings, Role.READER, "shop frontend"))
    editor = live.client(issue_token(hub_settings, Role.EDITOR, "merchandiser"))
    try:
        plain = post(reader, {"query": unregistered})
        plain_strict = post(reader, {"query": unregistered}, accept=GRAPHQL_RESPONSE)
        by_editor = post(editor, {"query": unregistered, "extensions": persisted(unregistered)})
        by_admin = post(live, {"query": registered, "extensions": persisted(registered)})
        by_hash = get(reader, {"extensions": persisted(registered)})
        as_text = post(reader, {"query": registered})
        unknown_hash = get(reader, {"extensions": persisted(unregistered)})
        admin_ad_hoc = post(live, {"query": unregistered})
        still_unknown = get(reader, {"extensions": persisted(unregistered)})
    finally:
        reader.close()
        editor.close()
        live.stop()

    for refused in (plain, by_editor):
        assert refused.status_code == 200
        assert codes(refused) == ["QUERY_NOT_IN_ALLOWLIST"]
        assert "data" not in refused.json()
    assert plain_strict.status_code == 403
    assert "errors" not in by_admin.json(), by_admin.text
    assert by_hash.status_code == 200 and by_hash.json()["data"] == by_admin.json()["data"]
    assert "errors" not in as_text.json(), "the text of a registered query runs too"
    assert codes(unknown_hash) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert "errors" not in admin_ad_hoc.json(), "admins may run ad-hoc operations ..."
    assert codes(still_unknown) == ["PERSISTED_QUERY_NOT_FOUND"], "... which are not stored"
