"""API tokens, stored only as SHA-256 hashes in MongoDB.

A token is 256 random bits, so a fast hash is enough (there is nothing to brute-force), and a
lookup by hash is one indexed read. The secret is shown once, when the token is created; the
listing identifies tokens by id, label and the first characters of the secret."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hub.auth.roles import Role
from hub.catalog.clock import now_millis
from hub.catalog.errors import mongo_errors
from hub.errors import BadUserInput, NotFound, Unauthenticated

SECRET_PREFIX = "hub_"
# A used token's last_used_at is written at most this often, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_LABEL_LENGTH = 200


class ApiToken(BaseModel):
    id: str
    label: str
    role: Role
    hint: str  # the secret's first characters, to recognise it in a list
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its secret: the only moment the secret exists outside its holder."""

    token: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class TokenStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["api_tokens"]

    async def create(
        self, *, role: Role, label: str, expires_in: timedelta | None = None
    ) -> IssuedToken:
        label = label.strip()
        if not label or len(label) > MAX_LABEL_LENGTH:
            raise BadUserInput(f"a token needs a label of 1 to {MAX_LABEL_LENGTH} characters",
                               field="label")
        if expires_in is not None and expires_in <= timedelta(0):
            raise BadUserInput("a token's lifetime must be positive", field="expiresInDays")
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        now = now_millis()
        token = ApiToken(id=f"tok_{secrets.token_hex(6)}", label=label, role=role,
                         hint=secret[:len(SECRET_PREFIX) + 6], created_at=now,
                         expires_at=now + expires_in if expires_in else None)
        document: dict[str, Any] = {"_id": token.id, "secret_sha256": hash_secret(secret),
                                    **token.model_dump(exclude={"id"})}
        async with mongo_errors("creating a token"):
            await self.collection.insert_one(document)
        return IssuedToken(token=token, secret=secret)

    async def list(self, *, include_revoked: bool = False) -> list[ApiToken]:
        query: dict[str, Any] = {} if include_revoked else {"revoked_at": None}
        async with mongo_errors("listing tokens"):
            documents = await self.collection.find(query).sort("created_at", ASCENDING) \
                .to_list()
        return [_token(document) for document in documents]

    async def get(self, token_id: str) -> ApiToken | None:
        async with mongo_errors("reading a token"):
            document = await self.collection.find_one({"_id": token_id})
        return _token(document) if document else None

    async def revoke(self, token_id: str) -> ApiToken:
        """Revoking twice is fine; the first revocation time is kept."""
        async with mongo_errors("revoking a token"):
            await self.collection.update_one({"_id": token_id, "revoked_at": None},
                                             {"$set": {"revoked_at": now_millis()}})
        token = await self.get(token_id)
        if token is None:
            raise NotFound(f"no token with id {token_id!r}", field="id")
        return token

    async def authenticate(self, secret: str) -> ApiToken:
        """The active token with this secret, or Unauthenticated saying why not."""
        async with mongo_errors("checking a token"):
            document = await self.collection.find_one({"secret_sha256": hash_secret(secret)})
        now = now_millis()
        if document is None:
            raise Unauthenticated("the API token is not known; create one with "
                                  "`hub tokens create`")
        token = _token(document)
        if token.revoked_at is not None:
            raise Unauthenticated("the API token was revoked")
        if not token.is_active(now):
            raise Unauthenticated("the API token has expired")
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            async with mongo_errors("recording token use"):
                await self.collection.update_one({"_id": token.id},
                                                 {"$set": {"last_used_at": now}})
        return token


def _token(document: dict[str, Any]) -> ApiToken:
    return ApiToken(id=document["_id"], **{k: v for k, v in document.items()
                                           if k not in {"_id", "secret_sha256"}})
