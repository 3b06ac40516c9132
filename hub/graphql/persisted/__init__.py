"""Persisted queries: GraphQL documents stored by their SHA-256, sent by hash instead of text."""
