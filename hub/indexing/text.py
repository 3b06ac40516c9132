"""Text normalisation done in Python, because the local Elasticsearch distribution has no
`asciifolding` filter: what is indexed and what is queried are folded the same way."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower-case and strip accents: "Crème Brûlée" -> "creme brulee"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
