"""Chooses the blob storage backend from settings (`HUB_STORAGE__BACKEND`)."""

from __future__ import annotations

from hub.config import Settings
from hub.media.storage import BlobStorage, LocalFileStorage


def create_storage(settings: Settings) -> BlobStorage:
    """The filesystem under `data_dir` by default; S3 when configured. Uploads are staged
    under `data_dir/staging` with either backend."""
    backend = settings.storage.backend
    if backend == "filesystem":
        return LocalFileStorage(root=settings.data_dir)
    if backend == "s3":
        from hub.media.s3_storage import S3Storage  # only S3 setups load the client

        return S3Storage(settings=settings.storage.s3, staging=settings.data_dir / "staging")
    raise ValueError(f"unknown storage backend {backend!r}: use 'filesystem' or 's3'")
