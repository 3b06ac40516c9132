"""Reads by `_id` or by a unique field are served by an index on the local PostgreSQL under
FerretDB, so they stay fast as the library grows (the speed itself is measured by
bench/store_lookups.py, not here)."""

from __future__ import annotations

import json

from test_vision import photo

from hub.config import Settings
from hub.servers.stack import LocalStack

from conftest import LiveHub
from test_media_uploads import upload


def test_every_ferretdb_index_of_the_hub_has_a_twin_its_lookups_can_use(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    postgres = LocalStack(hub_settings.servers).postgres
    asset_id = upload(hub, photo("coffee", sku_prefix.lower()), "coffee.jpg")["id"]
    schema = hub_settings.mongo_database  # FerretDB keeps each database in a schema of its name

    def indexes(method: str) -> set[tuple[str, str]]:
        rows = postgres.psql(
            f"SELECT tablename, substring(indexdef from '_jsonb -> ''([^'']+)''') "
            f"FROM pg_indexes WHERE schemaname = '{schema}' AND indexdef LIKE '%USING {method}%'")
        return {(table, field) for table, field in (row.split("|") for row in rows.splitlines())}

    btrees, twins = indexes("btree"), indexes("gin")
    assets_table = next(table for table, field in btrees if table.startswith("assets_"))
    assert {(assets_table, "_id"), (assets_table, "sha256")} <= btrees
    assert btrees == twins, "each of FerretDB's indexes has a lookup twin"

    # FerretDB's own query for {_id: value}: containment, the field name a parameter. Plain
    # scans are ruled out to see that the index can serve it (a tiny table may scan anyway).
    plan = postgres.psql(
        "SET enable_seqscan = off; "
        f"PREPARE lookup(text, jsonb) AS SELECT _jsonb FROM {schema}.{assets_table} "
        "WHERE _jsonb -> $1 @> $2; "
        f"EXPLAIN (FORMAT JSON) EXECUTE lookup('_id', '{json.dumps(asset_id)}')")
    assert "_gin" in plan and "Seq Scan" not in plan, plan
