"""Creating, reading, changing and deleting products through GraphQL over HTTP."""

from __future__ import annotations

from conftest import LiveHub

PRODUCT_FIELDS = "id sku name description attributes createdAt updatedAt"

CREATE = f"""
mutation Create($input: ProductInput!) {{ createProduct(input: $input) {{ {PRODUCT_FIELDS} }} }}
"""
UPDATE = f"""
mutation Update($id: ID!, $input: ProductPatch!) {{
  updateProduct(id: $id, input: $input) {{ {PRODUCT_FIELDS} }}
}}
"""
DELETE = "mutation Delete($id: ID!) { deleteProduct(id: $id) }"
BY_ID = f"query ById($id: ID!) {{ product(id: $id) {{ {PRODUCT_FIELDS} }} }}"
BY_SKU = f"query BySku($sku: String!) {{ product(sku: $sku) {{ {PRODUCT_FIELDS} }} }}"
LIST_BY_SKUS = """
query List($skus: [String!]) {
  products(filter: {skus: $skus}) { totalCount edges { node { id sku name } } }
}
"""


def create(hub: LiveHub, **fields: object) -> dict:
    return hub.ok(CREATE, {"input": fields})["createProduct"]


def test_a_created_product_is_readable_at_once_by_id_sku_and_in_lists(
    hub: LiveHub, sku_prefix: str
) -> None:
    sku = f"{sku_prefix}-SOFA"
    created = create(hub, sku=sku, name="Oslo Sofa", description="Three seats",
                     attributes={"color": "cognac", "dimensions": {"width_cm": 210}})

    assert created["sku"] == sku
    assert created["attributes"] == {"color": "cognac", "dimensions": {"width_cm": 210}}
    assert created["createdAt"] == created["updatedAt"]
    assert hub.ok(BY_ID, {"id": created["id"]})["product"] == created
    assert hub.ok(BY_SKU, {"sku": sku})["product"] == created
    listed = hub.ok(LIST_BY_SKUS, {"skus": [sku]})["products"]
    assert listed["totalCount"] == 1
    assert listed["edges"][0]["node"] == {"id": created["id"], "sku": sku, "name": "Oslo Sofa"}


def test_update_changes_only_the_given_fields_and_is_read_back_at_once(
    hub: LiveHub, sku_prefix: str
) -> None:
    created = create(hub, sku=f"{sku_prefix}-LAMP", name="Globe Lamp", description="Opal glass",
                     attributes={"watt": 40})

    updated = hub.ok(UPDATE, {"id": created["id"], "input": {"name": "Globe Pendant"}})
    product = updated["updateProduct"]

    assert product["name"] == "Globe Pendant"
    assert product["description"] == "Opal glass"
    assert product["attributes"] == {"watt": 40}
    assert product["updatedAt"] > created["updatedAt"]
    assert hub.ok(BY_ID, {"id": created["id"]})["product"] == product
    listed = hub.ok(LIST_BY_SKUS, {"skus": [created["sku"]]})["products"]["edges"]
    assert [edge["node"]["name"] for edge in listed] == ["Globe Pendant"]


def test_update_can_change_the_sku_and_clear_fields(hub: LiveHub, sku_prefix: str) -> None:
    created = create(hub, sku=f"{sku_prefix}-OLD", name="Rug", description="Wool",
                     attributes={"a": 1})

    product = hub.ok(UPDATE, {"id": created["id"], "input": {
        "sku": f"{sku_prefix}-NEW", "description": None, "attributes": None,
    }})["updateProduct"]

    assert (product["sku"], product["description"], product["attributes"]) == (
        f"{sku_prefix}-NEW", "", {})
    assert hub.ok(BY_SKU, {"sku": f"{sku_prefix}-NEW"})["product"]["id"] == created["id"]
    assert hub.ok(BY_SKU, {"sku": f"{sku_prefix}-OLD"})["product"] is None


def test_delete_removes_the_product_everywhere(hub: LiveHub, sku_prefix: str) -> None:
    created = create(hub, sku=f"{sku_prefix}-VASE", name="Vase")

    assert hub.ok(DELETE, {"id": created["id"]}) == {"deleteProduct": True}

    assert hub.ok(BY_ID, {"id": created["id"]})["product"] is None
    assert hub.ok(BY_SKU, {"sku": created["sku"]})["product"] is None
    assert hub.ok(LIST_BY_SKUS, {"skus": [created["sku"]]})["products"]["totalCount"] == 0
    again = hub.graphql(DELETE, {"id": created["id"]})
    assert again.codes == ["NOT_FOUND"]


def test_a_duplicate_sku_is_refused_and_the_first_product_is_untouched(
    hub: LiveHub, sku_prefix: str
) -> None:
    sku = f"{sku_prefix}-CHAIR"
    first = create(hub, sku=sku, name="Café Chair")

    result = hub.graphql(CREATE, {"input": {"sku": sku, "name": "Impostor"}})

    assert result.codes == ["BAD_USER_INPUT"]
    assert sku in result.errors[0]["message"]
    assert result.errors[0]["extensions"]["field"] == "sku"
    assert hub.ok(BY_SKU, {"sku": sku})["product"] == first
    assert hub.ok(LIST_BY_SKUS, {"skus": [sku]})["products"]["totalCount"] == 1


def test_renaming_a_sku_onto_another_products_sku_is_refused(
    hub: LiveHub, sku_prefix: str
) -> None:
    first = create(hub, sku=f"{sku_prefix}-A", name="A")
    second = create(hub, sku=f"{sku_prefix}-B", name="B")

    result = hub.graphql(UPDATE, {"id": second["id"], "input": {"sku": first["sku"],
                                                                 "name": "B2"}})

    assert result.codes == ["BAD_USER_INPUT"]
    assert hub.ok(BY_ID, {"id": second["id"]})["product"] == second


def test_unknown_ids_answer_not_found_for_changes_and_null_for_reads(hub: LiveHub) -> None:
    unknown = "000000000000000000000000"

    assert hub.ok(BY_ID, {"id": unknown}) == {"product": None}
    assert hub.ok(BY_SKU, {"sku": "NO-SUCH-SKU"}) == {"product": None}
    update = hub.graphql(UPDATE, {"id": unknown, "input": {"name": "x"}})
    delete = hub.graphql(DELETE, {"id": unknown})
    assert update.codes == ["NOT_FOUND"] and delete.codes == ["NOT_FOUND"]
    assert unknown in update.errors[0]["message"]
    assert update.data is None


def test_invalid_product_input_is_refused_and_nothing_is_stored(
    hub: LiveHub, sku_prefix: str
) -> None:
    cases = [
        ({"sku": "has space", "name": "x"}, "sku"),
        ({"sku": "../etc", "name": "x"}, "sku"),
        ({"sku": f"{sku_prefix}-1", "name": "   "}, "name"),
        ({"sku": f"{sku_prefix}-2", "name": "x" * 301}, "name"),
        ({"sku": f"{sku_prefix}-3", "name": "x", "attributes": {"$where": 1}}, "attributes"),
        ({"sku": f"{sku_prefix}-4", "name": "x", "attributes": {"a.b": 1}}, "attributes"),
        ({"sku": f"{sku_prefix}-5", "name": "x", "attributes": [1, 2]}, "attributes"),
        ({"sku": f"{sku_prefix}-6", "name": "x", "attributes": {"a": "x" * 40_000}},
         "attributes"),
    ]
    for product_input, field in cases:
        result = hub.graphql(CREATE, {"input": product_input})
        assert result.codes == ["BAD_USER_INPUT"], product_input
        assert result.errors[0]["extensions"]["field"] == field

    skus = [f"{sku_prefix}-{n}" for n in range(1, 7)]
    assert hub.ok(LIST_BY_SKUS, {"skus": skus})["products"]["totalCount"] == 0


def test_product_lookup_needs_exactly_one_of_id_and_sku(hub: LiveHub) -> None:
    assert hub.graphql("{ product { id } }").codes == ["BAD_USER_INPUT"]
    both = hub.graphql('{ product(id: "1", sku: "X") { id } }')
    assert both.codes == ["BAD_USER_INPUT"]


def test_concurrent_writes_leave_the_index_at_the_latest_state(
    hub: LiveHub, hub_settings, sku_prefix: str
) -> None:
    """Creates and renames racing each other and the outbox drainer never lose an update or
    let an older state overwrite a newer one in the index."""
    from concurrent.futures import ThreadPoolExecutor

    from pymongo import MongoClient

    skus = [f"{sku_prefix}-{n}" for n in range(12)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        created = list(pool.map(lambda sku: create(hub, sku=sku, name="Original"), skus))
        target = created[0]["id"]
        renames = [f"Name {n}" for n in range(12)]
        list(pool.map(lambda name: hub.ok(UPDATE, {"id": target, "input": {"name": name}}),
                      renames))

    listed = hub.ok(LIST_BY_SKUS, {"skus": skus})["products"]
    assert listed["totalCount"] == 12
    with MongoClient(hub_settings.mongo_url) as client:
        stored = client[hub_settings.mongo_database]["products"].find_one({"_id": target})
    indexed = {edge["node"]["id"]: edge["node"]["name"] for edge in listed["edges"]}
    assert indexed[target] == stored["name"]
    assert hub.ok(BY_ID, {"id": target})["product"]["name"] == stored["name"]


def test_concurrent_updates_of_different_fields_keep_both(hub: LiveHub, sku_prefix: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    products = [create(hub, sku=f"{sku_prefix}-{n}", name="Before", description="Before")
                for n in range(5)]
    changes = [{"name": "After"}, {"description": "After"}]
    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(lambda job: hub.ok(UPDATE, {"id": job[0]["id"], "input": job[1]}),
                      [(product, change) for product in products for change in changes]))

    for product in products:
        stored = hub.ok(BY_ID, {"id": product["id"]})["product"]
        assert (stored["name"], stored["description"]) == ("After", "After")
