"""Embedding stage: catalog value index and per-query candidate retrieval."""
