"""Relay-style pagination pieces shared by every connection."""

from __future__ import annotations

from enum import Enum

import strawberry

from hub.errors import BadUserInput


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.enum
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


def check_page_size(first: int | None, maximum: int, *, default: int = 20) -> int:
    """`first` as given, or the default when a client sends null (the contract's `Int = 20`)."""
    if first is None:
        return default
    if not 0 <= first <= maximum:
        raise BadUserInput(f"`first` must be between 0 and {maximum}, not {first}", field="first")
    return first
