"""Local PostgreSQL + FerretDB and Elasticsearch servers for development and tests.

Production talks to real MongoDB and Elasticsearch (see docker-compose.yml); this package only
provisions and supervises the servers that `hub services up` runs on a developer's machine.
"""
