"""A small demo catalog, loaded by `hub demo` and by `make run` (idempotent: existing SKUs stay)."""

from __future__ import annotations

from typing import Any

from hub.catalog.indexes import ensure_mongo_indexes
from hub.catalog.service import CatalogService, ProductDraft
from hub.errors import BadUserInput
from hub.stores import Stores

DEMO_PRODUCTS: list[dict[str, Any]] = [
    {"sku": "SOFA-001", "name": "Oslo Three-Seat Sofa", "description": "Cognac leather sofa "
     "with solid oak legs.", "attributes": {"color": "cognac", "material": "leather",
                                            "width_cm": 210, "category": "sofas"}},
    {"sku": "SOFA-002", "name": "Bergen Corner Sofa", "description": "Modular corner sofa in "
     "grey wool bouclé.", "attributes": {"color": "grey", "material": "wool", "category": "sofas"}},
    {"sku": "CHAIR-010", "name": "Café Chair Rosé", "description": "Bentwood café chair, "
     "stained rosé.", "attributes": {"color": "pink", "material": "beech", "category": "chairs"}},
    {"sku": "CHAIR-011", "name": "Aalto Lounge Chair", "description": "Lounge chair in natural "
     "linen with walnut frame.", "attributes": {"color": "natural", "material": "linen",
                                                 "category": "chairs"}},
    {"sku": "TABLE-100", "name": "Nordic Oak Dining Table", "description": "Extendable dining "
     "table for six to ten.", "attributes": {"material": "oak", "seats": [6, 10],
                                              "category": "tables"}},
    {"sku": "LAMP-200", "name": "Globe Pendant Lamp", "description": "Opal glass pendant, "
     "40 cm.", "attributes": {"color": "white", "material": "glass", "category": "lighting"}},
    {"sku": "RUG-300", "name": "Kilim Rug Terracotta", "description": "Hand-woven wool kilim, "
     "200 x 300 cm.", "attributes": {"color": "terracotta", "material": "wool",
                                      "category": "rugs"}},
    {"sku": "BED-400", "name": "Fjord Double Bed", "description": "Upholstered bed frame in "
     "navy velvet.", "attributes": {"color": "navy", "material": "velvet", "category": "beds"}},
    {"sku": "SHELF-500", "name": "Ladder Shelf Ash", "description": "Five-tier leaning ladder "
     "shelf.", "attributes": {"material": "ash", "category": "storage"}},
    {"sku": "VASE-600", "name": "Crème Ceramic Vase", "description": "Hand-thrown stoneware "
     "vase with a matte glaze.", "attributes": {"color": "cream", "material": "ceramic",
                                                 "category": "decor"}},
]


async def load_demo_catalog(stores: Stores) -> tuple[int, int]:
    """Returns (created, already there)."""
    await ensure_mongo_indexes(stores.db)
    catalog = CatalogService(stores)
    await catalog.indexer.ensure_indices()
    created = existing = 0
    for item in DEMO_PRODUCTS:
        try:
            await catalog.create_product(ProductDraft(**item))
            created += 1
        except BadUserInput as error:
            if error.details.get("field") != "sku":
                raise
            existing += 1
    return created, existing
