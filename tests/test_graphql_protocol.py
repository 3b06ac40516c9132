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
