"""The token a request presents (`Authorization: Bearer <token>`), checked at most once per
request, whether GraphQL or a plain HTTP route asks."""

from __future__ import annotations

import asyncio

from hub.auth.roles import Role
from hub.auth.tokens import ApiToken, TokenStore
from hub.errors import Forbidden, Unauthenticated


class Credentials:
    def __init__(self, authorization: str | None, tokens: TokenStore) -> None:
        self.authorization = authorization
        self.tokens = tokens
        self._lookup: asyncio.Future[ApiToken] | None = None

    async def token(self) -> ApiToken:
        """The request's active token; Unauthenticated when there is none or it is not valid.

        Fifty root fields of one document ask at once: they share one lookup, and resume
        together, so the DataLoaders behind them still batch."""
        if self._lookup is None:
            self._lookup = asyncio.ensure_future(self.tokens.authenticate(self._secret()))
        return await self._lookup

    async def require(self, role: Role) -> ApiToken:
        token = await self.token()
        if not token.role.grants(role):
            raise Forbidden(f"this needs the {role.value} role; the token "
                            f"{token.label!r} has {token.role.value}",
                            requiredRole=role.value, tokenRole=token.role.value)
        return token

    def _secret(self) -> str:
        if not self.authorization:
            raise Unauthenticated("this API needs a token: send `Authorization: Bearer "
                                  "<token>` (create one with `hub tokens create`)")
        scheme, _, secret = self.authorization.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthenticated("the Authorization header must be `Bearer <token>`")
        return secret.strip()
