"""`make bench`, clients' view: throughput and latency as a client measures them over HTTP.

One run, on this machine, with the real models, a private redis-server, the gunicorn
backend at its default settings (rate limits on) and one micro-batching worker per stage,
caches off so every query is computed:
  burst      the server-side figure: N queries submitted at once by 32 threads, timed
             from the jobs' own records in Redis (what no client can see),
  poll       each client submits, then GETs the job every 100 ms until it ends,
  long-poll  each client submits, then GETs the job with ?wait=30,
  wait       each client submits with "wait": 30 (one round trip when the job ends in time).
Rows for 1, 32 and 128 concurrent clients (threads of this process, each with its own
keep-alive connection and its own source address 127.0.0.x, as distinct clients behind
their own addresses have: the per-address rate limit stays on). Per row: q/s, client p50/p95,
HTTP requests per query, the backend's CPU per request and per query, errors (429/5xx).
The lone-query compute of both stages (in this process, no Redis/HTTP, with the workers'
TORCH_THREADS) is beside it, and
the backend's CPU per status read (8 clients reading one finished job flat out).
Writes bench/results/clients.json and clients.png.

usage: python bench/clients.py [--seconds 15] [--burst 512] [--clients 1 32 128]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from stack import Stack  # noqa: E402 - after the path set-up
from strategies import cpu_seconds, pct, raw_limits, server_times  # noqa: E402
from workload import requests_for  # noqa: E402

from shared import jobs  # noqa: E402
from shared.settings import Settings  # noqa: E402
from shared.statuses import TERMINAL_JOB, JobStatus  # noqa: E402

MODES = ("poll", "long-poll", "wait")
POLL_SECONDS = 0.1
WAIT_SECONDS = 30
# The stack's defaults, rate limits included (the Stack turns them off unless told).
DEFAULT_LIMITS = {"RATE_LIMIT": Settings.model_fields["rate_limit"].default,
                  "RATE_LIMIT_SUBMIT": Settings.model_fields["rate_limit_submit"].default}
NO_CACHE = {"EMBEDDING_CACHE_SIZE": "0", "RESULT_CACHE_SIZE": "0"}


class Client:
    """One client: a keep-alive connection from its own loopback address."""

    def __init__(self, port: int, address: str):
        self.port, self.address = port, address
        self.conn: http.client.HTTPConnection | None = None
        self.requests = self.errors = 0

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        for attempt in (1, 2):  # a keep-alive connection the server closed: reconnect once
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60,
                                                       source_address=(self.address, 0))
            try:
                data = json.dumps(body) if body is not None else None
                self.conn.request(method, path, body=data,
                                  headers={"Content-Type": "application/json"} if data else {})
                resp = self.conn.getresponse()
                payload = json.loads(resp.read() or b"{}")
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            self.requests += 1
            if resp.status == 429 or resp.status >= 500:
                self.errors += 1
            return resp.status, payload
        raise AssertionError("unreachable")

    def query(self, mode: str, catalog: str, text: str) -> str:
        """Submit one text and wait for it the way `mode` says; its terminal status."""
        body: dict[str, Any] = {"text": text, "catalog": catalog}
        if mode == "wait":
            body["wait"] = WAIT_SECONDS
        status, job = self.call("POST", "/api/v1/queries", body)
        if status == 429:
            time.sleep(1)
            return "rate_limited"
        if status == 200:
            return job["status"]
        while job.get("status") not in TERMINAL_JOB:
            if mode == "poll":
                time.sleep(POLL_SECONDS)
                status, job = self.call("GET", f"/api/v1/jobs/{job['job_id']}")
            else:
                status, job = self.call("GET", f"/api/v1/jobs/{job['job_id']}?wait="
                                               f"{WAIT_SECONDS}")
            if status != 200:
                return f"http_{status}"
        return job["status"]


def server_burst(stack: Stack, catalog: str, texts: list[str],
                 timeout: float = 900) -> dict[str, Any]:
    """All texts submitted at once by 32 clients; figures from the jobs' own records."""
    port = int(stack.api.rsplit(":", 1)[1])
    ids: list[str] = []
    lock = threading.Lock()

    def submit(k: int) -> None:
        client = Client(port, f"127.0.2.{1 + k}")
        for text in texts[k::32]:
            status, job = client.call("POST", "/api/v1/queries", {"text": text,
                                                                  "catalog": catalog})
            assert status == 202, (status, job)
            with lock:
                ids.append(job["job_id"])

    threads = [threading.Thread(target=submit, args=(k,)) for k in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        times = server_times(stack, ids)
        if all(s in TERMINAL_JOB for s, _, _ in times):
            break
        time.sleep(0.05)
    lat = [1000 * (u - c) for s, c, u in times if s == JobStatus.FINISHED]
    span = max(u for _, _, u in times) - min(c for _, c, _ in times)
    return {"n": len(texts), "finished": len(lat), "qps": round(len(lat) / span, 1),
            "p50_ms": round(statistics.median(lat), 1), "p95_ms": round(pct(lat, 95), 1)}


def backend_cpu(stack: Stack) -> float:
    return cpu_seconds({"backend": stack.processes()["backend"]})["backend"]


def clients_row(stack: Stack, catalog: str, texts: list[str], n: int, mode: str,
                seconds: float) -> dict[str, Any]:
    """`n` clients, each submitting and waiting in a loop for `seconds`."""
    port = int(stack.api.rsplit(":", 1)[1])
    clients = [Client(port, f"127.0.{1 + i // 250}.{1 + i % 250}") for i in range(n)]
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    lock = threading.Lock()
    cursor = iter(range(10**9))
    start = time.perf_counter()
    stop_at = start + seconds

    def run(client: Client) -> None:
        while time.perf_counter() < stop_at:
            with lock:
                text = texts[next(cursor) % len(texts)]
            t = time.perf_counter()
            status = client.query(mode, catalog, text)
            with lock:
                outcomes[status] = outcomes.get(status, 0) + 1
                if status == JobStatus.FINISHED:
                    latencies.append(1000 * (time.perf_counter() - t))

    cpu0, me0 = backend_cpu(stack), psutil.Process().cpu_times()
    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    cpu, me1 = backend_cpu(stack) - cpu0, psutil.Process().cpu_times()
    for c in clients:
        if c.conn:
            c.conn.close()
    done = len(latencies)
    requests_ = sum(c.requests for c in clients)
    return {"clients": n, "mode": mode, "finished": done, "outcomes": outcomes,
            "qps": round(done / wall, 1),
            "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
            "p95_ms": round(pct(latencies, 95), 1) if latencies else None,
            "requests_per_query": round(requests_ / max(1, done), 2),
            "errors_429_5xx": sum(c.errors for c in clients),
            "backend_cpu_ms_per_request": round(1000 * cpu / max(1, requests_), 2),
            "backend_cpu_ms_per_query": round(1000 * cpu / max(1, done), 2),
            "client_cpu_percent": round(100 * ((me1.user + me1.system) -
                                               (me0.user + me0.system)) / wall)}


def status_reads(stack: Stack, job_id: str, n: int, seconds: float) -> dict[str, Any]:
    """`n` clients reading one finished job's status as fast as they can: the backend's
    CPU per status read."""
    port = int(stack.api.rsplit(":", 1)[1])
    clients = [Client(port, f"127.0.3.{1 + i}") for i in range(n)]
    stop_at = time.perf_counter() + seconds

    def run(client: Client) -> None:
        while time.perf_counter() < stop_at:
            client.call("GET", f"/api/v1/jobs/{job_id}")

    cpu0, start = backend_cpu(stack), time.perf_counter()
    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - start, backend_cpu(stack) - cpu0
    reads = sum(c.requests for c in clients)
    return {"clients": n, "reads": reads, "reads_per_s": round(reads / wall),
            "errors_429_5xx": sum(c.errors for c in clients),
            "backend_cpu_ms_per_read": round(1000 * cpu / max(1, reads), 3)}


def held_waits(stack: Stack, n: int, seconds: int) -> dict[str, Any]:
    """`n` long-polls open at once on a job that does not move (a record no queue holds):
    every one must be answered after `seconds` with the job's state, none refused; the
    backend's memory per open wait."""
    import resource
    import socket

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 256)), hard))
    job_id = f"held-{time.time_ns()}"
    with stack.r.pipeline() as p:
        jobs.create_job(p, job_id, text="held", catalog="held", catalog_version=1,
                        priority="normal", webhook_url=None, ttl=600)
        p.execute()
    port = int(stack.api.rsplit(":", 1)[1])
    rss0 = sum(p.memory_info().rss for p in stack.processes()["backend"])
    request = (f"GET /api/v1/jobs/{job_id}?wait={seconds} HTTP/1.1\r\nHost: x\r\n"
               "Connection: close\r\n\r\n").encode()
    socks = []
    start = time.perf_counter()
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port), source_address=(
            f"127.0.{10 + i // 250}.{1 + i % 250}", 0))
        s.sendall(request)
        socks.append(s)
    time.sleep(seconds / 2)
    rss1 = sum(p.memory_info().rss for p in stack.processes()["backend"])
    answered = 0
    for s in socks:
        s.settimeout(seconds + 30)
        head = s.recv(64)
        answered += head.startswith(b"HTTP/1.1 200")
        s.close()
    with stack.r.pipeline() as p:
        p.delete(f"job:{job_id}")
        p.zrem("jobs:inflight", job_id)
        p.execute()
    return {"open_waits": n, "answered_200": answered,
            "backend_processes": len(stack.processes()["backend"]) - 1,  # less the master
            "all_answered_after_s": round(time.perf_counter() - start, 1),
            "backend_rss_kb_per_wait": round((rss1 - rss0) / 1024 / n, 1)}


def report(out: dict[str, Any]) -> str:
    b = out["burst"]
    lines = [f"server-side burst ({b['n']} queries, 32 submitting threads, timed in Redis): "
             f"{b['qps']:.1f} q/s, p50 {b['p50_ms']:.0f} ms",
             f"lone-query compute of both stages (in-process, "
             f"{out['raw']['single_compute_threads']} torch thread(s) as the workers run): "
             f"{out['raw']['single_compute_ms_p50']:.1f} ms p50",
             f"status reads ({out['reads']['clients']} clients, one finished job): "
             f"{out['reads']['reads_per_s']}/s, backend CPU "
             f"{out['reads']['backend_cpu_ms_per_read']:.3f} ms per read",
             f"long-polls held open at once: {out['held']['answered_200']} of "
             f"{out['held']['open_waits']} answered 200 after the wait, by "
             f"{out['held']['backend_processes']} backend process(es); "
             f"{out['held']['backend_rss_kb_per_wait']} kB of backend memory each",
             "",
             f"{'clients':>7} {'mode':<10}{'q/s':>7}{'of burst':>9}{'p50 ms':>8}{'p95 ms':>8}"
             f"{'req/q':>7}{'api cpu ms/req':>15}{'api cpu ms/q':>13}{'429/5xx':>8}"]
    for row in out["rows"]:
        lines.append(f"{row['clients']:>7} {row['mode']:<10}{row['qps']:>7.1f}"
                     f"{row['qps'] / b['qps']:>9.0%}{row['p50_ms'] or 0:>8.0f}"
                     f"{row['p95_ms'] or 0:>8.0f}{row['requests_per_query']:>7.2f}"
                     f"{row['backend_cpu_ms_per_request']:>15.2f}"
                     f"{row['backend_cpu_ms_per_query']:>13.2f}{row['errors_429_5xx']:>8}")
    return "\n".join(lines)


def chart(out: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = sorted({r["clients"] for r in out["rows"]})
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.5))
    width = 0.8 / len(MODES)
    for k, mode in enumerate(MODES):
        rows = {r["clients"]: r for r in out["rows"] if r["mode"] == mode}
        xs = [i + k * width for i in range(len(counts))]
        a.bar(xs, [rows[c]["qps"] if c in rows else 0 for c in counts], width, label=mode)
        b.bar(xs, [rows[c]["p50_ms"] or 0 if c in rows else 0 for c in counts], width,
              label=mode)
    a.axhline(out["burst"]["qps"], color="#c0392b", linestyle="--",
              label=f"server-side burst ({out['burst']['qps']:.0f} q/s)")
    a.axhline(0.8 * out["burst"]["qps"], color="#e67e22", linestyle=":", label="80% of it")
    a.set_title("Queries per second as clients measure them")
    b.set_title("Client p50 latency (ms)")
    for ax in (a, b):
        ax.set_xticks([i + width for i in range(len(counts))], [f"{c} clients" for c in counts])
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--burst", type=int, default=512)
    parser.add_argument("--clients", type=int, nargs="*", default=[1, 32, 128])
    parser.add_argument("--modes", nargs="*", default=list(MODES), choices=MODES)
    parser.add_argument("--catalog", default=str(ROOT / "demo" / "laptops.catalog.json"))
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--tag", default="clients", help="name of the result files")
    parser.add_argument("--held", type=int, default=1500, help="long-polls held open at once")
    args = parser.parse_args()
    catalog = json.loads(Path(args.catalog).read_text())
    texts = requests_for(catalog, 2000)
    print("lone-query compute, in-process ...", flush=True)
    out: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
                           "catalog": catalog["name"], "seconds_per_row": args.seconds,
                           "raw": raw_limits(catalog, texts[:64],
                                             Settings().torch_threads or None),
                           "rows": []}
    stack = Stack(Path(tempfile.mkdtemp(prefix="bench-redis-")))
    try:
        stack.start({**DEFAULT_LIMITS, **NO_CACHE})
        stack.register(catalog)
        warm = Client(int(stack.api.rsplit(":", 1)[1]), "127.0.0.1")
        _, job = warm.call("POST", "/api/v1/queries", {"text": texts[0],
                                                       "catalog": catalog["name"], "wait": 30})
        out["reads"] = status_reads(stack, job["job_id"], 8, args.seconds / 2)
        print(f"{args.held} long-polls held open at once ...", flush=True)
        out["held"] = held_waits(stack, args.held, 5)
        print(f"server-side burst of {args.burst} ...", flush=True)
        out["burst"] = server_burst(stack, catalog["name"], texts[-args.burst:])
        for n in args.clients:
            for mode in args.modes:
                print(f"{n} clients, {mode} ...", flush=True)
                out["rows"].append(clients_row(stack, catalog["name"], texts, n, mode,
                                               args.seconds))
    finally:
        stack.close()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{args.tag}.json").write_text(json.dumps(out, indent=1))
    chart(out, out_dir / f"{args.tag}.png")
    print(report(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
