"""The one settings object, read from the environment (and `.env`) once per process."""
from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PRIORITIES = ("high", "normal", "low")


class Settings(BaseSettings):
    """Every tunable of every service; `.env.example` documents each variable."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    redis_url: str = "redis://127.0.0.1:6379/0"
    embedding_queue: str = "embedding"
    llm_queue: str = "llm"

    # Empty model locations mean "the model shipped in the PyPI package".
    embedding_model: str = ""
    llm_model: str = ""
    llm_gguf_file: str = "SmolLM2-135M-Instruct.Q4_1.gguf"
    llm_arbiter: bool = True
    llm_keep_margin: float = 7.0
    llm_flag_margin: float = 3.0
    llm_batch_size: int = Field(32, ge=1, le=512)
    llm_kv_reuse: str = Field("shared", pattern="^(none|prompt|shared)$")
    torch_threads: int = Field(1, ge=0, description="0 = torch's default (all cores)")

    # How model workers run jobs; batches are formed across requests (see shared/microbatch.py).
    worker_mode: str = Field("microbatch", pattern="^(microbatch|simple|fork)$")
    embedding_max_batch: int = Field(128, ge=1, le=1024)
    embedding_max_wait_ms: float = Field(5.0, ge=0, le=1000)
    llm_max_batch: int = Field(128, ge=1, le=1024)
    llm_max_wait_ms: float = Field(10.0, ge=0, le=1000)
    llm_token_budget: int = Field(8192, ge=0)

    # Redis caches, bounded by entries and TTL (0 entries = off).
    embedding_cache_size: int = Field(50_000, ge=0)
    result_cache_size: int = Field(20_000, ge=0)
    cache_ttl_seconds: int = Field(86_400, ge=1)

    result_ttl_seconds: int = Field(86_400, ge=60)
    job_ttl_seconds: int = Field(86_400, ge=60)
    job_timeout_seconds: int = Field(300, ge=5)
    rq_result_ttl_seconds: int = Field(300, ge=0)

    # Reliability: retries with exponential backoff, abandoned-job detection, lost-job recovery.
    job_retries: int = Field(3, ge=0, le=10)
    retry_backoff_seconds: float = Field(1.0, ge=0, le=300)
    heartbeat_seconds: int = Field(20, ge=2, le=3600)
    maintenance_interval_seconds: int = Field(10, ge=1, le=3600)
    stall_seconds: int = Field(120, ge=5)
    recoveries: int = Field(3, ge=0, le=10)

    max_text_length: int = Field(500, ge=1)
    max_batch_texts: int = Field(100_000, ge=1)
    batch_chunk_size: int = Field(64, ge=1, le=1024)
    batch_ttl_seconds: int = Field(7 * 86_400, ge=60)
    webhook_allow_private: bool = False
    webhook_timeout_seconds: float = Field(5.0, gt=0)
    webhook_attempts: int = Field(3, ge=1, le=10)
    max_body_bytes: int = Field(64 * 1024 * 1024, ge=1024)
    max_catalog_fields: int = Field(200, ge=1)
    max_enum_values: int = Field(100_000, ge=1)

    embed_batch_size: int = Field(64, ge=1)
    retrieval_top_k: int = Field(5, ge=1, le=50)
    semantic_min_score: float = Field(0.7, ge=0.0, le=1.0)
    semantic_accept_score: float = Field(0.85, ge=0.0, le=1.0)
    retrieval_max_ngram: int = Field(3, ge=1, le=6)

    cors_origins: str = "http://localhost:8080,http://127.0.0.1:8080"
    api_keys: str = Field("", repr=False)
    rate_limit: str = "10000/minute"
    rate_limit_submit: str = "100/second"
    rate_limit_slice: float = Field(0.02, ge=0, le=0.1)
    trusted_proxies: int = Field(0, ge=0, le=5)
    sse_max_seconds: int = Field(120, ge=1, le=3600)
    # At least 0.1 s: a client that long-polls in a loop then asks at most 10 times a second.
    wait_max_seconds: float = Field(30.0, ge=0.1, le=30)
    log_level: str = "INFO"
    log_format: str = Field("json", pattern="^(json|text)$")

    def queue_name(self, stage: str, priority: str = "normal") -> str:
        """Normal priority uses the bare stage queue; the others get a suffix."""
        base = self.embedding_queue if stage == "embedding" else self.llm_queue
        return base if priority == "normal" else f"{base}-{priority}"

    def queue_names(self, stage: str) -> list[str]:
        """Highest priority first: RQ drains the queues in the order given."""
        return [self.queue_name(stage, p) for p in PRIORITIES]

    def retry_intervals(self) -> list[float]:
        """Exponential backoff: base, 2 x base, 4 x base, ..."""
        return [self.retry_backoff_seconds * 2 ** i for i in range(self.job_retries)]

    @property
    def api_key_list(self) -> list[str]:
        return [k.strip() for k in self.api_keys.split(",") if k.strip()]

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
