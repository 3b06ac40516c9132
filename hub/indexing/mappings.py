"""Index names and mappings. Each alias points at one concrete, versioned index, so an index can
be rebuilt from MongoDB beside the live one and swapped in without downtime."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PRODUCTS_MAPPING_VERSION = 1

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


@dataclass(frozen=True)
class IndexNames:
    """The aliases of one deployment; the prefix keeps test runs and checkouts apart."""

    prefix: str

    @property
    def products(self) -> str:
        return f"{self.prefix}-products"

    def all(self) -> list[str]:
        return [self.products]
