"""Shared GraphQL pieces: context, errors, pagination, extensions."""
