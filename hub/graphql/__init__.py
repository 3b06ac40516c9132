"""The GraphQL API, split by domain like Saleor's: core/ plus one package per domain."""
