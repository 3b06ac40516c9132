"""Document models shared by MongoDB, Elasticsearch and the services (pydantic)."""
