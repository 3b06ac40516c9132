"""Opaque pagination cursors: the sort order and the Elasticsearch sort values of the last hit.

Cursors with `search_after` stay stable while documents are added, unlike offsets; the order is
kept in the cursor so one taken from a differently sorted list is refused, not misread."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from hub.errors import BadUserInput


def encode_cursor(order: str, sort_values: list[Any]) -> str:
    raw = json.dumps({"o": order, "v": sort_values}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, order: str) -> list[Any]:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        decoded = None
    if not isinstance(decoded, dict) or not isinstance(decoded.get("v"), list) or not all(
        isinstance(value, str | int | float) for value in decoded["v"]
    ):
        raise BadUserInput("`after` is not a cursor of this API; pass an endCursor or an edge "
                           "cursor from a previous page", field="after")
    if decoded.get("o") != order:
        raise BadUserInput("`after` comes from a list in another order; page with the same "
                           "orderBy and filter text as the page it came from", field="after")
    return decoded["v"]
