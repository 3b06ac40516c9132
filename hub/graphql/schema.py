"""The schema: every domain's queries, mutations and subscriptions merged, plus the hub's
extensions."""

from __future__ import annotations

from functools import partial
from typing import Any

import strawberry
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.tools import merge_types

from hub.config import Settings
from hub.graphql.audit.resolvers import AuditQueries
from hub.graphql.auth.resolvers import AuthMutations, AuthQueries
from hub.graphql.catalog.mutations import CatalogMutations
from hub.graphql.catalog.queries import CatalogQueries
from hub.graphql.core.cost import QueryCostLimiter
from hub.graphql.core.errors import ErrorCodes
from hub.graphql.core.store_calls import StoreCallsReport
from hub.graphql.jobs.resolvers import JobMutations, JobQueries, JobSubscriptions
from hub.graphql.media.mutations import MediaMutations
from hub.graphql.media.queries import MediaQueries
from hub.graphql.media.subscriptions import MediaSubscriptions
from hub.graphql.search.resolvers import SearchMutations, SearchQueries
from hub.graphql.webhooks.resolvers import WebhookMutations, WebhookQueries
from hub.graphql.websocket import FreshPerOperation

Query = merge_types("Query", (CatalogQueries, MediaQueries, SearchQueries, JobQueries,
                             AuditQueries, WebhookQueries, AuthQueries))
Mutation = merge_types("Mutation", (CatalogMutations, MediaMutations, SearchMutations,
                                    JobMutations, WebhookMutations, AuthMutations))
Subscription = merge_types("Subscription", (JobSubscriptions, MediaSubscriptions))


class HubSchema(strawberry.Schema):
    def process_errors(self, errors: Any, execution_context: Any = None) -> None:
        """Logging is ErrorCodes' job: it logs unexpected errors once, with their traceback,
        and leaves client errors (bad input, not found) out of the error log."""


def build_schema(settings: Settings) -> HubSchema:
    """The schema a hub serves: document limits and introspection follow its settings."""
    # Factories, not instances: Strawberry makes fresh extensions for every request.
    extensions: list[Any] = [
        partial(QueryDepthLimiter, max_depth=settings.max_query_depth),
        partial(MaxAliasesLimiter, max_alias_count=settings.max_aliases),
        partial(MaxTokensLimiter, max_token_count=settings.max_query_tokens),
        partial(QueryCostLimiter, max_cost=settings.max_query_cost),
        StoreCallsReport,
        FreshPerOperation,
        ErrorCodes,
    ]
    if not settings.introspection:
        extensions.insert(0, DisableIntrospection)
    return HubSchema(query=Query, mutation=Mutation, subscription=Subscription,
                     extensions=extensions)


# The contract (printed to graphql/schema.graphql); extensions do not change the SDL.
schema = HubSchema(query=Query, mutation=Mutation, subscription=Subscription,
                   extensions=[StoreCallsReport, ErrorCodes])
