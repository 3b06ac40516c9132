"""MongoDB documents -> index documents, and back for GraphQL reads."""

from __future__ import annotations

import re
from typing import Any

from hub.indexing.text import fold
from hub.models.asset import Asset
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


def asset_document(
    asset: Asset, linked_products: list[Product], embedding_model: str
) -> dict[str, Any]:
    """The asset as GraphQL shows it, plus what lists filter on: tags, SKUs and roles of the
    products linking it, which presets exist; and its vector if this index's model made it."""
    document = asset.model_dump(mode="json")
    if asset.embedding_model != embedding_model:
        document["embedding"] = None
        document["keyframes"] = []
    document["perceptual_hash"] = asset.facts.perceptual_hash
    document["facts"] = {k: v for k, v in document["facts"].items() if v is not None}
    links = [(product, link) for product in linked_products for link in product.assets
             if link.asset_id == asset.id]
    labels = [tag.label for tag in asset.tags if tag.accepted]
    document.update(
        tag_labels=labels,
        untagged=not labels,
        has_keyframes=bool(document["keyframes"]),
        rendition_presets=[rendition.preset for rendition in asset.renditions],
        skus=sorted({product.sku for product, _ in links}),
        roles=sorted({link.role.value for _, link in links}),
        search={
            "filename": fold(_SKU_SEPARATORS.sub(" ", asset.filename)),
            "tags": fold(" ".join(labels)),
            "products": fold(" ".join(f"{product.name} {_SKU_SEPARATORS.sub(' ', product.sku)}"
                                      for product, _ in links)),
        },
    )
    return document


_ASSET_INDEX_ONLY = {"tag_labels", "untagged", "has_keyframes", "rendition_presets", "skus",
                     "roles", "search", "perceptual_hash"}


def asset_from_document(source: dict[str, Any]) -> Asset:
    return Asset.model_validate({k: v for k, v in source.items() if k not in _ASSET_INDEX_ONLY})
