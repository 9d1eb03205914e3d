"""`make eval-all`: every evaluation set (bench/eval_sets.py) scored over HTTP by the
public scorer (`../shared/eval/score.py`), on a stack this script starts (private Redis,
gunicorn backend, one worker per stage), with the LLM arbiter on and off.

Single mode with one query in flight, so p50 is an idle query's latency as a client
polling the API sees it; then, with the LLM on, the same cases as one batch (cases that
carry their own `now` stay single-only), checking that batch and single give the same
filters. Prints one table (F1, EM, sort, p50 per set and LLM mode, F1 per field type) and
writes bench/results/eval_all.json.

usage: python bench/eval_all.py [--scorer PATH] [--sets NAME,...] [--out DIR] [--extra DIR]
       [--modes llm,no-llm] [--env KEY=VALUE ...] [--tag NAME]
(`--env LLM_MODEL=DIR --env LLM_GGUF_FILE=FILE --modes llm --tag gemma` scores another LLM)
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from eval_sets import PUBLIC_EVAL, EvalSet, eval_sets, sets_in  # noqa: E402 - after path set-up
from stack import Stack  # noqa: E402

MODES = {"llm": {"LLM_ARBITER": "true"}, "no-llm": {"LLM_ARBITER": "false"}}
FIELD_TYPES = ("enum", "number", "boolean", "date")


def score(scorer: Path, api: str, s: EvalSet, mode: str, out: Path,
          cases: Path | None = None) -> dict[str, Any]:
    """Run the public scorer once; its JSON report."""
    argv = [sys.executable, str(scorer), "--base-url", api, "--catalog", str(s.catalog),
            "--cases", str(cases or s.cases), "--mode", mode, "--concurrency", "1",
            "--timeout", "300", "--out", str(out)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=1800)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"score.py failed on {s.name} ({mode}): {done.stderr[-2000:]}")
    return json.loads(out.read_text())


def by_field_type(report: dict[str, Any], catalog: dict[str, Any]) -> dict[str, float | None]:
    """Micro F1 per field type from the scorer's per-field counts."""
    types = {f["name"]: f["type"] for f in catalog["fields"]}
    sums = {t: [0, 0, 0] for t in FIELD_TYPES}
    for row in report["per_field"]:
        t = types.get(row["field"])
        if t in sums:
            for k, key in enumerate(("tp", "fp", "fn")):
                sums[t][k] += row[key]
    out: dict[str, float | None] = {}
    for t, (tp, fp, fn) in sums.items():
        out[t] = round(2 * tp / (2 * tp + fp + fn), 3) if tp + fp + fn else None
    return out


def conditions(prediction: dict[str, Any] | None) -> tuple:
    """A case's predicted filters and sort, comparable across modes."""
    if prediction is None:
        return ("failed",)
    filters = sorted(json.dumps([f["field"], f["op"], f["value"]], sort_keys=True)
                     for f in prediction.get("filters") or [])
    groups = sorted(json.dumps(sorted(json.dumps([f["field"], f["op"], f["value"]])
                                      for f in g)) for g in prediction.get("any_of") or [])
    return tuple(filters), tuple(groups), json.dumps(prediction.get("sort"))


def batch_agreement(single: dict[str, Any], batch: dict[str, Any]) -> dict[str, Any]:
    """How many cases got the same filters and sort in batch mode as in single mode."""
    singles = {c["id"]: conditions(c["pred"]) for c in single["cases"]}
    differ = [c["id"] for c in batch["cases"] if conditions(c["pred"]) != singles.get(c["id"])]
    return {"cases": len(batch["cases"]), "same": len(batch["cases"]) - len(differ),
            "differ": differ}


def calibration(report: dict[str, Any]) -> dict[str, int]:
    """Predicted filters with confidence >= 0.9, and how many of them the gold has."""
    sure = right = 0
    for case in report["cases"]:
        extra = [json.dumps(f, sort_keys=True) for f in case.get("extra") or []]
        for f in (case.get("pred") or {}).get("filters") or []:
            if (f.get("confidence") or 0) >= 0.9:
                sure += 1
                right += json.dumps(f, sort_keys=True) not in extra
    return {"filters_at_or_above_0.9": sure, "right": right}


def row(s: EvalSet, report: dict[str, Any]) -> dict[str, Any]:
    summary = report["summary"]
    return {"n": summary["n"], "f1": round(summary["f1"], 4),
            "em": round(summary["exact_match"], 4), "sort": round(summary["sort_accuracy"], 4),
            "failed": summary["failed"], "p50_ms": round(report["latency_ms"]["p50"], 1),
            "p95_ms": round(report["latency_ms"]["p95"], 1),
            "by_type": by_field_type(report, s.catalog_body()),
            "calibration": calibration(report),
            **({"conv_em": round(summary["conv_em"], 4)} if "conv_em" in summary else {})}


def table(results: dict[str, Any]) -> str:
    lines = ["| set | n | F1 | EM | sort | p50 ms | F1 no LLM | EM no LLM | p50 no LLM | "
             "batch = single | F1 enum / number / boolean / date |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in results["sets"].items():
        on, off = r["llm"], r["no-llm"]
        agree = r.get("batch") or {"same": "-", "cases": "-"}  # conversations: single only
        types = " / ".join("-" if on["by_type"][t] is None else f"{on['by_type'][t]:.3f}"
                           for t in FIELD_TYPES)
        conv = f", conversations all right {on['conv_em']:.3f}" if "conv_em" in on else ""
        lines.append(f"| {name} ({r['origin']}{conv}) | {on['n']} | {on['f1']:.3f} | "
                     f"{on['em']:.3f} | "
                     f"{on['sort']:.3f} | {on['p50_ms']:.0f} | {off['f1']:.3f} | "
                     f"{off['em']:.3f} | {off['p50_ms']:.0f} | "
                     f"{agree['same']}/{agree['cases']} | {types} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scorer", default=str(PUBLIC_EVAL / "score.py"))
    parser.add_argument("--sets", help="comma-separated set names (default: all)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--modes", default=",".join(MODES),
                        help="comma-separated modes: llm, no-llm (default: both)")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the stack")
    parser.add_argument("--tag", help="report name suffix: eval_all-TAG.json")
    parser.add_argument("--extra", action="append", default=[],
                        help="a folder of your own NAME.catalog.json + NAME.cases.jsonl sets")
    args = parser.parse_args()
    overrides = dict(item.split("=", 1) for item in args.env)
    modes = {m: {**MODES[m], **overrides} for m in args.modes.split(",")}
    scorer = Path(args.scorer)
    if not scorer.exists():
        print(f"eval-all needs the public scorer at {scorer} (--scorer PATH)", file=sys.stderr)
        return 2
    every = eval_sets() + [s for folder in args.extra for s in sets_in(Path(folder), "extra")]
    chosen = [s for s in every if not args.sets or s.name in args.sets.split(",")]
    results: dict[str, Any] = {"run_at": dt.datetime.now().isoformat(timespec="seconds"),
                               "sets": {s.name: {"origin": s.origin} for s in chosen}}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        stack = Stack(work)
        try:
            for mode, env in modes.items():
                stack.start(env)
                for s in chosen:
                    single = score(scorer, stack.api, s, "single", work / f"{s.name}-{mode}.json")
                    results["sets"][s.name][mode] = row(s, single)
                    print(f"{s.name} {mode}: {single['final_line']}", flush=True)
                    if mode == "llm" and not s.conversational:
                        flat = work / f"{s.name}-flat.jsonl"
                        flat.write_text("".join(json.dumps(c) + "\n" for c in s.case_list()
                                                if "now" not in c and "timezone" not in c))
                        batch = score(scorer, stack.api, s, "batch", work / f"{s.name}-b.json",
                                      flat)
                        results["sets"][s.name]["batch"] = batch_agreement(single, batch)
                stack.stop()
        finally:
            stack.close()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sure = [r[m]["calibration"] for r in results["sets"].values() for m in modes if m in r]
    total, right = (sum(c["filters_at_or_above_0.9"] for c in sure),
                    sum(c["right"] for c in sure))
    results["calibration"] = {"filters_at_or_above_0.9": total, "right": right}
    print(f"filters with confidence >= 0.9: {right} of {total} right")
    name = f"eval_all-{args.tag}.json" if args.tag else "eval_all.json"
    (out / name).write_text(json.dumps({**results, "env": overrides}, indent=1) + "\n")
    print(table(results) if len(modes) == len(MODES) else json.dumps(
        {n: r.get("llm") or r.get("no-llm") for n, r in results["sets"].items()}, indent=1))
    print(f"\nwritten to {out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
