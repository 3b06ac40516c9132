"""File-naming conventions that link uploads to products by themselves, as PIM-side asset
managers do: with the default `{sku}_{role}_{position}.{ext}`, `SOFA-001_main_1.jpg` becomes
SOFA-001's MAIN image at position 1."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from hub.models.product import AssetRole

DEFAULT_PATTERN = "{sku}_{role}_{position}.{ext}"

_GROUPS = {
    "sku": r"(?P<sku>[A-Za-z0-9][A-Za-z0-9._/-]*?)",
    "role": "(?P<role>" + "|".join(role.value.lower() for role in AssetRole) + ")",
    "position": r"(?P<position>[1-9][0-9]{0,3})",
    "ext": r"(?P<ext>[A-Za-z0-9]{1,5})",
}


@dataclass(frozen=True)
class NamedLink:
    sku: str
    role: AssetRole | None
    position: int | None


class NamingConvention:
    def __init__(self, pattern: str = DEFAULT_PATTERN) -> None:
        parts: list[str] = []
        seen: set[str] = set()
        for literal, field, _, _ in string.Formatter().parse(pattern):
            parts.append(re.escape(literal))
            if field is None:
                continue
            if field not in _GROUPS or field in seen:
                raise ValueError(f"naming pattern {pattern!r}: unknown or repeated placeholder "
                                 f"{{{field}}}; use {', '.join(f'{{{g}}}' for g in _GROUPS)}")
            seen.add(field)
            parts.append(_GROUPS[field])
        if "sku" not in seen:
            raise ValueError(f"naming pattern {pattern!r} must contain {{sku}}")
        self.pattern = pattern
        self._regex = re.compile("".join(parts), re.IGNORECASE)

    def match(self, filename: str) -> NamedLink | None:
        found = self._regex.fullmatch(filename)
        if found is None:
            return None
        groups = found.groupdict()
        role = groups.get("role")
        position = groups.get("position")
        return NamedLink(
            sku=groups["sku"],
            role=AssetRole(role.upper()) if role else None,
            position=int(position) if position else None,
        )
