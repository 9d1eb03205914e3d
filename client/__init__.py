"""Python client and CLI for the NLP2Filters REST API."""
from client.api import APIError, Client

__all__ = ["APIError", "Client"]
