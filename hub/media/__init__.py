"""Media files: storage, type sniffing, probing, renditions and delivery.

Nothing here knows MongoDB or Elasticsearch."""
