"""LLM stage: the causal LM settles the decisions the context leaves open by scoring short
answers (never generating), then the filters are assembled and validated."""
