"""Writing to Elasticsearch: creating the indexes behind their aliases and (de)indexing products."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal

from elasticsearch import AsyncElasticsearch, BadRequestError, NotFoundError

from hub.indexing.documents import asset_document, product_document
from hub.indexing.errors import elasticsearch_errors
from hub.indexing.mappings import (
    ASSETS_MAPPING_VERSION,
    INDEX_SETTINGS,
    PRODUCTS_MAPPING,
    PRODUCTS_MAPPING_VERSION,
    IndexNames,
    assets_mapping,
)
from hub.models.asset import Asset
from hub.models.product import Product
from hub.vision.identity import ModelIdentity

logger = logging.getLogger(__name__)

Refresh = Literal["true", "wait_for", "false"]


class SearchIndexer:
    def __init__(
        self,
        es: AsyncElasticsearch,
        names: IndexNames,
        *,
        refresh: Refresh,
        embedding: ModelIdentity,
        replicas: int,
        refresh_interval: str,
    ) -> None:
        self.es = es
        self.names = names
        self.refresh = refresh
        self.embedding = embedding
        # Settings of the deployment, not of the mapping, so no defaults here (Settings holds
        # them: es_replicas, es_refresh_interval). Replicas apply to the indexes created
        # from here on (one node cannot hold any, a cluster should hold one); the refresh
        # interval (Settings.es_refresh_interval) to existing ones too.
        self.index_settings = {**INDEX_SETTINGS, "number_of_replicas": replicas,
                               "refresh_interval": refresh_interval}

    def _mappings(self) -> dict[str, tuple[dict[str, Any], str]]:
        """Each alias's mapping and the stem of its index names (which name the embedding
        model, so an index of another model's vectors is never reused)."""
        model = self.embedding.model_id
        return {
            self.names.products: (PRODUCTS_MAPPING,
                                  f"{self.names.products}-v{PRODUCTS_MAPPING_VERSION}"),
            self.names.assets: (assets_mapping(model, self.embedding.dimension),
                                f"{self.names.assets}-v{ASSETS_MAPPING_VERSION}-{model}"),
        }

    async def ensure_indices(self) -> None:
        """Create each alias's first index if the alias does not exist yet (idempotent, and safe
        when several processes start at once: the first index has a fixed name)."""
        async with elasticsearch_errors("creating indexes"):
            for alias, (mapping, stem) in self._mappings().items():
                if await self.es.indices.exists_alias(name=alias):
                    await self._keep_refresh_interval(alias)
                    continue
                try:
                    await self.es.indices.create(
                        index=f"{stem}-initial",
                        settings=self.index_settings,
                        mappings=mapping,
                        aliases={alias: {"is_write_index": True}},
                    )
                except BadRequestError as error:
                    if error.error != "resource_already_exists_exception":
                        raise
                logger.info("created index for alias %s", alias)

    async def _keep_refresh_interval(self, alias: str) -> None:
        """Give the indexes behind `alias` the configured refresh interval if they have another
        (a changed setting takes effect at the next start, without a rebuild)."""
        wanted = self.index_settings["refresh_interval"]
        found = await self.es.indices.get_settings(index=alias, name="index.refresh_interval")
        for index, body in found.items():
            if body.get("settings", {}).get("index", {}).get("refresh_interval") != wanted:
                await self.es.indices.put_settings(
                    index=index, settings={"index": {"refresh_interval": wanted}})

    async def make_visible(self) -> None:
        """Refresh every alias's index now, so that writes made without a refresh are searchable
        (the last step of a bulk command that wrote with refresh "false")."""
        async with elasticsearch_errors("refreshing indexes"):
            await self.es.indices.refresh(index=",".join(self.names.all()))

    async def outdated_aliases(self) -> list[str]:
        """Aliases whose index was made from an older mapping than this code's."""
        outdated = []
        async with elasticsearch_errors("reading index mappings"):
            for alias, (mapping, _) in self._mappings().items():
                try:
                    found = await self.es.indices.get_mapping(index=alias)
                except NotFoundError:
                    continue
                if any(body["mappings"].get("_meta") != mapping["_meta"]
                       for body in found.values()):
                    outdated.append(alias)
        return outdated

    async def create_fresh_index(self, alias: str) -> str:
        """A new, empty index for `alias` with the current mapping, not yet behind the alias."""
        mapping, stem = self._mappings()[alias]
        index = f"{stem}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
        async with elasticsearch_errors("creating an index"):
            await self.es.indices.create(index=index, settings=self.index_settings,
                                         mappings=mapping)
        return index

    async def swap_alias(self, alias: str, index: str) -> None:
        """Point `alias` at `index` in one atomic step, then delete the indexes it left."""
        async with elasticsearch_errors("swapping an alias"):
            try:
                old = list(await self.es.indices.get_alias(name=alias))
            except NotFoundError:
                old = []
            actions: list[dict[str, Any]] = [{"remove": {"index": name, "alias": alias}}
                                             for name in old]
            actions.append({"add": {"index": index, "alias": alias, "is_write_index": True}})
            await self.es.indices.update_aliases(actions=actions)
            for name in old:
                await self.es.indices.delete(index=name)

    async def index_products(self, products: Iterable[Product], *, into: str | None = None) -> None:
        await self._index(into or self.names.products,
                          [(p.id, p.revision, product_document(p)) for p in products])

    async def index_assets(
        self,
        assets: Iterable[tuple[Asset, list[Product]]],
        *,
        into: str | None = None,
        refresh: Refresh | None = None,
    ) -> None:
        """Each asset with the products that link it (their SKUs and names are searchable).
        `refresh` overrides the deployment's setting for this write (bulk jobs: "false")."""
        await self._index(into or self.names.assets, [(asset.id, asset.revision,
                                                       asset_document(asset, linked,
                                                                      self.embedding.model_id))
                                                      for asset, linked in assets], refresh)

    async def delete_products(self, deletions: Iterable[tuple[str, int | None]]) -> None:
        await self._delete(self.names.products, deletions)

    async def delete_assets(self, deletions: Iterable[tuple[str, int | None]]) -> None:
        await self._delete(self.names.assets, deletions)

    async def _index(
        self,
        alias: str,
        documents: list[tuple[str, int, dict[str, Any]]],
        refresh: Refresh | None = None,
    ) -> None:
        """Index documents at their revision; an older revision than the indexed one is skipped,
        so a late writer can never put an older state over a newer one."""
        operations: list[dict[str, Any]] = []
        for document_id, revision, document in documents:
            operations.append({"index": {"_index": alias, "_id": document_id,
                                         "version": revision, "version_type": "external"}})
            operations.append(document)
        await self._bulk(operations, f"indexing into {alias}", refresh)

    async def _delete(self, alias: str, deletions: Iterable[tuple[str, int | None]]) -> None:
        """Remove (id, revision) pairs; with a revision, the removal is ordered after every
        indexed revision below it, without one it is unconditional."""
        operations: list[dict[str, Any]] = []
        for document_id, revision in deletions:
            action: dict[str, Any] = {"_index": alias, "_id": document_id}
            if revision is not None:
                action |= {"version": revision, "version_type": "external"}
            operations.append({"delete": action})
        await self._bulk(operations, f"removing from {alias}")

    async def _bulk(
        self, operations: list[dict[str, Any]], action: str, refresh: Refresh | None = None
    ) -> None:
        if not operations:
            return
        async with elasticsearch_errors(action):
            response = await self.es.bulk(operations=operations, refresh=refresh or self.refresh)
        if response["errors"]:
            # 409: a newer revision is already there; 404: nothing to delete. Both are fine.
            failures = [
                item for entry in response["items"] for item in entry.values()
                if item.get("error") and item.get("status") not in {404, 409}
            ]
            if failures:
                raise RuntimeError(f"Elasticsearch rejected {len(failures)} operations while "
                                   f"{action}: {failures[0]['error']}")

    async def drop_indices(self) -> None:
        """Delete every index behind this deployment's aliases (test teardown, full rebuilds)."""
        for alias in self.names.all():
            try:
                indices = await self.es.indices.get_alias(name=alias)
            except NotFoundError:
                continue
            await self.es.indices.delete(index=",".join(indices))
