"""What a delivery says about the thing that changed: ids and the facts a PIM or webshop syncs
on; the receiver asks the API for more."""

from __future__ import annotations

from typing import Any

from hub.models.asset import Asset
from hub.models.job import Job
from hub.models.product import Product


def asset_payload(asset: Asset) -> dict[str, Any]:
    return {"id": asset.id, "kind": asset.kind.value, "filename": asset.filename,
            "content_type": asset.content_type, "sha256": asset.sha256,
            "version": asset.version, "product_ids": asset.product_ids,
            "renditions": [r.preset for r in asset.renditions]}


def product_media_payload(product: Product) -> dict[str, Any]:
    return {"id": product.id, "sku": product.sku,
            "assets": [{"asset_id": link.asset_id, "role": link.role.value,
                        "position": link.position} for link in product.assets]}


def job_payload(job: Job) -> dict[str, Any]:
    result = job.options.get("result", {})
    return {"id": job.id, "kind": job.kind.value, "state": job.state.value, "total": job.total,
            "processed": result.get("processed", 0), "failed": result.get("failed", 0)}
