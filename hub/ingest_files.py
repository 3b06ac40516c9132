"""`hub ingest`: bulk upload of files and folders through the same ingest service as the API,
with a progress bar and a report of what the naming convention could not link."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from hub.catalog.library import MediaLibrary
from hub.errors import HubError
from hub.media.storage import CHUNK_SIZE


@dataclass
class IngestReport:
    created: int = 0
    existing: int = 0
    linked_by_name: int = 0
    unlinked: list[tuple[Path, str]] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)


def collect_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*")
                            if p.is_file() and not p.name.startswith("."))
        else:
            files.append(path)
    return files


async def _read(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            yield chunk


async def ingest_files(
    library: MediaLibrary, files: list[Path], *, sku: str | None, tags: list[str]
) -> IngestReport:
    report = IngestReport()
    with tqdm(files, unit="file", desc="ingest") as progress:
        for path in progress:
            progress.set_postfix_str(path.name[:40])
            try:
                result = await library.ingest(_read(path), filename=path.name, sku=sku,
                                              tags=tags)
            except HubError as error:
                report.failed.append((path, f"{error.code.value}: {error.message}"))
                continue
            except OSError as error:
                report.failed.append((path, f"cannot read: {error.strerror}"))
                continue
            if result.created:
                report.created += 1
            else:
                report.existing += 1
            if result.linked_by_name:
                report.linked_by_name += 1
            if result.unlinked_reason and not result.asset.product_ids:
                report.unlinked.append((path, result.unlinked_reason))
    return report
