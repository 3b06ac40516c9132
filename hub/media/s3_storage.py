"""Blobs in an S3-compatible bucket (AWS S3, SeaweedFS, MinIO, Ceph), through obstore.

obstore is a thin async Python binding of Rust's `object_store`: one small wheel without
botocore, true async I/O, multipart uploads straight from a local file, streamed ranged reads
and presigned URLs. Keys mirror the filesystem layout (`blobs/ab/cd/<sha256>`), so a data
folder can be copied into a bucket as it is.

Every failure to reach the bucket (server down, wrong bucket, refused credentials) becomes
Unavailable with a message naming the endpoint and bucket; "no such key" is the only answer
taken to mean that a blob does not exist.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import obstore
from obstore.exceptions import BaseError
from obstore.store import S3Store

from hub.config import S3Settings
from hub.errors import Unavailable
from hub.media.storage import CHUNK_SIZE, BlobStorage, fanned_out, missing_blob

if TYPE_CHECKING:
    from obstore import Attributes, GetOptions
    from obstore.store import S3Config

logger = logging.getLogger(__name__)

KEY_PREFIX = "blobs"
# Parts of one multipart upload sent at once: bounds the memory an upload holds.
UPLOAD_CONCURRENCY = 4


def _succeeded(future: asyncio.Future[None]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


@dataclass
class _LocalCopy:
    """A blob's bytes in the staging folder, shared by the blocks using it (`users`)."""

    path: Path
    ready: asyncio.Future[None]  # done once the file holds every byte
    users: int = 0


class S3Storage(BlobStorage):
    """Blobs as objects `blobs/ab/cd/<sha256>` in one bucket; staging stays local."""

    def __init__(self, *, settings: S3Settings, staging: Path) -> None:
        super().__init__(staging=staging)
        if not settings.endpoint or not settings.bucket:
            raise ValueError("the S3 storage backend needs an endpoint and a bucket "
                             "(HUB_STORAGE__S3__ENDPOINT, HUB_STORAGE__S3__BUCKET)")
        self.settings = settings
        self._copies: dict[str, _LocalCopy] = {}
        self.where = f"S3 bucket {settings.bucket!r} at {settings.endpoint}"
        config: S3Config = {
            "endpoint": settings.endpoint,
            "region": settings.region,
            "virtual_hosted_style_request": not settings.path_style,
        }
        if settings.access_key_id:
            config["access_key_id"] = settings.access_key_id
            config["secret_access_key"] = settings.secret_access_key
        self.store = S3Store(
            settings.bucket,
            config=config,
            client_options={
                "allow_http": settings.endpoint.startswith("http://"),
                "connect_timeout": timedelta(seconds=settings.connect_timeout_seconds),
                "timeout": timedelta(seconds=settings.request_timeout_seconds),
            },
            retry_config={
                "max_retries": settings.max_retries,
                "retry_timeout": timedelta(seconds=10),
                "backoff": {"init_backoff": timedelta(milliseconds=100),
                            "max_backoff": timedelta(seconds=2), "base": 2},
            },
        )

    @staticmethod
    def key(sha256: str) -> str:
        return f"{KEY_PREFIX}/{fanned_out(sha256)}"

    @asynccontextmanager
    async def _reaching(self, action: str, *, writing: bool = False) -> AsyncIterator[None]:
        """Turn the client's failures into Unavailable, naming the bucket and the action. A
        404 is "no such key" (FileNotFoundError, passed on) except for writes, where it can
        only mean that the bucket is missing."""
        try:
            yield
        except (BaseError, FileNotFoundError) as error:
            if isinstance(error, FileNotFoundError) and not writing:
                raise
            reason = _reason(error)
            logger.warning("%s failed while %s: %s", self.where, action, reason)
            outcome = "nothing was stored; " if writing else ""
            raise Unavailable(f"blob storage ({self.where}) failed while {action}: {reason}; "
                              f"{outcome}try again shortly", store="blob storage") from error

    async def store_file(
        self, staged: Path, sha256: str, *, content_type: str | None = None
    ) -> None:
        try:
            if await self.exists(sha256):
                return
            attributes: Attributes = {"Content-Type": content_type} if content_type else {}
            async with self._reaching("storing a file", writing=True):
                # Parts are read from the file as they go up: a video is never held in memory.
                await obstore.put_async(self.store, self.key(sha256), staged,
                                        attributes=attributes,
                                        chunk_size=self.settings.multipart_part_bytes,
                                        max_concurrency=UPLOAD_CONCURRENCY)
        finally:
            staged.unlink(missing_ok=True)

    async def store_bytes(self, data: bytes, *, content_type: str | None = None) -> str:
        """Renditions are small: they go up from memory, without a staging file."""
        sha256 = hashlib.sha256(data).hexdigest()
        if not await self.exists(sha256):
            attributes: Attributes = {"Content-Type": content_type} if content_type else {}
            async with self._reaching("storing a rendition", writing=True):
                await obstore.put_async(self.store, self.key(sha256), data,
                                        attributes=attributes, use_multipart=False)
        return sha256

    async def exists(self, sha256: str) -> bool:
        return await self.size(sha256) is not None

    async def size(self, sha256: str) -> int | None:
        try:
            async with self._reaching("looking a file up"):
                meta = await obstore.head_async(self.store, self.key(sha256))
        except FileNotFoundError:  # also what a wrong bucket answers to HEAD: see store_file
            return None
        return int(meta["size"])

    async def delete(self, sha256: str) -> None:
        async with self._reaching("deleting a file"):
            await obstore.delete_async(self.store, self.key(sha256))  # absent keys are fine

    async def read(
        self, sha256: str, *, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        options: GetOptions = {}
        if end is not None:
            options["range"] = (start, end)
        elif start:
            options["range"] = {"offset": start}
        try:
            async with self._reaching("reading a file"):
                result = await obstore.get_async(self.store, self.key(sha256), options=options)
        except FileNotFoundError:
            raise missing_blob(sha256) from None
        async with self._reaching("reading a file"):
            async for chunk in result.stream(min_chunk_size=CHUNK_SIZE):
                yield bytes(chunk)

    @asynccontextmanager
    async def local_copy(self, sha256: str) -> AsyncIterator[Path]:
        """One local file per blob however many blocks want it at once (a new upload's
        renditions and its vector, an auto-tag chunk beside a rendition request): downloaded
        into the staging folder once, chunk by chunk, and removed when the last block ends."""
        copy = self._copies.get(sha256)
        if copy is None:
            path = self.temporary_path(".blob")
            copy = _LocalCopy(path, asyncio.ensure_future(self._download(sha256, path)))
            self._copies[sha256] = copy
        copy.users += 1
        try:
            try:
                # Shielded: one block given up (a cancelled request) leaves the others theirs.
                await asyncio.shield(copy.ready)
            except BaseException:
                failed = copy.ready.done() and not _succeeded(copy.ready)
                if failed and self._copies.get(sha256) is copy:
                    del self._copies[sha256]  # the next block tries again
                raise
            yield copy.path
        finally:
            self._release(sha256, copy)

    def keep_local(self, path: Path, sha256: str) -> Callable[[], None]:
        """A hard link to the staged upload in the staging folder (same folder, so the same
        filesystem) becomes the blob's local copy: a new upload is not downloaded again to be
        rendered and embedded. Where no link can be made, nothing is kept (copying a video on
        the event loop would cost more than the download it saves)."""
        copy = self._copies.get(sha256)
        if copy is None or not _succeeded(copy.ready):  # a download under way may yet fail
            kept = self.temporary_path(".blob")
            try:
                os.link(path, kept)
            except OSError:
                return lambda: None
            ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            ready.set_result(None)
            copy = self._copies[sha256] = _LocalCopy(kept, ready)
        copy.users += 1
        held = [copy]

        def release() -> None:
            if held:
                self._release(sha256, held.pop())

        return release

    def _release(self, sha256: str, copy: _LocalCopy) -> None:
        copy.users -= 1
        if copy.users == 0:
            if self._copies.get(sha256) is copy:
                del self._copies[sha256]
            copy.ready.cancel()  # a download nobody waits for any more (no-op when done)
            copy.path.unlink(missing_ok=True)

    async def _download(self, sha256: str, path: Path) -> None:
        try:
            with path.open("wb") as out:
                async for chunk in self.read(sha256):
                    await asyncio.to_thread(out.write, chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise

    async def presigned_url(self, sha256: str) -> str | None:
        if not self.settings.presign_delivery:
            return None
        async with self._reaching("signing a URL"):
            return await obstore.sign_async(
                self.store, "GET", self.key(sha256),
                timedelta(seconds=self.settings.presign_ttl_seconds))


_REASONS = (
    (("NoSuchBucket",), "the bucket does not exist"),
    (("ConnectionRefused", "Connection refused"), "the server refused the connection (is it "
                                                   "running?)"),
    (("kind: Connect", "Timeout", "timed out"), "the server cannot be reached"),
    (("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "lacked the necessary "
      "privileges", "Unauthenticated"), "the credentials were refused"),
)


def _reason(error: BaseException) -> str:
    """A short cause a person can act on: obstore's message runs over many lines of nested
    debug output, the cause (NoSuchBucket, connection refused) deep inside."""
    text = str(error)
    for needles, reason in _REASONS:
        if any(needle in text for needle in needles):
            return reason
    first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    return first[:300]
