"""The schema: every domain's queries and mutations merged, plus the hub's extensions."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.tools import merge_types

from hub.graphql.audit.resolvers import AuditQueries
from hub.graphql.catalog.mutations import CatalogMutations
from hub.graphql.catalog.queries import CatalogQueries
from hub.graphql.core.errors import ErrorCodes
from hub.graphql.core.store_calls import StoreCallsReport
from hub.graphql.jobs.resolvers import JobMutations, JobQueries
from hub.graphql.media.mutations import MediaMutations
from hub.graphql.media.queries import MediaQueries
from hub.graphql.search.resolvers import SearchMutations, SearchQueries
from hub.graphql.webhooks.resolvers import WebhookMutations, WebhookQueries

Query = merge_types("Query", (CatalogQueries, MediaQueries, SearchQueries, JobQueries,
                             AuditQueries, WebhookQueries))
Mutation = merge_types("Mutation", (CatalogMutations, MediaMutations, SearchMutations,
                                    JobMutations, WebhookMutations))


class HubSchema(strawberry.Schema):
    def process_errors(self, errors: Any, execution_context: Any = None) -> None:
        """Logging is ErrorCodes' job: it logs unexpected errors once, with their traceback,
        and leaves client errors (bad input, not found) out of the error log."""


schema = HubSchema(query=Query, mutation=Mutation, extensions=[StoreCallsReport, ErrorCodes])
