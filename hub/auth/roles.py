"""The three roles a token can hold; each includes everything the ones below it may do."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    READER = "reader"  # queries and media downloads
    EDITOR = "editor"  # uploads, links, tags, product edits
    ADMIN = "admin"  # jobs, tokens, webhooks, deletes

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def grants(self, required: Role) -> bool:
        return self.rank >= required.rank


_RANKS = {Role.READER: 1, Role.EDITOR: 2, Role.ADMIN: 3}
