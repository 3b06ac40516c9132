"""Rules for product fields; each violation is a BAD_USER_INPUT naming the field."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from hub.errors import BadUserInput

SKU_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}")
MAX_NAME_LENGTH = 300
MAX_DESCRIPTION_LENGTH = 20_000
MAX_ATTRIBUTE_KEY_LENGTH = 100
# Control characters: C0, DEL, C1.
_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f]")
# In file names and tags, also the bidirectional overrides that show "photo\u202egpj.exe" as
# "photoexe.jpg".
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# In running text, tabs and line breaks are fine.
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_INT64 = range(-(2**63), 2**63)


@dataclass(frozen=True)
class AttributeLimits:
    """How large a product's free-form attributes may be; set from Settings."""

    max_depth: int
    max_bytes: int
    max_keys: int


def clean_sku(sku: str) -> str:
    sku = sku.strip()
    if not SKU_PATTERN.fullmatch(sku):
        raise BadUserInput(
            f"SKU {sku!r} is not valid: use 1 to 64 letters, digits and . _ / -, "
            "starting with a letter or digit", field="sku",
        )
    return sku


def clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise BadUserInput("a product needs a name", field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise BadUserInput(f"name is longer than {MAX_NAME_LENGTH} characters", field="name")
    if _CONTROL_CHARACTERS.search(name):
        raise BadUserInput("name has control characters", field="name")
    return name


def clean_description(description: str | None) -> str:
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise BadUserInput(
            f"description is longer than {MAX_DESCRIPTION_LENGTH} characters", field="description"
        )
    if _CONTROL_IN_TEXT.search(description):
        raise BadUserInput("description has control characters other than tabs and line "
                           "breaks", field="description")
    return description


def clean_attributes(attributes: Any, limits: AttributeLimits) -> dict[str, Any]:
    """A JSON object within `limits`, with keys and values MongoDB can store as they are."""
    if attributes is None:
        return {}
    if not isinstance(attributes, dict):
        raise BadUserInput("attributes must be a JSON object", field="attributes")
    keys = _check_value(attributes, path="attributes", depth=0, limits=limits)
    if keys > limits.max_keys:
        raise BadUserInput(f"attributes have {keys} keys; at most {limits.max_keys} are allowed",
                           field="attributes")
    size = len(json.dumps(attributes, ensure_ascii=False, separators=(",", ":")).encode())
    if size > limits.max_bytes:
        raise BadUserInput(
            f"attributes take {size} bytes as JSON; at most {limits.max_bytes} are allowed",
            field="attributes",
        )
    return attributes


def _check_value(value: Any, *, path: str, depth: int, limits: AttributeLimits) -> int:
    """Check a value and what it holds; return how many keys it holds at all levels."""
    if depth > limits.max_depth:
        raise BadUserInput(f"{path} nests deeper than {limits.max_depth} levels",
                           field="attributes")
    if isinstance(value, str) and "\x00" in value:
        raise BadUserInput(f"{path} has a NUL character", field="attributes")
    if isinstance(value, int) and not isinstance(value, bool) and value not in _INT64:
        raise BadUserInput(f"{path} is a whole number beyond 64 bits; send it as a string",
                           field="attributes")
    if isinstance(value, float) and not math.isfinite(value):
        raise BadUserInput(f"{path} is not a finite number", field="attributes")
    keys = 0
    if isinstance(value, dict):
        for key, item in value.items():
            # MongoDB gives `$` and `.` meaning in field names.
            if not isinstance(key, str) or not key or key.startswith("$") or "." in key \
                    or "\x00" in key or len(key) > MAX_ATTRIBUTE_KEY_LENGTH:
                raise BadUserInput(
                    f"{path} has an invalid key {key!r}: keys are 1 to "
                    f"{MAX_ATTRIBUTE_KEY_LENGTH} characters, without '.', NUL or a leading '$'",
                    field="attributes",
                )
            keys += 1 + _check_value(item, path=f"{path}.{key}", depth=depth + 1, limits=limits)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            keys += _check_value(item, path=f"{path}[{index}]", depth=depth + 1, limits=limits)
    return keys


MAX_FILENAME_LENGTH = 255
MAX_TAG_LENGTH = 64


def clean_filename(filename: str | None) -> str:
    """A plain file name: no folders, no traversal, no control characters. Empty is allowed
    (the hub names the file after its type)."""
    filename = (filename or "").strip()
    if (
        "/" in filename or "\\" in filename or filename in {".", ".."}
        or _CONTROL.search(filename) or len(filename) > MAX_FILENAME_LENGTH
    ):
        raise BadUserInput(
            f"file name {filename[:80]!r} is not a plain file name: no folders, '..', control "
            f"characters, at most {MAX_FILENAME_LENGTH} characters", field="filename",
        )
    return filename


def clean_tags(tags: list[str] | None) -> list[str]:
    cleaned: list[str] = []
    for tag in tags or []:
        label = " ".join(tag.split())
        if not label or len(label) > MAX_TAG_LENGTH or _CONTROL.search(label):
            raise BadUserInput(f"tag {tag[:80]!r} must be 1 to {MAX_TAG_LENGTH} printable "
                               "characters", field="tags")
        if label.casefold() not in {existing.casefold() for existing in cleaned}:
            cleaned.append(label)
    return cleaned
