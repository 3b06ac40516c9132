"""The local development token `hub demo` prints: one admin token per checkout, kept in a file
(mode 0600) so that every `make run` prints the same one until it is revoked."""

from __future__ import annotations

import os
from pathlib import Path

from hub.auth.roles import Role
from hub.auth.tokens import TokenStore
from hub.errors import Unauthenticated

DEV_TOKEN_LABEL = "local development (hub demo)"


async def ensure_dev_token(tokens: TokenStore, path: Path) -> str:
    """The secret in `path` if it is still an active token, else a new admin token's secret."""
    if path.exists():
        secret = path.read_text().strip()
        try:
            await tokens.authenticate(secret)
            return secret
        except Unauthenticated:
            pass  # revoked, expired or from another database: make a new one
    issued = await tokens.create(role=Role.ADMIN, label=DEV_TOKEN_LABEL)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(issued.secret + "\n")
    return issued.secret
