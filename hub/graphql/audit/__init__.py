"""GraphQL for the media audit."""
