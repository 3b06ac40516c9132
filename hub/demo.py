"""A small demo catalog, loaded by `hub demo` and by `make run` (idempotent: existing SKUs stay)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

from PIL import Image

from hub.catalog.indexes import ensure_mongo_indexes
from hub.catalog.library import MediaLibrary
from hub.catalog.service import ProductDraft
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


# Real photographs shipped with scikit-image, named by the naming convention so that ingest
# links each to its product.
DEMO_PHOTOS = {
    "SOFA-001_main_1.jpg": "chelsea",
    "CHAIR-010_main_1.jpg": "coffee",
    "TABLE-100_main_1.jpg": "rocket",
    "LAMP-200_main_1.png": "colorwheel",
    "VASE-600_main_1.png": "logo",
    "BED-400_lifestyle_1.jpg": "astronaut",
}


async def load_demo_catalog(stores: Stores, library: MediaLibrary) -> tuple[int, int]:
    """Returns (created, already there) products; their photos are uploaded (or found) too."""
    await ensure_mongo_indexes(stores.db)
    catalog = library.catalog
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
    for filename, photo in DEMO_PHOTOS.items():
        await library.ingest(_photo_bytes(photo, filename), filename=filename)
    await library.wait_for_renditions()
    return created, existing


async def _photo_bytes(name: str, filename: str) -> AsyncIterator[bytes]:
    from skimage import data

    image = Image.fromarray(getattr(data, name)())
    out = io.BytesIO()
    if filename.endswith(".png"):
        image.save(out, "PNG")
    else:
        image.convert("RGB").save(out, "JPEG", quality=90)
    yield out.getvalue()
