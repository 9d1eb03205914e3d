"""`make bench`: how close each way of running the pipeline gets to the models' limit.

One run, on this machine, with the real models, a private redis-server, the gunicorn
backend and real worker processes:
  raw            the stages' model calls in this process, one query at a time and in
                 the best batch size (the limit the workers are compared with),
  naive          one RQ job per text per stage, RQ's default forking Worker,
  simple         one job per text, in-process worker (RQ SimpleWorker), no batching,
  microbatch     the micro-batching workers, 1 replica per stage,
  microbatch-2x2 2 embedding + 2 LLM replicas on the same 2 cores,
  cached         micro-batching with the Redis caches on, the same burst sent again.
Each at concurrency 1 (lone queries, one after another) and as a burst of N queries
sent by 32 client threads. Caches are off except in `cached`, so every strategy
computes every query. Workers run with TORCH_THREADS=1 (the default: one thread per
replica, replicas x threads <= cores); the raw limit uses every core in one process. Writes bench/results/strategies.json and strategies.png.

usage: python bench/strategies.py [--burst 512] [--single 20] [--catalog FILE]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from stack import Stack  # noqa: E402 - after the path set-up
from workload import requests_for  # noqa: E402

from shared.statuses import TERMINAL_JOB, JobStatus  # noqa: E402

if TYPE_CHECKING:  # the models load only where raw_limits runs
    from embedding_worker.analysis import AnalysisConfig
    from embedding_worker.index import CatalogIndex
    from embedding_worker.model import EmbeddingModel
    from llm_worker.context import LLMContext
    from shared.schemas import Catalog

NO_CACHE = {"EMBEDDING_CACHE_SIZE": "0", "RESULT_CACHE_SIZE": "0"}
STRATEGIES: list[tuple[str, str, dict[str, str], int]] = [
    ("naive", "1 job/text, forking Worker", {"WORKER_MODE": "fork", **NO_CACHE}, 1),
    ("simple", "1 job/text, in-process", {"WORKER_MODE": "simple", **NO_CACHE}, 1),
    ("microbatch", "micro-batching, 1+1", {"WORKER_MODE": "microbatch", **NO_CACHE}, 1),
    ("microbatch-2x2", "micro-batching, 2+2",
     {"WORKER_MODE": "microbatch", **NO_CACHE}, 2),
    ("cached", "micro-batching + caches, repeated", {"WORKER_MODE": "microbatch"}, 1),
]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


# ----------------------------------------------------------------------------- raw limit
def raw_limits(catalog_body: dict, texts: list[str],
               single_threads: int | None = None) -> dict[str, Any]:
    """Each stage's own computation in this process, fed directly (no Redis, RQ, HTTP):
    the embedding stage's analysis with its batched model call, the LLM stage's
    arbitration, assembly and validation; one query at a time and in batches of queries.
    The model calls alone are reported too (`model_only`). The lone-query compute runs
    with `single_threads` torch threads (default: every core, as the limit does)."""
    from embedding_worker.index import build
    from embedding_worker.model import EmbeddingModel
    from embedding_worker.tasks import analysis_config
    from llm_worker.context import LLMContext
    from llm_worker.model import LanguageModel
    from llm_worker.tasks import resolve
    from shared.schemas import Catalog
    from shared.settings import get_settings

    import torch
    from redis import Redis

    settings = get_settings()
    emb = EmbeddingModel.load(settings)
    llm = LLMContext(redis=Redis.from_url(settings.redis_url), settings=settings,
                     model=LanguageModel.load(settings))  # the stage reads no Redis here
    torch.set_num_threads(os.cpu_count() or 1)  # the limit: one process with every core
    catalog = Catalog.model_validate(catalog_body)
    index = build(catalog, 1, emb.encode)
    config = analysis_config(settings)
    analyse_batch = _batch_analyser(catalog, index, config, emb)
    analyses = analyse_batch(texts)
    ngrams, pairs = _model_demands(texts, catalog, index, config, emb)
    embedding = _throughput(len(texts), lambda a, b: texts[a:b], analyse_batch)
    llm_stage = _throughput(len(texts), lambda a, b: [(t, x) for t, x in
                                                      zip(texts[a:b], analyses[a:b])],
                            lambda batch: resolve(llm, batch, catalog, 1))
    model_only = {
        "embedding": _throughput(len(texts), lambda a, b: _distinct(ngrams, a, b),
                                 lambda xs: emb.encode(xs) if xs else None),
        "llm": _throughput(len(texts), lambda a, b: _distinct(pairs, a, b),
                           lambda xs: llm.model.score(list(xs)) if xs else None)}
    torch.set_num_threads(single_threads or os.cpu_count() or 1)
    single_ms = _lone_query_ms(texts[:64], analyses[:64], analyse_batch, catalog, llm)
    slowest = min(("embedding", embedding), ("llm", llm_stage), key=lambda kv: kv[1]["qps_best"])
    return {"embedding": embedding, "llm": llm_stage, "model_only": model_only,
            "slowest_stage": slowest[0], "limit_qps": slowest[1]["qps_best"],
            "ngrams_per_query": round(statistics.mean(len(n) for n in ngrams), 2),
            "scored_sequences_per_query": round(statistics.mean(len(p) for p in pairs), 3),
            "single_compute_ms_p50": round(statistics.median(single_ms), 2),
            "single_compute_threads": torch.get_num_threads()}


def _batch_analyser(catalog: Catalog, index: CatalogIndex, config: AnalysisConfig,
                    emb: EmbeddingModel) -> Callable[[list[str]], list]:
    """The embedding stage's analysis of a batch of texts of one catalog, with one batched
    model call, as its worker runs it."""
    from embedding_worker.analysis import analyse
    from embedding_worker.batch_embedding import analyse_many

    def analyse_batch(batch: list[str]) -> list:
        return analyse_many(batch, lambda t, embed: analyse(t, catalog, index, embed,
                                                            emb.is_word, config),
                            emb.encode, emb.dimension)

    return analyse_batch


def _model_demands(texts: list[str], catalog: Catalog, index: CatalogIndex,
                   config: AnalysisConfig, emb: EmbeddingModel,
                   ) -> tuple[list[list[str]], list[list[tuple[str, str]]]]:
    """What each query asks of the models: the n-grams its analysis embeds, and the
    (prompt, answer) pairs the LLM stage scores for its questions."""
    from embedding_worker.analysis import analyse
    from llm_worker.arbiter import questions
    from shared.settings import get_settings

    settings = get_settings()
    ngrams, pairs = [], []
    for text in texts:
        seen: dict[str, None] = {}

        def record(batch: list[str], seen=seen):
            seen.update(dict.fromkeys(batch))
            return emb.encode(batch)

        a = analyse(text, catalog, index, record, emb.is_word, config)
        ngrams.append(list(seen))
        qs = questions(text, a["proposals"], a["decisions"], settings.llm_keep_margin,
                       settings.llm_flag_margin)
        pairs.append([(prompt, answer) for q in qs
                      for prompt, answer in zip(q.prompts, q.answers)])
    return ngrams, pairs


def _throughput(n: int, batches: Callable[[int, int], Any], fn: Callable[[Any], Any],
                sizes: tuple[int, ...] = (1, 8, 16, 32, 64, 128)) -> dict[str, Any]:
    """Queries per second of `fn` over n queries fed in batches of each size (`batches(a,
    b)` is what queries a to b give it), and the best size."""
    per_size = {}
    for size in sizes:
        t = time.perf_counter()
        for k in range(0, n, size):
            fn(batches(k, k + size))
        per_size[size] = round(n / (time.perf_counter() - t), 1)
    best = max(per_size, key=per_size.get)
    return {"qps_by_batch": per_size, "best_batch": best, "qps_batch1": per_size[1],
            "qps_best": per_size[best]}


def _distinct(rows: list[list[Any]], a: int, b: int) -> list[Any]:
    """What rows a to b ask for, each once (a batch's model inputs, shared ones once)."""
    return list(dict.fromkeys(x for row in rows[a:b] for x in row))


def _lone_query_ms(texts: list[str], analyses: list, analyse_batch: Callable[[list[str]], list],
                   catalog: Catalog, llm: LLMContext) -> list[float]:
    """Milliseconds of both stages' computation for each query alone (a batch of one)."""
    from llm_worker.tasks import resolve

    single_ms = []
    for text, a in zip(texts, analyses):
        t = time.perf_counter()
        analyse_batch([text])
        resolve(llm, [(text, a)], catalog, 1)
        single_ms.append(1000 * (time.perf_counter() - t))
    return single_ms


def cpu_seconds(procs: dict[str, list[psutil.Process]]) -> dict[str, float]:
    out = {}
    for role, group in procs.items():
        total = 0.0
        for p in group:
            try:
                t = p.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
            except psutil.NoSuchProcess:
                pass
        out[role] = total
    return out


def peak_rss_mb(procs: dict[str, list[psutil.Process]]) -> dict[str, float]:
    """Largest VmHWM (peak resident set) of one process per role."""
    out = {}
    for role, group in procs.items():
        peaks = []
        for p in group:
            try:
                status = Path(f"/proc/{p.pid}/status").read_text()
                peaks.append(int(next(line.split()[1] for line in status.splitlines()
                                      if line.startswith("VmHWM"))) / 1024)
            except (OSError, StopIteration):
                pass
        out[role] = round(max(peaks, default=0.0), 1)
    return out


# ----------------------------------------------------------------------------- phases
_local = threading.local()


def session() -> requests.Session:
    """One keep-alive connection per client thread, as a real client would hold."""
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


def submit(stack: Stack, catalog: str, text: str) -> str:
    resp = session().post(f"{stack.api}/api/v1/queries", json={"text": text, "catalog": catalog},
                          timeout=60)
    resp.raise_for_status()
    return resp.json()["job_id"]


def server_times(stack: Stack, job_ids: list[str]) -> list[tuple[str, float, float]]:
    """(status, created, last update) of each job, from its record in Redis."""
    with stack.r.pipeline(transaction=False) as p:
        for j in job_ids:
            p.hmget(f"job:{j}", ["status", "created_at", "updated_at"])
        rows = p.execute()
    parse = lambda v: dt.datetime.fromisoformat(v.decode()).timestamp()  # noqa: E731
    return [(s.decode(), parse(c), parse(u)) for s, c, u in rows]


def lone_queries(stack: Stack, catalog: str, texts: list[str]) -> dict[str, Any]:
    """One query at a time; latency seen by a client polling every 2 ms."""
    client_ms = []
    for text in texts:
        t = time.perf_counter()
        job_id = submit(stack, catalog, text)
        while True:
            body = session().get(f"{stack.api}/api/v1/jobs/{job_id}", timeout=10).json()
            if body["status"] in TERMINAL_JOB:
                break
            time.sleep(0.002)
        client_ms.append(1000 * (time.perf_counter() - t))
    return {"n": len(texts), "p50_ms": round(statistics.median(client_ms), 1),
            "p95_ms": round(pct(client_ms, 95), 1), "qps": round(len(texts) / sum(client_ms) *
                                                                 1000, 2)}


def burst(stack: Stack, catalog: str, texts: list[str], timeout: float = 900) -> dict[str, Any]:
    """All texts at once (32 client threads); figures from the jobs' own timestamps."""
    procs = stack.processes()
    cpu0, t0 = cpu_seconds(procs), time.perf_counter()
    with ThreadPoolExecutor(32) as pool:
        ids = list(pool.map(lambda t: submit(stack, catalog, t), texts))
    submitted = time.perf_counter() - t0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        times = server_times(stack, ids)
        if all(s in TERMINAL_JOB for s, _, _ in times):
            break
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    cpu1 = cpu_seconds(procs)
    lat = [1000 * (u - c) for s, c, u in times if s == JobStatus.FINISHED]
    span = max(u for _, _, u in times) - min(c for _, c, _ in times)
    return {"n": len(texts), "finished": len(lat),
            "failed": sum(s != JobStatus.FINISHED for s, _, _ in times),
            "qps": round(len(lat) / span, 2), "submit_s": round(submitted, 2), "p50_ms": round(statistics.median(lat), 1),
            "p95_ms": round(pct(lat, 95), 1),
            "cpu_percent": {k: round(100 * (cpu1[k] - cpu0[k]) / wall) for k in cpu0},
            "peak_rss_mb": peak_rss_mb(procs)}


def run_strategy(stack: Stack, catalog: dict, env: dict[str, str], replicas: int,
                 lone: list[str], many: list[str], repeat: bool) -> dict[str, Any]:
    stack.start(env, replicas)
    try:
        stack.register(catalog)
        lone_queries(stack, catalog["name"], lone[:3])  # warm-up, not counted
        if repeat:  # the cached strategy: fill the caches, then measure the same requests
            lone_queries(stack, catalog["name"], lone)
            burst(stack, catalog["name"], many)
        return {"single": lone_queries(stack, catalog["name"], lone),
                "burst": burst(stack, catalog["name"], many)}
    finally:
        stack.stop()


# ----------------------------------------------------------------------------- report
def report(out: dict[str, Any]) -> str:
    limit, raw = out["raw"]["limit_qps"], out["raw"]
    naive = out["strategies"].get("naive", {}).get("burst", {}).get("qps", float("nan"))
    lines = [f"raw limit: {limit:.1f} q/s ({raw['slowest_stage']} stage, best batch "
             f"{raw[raw['slowest_stage']]['best_batch']}); raw batch 1: embedding "
             f"{raw['embedding']['qps_batch1']:.1f} q/s, llm {raw['llm']['qps_batch1']:.1f} q/s; "
             f"lone-query model compute p50 {raw['single_compute_ms_p50']:.1f} ms",
             "",
             f"{'strategy':<16}{'burst q/s':>10}{'of limit':>9}{'x naive':>8}{'submit s':>9}"
             f"{'p50 ms':>9}"
             f"{'p95 ms':>9}{'lone p50':>9}{'lone p95':>9}  cpu% emb/llm/api/redis   peak RSS MB "
             "emb/llm/api"]
    for name, s in out["strategies"].items():
        b, lone = s["burst"], s["single"]
        cpu, rss = b["cpu_percent"], b["peak_rss_mb"]
        lines.append(f"{name:<16}{b['qps']:>10.1f}{b['qps'] / limit:>9.0%}{b['qps'] / naive:>8.1f}"
                     f"{b['submit_s']:>9.2f}{b['p50_ms']:>9.0f}{b['p95_ms']:>9.0f}{lone['p50_ms']:>9.0f}"
                     f"{lone['p95_ms']:>9.0f}  {cpu['embedding']}/{cpu['llm']}/{cpu['backend']}/"
                     f"{cpu['redis']:<12} {rss['embedding']:.0f}/{rss['llm']:.0f}/"
                     f"{rss['backend']:.0f}")
    return "\n".join(lines)


def chart(out: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(out["strategies"])
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.5))
    a.bar(names, [out["strategies"][n]["burst"]["qps"] for n in names], color="#3b6ea5")
    a.axhline(out["raw"]["limit_qps"], color="#c0392b", linestyle="--",
              label=f"raw batched limit ({out['raw']['limit_qps']:.0f} q/s)")
    a.axhline(0.7 * out["raw"]["limit_qps"], color="#e67e22", linestyle=":", label="70% target")
    a.set_title(f"Burst of {out['burst_size']} queries: throughput")
    a.set_ylabel("queries / s")
    a.legend(fontsize=8)
    b.bar(names, [out["strategies"][n]["single"]["p50_ms"] for n in names], color="#5b8c5a")
    b.axhline(out["raw"]["single_compute_ms_p50"] + 50, color="#c0392b", linestyle="--",
              label="raw lone-query compute + 50 ms")
    b.set_title("Lone query (concurrency 1): p50 latency")
    b.set_ylabel("ms")
    b.legend(fontsize=8)
    for ax in (a, b):
        ax.tick_params(axis="x", rotation=20, labelsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--burst", type=int, default=512)
    parser.add_argument("--single", type=int, default=20)
    parser.add_argument("--catalog", default=str(ROOT / "demo" / "laptops.catalog.json"))
    parser.add_argument("--only", nargs="*", help="strategy names to run (naive is needed "
                                                   "for the x-naive column)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    catalog = json.loads(Path(args.catalog).read_text())
    texts = requests_for(catalog, args.burst + args.single)
    lone, many = texts[:args.single], texts[args.single:]
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)

    print(f"raw model calls for {len(many)} requests ...", flush=True)
    out: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
                           "catalog": catalog["name"], "burst_size": len(many),
                           "single_size": len(lone), "raw": raw_limits(catalog, many),
                           "strategies": {}}
    stack = Stack(Path(tempfile.mkdtemp(prefix="bench-redis-")))
    try:
        for name, label, env, replicas in STRATEGIES:
            if args.only and name not in args.only:
                continue
            print(f"{name}: {label} ...", flush=True)
            out["strategies"][name] = {"label": label, "replicas_per_stage": replicas,
                                       "env": env, **run_strategy(
                                           stack, catalog, env, replicas, lone, many,
                                           repeat=name == "cached")}
    finally:
        stack.close()
    (out_dir / "strategies.json").write_text(json.dumps(out, indent=2))
    chart(out, out_dir / "strategies.png")
    print(report(out))
    print(f"\nwrote {out_dir / 'strategies.json'} and {out_dir / 'strategies.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
