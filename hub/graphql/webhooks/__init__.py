"""GraphQL for webhook subscriptions."""
