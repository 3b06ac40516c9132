"""Role checks on every root field, as Strawberry permission classes.

A missing or unknown token raises UNAUTHENTICATED and a token with too weak a role FORBIDDEN,
both with a message that says what to do; the fields below a root field inherit its check."""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.permission import BasePermission

from hub.auth.roles import Role
from hub.graphql.core.context import Info


class _HasRole(BasePermission):
    role: ClassVar[Role]

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        await info.context.credentials.require(self.role)
        return True


class IsReader(_HasRole):
    role = Role.READER


class IsEditor(_HasRole):
    role = Role.EDITOR


class IsAdmin(_HasRole):
    role = Role.ADMIN
