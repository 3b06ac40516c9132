"""MongoDB documents -> index documents, and back for GraphQL reads."""

from __future__ import annotations

import re
from typing import Any

from hub.indexing.text import fold
from hub.models.product import Product

_SKU_SEPARATORS = re.compile(r"[-_./]+")


def product_document(product: Product) -> dict[str, Any]:
    document = product.model_dump(mode="json")
    document["search"] = {
        "name": fold(product.name),
        "description": fold(product.description),
        # "SOFA-001" is also found as "sofa 001" and "001".
        "sku": _SKU_SEPARATORS.sub(" ", fold(product.sku)),
    }
    return document


def product_from_document(source: dict[str, Any]) -> Product:
    return Product.model_validate({k: v for k, v in source.items() if k != "search"})
