"""Bulk jobs: definitions, claiming with leases, the runner loop."""
