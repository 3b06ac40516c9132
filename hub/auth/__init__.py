"""Who may do what: API tokens with roles, and per-token rate limits."""
