"""GraphQL for finding assets: keywords, meaning, likeness."""
