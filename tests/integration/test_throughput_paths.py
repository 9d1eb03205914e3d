"""Micro-batching and caches on the real pipeline: same results, fewer model calls."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT
from tests.integration.conftest import clear_caches, work

pytestmark = pytest.mark.integration
CASES = ROOT / "tests" / "cases" / "laptops.cases.jsonl"
DEV = ROOT.parent / "shared" / "eval" / "products.dev.jsonl"


def submit_all(api: str, catalog: str, texts: list[str]) -> list[str]:
    return [requests.post(f"{api}/api/v1/queries", json={"text": t, "catalog": catalog},
                          timeout=10).json()["job_id"] for t in texts]


def run(api, r, settings, catalog: str, texts: list[str], mode: str) -> tuple[list, int]:
    """Results of `texts` with every stage's worker in `mode`; and the largest batch seen."""
    ids = submit_all(api, catalog, texts)
    biggest = 1
    for stage in ("embedding", "llm"):
        worker = work(r, settings.model_copy(update={"worker_mode": mode}), stage)
        biggest = max([biggest, *getattr(worker, "batch_sizes", [])])
    bodies = [requests.get(f"{api}/api/v1/jobs/{i}", timeout=10).json() for i in ids]
    assert [b["status"] for b in bodies] == ["finished"] * len(texts), bodies
    return [b["result"] for b in bodies], biggest


def texts_of(path: Path) -> list[str]:
    return [json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()]


def test_batched_and_unbatched_results_are_identical(api, redis_conn, live_settings, laptops):
    texts = texts_of(CASES)
    one_by_one, biggest = run(api, redis_conn, live_settings, "laptops", texts, "simple")
    assert biggest == 1
    clear_caches(redis_conn)
    batched, biggest = run(api, redis_conn, live_settings, "laptops", texts, "microbatch")
    assert biggest == len(texts)  # all of them in one batch per stage
    assert batched == one_by_one


@pytest.mark.skipif(not DEV.exists(), reason="the dev cases live beside the repo (../shared)")
def test_batched_and_unbatched_agree_on_the_dev_cases(api, redis_conn, live_settings):
    catalog = json.loads((DEV.parent / "products.catalog.json").read_text())
    requests.put(f"{api}/api/v1/catalogs/{catalog['name']}", json=catalog, timeout=30)
    work(redis_conn, live_settings, "embedding")
    texts = texts_of(DEV)
    one_by_one, _ = run(api, redis_conn, live_settings, catalog["name"], texts, "simple")
    clear_caches(redis_conn)
    batched, biggest = run(api, redis_conn, live_settings, catalog["name"], texts, "microbatch")
    assert biggest > 1
    assert batched == one_by_one


def test_a_repeated_query_is_a_cache_hit_that_finishes_at_once(api, redis_conn, live_settings,
                                                                laptops):
    text = "lenovo thinkpad for my grandmother"
    (first,), _ = run(api, redis_conn, live_settings, "laptops", [text], "microbatch")
    stats = requests.get(f"{api}/api/v1/cache", timeout=10).json()
    assert stats["results"]["misses"] == 1 and stats["results"]["hits"] == 0
    assert stats["embeddings"]["entries"] > 0
    resp = requests.post(f"{api}/api/v1/queries", json={"text": text, "catalog": "laptops"},
                         timeout=10)
    assert resp.status_code == 202
    assert resp.json()["status"] == "finished" and resp.json()["cached"] is True
    body = requests.get(f"{api}/api/v1/jobs/{resp.json()['job_id']}", timeout=10).json()
    assert body["status"] == "finished" and body["result"] == first and body["cached"] is True
    assert requests.get(f"{api}/api/v1/cache", timeout=10).json()["results"]["hits"] == 1
    # A new text sharing phrases reuses their embeddings.
    before = requests.get(f"{api}/api/v1/cache", timeout=10).json()["embeddings"]["hits"]
    run(api, redis_conn, live_settings, "laptops", [text + " please"], "microbatch")
    assert requests.get(f"{api}/api/v1/cache", timeout=10).json()["embeddings"]["hits"] > before


def test_kv_cache_reuse_scores_like_whole_rows(live_settings):
    """Each LLM_KV_REUSE mode, in a batch or alone, gives the same log-likelihoods."""
    from llm_worker.model import LanguageModel, load_weights

    texts = ["red shoes for running", "cheap laptop for my grandmother", "a blue dress"]
    pairs = [([{"role": "system", "content": "You extract search filters."},
               {"role": "user", "content": t}], answer)
             for t in texts for answer in ("color: red", "color: any", "brand: Dell XPS 13")]
    weights = load_weights(live_settings)
    scores = {}
    for mode in ("none", "prompt", "shared"):
        model = LanguageModel(*weights, live_settings.model_copy(update={"llm_kv_reuse": mode}))
        scores[mode] = model.score(pairs)
    alone = [model.score([p])[0] for p in pairs]  # shared: the last call's prefix is reused
    for got in (scores["prompt"], scores["shared"], alone):
        assert got == pytest.approx(scores["none"], abs=1e-4)
    assert len(set(round(x, 3) for x in scores["none"])) > 3  # real, distinct scores
