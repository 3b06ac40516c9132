"""GraphQL for media assets: types, queries, mutations, dataloaders."""
