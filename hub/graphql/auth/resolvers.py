"""API tokens over GraphQL: who am I (`viewer`), and token administration for admins."""

from __future__ import annotations

from datetime import datetime, timedelta

import strawberry

from hub.auth.roles import Role
from hub.auth.tokens import ApiToken as ApiTokenModel
from hub.errors import BadUserInput
from hub.graphql.core.context import Info
from hub.graphql.core.permissions import IsAdmin, IsReader

strawberry.enum(Role, name="Role", description="READER: queries and media; EDITOR: also uploads, "
                "links, tags and product edits; ADMIN: also jobs, tokens, webhooks and deletes.")

MAX_LIFETIME_DAYS = 3650


@strawberry.type(description="An API token, without its secret (only its hash is stored).")
class ApiToken:
    id: strawberry.ID
    label: str
    role: Role
    hint: str = strawberry.field(description="The secret's first characters.")
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def from_model(cls, token: ApiTokenModel) -> ApiToken:
        return cls(id=strawberry.ID(token.id), label=token.label, role=token.role,
                   hint=token.hint, created_at=token.created_at, expires_at=token.expires_at,
                   revoked_at=token.revoked_at, last_used_at=token.last_used_at)


@strawberry.type
class CreatedApiToken:
    token: ApiToken
    secret: str = strawberry.field(description="Send as `Authorization: Bearer <secret>`. "
                                   "Shown once: it cannot be read again.")


@strawberry.type
class AuthQueries:
    @strawberry.field(permission_classes=[IsReader],
                      description="The token this request was made with.")
    async def viewer(self, info: Info) -> ApiToken:
        return ApiToken.from_model(await info.context.credentials.token())

    @strawberry.field(permission_classes=[IsAdmin],
                      description="Every token, oldest first; revoked ones on request.")
    async def api_tokens(self, info: Info, include_revoked: bool | None = False) -> list[ApiToken]:
        tokens = await info.context.tokens.list(include_revoked=bool(include_revoked))
        return [ApiToken.from_model(token) for token in tokens]


@strawberry.type
class AuthMutations:
    @strawberry.mutation(permission_classes=[IsAdmin],
                         description="Make a token for a person or a system (e.g. a PIM).")
    async def create_api_token(
        self, info: Info, role: Role, label: str, expires_in_days: float | None = None
    ) -> CreatedApiToken:
        lifetime = None
        if expires_in_days is not None:
            if not 0 < expires_in_days <= MAX_LIFETIME_DAYS:
                raise BadUserInput(f"expiresInDays must be above 0 and at most "
                                   f"{MAX_LIFETIME_DAYS}", field="expiresInDays")
            lifetime = timedelta(days=expires_in_days)
        issued = await info.context.tokens.create(role=role, label=label, expires_in=lifetime)
        return CreatedApiToken(token=ApiToken.from_model(issued.token), secret=issued.secret)

    @strawberry.mutation(permission_classes=[IsAdmin],
                         description="Stop a token from working, at once.")
    async def revoke_api_token(self, info: Info, id: strawberry.ID) -> ApiToken:
        return ApiToken.from_model(await info.context.tokens.revoke(str(id)))
