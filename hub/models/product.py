"""A product as the hub stores it: identified by SKU, with ordered links to its assets."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class AssetRole(StrEnum):
    MAIN = "MAIN"
    GALLERY = "GALLERY"
    SWATCH = "SWATCH"
    LIFESTYLE = "LIFESTYLE"
    DETAIL = "DETAIL"
    VIDEO = "VIDEO"
    MODEL_3D = "MODEL_3D"
    MANUAL = "MANUAL"


class AssetLink(BaseModel):
    asset_id: str
    role: AssetRole
    position: int


class Product(BaseModel):
    id: str
    sku: str
    name: str
    description: str = ""
    attributes: dict[str, Any] = Field(default_factory=dict)
    assets: list[AssetLink] = Field(default_factory=list)
    # Incremented by every write; the index keeps only the highest revision it has seen, so a
    # late, older write can never overwrite a newer one there.
    revision: int = 1
    created_at: datetime
    updated_at: datetime

    def asset_ids(self) -> list[str]:
        return [link.asset_id for link in self.assets]

    def to_mongo(self) -> dict[str, Any]:
        document = self.model_dump(mode="python")
        document["_id"] = document.pop("id")
        return document

    @classmethod
    def from_mongo(cls, document: dict[str, Any]) -> Product:
        return cls.model_validate({**document, "id": document["_id"]})
