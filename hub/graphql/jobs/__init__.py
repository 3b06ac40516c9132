"""GraphQL for bulk jobs."""
