"""Rules for product fields; each violation is a BAD_USER_INPUT naming the field."""

from __future__ import annotations

import json
import re
from typing import Any

from hub.errors import BadUserInput

SKU_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}")
MAX_NAME_LENGTH = 300
MAX_DESCRIPTION_LENGTH = 20_000
MAX_ATTRIBUTES_BYTES = 32_768
MAX_ATTRIBUTES_DEPTH = 8


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
    return name


def clean_description(description: str | None) -> str:
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise BadUserInput(
            f"description is longer than {MAX_DESCRIPTION_LENGTH} characters", field="description"
        )
    return description


def clean_attributes(attributes: Any) -> dict[str, Any]:
    if attributes is None:
        return {}
    if not isinstance(attributes, dict):
        raise BadUserInput("attributes must be a JSON object", field="attributes")
    _check_value(attributes, path="attributes", depth=0)
    size = len(json.dumps(attributes, ensure_ascii=False).encode())
    if size > MAX_ATTRIBUTES_BYTES:
        raise BadUserInput(
            f"attributes take {size} bytes; at most {MAX_ATTRIBUTES_BYTES} are allowed",
            field="attributes",
        )
    return attributes


def _check_value(value: Any, *, path: str, depth: int) -> None:
    if depth > MAX_ATTRIBUTES_DEPTH:
        raise BadUserInput(f"{path} nests deeper than {MAX_ATTRIBUTES_DEPTH} levels",
                           field="attributes")
    if isinstance(value, dict):
        for key, item in value.items():
            # MongoDB gives `$` and `.` meaning in field names.
            if not isinstance(key, str) or not key or key.startswith("$") or "." in key \
                    or "\x00" in key or len(key) > 100:
                raise BadUserInput(
                    f"{path} has an invalid key {key!r}: keys are 1 to 100 characters, "
                    "without '.', NUL or a leading '$'", field="attributes",
                )
            _check_value(item, path=f"{path}.{key}", depth=depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_value(item, path=f"{path}[{index}]", depth=depth + 1)
