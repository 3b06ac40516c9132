"""Webhooks: PIM and webshop systems subscribe to events and receive signed deliveries."""
