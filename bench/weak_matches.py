"""How well the LLM arbiter tells a true weak match from a false one, for the model the
settings load (`LLM_MODEL`, `LLM_GGUF_FILE`): the measurement behind LLM_KEEP_MARGIN and
the choice of the default model.

Every evaluation set (bench/eval_sets.py) is analysed with the bands widened (a match by
meaning from cosine 0.6, a yes/no paraphrase from 0.45, all of them decisions), each weak
match labelled by the gold filters, and scored by the arbiter's likelihood test
(llm_worker/arbiter.py). Prints the ranking quality (AUC) of the test and of the embedding
score alone, the accuracy and precision of keeping a match at each margin, and the time
per question. Writes bench/results/weak_matches-<model>.json.

usage: python bench/weak_matches.py
       LLM_MODEL=DIR LLM_GGUF_FILE=FILE python bench/weak_matches.py   (another model)
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from eval_sets import eval_sets  # noqa: E402 - after the path set-up

MARGINS = (3.0, 5.0, 7.0, 9.0, 11.0, 13.0)


def weak_matches() -> list[dict[str, Any]]:
    """Every weak match of every set, with the text, its proposal and the gold's verdict."""
    from embedding_worker.analysis import AnalysisConfig, analyse
    from embedding_worker.booleans import ParaphraseConfig
    from embedding_worker.index import build
    from embedding_worker.model import EmbeddingModel
    from shared.reference import reference
    from shared.schemas import Catalog
    from shared.settings import get_settings

    wide = AnalysisConfig(semantic_min=0.6, semantic_accept=1.01,
                          paraphrase=ParaphraseConfig(accept=1.01, ask=0.45))
    embedder = EmbeddingModel.load(get_settings())
    out = []
    for s in eval_sets():
        catalog = Catalog.model_validate(s.catalog_body())
        index = build(catalog, 1, embedder.encode)
        for case in s.case_list():
            analysis = analyse(case["text"], catalog, index, embedder.encode, embedder.is_word,
                               wide, reference(case.get("now"), case.get("timezone")))
            for d in analysis["decisions"]:
                if d["kind"] != "keep":
                    continue
                p = analysis["proposals"][d["proposal"]]
                out.append({"set": s.name, "case": case["id"], "text": case["text"],
                            "proposal": p, "decision": d, "truth": _holds(p, case)})
    return out


def _holds(p: dict[str, Any], case: dict[str, Any]) -> bool:
    for f in case["filters"]:
        if f["field"] != p["field"]:
            continue
        if isinstance(p["value"], bool) or f["value"] == p["value"] or (
                isinstance(f["value"], list) and p["value"] in f["value"]):
            return True
    return False


def auc(scores: list[float], labels: list[bool]) -> float:
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    if not pos or not neg:
        return float("nan")
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def main() -> int:
    argparse.ArgumentParser(description=__doc__).parse_args()
    from llm_worker.arbiter import questions
    from llm_worker.model import LanguageModel
    from shared.settings import get_settings

    matches = weak_matches()
    model = LanguageModel.load(get_settings())
    pmi: list[float] = []
    started = time.perf_counter()
    for m in matches:  # one question at a time, as an idle worker would ask it
        (q,) = questions(m["text"], [m["proposal"]], [dict(m["decision"], proposal=0,
                                                           default=False)], 0.0, 0.0)
        with_span, without = model.score(list(zip(q.prompts, q.answers)))
        pmi.append(with_span - without)
    per_question_ms = 1000 * (time.perf_counter() - started) / max(1, len(matches))
    labels = [m["truth"] for m in matches]
    rows = []
    for margin in MARGINS:
        kept = [y for s, y in zip(pmi, labels) if s >= margin]
        rows.append({"margin": margin, "kept": len(kept), "right": sum(kept),
                     "accuracy": sum((s >= margin) == y for s, y in zip(pmi, labels))
                     / len(labels)})
    report = {"model": model.model_id, "weak_matches": len(matches), "true": sum(labels),
              "auc_llm": round(auc(pmi, labels), 3),
              "auc_embedding": round(auc([m["proposal"]["score"] for m in matches], labels), 3),
              "ms_per_question": round(per_question_ms, 1), "by_margin": rows}
    print(json.dumps({k: v for k, v in report.items() if k != "by_margin"}))
    print("margin  kept  right  accuracy")
    for r in rows:
        print(f"{r['margin']:6.1f} {r['kept']:5d} {r['right']:6d} {r['accuracy']:9.3f}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    name = Path(report["model"]).stem.lower()
    (out / f"weak_matches-{name}.json").write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
