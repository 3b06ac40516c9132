"""Blob storage: originals and renditions, content-addressed by their sha256.

One small base class so an S3-compatible backend can follow the local filesystem one. Writes
are staged in a temporary file and moved into place atomically, so a crash never leaves a
half-written blob under a real key."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from pathlib import Path

from hub.errors import PayloadTooLarge

_SHA256 = re.compile(r"[0-9a-f]{64}")
CHUNK_SIZE = 1024 * 1024


class BlobStorage(ABC):
    """Where blobs live. Keys are sha256 hex digests of the content."""

    def __init__(self, *, staging: Path) -> None:
        # Uploads are staged locally whatever the backend: sniffing and probing need a file.
        self.staging = staging
        self.staging.mkdir(parents=True, exist_ok=True)

    async def stage(
        self, chunks: AsyncIterator[bytes], *, max_bytes: int, head_size: int = 4096
    ) -> StagedUpload:
        """Stream `chunks` to a staging file, never holding more than a chunk in memory; raise
        PayloadTooLarge (and keep nothing) once more than `max_bytes` arrived."""
        path = self.staging / f"{uuid.uuid4().hex}.part"
        digest = hashlib.sha256()
        size = 0
        head = b""
        try:
            with path.open("wb") as out:
                async for chunk in chunks:
                    if not chunk:
                        continue
                    size += len(chunk)
                    if size > max_bytes:
                        raise PayloadTooLarge(
                            f"the upload is larger than the limit of {max_bytes} bytes",
                            max_bytes=max_bytes,
                        )
                    if len(head) < head_size:
                        head += chunk[: head_size - len(head)]
                    digest.update(chunk)
                    await asyncio.to_thread(out.write, chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return StagedUpload(path, digest.hexdigest(), size, head)

    async def store_bytes(self, data: bytes) -> str:
        """Store bytes (a rendition) and return their sha256."""
        sha256 = hashlib.sha256(data).hexdigest()
        if not await self.exists(sha256):
            staged = self.staging / f"{uuid.uuid4().hex}.part"
            await asyncio.to_thread(staged.write_bytes, data)
            await self.store_file(staged, sha256)
        return sha256

    def clear_staging(self) -> None:
        """Remove staged files left by a crash (called at start-up)."""
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(parents=True, exist_ok=True)


    @abstractmethod
    async def store_file(self, staged: Path, sha256: str) -> None:
        """Move a staged local file in under its sha256 (a no-op when that blob exists)."""

    @abstractmethod
    async def exists(self, sha256: str) -> bool: ...

    @abstractmethod
    async def delete(self, sha256: str) -> None: ...

    @abstractmethod
    def local_path(self, sha256: str) -> Path:
        """A readable local file with the blob's bytes (for decoding and range responses)."""


class StagedUpload:
    """An upload streamed to a temporary file while hashed and counted; delete() when done."""

    def __init__(self, path: Path, sha256: str, byte_size: int, head: bytes) -> None:
        self.path = path
        self.sha256 = sha256
        self.byte_size = byte_size
        self.head = head

    def delete(self) -> None:
        self.path.unlink(missing_ok=True)


class LocalFileStorage(BlobStorage):
    def __init__(self, *, root: Path) -> None:
        super().__init__(staging=Path(root) / "staging")
        self.blobs = Path(root) / "blobs"
        self.blobs.mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.blobs / sha256[:2] / sha256[2:4] / sha256

    async def store_file(self, staged: Path, sha256: str) -> None:
        target = self._path(sha256)
        if target.exists():
            staged.unlink(missing_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, target)  # atomic within one filesystem

    async def exists(self, sha256: str) -> bool:
        return self._path(sha256).exists()

    async def delete(self, sha256: str) -> None:
        self._path(sha256).unlink(missing_ok=True)

    def local_path(self, sha256: str) -> Path:
        return self._path(sha256)
