"""Reports in `extensions.storeCalls` how many MongoDB commands and Elasticsearch requests an
operation cost (when `report_store_calls` is on), so N+1 patterns are visible from outside."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

from hub.store_calls import StoreCalls, count_store_calls


class StoreCallsReport(SchemaExtension):
    calls: StoreCalls | None = None

    def on_operation(self) -> Iterator[None]:
        with count_store_calls() as calls:
            self.calls = calls
            yield

    def get_results(self) -> dict[str, Any]:
        settings = getattr(self.execution_context.context, "settings", None)
        if self.calls is None or settings is None or not settings.report_store_calls:
            return {}
        return {"storeCalls": {"mongo": self.calls.mongo,
                               "elasticsearch": self.calls.elasticsearch}}
