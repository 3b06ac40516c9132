"""Requests that are not valid GraphQL get a coded error, never a stack trace."""

from __future__ import annotations

from conftest import LiveHub


def test_a_syntax_error_is_reported_with_its_position(hub: LiveHub) -> None:
    result = hub.graphql("{ products(first: 2 { edges }")

    assert result.codes == ["GRAPHQL_PARSE_FAILED"]
    assert result.errors[0]["locations"][0]["line"] == 1
    assert result.data is None


def test_an_unknown_field_fails_validation(hub: LiveHub) -> None:
    result = hub.graphql("{ products { edges { node { price } } } }")

    assert result.codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert "price" in result.errors[0]["message"]


def test_a_variable_of_the_wrong_type_is_bad_user_input(hub: LiveHub) -> None:
    result = hub.graphql("query($n: Int) { products(first: $n) { totalCount } }", {"n": "ten"})

    assert result.codes == ["BAD_USER_INPUT"]


def test_a_body_that_is_not_json_gets_a_json_error(hub: LiveHub) -> None:
    response = hub.http.post("/graphql", content=b"{not json",
                             headers={"content-type": "application/json"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_graphiql_is_served_in_development(hub: LiveHub) -> None:
    response = hub.http.get("/graphql", headers={"accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_documents_beyond_the_limits_are_refused_before_running(hub: LiveHub) -> None:
    aliases = " ".join(f"a{n}: __typename" for n in range(150))
    huge = " ".join(f"a{n}: products(first: 1) {{ totalCount }}" for n in range(1000))
    cycle = "id"
    for _ in range(20):  # product -> its main image -> that image's products -> ...
        cycle = f"mainImage {{ products {{ {cycle} }} }}"

    too_many = hub.graphql(f"{{ {aliases} }}")
    too_long = hub.graphql(f"{{ {huge} }}")
    too_deep = hub.graphql(f"{{ products {{ edges {{ node {{ {cycle} }} }} }} }}")

    assert too_many.codes and set(too_many.codes) == {"GRAPHQL_VALIDATION_FAILED"}
    assert "aliases" in too_many.errors[0]["message"]
    assert too_long.codes == ["GRAPHQL_PARSE_FAILED"]
    assert "tokens" in too_long.errors[0]["message"]
    assert too_deep.codes and "depth" in too_deep.errors[0]["message"]
    assert too_long.extensions["storeCalls"] == {"mongo": 0, "elasticsearch": 0}


def test_a_document_that_would_resolve_too_much_is_refused_before_running(
    hub: LiveHub,
) -> None:
    """Each level is allowed on its own; together 100 products x assets x their products x
    their assets x renditions would be about a million objects."""
    nested = """
    query($first: Int) { products(first: $first) { edges { node { sku
      assets { asset { products { assets { asset { renditions { url } } } } } } } } } }
    """
    page = """
    query($first: Int) { products(first: $first) { edges { node { sku name
      mainImage { id width height blurhash renditions { preset url width height } }
      assets { role position asset { id filename renditions { preset url } } } } } } }
    """

    refused = hub.graphql(nested, {"first": 100})
    small = hub.graphql(nested, {"first": 1})
    product_page = hub.graphql(page, {"first": 50})

    assert refused.codes == ["GRAPHQL_VALIDATION_FAILED"] and refused.data is None
    assert refused.errors[0]["extensions"]["cost"] > refused.errors[0]["extensions"]["maxCost"]
    assert "smaller pages" in refused.errors[0]["message"]
    assert refused.extensions["storeCalls"] == {"mongo": 0, "elasticsearch": 0}
    assert not small.errors, "the same shape with a small page runs"
    assert not product_page.errors, "a product page of 50 with media is well within the limit"


def test_introspection_follows_the_environment(hub_settings) -> None:  # type: ignore[no-untyped-def]
    from conftest import free_port

    production = hub_settings.model_copy(update={"introspection": False, "port": free_port()})
    live = LiveHub(production).start()
    try:
        closed = live.graphql("{ __schema { types { name } } }")
    finally:
        live.stop()

    assert closed.codes and set(closed.codes) == {"GRAPHQL_VALIDATION_FAILED"}
    assert "introspection" in closed.errors[0]["message"].lower()


def test_cors_allows_only_the_configured_origins(hub_settings) -> None:  # type: ignore[no-untyped-def]
    configured = hub_settings.model_copy(update={"cors_origins": ["https://shop.example"]})
    live = LiveHub(configured).start()
    try:
        allowed = live.http.options("/graphql", headers={
            "Origin": "https://shop.example", "Access-Control-Request-Method": "POST"})
        refused = live.http.options("/graphql", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    finally:
        live.stop()

    assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
    assert "access-control-allow-origin" not in refused.headers
