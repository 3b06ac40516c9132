"""Listing, paging, ordering and searching products (served from Elasticsearch)."""

from __future__ import annotations

from conftest import LiveHub

CREATE = "mutation($input: ProductInput!) { createProduct(input: $input) { id sku name } }"
PAGE = """
query Page($first: Int, $after: String, $filter: ProductFilter, $orderBy: ProductOrder) {
  products(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount
    edges { cursor node { id sku name } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def create_many(hub: LiveHub, sku_prefix: str, names: list[str]) -> list[dict]:
    return [
        hub.ok(CREATE, {"input": {"sku": f"{sku_prefix}-{n:03d}", "name": name}})["createProduct"]
        for n, name in enumerate(names)
    ]


def test_cursor_pagination_walks_every_product_once_in_order(
    hub: LiveHub, sku_prefix: str
) -> None:
    created = create_many(hub, sku_prefix, [f"Chair {n}" for n in range(7)])
    skus = [product["sku"] for product in created]

    seen: list[str] = []
    pages: list[tuple[int, bool]] = []
    after = None
    while True:
        page = hub.ok(PAGE, {"first": 3, "after": after, "filter": {"skus": skus}})["products"]
        seen += [edge["node"]["sku"] for edge in page["edges"]]
        pages.append((len(page["edges"]), page["pageInfo"]["hasNextPage"]))
        assert page["totalCount"] == 7
        if not page["pageInfo"]["hasNextPage"]:
            break
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        after = page["pageInfo"]["endCursor"]

    assert pages == [(3, True), (3, True), (1, False)]
    assert seen == list(reversed(skus)), "newest first by default"


def test_products_can_be_ordered_by_name_both_ways(hub: LiveHub, sku_prefix: str) -> None:
    created = create_many(hub, sku_prefix, ["banana Stool", "Apple Table", "cherry Bench"])
    skus = [product["sku"] for product in created]

    def names(direction: str) -> list[str]:
        page = hub.ok(PAGE, {"filter": {"skus": skus},
                             "orderBy": {"field": "NAME", "direction": direction}})
        return [edge["node"]["name"] for edge in page["products"]["edges"]]

    assert names("ASC") == ["Apple Table", "banana Stool", "cherry Bench"]
    assert names("DESC") == ["cherry Bench", "banana Stool", "Apple Table"]


def test_text_search_finds_products_by_name_sku_and_description(
    hub: LiveHub, sku_prefix: str
) -> None:
    marker = sku_prefix.lower()  # a word no other test's product has
    hub.ok(CREATE, {"input": {"sku": f"{sku_prefix}-VASE", "name": f"Crème Vase {marker}"}})
    hub.ok(CREATE, {"input": {"sku": f"{sku_prefix}-SOFA", "name": f"Leather Sofa {marker}",
                              "description": "Cognac leather, oak legs"}})
    hub.ok(CREATE, {"input": {"sku": f"{sku_prefix}-LAMP", "name": f"Globe Lamp {marker}"}})

    def search(text: str) -> list[str]:
        page = hub.ok(PAGE, {"filter": {"text": text}})["products"]
        return sorted(edge["node"]["sku"] for edge in page["edges"])

    assert search(f"creme vase {marker}") == [f"{sku_prefix}-VASE"], "accents are folded"
    assert search(f"LEATHER {marker}") == [f"{sku_prefix}-SOFA"], "case is ignored"
    assert search(f"cognac {marker}") == [f"{sku_prefix}-SOFA"], "description is searched"
    assert search(f"{sku_prefix}-LAMP") == [f"{sku_prefix}-LAMP"], "an exact SKU is found"
    assert search(f"{sku_prefix.lower()}-la") == [f"{sku_prefix}-LAMP"], "a SKU prefix too"
    assert search(f"glbe {marker}") == [f"{sku_prefix}-LAMP"], "a small typo is tolerated"
    assert search(f"no-such-word-{marker}") == []


def test_the_best_text_match_comes_first(hub: LiveHub, sku_prefix: str) -> None:
    marker = sku_prefix.lower()
    hub.ok(CREATE, {"input": {"sku": f"{sku_prefix}-1", "name": f"Oak Shelf {marker}",
                              "description": "A sofa table would match here too"}})
    hub.ok(CREATE, {"input": {"sku": f"{sku_prefix}-2", "name": f"Sofa {marker}"}})

    page = hub.ok(PAGE, {"filter": {"text": f"sofa {marker}"}})["products"]

    assert page["edges"][0]["node"]["sku"] == f"{sku_prefix}-2"


def test_bad_paging_arguments_are_refused_clearly(hub: LiveHub) -> None:
    too_many = hub.graphql(PAGE, {"first": 101})
    negative = hub.graphql(PAGE, {"first": -1})
    bad_cursor = hub.graphql(PAGE, {"after": "not-a-cursor"})

    assert too_many.codes == negative.codes == bad_cursor.codes == ["BAD_USER_INPUT"]
    assert "between 0 and 100" in too_many.errors[0]["message"]
    assert bad_cursor.errors[0]["extensions"]["field"] == "after"


def test_a_cursor_from_another_sort_order_is_refused(hub: LiveHub, sku_prefix: str) -> None:
    create_many(hub, sku_prefix, ["One", "Two"])
    page = hub.ok(PAGE, {"first": 1, "filter": {"text": "one"}})["products"]

    result = hub.graphql(PAGE, {"first": 1, "after": page["pageInfo"]["endCursor"],
                                "orderBy": {"field": "NAME"}})

    assert result.codes == ["BAD_USER_INPUT"]
    assert "another order" in result.errors[0]["message"]


def test_a_page_of_50_costs_the_same_store_calls_as_a_page_of_2(
    hub: LiveHub, sku_prefix: str
) -> None:
    created = create_many(hub, sku_prefix, [f"Item {n}" for n in range(50)])
    skus = [product["sku"] for product in created]

    small = hub.graphql(PAGE, {"first": 2, "filter": {"skus": skus}})
    large = hub.graphql(PAGE, {"first": 50, "filter": {"skus": skus}})
    assert len(small.data["products"]["edges"]) == 2
    assert len(large.data["products"]["edges"]) == 50
    # One MongoDB read checks the token; the page itself comes from Elasticsearch.
    assert small.store_calls == large.store_calls == {"mongo": 1, "elasticsearch": 1}

    def by_id_query(products: list[dict]) -> str:
        fields = " ".join(f'p{n}: product(id: "{p["id"]}") {{ sku name }}'
                          for n, p in enumerate(products))
        return f"{{ {fields} }}"

    two = hub.graphql(by_id_query(created[:2]))
    fifty = hub.graphql(by_id_query(created))
    assert not two.errors and not fifty.errors
    assert fifty.data["p49"]["sku"] == skus[49]
    assert two.store_calls == fifty.store_calls == {"mongo": 1, "elasticsearch": 1}


def test_a_null_page_size_means_the_default(hub: LiveHub, sku_prefix: str) -> None:
    create_many(hub, sku_prefix, [f"Null {n}" for n in range(3)])

    page = hub.ok(PAGE, {"first": None, "filter": {"text": sku_prefix.lower()}})

    assert page["products"]["totalCount"] >= 3
    assert len(page["products"]["edges"]) <= 20
