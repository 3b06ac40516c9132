"""The catalog: products in MongoDB (the source of truth) and the use cases that change them."""
