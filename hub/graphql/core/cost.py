"""A cost limit for list fields: refuse, before anything runs, a document that would make the
hub resolve too many objects (e.g. 100 products x their assets x those assets' products x ...).

The estimate walks the operation with the request's variables: every selected field costs one
per object it is resolved on; a field with a page size (`first`, `last`, `limit`) multiplies
what is below it by that size, and a list without one (an asset's renditions, a product's
assets) by LIST_SIZE_GUESS. A connection's `edges` under a sized field are not counted twice."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql.execution import ExecutionResult
from strawberry.extensions import SchemaExtension

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    value_from_ast,
)
from hub.errors import ErrorCode, HubError

SIZE_ARGUMENTS = ("first", "last", "limit")
DEFAULT_PAGE_SIZE = 20  # what a null or missing page size means to the resolvers
LIST_SIZE_GUESS = 10


class DocumentTooComplex(HubError):
    code = ErrorCode.GRAPHQL_VALIDATION_FAILED


class QueryCostLimiter(SchemaExtension):
    """Strawberry extension; make one per request with `partial(QueryCostLimiter, max_cost=N)`."""

    def __init__(self, *, max_cost: int) -> None:
        self.max_cost = max_cost

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            estimate = DocumentCost(context.schema._schema, document.definitions,
                                    context.variables or {})
            operation = estimate.operation(context.operation_name)
            cost = estimate.of(operation) if operation else 0
            if cost > self.max_cost:
                refusal = DocumentTooComplex(
                    f"the query would resolve about {cost} fields, more than the limit of "
                    f"{self.max_cost}: ask for smaller pages (`first`) or fewer nested lists",
                    cost=cost, maxCost=self.max_cost)
                context.result = ExecutionResult(
                    data=None, errors=[GraphQLError(refusal.message, original_error=refusal)])
        yield


class DocumentCost:
    def __init__(self, schema: GraphQLSchema, definitions: Any,
                 variables: dict[str, Any]) -> None:
        self.schema = schema
        self.variables = variables
        self.definitions = list(definitions)
        self.fragments = {d.name.value: d for d in self.definitions
                          if isinstance(d, FragmentDefinitionNode)}

    def operation(self, name: str | None) -> OperationDefinitionNode | None:
        operations = [d for d in self.definitions if isinstance(d, OperationDefinitionNode)]
        if name is None:
            return operations[0] if len(operations) == 1 else None
        return next((o for o in operations if o.name and o.name.value == name), None)

    def of(self, operation: OperationDefinitionNode) -> int:
        root = self.schema.get_root_type(operation.operation)
        return self._selection(operation.selection_set, root, 1, sized_parent=False, seen=())

    def _selection(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None,
                   multiplier: int, *, sized_parent: bool, seen: tuple[str, ...]) -> int:
        if selection_set is None or not isinstance(parent, GraphQLObjectType | None):
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field(selection, parent, multiplier, sized_parent, seen)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self._selection(selection.selection_set, target, multiplier,
                                         sized_parent=sized_parent, seen=seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:  # validation reports these
                    continue
                target = self.schema.get_type(fragment.type_condition.name.value)
                total += self._selection(fragment.selection_set, target, multiplier,
                                         sized_parent=sized_parent, seen=(*seen, name))
        return total

    def _field(self, node: FieldNode, parent: GraphQLObjectType | None, multiplier: int,
               sized_parent: bool, seen: tuple[str, ...]) -> int:
        definition = parent.fields.get(node.name.value) if parent else None
        if definition is None:  # __typename, or unknown (validation reports it)
            return multiplier
        size = self._page_size(node, definition)
        below = multiplier
        if size is not None:
            below *= size
        elif _is_list(definition) and not sized_parent:
            below *= LIST_SIZE_GUESS
        return multiplier + self._selection(node.selection_set, get_named_type(definition.type),
                                            below, sized_parent=size is not None, seen=seen)

    def _page_size(self, node: FieldNode, definition: GraphQLField) -> int | None:
        for name in SIZE_ARGUMENTS:
            argument = definition.args.get(name)
            if argument is None:
                continue
            given = next((a for a in node.arguments or () if a.name.value == name), None)
            value = value_from_ast(given.value, argument.type, self.variables) if given \
                else argument.default_value
            return max(0, value) if isinstance(value, int) else DEFAULT_PAGE_SIZE
        return None


def _is_list(field: GraphQLField) -> bool:
    kind = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    return isinstance(kind, GraphQLList)
