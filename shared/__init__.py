"""Code every NLP2Filters service shares: settings, Redis keys, schemas, job state.

Nothing in here imports a service package or a model library, so the backend
image stays free of torch.
"""
