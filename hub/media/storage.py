"""Blob storage: originals and renditions, content-addressed by their sha256.

One small base class with two backends: the local filesystem (here) and S3
(`hub/media/s3_storage.py`). Uploads are staged in a local temporary file whatever the backend
(sniffing and probing need a file), then moved in under their key in one step, so a crash never
leaves a half-written blob under a real key. Code that needs a file on disk (Pillow, PyAV, the
vision model) asks for `local_copy(sha256)`; delivery streams with `read()`."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from hub.errors import NotFound, PayloadTooLarge

_SHA256 = re.compile(r"[0-9a-f]{64}")
CHUNK_SIZE = 1024 * 1024


def fanned_out(sha256: str) -> str:
    """`ab/cd/abcd…`: the key layout of both backends (few entries per folder or prefix)."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def missing_blob(sha256: str) -> NotFound:
    return NotFound(f"the file {sha256} is missing from blob storage", sha256=sha256)


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

    async def store_bytes(self, data: bytes, *, content_type: str | None = None) -> str:
        """Store bytes (a rendition) and return their sha256."""
        sha256 = hashlib.sha256(data).hexdigest()
        if not await self.exists(sha256):
            staged = self.temporary_path(".part")
            await asyncio.to_thread(staged.write_bytes, data)
            await self.store_file(staged, sha256, content_type=content_type)
        return sha256

    def temporary_path(self, suffix: str) -> Path:
        """A fresh path in the staging folder for intermediate files (poster frames)."""
        return self.staging / f"{uuid.uuid4().hex}{suffix}"

    def clear_staging(self) -> None:
        """Remove staged files left by a crash (called at start-up)."""
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(parents=True, exist_ok=True)

    @abstractmethod
    async def store_file(
        self, staged: Path, sha256: str, *, content_type: str | None = None
    ) -> None:
        """Move a staged local file in under its sha256 (a no-op when that blob exists); the
        staged file is gone afterwards. `content_type` is kept where the backend serves the
        bytes itself (presigned S3 URLs)."""

    @abstractmethod
    async def exists(self, sha256: str) -> bool: ...

    @abstractmethod
    async def delete(self, sha256: str) -> None: ...

    @abstractmethod
    async def size(self, sha256: str) -> int | None:
        """The blob's length in bytes, or None when there is no such blob."""

    @abstractmethod
    def read(self, sha256: str, *, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """Stream bytes `start` up to `end` (exclusive; None: to the end) in chunks."""

    @abstractmethod
    def local_copy(self, sha256: str) -> AbstractAsyncContextManager[Path]:
        """`async with storage.local_copy(sha256) as path:` a local file with the blob's bytes
        for as long as the block runs (decoding, probing, embedding). Never write to it: on the
        filesystem backend it is the blob itself."""

    def keep_local(self, path: Path, sha256: str) -> Callable[[], None]:
        """Let `path`, a local file with the bytes of blob `sha256` (an upload's staged file),
        serve as its local copy until the returned function is called, so the work that
        follows an upload (renditions, then its vector) reads the file it came from. The
        caller may delete `path` meanwhile. Never raises: where nothing can be kept, the work
        reads a download as it would anyway. Where blobs are local files already, nothing to do."""
        return lambda: None

    async def presigned_url(self, sha256: str) -> str | None:
        """A URL that serves the blob without the hub, when the backend is set up to hand
        them out; None means the hub streams the bytes itself."""
        return None


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
    """Blobs as files under `root/blobs/ab/cd/<sha256>`."""

    def __init__(self, *, root: Path) -> None:
        super().__init__(staging=Path(root) / "staging")
        self.blobs = Path(root) / "blobs"
        self.blobs.mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        return self.blobs / fanned_out(sha256)

    async def store_file(
        self, staged: Path, sha256: str, *, content_type: str | None = None
    ) -> None:
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

    async def size(self, sha256: str) -> int | None:
        try:
            return self._path(sha256).stat().st_size
        except FileNotFoundError:
            return None

    async def read(
        self, sha256: str, *, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        try:
            handle = await asyncio.to_thread(self._path(sha256).open, "rb")
        except FileNotFoundError:
            raise missing_blob(sha256) from None
        with handle:
            await asyncio.to_thread(handle.seek, start)
            left = None if end is None else end - start
            while left is None or left > 0:
                chunk = await asyncio.to_thread(
                    handle.read, CHUNK_SIZE if left is None else min(CHUNK_SIZE, left))
                if not chunk:
                    return
                if left is not None:
                    left -= len(chunk)
                yield chunk

    @asynccontextmanager
    async def local_copy(self, sha256: str) -> AsyncIterator[Path]:
        path = self._path(sha256)
        if not path.exists():
            raise missing_blob(sha256)
        yield path
