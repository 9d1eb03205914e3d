"""LLM stage: the causal LM turns the query and retrieved candidates into filters."""
