"""Automatic persisted queries, Apollo's protocol, and the allow-list mode built on it.

A client sends `extensions.persistedQuery = {version: 1, sha256Hash}`:

- without `query`: the stored document runs; an unknown hash is PERSISTED_QUERY_NOT_FOUND
  (message `PersistedQueryNotFound`, what Apollo clients look for), and the client sends the
  same request again with `query`;
- with `query`: its SHA-256 must be the hash (BAD_USER_INPUT "provided sha does not match
  query" otherwise, nothing stored); it runs, and is stored once it has run, i.e. once it has
  parsed, validated and passed the hub's limits: a broken document is never stored.

Who may store a document: any valid token (an anonymous request still runs, unstored). With
`persisted_queries_only` (production's allow-list) only admin tokens may: registering widens
what the API will run, which is an admin's decision, like creating tokens. Then only stored
documents run for everybody else; any other document, with or without a hash, is refused with
QUERY_NOT_IN_ALLOWLIST before it is parsed. An admin's document without a hash runs without
being stored (ad-hoc operations such as creating tokens keep working).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any

from hub.auth.credentials import Credentials
from hub.auth.roles import Role
from hub.errors import BadUserInput, ErrorCode, HubError, Unauthenticated, Unavailable
from hub.graphql.persisted.store import PersistedQueryStore

logger = logging.getLogger("hub.graphql")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class PersistedQueryNotFound(HubError):
    code = ErrorCode.PERSISTED_QUERY_NOT_FOUND


class QueryNotInAllowlist(HubError):
    code = ErrorCode.QUERY_NOT_IN_ALLOWLIST


@dataclass(frozen=True)
class Document:
    """What to run (None: the request has no query at all), and whether to store it after."""

    query: str | None
    sha256: str | None = None
    store_after_run: bool = False


def sha256_of(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


class PersistedQueries:
    def __init__(self, store: PersistedQueryStore, *, allowlist_only: bool) -> None:
        self.store = store
        self.allowlist_only = allowlist_only

    async def resolve(self, query: str | None, extensions: dict[str, Any] | None,
                      credentials: Credentials) -> Document:
        """The document a request asks for; raises what refuses it."""
        sha256 = _requested_hash(extensions)
        if sha256 is None:
            if query is None or not self.allowlist_only:
                return Document(query)
            if await self.store.get(sha256_of(query)) is None \
                    and not await self._may_store(credentials):
                raise self._not_in_allowlist()
            return Document(query)
        if query is None:
            stored = await self.store.get(sha256)
            if stored is None:
                raise PersistedQueryNotFound("PersistedQueryNotFound", sha256Hash=sha256)
            return Document(stored, sha256)
        if sha256_of(query) != sha256:
            raise BadUserInput("provided sha does not match query",
                               field="extensions.persistedQuery.sha256Hash")
        if await self.store.get(sha256) is not None:
            return Document(query, sha256)
        if await self._may_store(credentials):
            return Document(query, sha256, store_after_run=True)
        if self.allowlist_only:
            raise self._not_in_allowlist()
        return Document(query, sha256)

    async def remember(self, document: Document, credentials: Credentials) -> None:
        """Store a document that has run, when `resolve` said so. Its answer stands even when
        MongoDB fails here: the client just sends the query again next time."""
        if document.store_after_run and document.query is not None and document.sha256:
            token = await credentials.token()
            try:
                await self.store.add(document.sha256, document.query, registered_by=token.id)
            except Unavailable as error:
                logger.warning("persisted query %s not stored: %s", document.sha256,
                               error.message)

    async def _may_store(self, credentials: Credentials) -> bool:
        try:
            token = await credentials.token()
        except Unauthenticated:
            return False
        return token.role.grants(Role.ADMIN) or not self.allowlist_only

    @staticmethod
    def _not_in_allowlist() -> QueryNotInAllowlist:
        return QueryNotInAllowlist(
            "this hub runs only registered (persisted) queries, and this one is not registered: "
            "send its sha256Hash in extensions.persistedQuery, and have it registered by an "
            "admin token first", requiredRole=Role.ADMIN.value)


def _requested_hash(extensions: dict[str, Any] | None) -> str | None:
    """The lower-case hash in `extensions.persistedQuery`, None without one."""
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict):
        raise BadUserInput("extensions.persistedQuery must be an object "
                           '{"version": 1, "sha256Hash": "<hex>"}',
                           field="extensions.persistedQuery")
    version = persisted.get("version")
    if isinstance(version, bool) or version != 1:
        raise BadUserInput("only version 1 of persisted queries is supported",
                           field="extensions.persistedQuery.version")
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or not _SHA256_HEX.fullmatch(sha256.lower()):
        raise BadUserInput("extensions.persistedQuery.sha256Hash must be the SHA-256 of the "
                           "query, 64 hexadecimal digits",
                           field="extensions.persistedQuery.sha256Hash")
    return sha256.lower()
