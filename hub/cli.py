"""The `hub` command: serve the API, run the local servers, load demo data, print the schema."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.config import Settings

if TYPE_CHECKING:
    from hub.catalog.library import MediaLibrary
    from hub.stores import Stores


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hub", description="Product Asset Hub")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the GraphQL API and the asset browser")
    serve.add_argument("--host", help="address to bind (default HUB_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to bind (default HUB_PORT, 8000)")

    services = commands.add_parser("services", help="local PostgreSQL+FerretDB and "
                                   "Elasticsearch (and SeaweedFS for S3 with --with s3)")
    services.add_argument("action", choices=["up", "down", "status"])
    services.add_argument("--with", dest="extras", action="append", default=[],
                          choices=["es-cluster", "s3"],
                          help="also es-cluster: a two-node Elasticsearch cluster on its own "
                          "ports (HUB_SERVERS__ES_CLUSTER=true does the same); s3: SeaweedFS, "
                          "the local S3 server (implied when HUB_STORAGE__BACKEND=s3 points "
                          "at it)")

    commands.add_parser("worker", help="run the background worker (index catch-up)")
    commands.add_parser("demo", help="load the demo catalog (idempotent)")
    commands.add_parser("schema", help="print the GraphQL schema (SDL)")
    ingest = commands.add_parser("ingest", help="upload files and folders (names may link "
                                 "them to products: {sku}_{role}_{position}.{ext})")
    ingest.add_argument("paths", nargs="+", type=Path)
    ingest.add_argument("--sku", help="link every file to this product")
    ingest.add_argument("--tag", action="append", default=[], help="a tag for every file")
    ingest.add_argument("--json", action="store_true", help="machine-readable summary")
    models = commands.add_parser("models", help="the vision model's weights")
    models.add_argument("action", choices=["status", "fetch"])
    tag = commands.add_parser("tag", help="auto-tag images with the vision model (a job, run "
                              "here with a progress bar)")
    tag.add_argument("--all", action="store_true",
                     help="also images that already have accepted tags")
    tag.add_argument("--text", help="only assets matching these words")
    products = commands.add_parser("import-products", help="upsert products by SKU from a "
                                   "PIM export (CSV: sku, name, description, attribute columns; "
                                   "or JSON)")
    products.add_argument("file", type=Path)
    products.add_argument("--json", action="store_true", help="machine-readable summary")
    jobs = commands.add_parser("jobs", help="list recent jobs with progress, or cancel one")
    jobs.add_argument("--cancel", metavar="JOB_ID", help="cancel this job")
    jobs.add_argument("--json", action="store_true", help="machine-readable output")
    audit = commands.add_parser("audit", help="report missing main images, small images, "
                                "duplicates, untagged and unlinked assets, stale renditions")
    audit.add_argument("--json", action="store_true", help="machine-readable output")
    commands.add_parser("reindex", help="rebuild the search indexes from MongoDB (no downtime)")
    tokens = commands.add_parser("tokens", help="API tokens: create, list, revoke")
    token_actions = tokens.add_subparsers(dest="action", required=True)
    create = token_actions.add_parser("create", help="make a token; its secret is shown once")
    create.add_argument("--role", choices=["reader", "editor", "admin"], required=True)
    create.add_argument("--label", required=True, help="who or what uses it, e.g. 'PIM sync'")
    create.add_argument("--expires-days", type=float, help="lifetime in days (default: none)")
    create.add_argument("--json", action="store_true", help="machine-readable output")
    listing = token_actions.add_parser("list", help="tokens, without their secrets")
    listing.add_argument("--all", action="store_true", help="also revoked tokens")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    revoke = token_actions.add_parser("revoke", help="stop a token from working, at once")
    revoke.add_argument("token_id")
    revoke.add_argument("--json", action="store_true", help="machine-readable output")

    args = parser.parse_args(argv)
    settings = Settings()
    if args.command == "serve":
        return _serve(settings, args.host, args.port)
    if args.command == "services":
        return _services(settings, args.action, args.extras)
    if args.command == "worker":
        from hub.worker import run_worker

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        asyncio.run(run_worker(settings))
        return 0
    if args.command == "demo":
        return asyncio.run(_demo(settings))
    if args.command == "ingest":
        return asyncio.run(_ingest(settings, args.paths, args.sku, args.tag, as_json=args.json))
    if args.command == "models":
        return _models(settings, args.action)
    if args.command == "tag":
        return asyncio.run(_tag(settings, only_untagged=not args.all, text=args.text))
    if args.command == "import-products":
        return asyncio.run(_import_products(settings, args.file, as_json=args.json))
    if args.command == "jobs":
        return asyncio.run(_jobs(settings, cancel=args.cancel, as_json=args.json))
    if args.command == "audit":
        return asyncio.run(_audit(settings, as_json=args.json))
    if args.command == "reindex":
        return asyncio.run(_reindex(settings))
    if args.command == "tokens":
        return asyncio.run(_tokens(settings, args))
    if args.command == "schema":
        from hub.graphql.schema import schema

        print(schema.as_str())
        return 0
    parser.error(f"unknown command {args.command}")
    return 2


def _serve(settings: Settings, host: str | None, port: int | None) -> int:
    import uvicorn

    from hub.app import InsecureSettings, create_app

    try:
        app = create_app(settings)
    except InsecureSettings as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    uvicorn.run(app, host=host or settings.host, port=port or settings.port)
    return 0


def _services(settings: Settings, action: str, extras: list[str]) -> int:
    from hub.servers.process import ServerError
    from hub.servers.stack import LocalStack

    if settings.uses_local_s3:
        extras = [*extras, "s3"]
    try:
        stack = LocalStack(settings.servers, extras=extras)
        if action == "up":
            stack.up()
            if stack.with_s3:
                bucket = settings.storage.s3.bucket
                stack.seaweedfs.create_bucket(bucket)
                print(f"{'s3 bucket':<14} {bucket!r} ready at {stack.seaweedfs.url}")
        elif action == "down":
            stack.down()
        else:
            healthy = True
            for status in stack.status():
                state = "up" if status.healthy else "down"
                healthy &= status.healthy
                print(f"{status.name:<14} {state:<5} {status.address:<16} pid={status.pid} "
                      f"log={status.log_file}")
            return 0 if healthy else 1
    except ServerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


async def _demo(settings: Settings) -> int:
    from hub.auth.dev_token import ensure_dev_token
    from hub.auth.tokens import TokenStore
    from hub.demo import load_demo_catalog
    from hub.stores import Stores

    async with Stores.open(settings) as stores:
        created, existing = await load_demo_catalog(stores, _library(stores))
        print(f"demo catalog: {created} products created, {existing} already there")
        if settings.environment == "production":
            return 0  # no standing admin token in production: use `hub tokens create`
        secret = await ensure_dev_token(TokenStore(stores.db), settings.dev_token_file)
    page = f"http://{settings.host}:{settings.port}/#token={secret}"
    print(f"development token (admin, kept in {settings.dev_token_file}):\n  {secret}\n"
          f"asset browser, signed in: {page}\n"
          f"API: curl -H 'Authorization: Bearer {secret}' "
          f"http://{settings.host}:{settings.port}/graphql ...")
    return 0


async def _tokens(settings: Settings, args: argparse.Namespace) -> int:
    import json
    from datetime import timedelta

    from hub.auth.roles import Role
    from hub.auth.tokens import ApiToken, TokenStore
    from hub.errors import HubError
    from hub.stores import Stores

    def row(token: ApiToken) -> dict[str, Any]:
        return token.model_dump(mode="json")

    async with Stores.open(settings) as stores:
        tokens = TokenStore(stores.db)
        try:
            if args.action == "create":
                lifetime = timedelta(days=args.expires_days) if args.expires_days else None
                issued = await tokens.create(role=Role(args.role), label=args.label,
                                             expires_in=lifetime)
                if args.json:
                    print(json.dumps({**row(issued.token), "secret": issued.secret}))
                else:
                    expiry = issued.token.expires_at or "never"
                    print(f"token {issued.token.id} ({issued.token.role.value}, expires "
                          f"{expiry}):\n  {issued.secret}\n"
                          "Store it now: only its hash is kept, it cannot be shown again.")
                return 0
            if args.action == "revoke":
                revoked = await tokens.revoke(args.token_id)
                print(json.dumps(row(revoked)) if args.json else
                      f"revoked {revoked.id} ({revoked.label})")
                return 0
            listed = await tokens.list(include_revoked=args.all)
        except HubError as error:
            print(f"error: {error.message}", file=sys.stderr)
            return 1
    if args.json:
        print(json.dumps([row(token) for token in listed]))
        return 0
    print(f"{'id':<18}{'role':<8}{'hint':<12}{'expires':<22}{'last used':<22}label")
    for token in listed:
        expires = token.expires_at.isoformat()[:19] if token.expires_at else "never"
        used = token.last_used_at.isoformat()[:19] if token.last_used_at else "never"
        state = " (revoked)" if token.revoked_at else ""
        print(f"{token.id:<18}{token.role.value:<8}{token.hint + '…':<12}{expires:<22}"
              f"{used:<22}{token.label}{state}")
    return 0


def _library(stores: Stores) -> MediaLibrary:
    from hub.container import HubServices

    return HubServices.create(stores).library


async def _ingest(
    settings: Settings, paths: list[Path], sku: str | None, tags: list[str], *, as_json: bool
) -> int:
    from hub.catalog.indexes import ensure_mongo_indexes
    from hub.ingest_files import collect_files, ingest_files
    from hub.stores import Stores

    files = collect_files(paths)
    # A bulk command: nobody reads each write back at once, so index writes skip the refresh per
    # write (three per file: the asset, its renditions, its vector), which cost more than the
    # writes themselves; one refresh at the end makes every file searchable.
    settings = settings.model_copy(update={"es_refresh_on_write": "false"})
    async with Stores.open(settings) as stores:
        await ensure_mongo_indexes(stores.db)
        library = _library(stores)
        await library.catalog.indexer.ensure_indices()
        report = await ingest_files(library, files, sku=sku, tags=tags)
        print("making renditions ...", file=sys.stderr, flush=True)
        await library.wait_for_renditions()
        await library.catalog.indexer.make_visible()
    if as_json:
        import json

        print(json.dumps({
            "created": report.created, "existing": report.existing,
            "linked_by_name": report.linked_by_name,
            "unlinked": [{"path": str(path), "reason": why} for path, why in report.unlinked],
            "refused": [{"path": str(path), "reason": why} for path, why in report.failed],
        }))
        return 1 if report.failed else 0
    print(f"{report.created} new assets, {report.existing} already in the library, "
          f"{report.linked_by_name} linked by file name, {len(report.unlinked)} unlinked, "
          f"{len(report.failed)} refused")
    for path, reason in report.unlinked:
        print(f"  unlinked  {path}: {reason}")
    for path, reason in report.failed:
        print(f"  refused   {path}: {reason}")
    return 1 if report.failed else 0


def _models(settings: Settings, action: str) -> int:
    from hub.vision.base import ModelWeightsMissing
    from hub.vision.identity import model_id_for
    from hub.vision.openclip import fetch_weights, resolve_weights

    print(f"model {model_id_for(settings.vision)}")
    try:
        if action == "fetch":
            print(f"weights downloaded to {fetch_weights(settings.vision)}")
        else:
            found = resolve_weights(settings.vision)
            print(f"weights: {found or 'random (HUB_VISION__RANDOM_WEIGHTS_SEED)'}")
    except (ModelWeightsMissing, RuntimeError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


async def _tag(settings: Settings, *, only_untagged: bool, text: str | None) -> int:
    """Start an auto-tag job and work on it here until it ends (other workers may help)."""
    from tqdm import tqdm

    from hub.container import HubServices
    from hub.indexing.asset_search import AssetQuery
    from hub.models.job import ACTIVE_STATES
    from hub.stores import Stores

    async with Stores.open(settings) as stores:
        services = HubServices.create(stores)
        job = await services.jobs.start_auto_tag(AssetQuery(text=text),
                                                 only_untagged=only_untagged)
        runner = asyncio.create_task(services.runner.run_forever())
        with tqdm(total=job.total, unit="image", desc=f"auto-tag {job.id}") as bar:
            while job.state in ACTIVE_STATES:
                await asyncio.sleep(0.5)
                job = await services.jobs.get(job.id)
                progress = await services.jobs.progress(job)
                bar.update(progress.processed + progress.failed - bar.n)
        runner.cancel()
        progress = await services.jobs.progress(job)
    print(f"job {job.id} {job.state.value}: {progress.processed} tagged, {progress.failed} failed")
    for error in progress.errors:
        print(f"  {error.item_id}: {error.message}")
    return 0 if job.state.value == "SUCCEEDED" and not progress.failed else 1


async def _import_products(settings: Settings, file: Path, *, as_json: bool) -> int:
    import dataclasses
    import json

    from hub.catalog.indexes import ensure_mongo_indexes
    from hub.catalog.service import CatalogService
    from hub.import_products import import_products, read_rows
    from hub.stores import Stores

    try:
        rows = read_rows(file)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    async with Stores.open(settings) as stores:
        await ensure_mongo_indexes(stores.db)
        catalog = CatalogService(stores)
        await catalog.indexer.ensure_indices()
        report = await import_products(catalog, rows)
    if as_json:
        print(json.dumps(dataclasses.asdict(report)))
    else:
        print(f"{report.created} created, {report.updated} updated, {report.unchanged} "
              f"unchanged, {len(report.failed)} failed")
        for number, sku, reason in report.failed:
            print(f"  row {number} ({sku or 'no SKU'}): {reason}")
    return 1 if report.failed else 0


async def _jobs(settings: Settings, *, cancel: str | None, as_json: bool) -> int:
    import json

    from hub.catalog.service import CatalogService
    from hub.errors import HubError
    from hub.jobs.service import JobService
    from hub.jobs.store import JobStore
    from hub.stores import Stores

    async with Stores.open(settings) as stores:
        service = JobService(store=JobStore(stores.db), catalog=CatalogService(stores),
                             batch_size=settings.jobs.batch_size)
        try:
            if cancel:
                await service.cancel(cancel)
        except HubError as error:
            print(f"error: {error.message}", file=sys.stderr)
            return 1
        rows: list[dict[str, Any]] = []
        for job in await service.recent(None, 20):
            progress = await service.progress(job)
            rows.append({"id": job.id, "kind": job.kind.value, "state": job.state.value,
                         "total": job.total, "processed": progress.processed,
                         "failed": progress.failed, "created_at": job.created_at.isoformat(),
                         "eta_seconds": progress.eta_seconds})
    if as_json:
        print(json.dumps(rows))
        return 0
    print(f"{'job':<26}{'kind':<10}{'state':<11}{'done':>12}{'failed':>8}  created")
    for row in rows:
        done = f"{row['processed']}/{row['total']}"
        print(f"{row['id']:<26}{row['kind']:<10}{row['state']:<11}{done:>12}"
              f"{row['failed']:>8}  {row['created_at'][:19]}")
    return 0


async def _audit(settings: Settings, *, as_json: bool) -> int:
    import dataclasses
    import json

    from hub.catalog.audit import run_audit
    from hub.media.renditions import load_presets
    from hub.media.video_presets import load_video_presets
    from hub.stores import Stores

    async with Stores.open(settings) as stores:
        report = await run_audit(stores, load_presets(settings.presets_file),
                                 load_video_presets(settings.presets_file))
    if as_json:
        print(json.dumps({"counts": report.counts(), **dataclasses.asdict(report)}, indent=2))
        return 0
    labels = {
        "products_without_main_image": "products without a MAIN image",
        "too_small": "images too small for a preset",
        "duplicate_groups": "groups of duplicate images",
        "untagged": "assets without tags",
        "unlinked": "assets linked to no product",
        "stale_renditions": "assets with renditions of an older preset",
    }
    width = max(map(len, labels.values()))
    for key, count in report.counts().items():
        print(f"{labels[key]:<{width}}  {count:>7}")
    for sku in report.products_without_main_image[:20]:
        print(f"  no MAIN image: {sku}")
    for preset, assets in report.too_small.items():
        examples = ", ".join(asset.filename for asset in assets[:5])
        print(f"  smaller than {preset}: {len(assets)} ({examples})")
    for group in report.duplicate_groups[:20]:
        print(f"  duplicates: {', '.join(a.filename for a in group)}")
    if not report.near_duplicates_complete:
        print("  (near-duplicate search stopped early: the library is larger than it scans)")
    return 0


async def _reindex(settings: Settings) -> int:
    from tqdm import tqdm

    from hub.catalog.reindex import rebuild_index
    from hub.catalog.service import CatalogService
    from hub.stores import Stores

    async with Stores.open(settings) as stores:
        catalog = CatalogService(stores)
        await catalog.indexer.ensure_indices()
        for alias in stores.indices.all():
            with tqdm(desc=alias, unit="doc") as bar:
                def progress(done: int, total: int, bar: tqdm = bar) -> None:
                    bar.total = total
                    bar.update(done - bar.n)

                await rebuild_index(catalog, alias, progress)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
