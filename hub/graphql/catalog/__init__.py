"""GraphQL for products: types, queries, mutations, dataloaders."""
