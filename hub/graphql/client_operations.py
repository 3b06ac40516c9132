"""The asset browser's GraphQL operations live in graphql/operations/*.graphql, one operation or
fragment per file, where the contract tests validate them against the schema and the typed
client example generates types for them. The page (plain ES modules, no build step) imports
them from hub/web/operations.js, which this module writes from those files:

    python -m hub.graphql.client_operations > hub/web/operations.js   (`make schema` does it)

Each operation becomes `export const SCREAMING_NAME`, with the fragments it spreads (and theirs)
appended; tests/test_contract.py fails when the written file is out of date."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from graphql.language import Visitor

from graphql import (
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    parse,
    visit,
)
from hub.config import PROJECT_ROOT

OPERATIONS_DIR = PROJECT_ROOT / "graphql" / "operations"
HEADER = """\
// Written by `make schema` from graphql/operations/*.graphql: edit those files, not this one.
// Every GraphQL operation the asset browser sends, with the fragments it spreads appended.
"""


class _Spreads(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        self.names.append(node.name.value)


def _spreads(text: str) -> list[str]:
    collector = _Spreads()
    visit(parse(text), collector)
    return collector.names


def export_name(definition_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", definition_name).upper()


def render_operations_module(folder: Path = OPERATIONS_DIR) -> str:
    fragments: dict[str, str] = {}
    operations: dict[str, str] = {}
    for path in sorted(folder.glob("*.graphql")):
        text = path.read_text()
        definitions = parse(text).definitions
        if len(definitions) != 1:
            raise ValueError(f"{path}: one operation or fragment per file")
        definition = definitions[0]
        assert isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode)
        assert definition.name is not None, f"{path}: operations need a name"
        target = fragments if isinstance(definition, FragmentDefinitionNode) else operations
        target[definition.name.value] = text.strip()
    exports = []
    for name, text in operations.items():
        needed: list[str] = []
        pending = _spreads(text)
        while pending:
            fragment = pending.pop(0)
            if fragment not in needed:
                needed.append(fragment)
                pending += _spreads(fragments[fragment])
        body = "\n\n".join([text, *(fragments[f] for f in needed)])
        exports.append(f"export const {export_name(name)} = `\n{body}\n`;\n")
    return HEADER + "\n" + "\n".join(exports)


if __name__ == "__main__":
    sys.stdout.write(render_operations_module())
