"""`hub import-products`: upsert products by SKU from a PIM export (CSV or JSON).

CSV: columns `sku`, `name`, `description`; every other non-empty column becomes an attribute.
JSON: a list of objects with `sku`, `name`, `description` and `attributes` (an object)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from hub.catalog.service import CatalogService, ProductChanges, ProductDraft
from hub.errors import HubError

CORE_COLUMNS = {"sku", "name", "description"}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[tuple[int, str, str]] = field(default_factory=list)  # (row, sku, reason)


def read_rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix.lower() == ".json":
        rows = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise ValueError(f"{path}: expected a JSON list of objects")
        return rows
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"sku", "name"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: the CSV needs at least the columns sku and name")
        return [{"sku": row.get("sku", ""), "name": row.get("name", ""),
                 "description": row.get("description") or None,
                 "attributes": {k: v for k, v in row.items()
                                if k not in CORE_COLUMNS and k and v not in (None, "")}}
                for row in reader]


async def import_products(catalog: CatalogService, rows: list[dict[str, Any]]) -> ImportReport:
    report = ImportReport()
    for number, row in enumerate(tqdm(rows, unit="product", desc="import"), start=1):
        sku = str(row.get("sku") or "").strip()
        try:
            existing = await catalog.products.get_by_sku(sku) if sku else None
            if existing is None:
                await catalog.create_product(ProductDraft(
                    sku=sku, name=str(row.get("name") or ""),
                    description=row.get("description"), attributes=row.get("attributes")))
                report.created += 1
                continue
            stored = {"name": existing.name, "description": existing.description or None,
                      "attributes": existing.attributes or None}
            changes = {key: row[key] for key in stored
                       if key in row and (row[key] or None) != stored[key]}
            if not changes:
                report.unchanged += 1
                continue
            await catalog.update_product(existing.id, ProductChanges(**changes))
            report.updated += 1
        except HubError as error:
            report.failed.append((number, sku, f"{error.code.value}: {error.message}"))
    return report
