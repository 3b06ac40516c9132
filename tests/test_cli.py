"""The `hub` command as an operator uses it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

from hub.config import Settings

from conftest import Callers, LiveHub, hub_environment


def run_hub(*args: str, settings: Settings) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hub.cli", *args], env=hub_environment(settings),
                          capture_output=True, text=True, timeout=120, check=False)


def test_services_status_lists_the_three_servers_up(hub_settings: Settings) -> None:
    result = run_hub("services", "status", settings=hub_settings)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["postgres", "up"], ["ferretdb", "up"], ["elasticsearch", "up"]]


def test_services_up_is_idempotent(hub_settings: Settings) -> None:
    result = run_hub("services", "up", settings=hub_settings)

    assert result.returncode == 0, result.stderr
    assert result.stdout.count("already up") == 3


def test_demo_loads_a_catalog_once_and_the_api_serves_it(
    hub: LiveHub, hub_settings: Settings, callers: Callers
) -> None:
    first = run_hub("demo", settings=hub_settings)
    second = run_hub("demo", settings=hub_settings)

    assert first.returncode == 0, first.stderr
    assert "10 products created" in first.stdout
    assert "0 products created, 10 already there" in second.stdout
    token = dev_token(first.stdout)
    assert dev_token(second.stdout) == token, "the same development token every time"
    assert f"/#token={token}" in first.stdout, "a link that signs the page in"
    developer = callers.with_secret(token)
    assert developer.ok("{ viewer { role label } }")["viewer"]["role"] == "ADMIN"
    sofa = hub.ok('{ product(sku: "SOFA-001") { name attributes '
                  'mainImage { width height renditions { preset } } } }')["product"]
    assert sofa["name"] == "Oslo Three-Seat Sofa"
    assert sofa["attributes"] == {
        "color": "cognac", "material": "leather", "width_cm": 210, "category": "sofas"}
    assert (sofa["mainImage"]["width"], sofa["mainImage"]["height"]) == (451, 300)
    assert len(sofa["mainImage"]["renditions"]) == 7, "renditions made before demo returns"
    found = hub.ok('{ products(filter: {text: "cafe chair rose"}) { edges { node { sku } } } }')
    assert found["products"]["edges"][0]["node"]["sku"] == "CHAIR-010"


def dev_token(output: str) -> str:
    lines = output.splitlines()
    return next(lines[n + 1].strip() for n, line in enumerate(lines)
                if line.startswith("development token"))


def test_tokens_are_made_listed_and_revoked_from_the_command_line(
    hub_settings: Settings, callers: Callers
) -> None:
    created = run_hub("tokens", "create", "--role", "reader", "--label", "webshop",
                      "--expires-days", "30", "--json", settings=hub_settings)
    assert created.returncode == 0, created.stderr
    token = json.loads(created.stdout)
    webshop = callers.with_secret(token["secret"])
    assert webshop.ok("{ viewer { label role } }")["viewer"] == {"label": "webshop",
                                                                "role": "READER"}

    listed = run_hub("tokens", "list", "--json", settings=hub_settings)
    table = run_hub("tokens", "list", settings=hub_settings)
    revoked = run_hub("tokens", "revoke", token["id"], settings=hub_settings)
    unknown = run_hub("tokens", "revoke", "tok_nope", settings=hub_settings)

    mine = next(t for t in json.loads(listed.stdout) if t["id"] == token["id"])
    assert mine["role"] == "reader" and mine["expires_at"] is not None
    assert token["secret"] not in listed.stdout and "sha256" not in listed.stdout
    assert "webshop" in table.stdout and token["hint"] in table.stdout
    assert revoked.returncode == 0 and f"revoked {token['id']}" in revoked.stdout
    assert webshop.graphql("{ viewer { id } }").codes == ["UNAUTHENTICATED"]
    assert unknown.returncode == 1 and "no token" in unknown.stderr


def test_schema_command_prints_the_sdl(hub_settings: Settings) -> None:
    result = run_hub("schema", settings=hub_settings)

    assert result.returncode == 0
    assert "createProduct(input: ProductInput!): Product!" in result.stdout


def test_import_products_upserts_a_pim_export_by_sku(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str, tmp_path: Path
) -> None:
    export = tmp_path / "pim.csv"
    export.write_text(
        "sku,name,description,color,width_cm\n"
        f"{sku_prefix}-1,Oak Table,Solid oak,natural,180\n"
        f"{sku_prefix}-2,Linen Chair,,beige,\n"
        f"bad sku,Broken,,,\n",
        encoding="utf-8",
    )

    first = run_hub("import-products", str(export), settings=hub_settings)
    export.write_text(export.read_text().replace("Oak Table", "Oak Dining Table"))
    second = run_hub("import-products", str(export), "--json", settings=hub_settings)

    assert first.returncode == 1, "one row failed"
    assert "2 created, 0 updated, 0 unchanged, 1 failed" in first.stdout
    assert "row 3 (bad sku): BAD_USER_INPUT" in first.stdout
    summary = json.loads(second.stdout)
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 1, 1)
    table = hub.ok('query($s: String!) { product(sku: $s) { name description attributes } }',
                   {"s": f"{sku_prefix}-1"})["product"]
    assert table == {"name": "Oak Dining Table", "description": "Solid oak",
                     "attributes": {"color": "natural", "width_cm": "180"}}


def test_jobs_lists_recent_jobs_and_cancels_one(hub: LiveHub, hub_settings: Settings) -> None:
    job = hub.ok("mutation { startReindexJob { id } }")["startReindexJob"]["id"]

    cancelled = run_hub("jobs", "--cancel", job, settings=hub_settings)
    listed = run_hub("jobs", "--json", settings=hub_settings)
    again = run_hub("jobs", "--cancel", job, settings=hub_settings)

    assert cancelled.returncode == 0, cancelled.stderr
    assert job in cancelled.stdout and "CANCELLED" in cancelled.stdout
    mine = next(row for row in json.loads(listed.stdout) if row["id"] == job)
    assert (mine["kind"], mine["state"], mine["total"]) == ("REINDEX", "CANCELLED", 2)
    assert again.returncode == 1 and "already ended" in again.stderr


def test_the_indexes_refresh_on_their_own_as_often_as_configured_also_after_a_change(
    hub_settings: Settings, sku_prefix: str, tmp_path: Path
) -> None:
    """Bulk jobs index without a refresh of their own; the periodic refresh is what shows their
    writes, and a changed interval reaches existing indexes at the next start."""
    first = hub_settings.model_copy(update={
        "es_index_prefix": f"{hub_settings.es_index_prefix}-interval",
        "es_refresh_interval": "1s"})
    changed = first.model_copy(update={"es_refresh_interval": "30s"})
    export = tmp_path / "pim.csv"
    export.write_text(f"sku,name\n{sku_prefix}-1,Oak Table\n", encoding="utf-8")

    created = run_hub("reindex", settings=first)
    at_creation = refresh_intervals(first)
    started_again = run_hub("import-products", str(export), settings=changed)
    after_the_change = refresh_intervals(changed)

    assert created.returncode == 0, created.stderr
    assert started_again.returncode == 0, started_again.stderr
    prefix = first.es_index_prefix
    assert at_creation == {f"{prefix}-products": "1s", f"{prefix}-assets": "1s"}
    assert after_the_change == {f"{prefix}-products": "30s", f"{prefix}-assets": "30s"}


def refresh_intervals(settings: Settings) -> dict[str, str]:
    """Each alias's index refresh interval, as Elasticsearch reports it."""
    intervals = {}
    for alias in (f"{settings.es_index_prefix}-products", f"{settings.es_index_prefix}-assets"):
        found = httpx.get(f"{settings.es_url}/{alias}/_settings/index.refresh_interval").json()
        [body] = found.values()
        intervals[alias] = body["settings"]["index"]["refresh_interval"]
    return intervals
