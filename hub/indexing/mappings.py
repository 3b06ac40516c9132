"""Index names and mappings. Each alias points at one concrete, versioned index, so an index can
be rebuilt from MongoDB beside the live one and swapped in without downtime."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PRODUCTS_MAPPING_VERSION = 2  # 2: revision, asset links
ASSETS_MAPPING_VERSION = 5  # 2: focal point; 3: exact SKUs; 4: 3D previews; 5: keyframes

_KEYWORD_CI = {"type": "keyword", "normalizer": "folded"}

INDEX_SETTINGS: dict[str, Any] = {
    "number_of_shards": 1,
    "number_of_replicas": 0,
    "analysis": {"normalizer": {"folded": {"type": "custom", "filter": ["lowercase"]}}},
}

PRODUCTS_MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "_meta": {"mapping_version": PRODUCTS_MAPPING_VERSION},
    "properties": {
        # What GraphQL shows, kept as in MongoDB.
        "id": {"type": "keyword"},
        "sku": _KEYWORD_CI,
        "name": {"type": "keyword", "normalizer": "folded", "ignore_above": 1024},
        "description": {"type": "text", "index": False},
        "attributes": {"type": "object", "enabled": False},
        "assets": {
            "properties": {
                "asset_id": {"type": "keyword"},
                "role": {"type": "keyword"},
                "position": {"type": "integer"},
            }
        },
        "revision": {"type": "long"},
        "created_at": {"type": "date"},
        "updated_at": {"type": "date"},
        # What text search matches: accent-folded copies (see hub.indexing.text).
        "search": {
            "properties": {
                "name": {"type": "text"},
                "description": {"type": "text"},
                "sku": {"type": "text"},
            }
        },
    },
}


def assets_mapping(model_id: str, dimension: int) -> dict[str, Any]:
    """The asset mapping for one embedding model: its vectors, and its id in `_meta` so that
    switching models rebuilds the index instead of mixing vectors of two models."""
    mapping = {**ASSETS_MAPPING, "_meta": {**ASSETS_MAPPING["_meta"], "embedding_model": model_id}}
    vector = {"type": "dense_vector", "dims": dimension, "index": True, "similarity": "cosine",
              "index_options": {"type": "hnsw"}}
    mapping["properties"] = {
        **ASSETS_MAPPING["properties"],
        "embedding": vector,
        # A video's frames, each its own vector: a kNN search over them scores the video by its
        # closest frame.
        "keyframes": {"type": "nested", "properties": {
            "at_seconds": {"type": "float", "index": False},
            "embedding": vector,
        }},
    }
    return mapping


ASSETS_MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "_meta": {"mapping_version": ASSETS_MAPPING_VERSION},
    "properties": {
        # What GraphQL shows (the asset as in MongoDB), mostly not searchable.
        "id": {"type": "keyword"},
        "kind": {"type": "keyword"},
        "filename": {"type": "keyword", "normalizer": "folded", "ignore_above": 1024},
        "content_type": {"type": "keyword"},
        "byte_size": {"type": "long"},
        "sha256": {"type": "keyword"},
        "facts": {
            "properties": {
                "width": {"type": "integer"},
                "height": {"type": "integer"},
                "format": {"type": "keyword"},
                "duration_seconds": {"type": "float"},
            },
            # Facts beyond these are shown, not searched.
            "dynamic": False,
        },
        "tags": {"type": "object", "enabled": False},
        "focal_point": {"type": "object", "enabled": False},
        "renditions": {"type": "object", "enabled": False},
        "previews": {"type": "object", "enabled": False},
        "product_ids": {"type": "keyword"},
        "embedding_model": {"type": "keyword"},
        "perceptual_hash": {"type": "keyword"},
        "version": {"type": "integer"},
        "versions": {"type": "object", "enabled": False},
        "revision": {"type": "long"},
        "created_at": {"type": "date"},
        "updated_at": {"type": "date"},
        # Filters and facets.
        "tag_labels": _KEYWORD_CI,
        "untagged": {"type": "boolean"},
        "has_keyframes": {"type": "boolean"},
        "rendition_presets": {"type": "keyword"},
        "skus": {"type": "keyword"},  # exact, as PIMs spell them (facets show them as they are)
        "roles": {"type": "keyword"},
        # What text search matches: accent-folded copies.
        "search": {
            "properties": {
                "filename": {"type": "text"},
                "tags": {"type": "text"},
                "products": {"type": "text"},
            }
        },
    },
}


@dataclass(frozen=True)
class IndexNames:
    """The aliases of one deployment; the prefix keeps test runs and checkouts apart."""

    prefix: str

    @property
    def products(self) -> str:
        return f"{self.prefix}-products"

    @property
    def assets(self) -> str:
        return f"{self.prefix}-assets"

    def all(self) -> list[str]:
        return [self.products, self.assets]
