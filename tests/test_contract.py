"""The published contract: graphql/schema.graphql matches the code, every operation file in
graphql/ is valid against it, and every example operation in graphql/examples (and the frontend
example's in graphql/frontend) runs against a live hub as its comment says."""

from __future__ import annotations

from pathlib import Path

from hub.graphql.schema import schema

import media_samples as samples
from conftest import LiveHub

GRAPHQL_DIR = Path(__file__).resolve().parent.parent / "graphql"


def example(name: str) -> str:
    return (GRAPHQL_DIR / "examples" / name).read_text()


def frontend_operation(name: str) -> str:
    return (GRAPHQL_DIR / "frontend" / name).read_text()


def test_schema_file_matches_the_code() -> None:
    printed = schema.as_str() + "\n"

    assert (GRAPHQL_DIR / "schema.graphql").read_text() == printed, (
        "graphql/schema.graphql is out of date: run `hub schema > graphql/schema.graphql`"
    )


def test_schema_has_the_binding_names_of_the_design() -> None:
    sdl = schema.as_str()

    for line in [
        "product(id: ID = null, sku: String = null): Product",
        "createProduct(input: ProductInput!): Product!",
        "updateProduct(id: ID!, input: ProductPatch!): Product!",
        "deleteProduct(id: ID!): Boolean!",
        "products(first: Int = 20, after: String = null, filter: ProductFilter = null",
        "searchAssets(query: String!, mode: SearchMode = HYBRID, first: Int = 20",
        "similarAssets(assetId: ID!, first: Int = 10",
        "searchByImage(file: Upload!, first: Int = 10",
        "startAutoTagJob(filter: AssetFilter = null, onlyUntagged: Boolean = true): Job!",
        "jobs(state: JobState = null, first: Int = 20): [Job!]!",
        "uploadAsset(file: Upload!, sku: String = null, role: AssetRole = null, "
        "tags: [String!] = null): Asset!",
        "linkAsset(assetId: ID!, sku: String!, role: AssetRole!, position: Int = null): Product!",
        "acceptSuggestedTags(id: ID!, labels: [String!] = null): Asset!",
        "startReindexJob: Job!",
        "cancelJob(id: ID!): Job!",
        "renditionPresets: [RenditionPreset!]!",
    ]:
        assert line in sdl


def test_every_example_operation_runs(hub: LiveHub, sku_prefix: str) -> None:
    sku = f"{sku_prefix}-EXAMPLE"
    created = hub.ok(example("create-product.graphql"), {"input": {
        "sku": sku, "name": "Crème Example Vase", "attributes": {"color": "cream"}}}
    )["createProduct"]
    updated = hub.ok(example("update-product.graphql"),
                     {"id": created["id"], "input": {"name": "Crème Example Vase XL"}})
    by_sku = hub.ok(example("product-by-sku.graphql"), {"sku": sku})
    page = hub.ok(example("products-page.graphql"), {"first": 5})
    found = hub.ok(example("search-products.graphql"), {"text": f"creme example {sku}"})
    deleted = hub.ok(example("delete-product.graphql"), {"id": created["id"]})

    assert updated["updateProduct"]["name"] == "Crème Example Vase XL"
    assert by_sku["product"]["attributes"] == {"color": "cream"}
    assert page["products"]["edges"][0]["node"]["sku"] == sku
    assert found["products"]["edges"][0]["node"]["sku"] == sku
    assert deleted == {"deleteProduct": True}


def test_every_media_example_operation_runs(hub: LiveHub, sku_prefix: str) -> None:
    sku = f"{sku_prefix}-MEDIA"
    hub.ok(example("create-product.graphql"), {"input": {"sku": sku, "name": "Media example"}})
    uploaded = hub.upload(example("upload-asset.graphql"), {"sku": sku, "tags": ["front"]},
                          samples.astronaut_jpeg(sku), "front.jpg")
    assert not uploaded.errors, uploaded.errors
    asset_id = uploaded.data["uploadAsset"]["id"]
    gallery = hub.upload(example("upload-asset.graphql"), {}, samples.coffee_jpeg(sku),
                         "side.jpg").data["uploadAsset"]["id"]
    linked = hub.ok(example("link-asset.graphql"),
                    {"assetId": gallery, "sku": sku, "role": "GALLERY"})
    page = hub.ok(example("product-page.graphql"), {"sku": sku})
    listed = hub.ok(example("assets-page.graphql"), {"filter": {"skus": [sku]}})

    assert [link["role"] for link in linked["linkAsset"]["assets"]] == ["MAIN", "GALLERY"]
    assert page["product"]["mainImage"]["aspectRatio"] == 1.0
    assert page["product"]["gallery"][0]["asset"]["id"] == gallery
    assert {edge["node"]["id"] for edge in listed["assets"]["edges"]} == {asset_id, gallery}


def test_the_frontend_gallery_operation_runs(hub: LiveHub, sku_prefix: str) -> None:
    sku = f"{sku_prefix}-GALLERY"
    hub.ok(example("create-product.graphql"), {"input": {"sku": sku, "name": "Gallery example"}})
    for variant, role in [("main", None), ("side", "GALLERY")]:
        uploaded = hub.upload(example("upload-asset.graphql"), {"sku": sku, "role": role},
                              samples.coffee_jpeg(f"{sku}-{variant}"), f"{variant}.jpg")
        assert not uploaded.errors, uploaded.errors

    product = hub.ok(frontend_operation("ProductGallery.graphql"), {"sku": sku})["product"]

    assert [(link["role"], link["position"]) for link in product["assets"]] == [
        ("MAIN", 1), ("GALLERY", 1)]
    for link in product["assets"]:
        asset = link["asset"]
        assert (asset["width"], asset["height"], asset["aspectRatio"]) == (600, 400, 1.5)
        assert asset["blurhash"] and asset["dominantColor"].startswith("#")
        # 600 wide: the asked-for widths up to it, then the original's own width.
        assert [c.rsplit(" ", 1)[1] for c in asset["srcSet"].split(", ")] == ["320w", "600w"]
        assert asset["fallback"].startswith(f"{hub.url}/assets/{asset['id']}/transform?w=960")


def test_every_example_file_is_covered() -> None:
    assert sorted(p.name for p in (GRAPHQL_DIR / "examples").glob("*.graphql")) == sorted([
        "create-product.graphql", "update-product.graphql", "product-by-sku.graphql",
        "products-page.graphql", "search-products.graphql", "delete-product.graphql",
        "upload-asset.graphql", "link-asset.graphql", "product-page.graphql",
        "assets-page.graphql",
        "job-progress.graphql", "asset-updated.graphql",  # run in test_subscriptions.py
    ]), "a new example needs a test that runs it"
    assert sorted(p.name for p in (GRAPHQL_DIR / "frontend").glob("*.graphql")) == [
        "ProductGallery.graphql"], "a new frontend operation needs a test that runs it"


def test_every_operation_file_is_valid_against_the_schema() -> None:
    """Every .graphql file in graphql/ but the schema is a client operation (graphql-codegen
    types them all for examples/frontend); each must parse and validate. The page's, in
    graphql/operations/, share fragments across files: they are validated as the page sends
    them (fragments appended), in the next test."""
    from graphql import parse, validate

    operations = sorted(path for path in GRAPHQL_DIR.rglob("*.graphql")
                        if path.name != "schema.graphql" and path.parent.name != "operations")
    assert len(operations) >= 11
    for path in operations:
        errors = validate(schema._schema, parse(path.read_text()))
        assert not errors, f"{path.relative_to(GRAPHQL_DIR)}: {[e.message for e in errors]}"


def test_the_page_sends_exactly_the_operations_in_graphql_operations() -> None:
    """The page's operations are graphql/operations/*.graphql (validated with every other
    document in graphql/ below); hub/web/operations.js, which the page imports, is written from
    them, so it must be current, and every one it exports must validate as sent."""
    import re

    from graphql import parse, validate
    from hub.graphql.client_operations import render_operations_module

    written = (GRAPHQL_DIR.parent / "hub" / "web" / "operations.js").read_text()
    assert written == render_operations_module(), (
        "hub/web/operations.js is out of date: run `make schema`")
    sent = dict(re.findall(r"export const (\w+) = `(.*?)`;", written, flags=re.S))
    assert {"BROWSE_ASSETS", "SEARCH_ASSETS", "SIMILAR_ASSETS", "PRODUCT_VIEW",
            "UPLOAD_DROPPED_FILE"} <= set(sent), "product page, search, similar and upload"
    for name, text in sent.items():
        errors = validate(schema._schema, parse(text))
        assert not errors, f"{name}: {[error.message for error in errors]}"
