"""Media files: storage, type sniffing, probing, renditions, delivery (no MongoDB or Elasticsearch here)."""
