"""Elasticsearch: the derived, rebuildable read model behind every list, filter and search."""
