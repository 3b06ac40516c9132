"""Conditional requests (RFC 9110 §13): whether If-None-Match already names what we would send."""

from __future__ import annotations


def none_match_hits(if_none_match: str | None, etag: str) -> bool:
    """True when the client's If-None-Match lists `etag` or is `*`: answer 304.

    If-None-Match compares weakly, so `W/"x"` and `"x"` name the same content, whichever of
    the two `etag` is."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    ours = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == ours for tag in if_none_match.split(","))
