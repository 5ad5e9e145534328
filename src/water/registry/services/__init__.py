"""Writes of the registry: clients and their settings, properties, documents, customers."""
