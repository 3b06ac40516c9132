"""API tokens over GraphQL."""
