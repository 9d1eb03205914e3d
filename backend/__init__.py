"""The REST API: validates, enqueues on RQ and reads Redis. It never runs a model."""
