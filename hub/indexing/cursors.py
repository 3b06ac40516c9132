"""Opaque pagination cursors: the Elasticsearch sort values of the last hit, base64-encoded.

Cursors with `search_after` stay stable while documents are added, unlike offsets."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from hub.errors import BadUserInput


def encode_cursor(sort_values: list[Any]) -> str:
    raw = json.dumps(sort_values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, expected_length: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError):
        values = None
    if (
        not isinstance(values, list)
        or len(values) != expected_length
        or not all(isinstance(v, str | int | float) for v in values)
    ):
        raise BadUserInput(
            "`after` is not a cursor of this list; pass an endCursor or edge cursor from the "
            "same query with the same sort order", field="after"
        )
    return values
