"""One blueprint per resource of the public contract."""
