"""The evaluation sets `make eval-all` scores and the accuracy floor test guards: every
`*.catalog.json` with its `*.dev.jsonl` in the public eval folder (`../shared/eval`), the
project's own sets in `eval/` (catalogs and cases written by authors who never read the
code), and the demo catalog's cases."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_EVAL = ROOT.parent / "shared" / "eval"


@dataclass(frozen=True)
class EvalSet:
    name: str
    catalog: Path
    cases: Path
    origin: str  # public | own | demo

    def catalog_body(self) -> dict:
        return json.loads(self.catalog.read_text())

    def case_list(self) -> list[dict]:
        return [json.loads(line) for line in self.cases.read_text().splitlines()
                if line.strip()]


def eval_sets(public: Path = PUBLIC_EVAL) -> list[EvalSet]:
    """Every set, public ones first (empty of those when the folder is absent)."""
    out = []
    for origin, folder in (("public", public), ("own", ROOT / "eval")):
        for catalog in sorted(folder.glob("*.catalog.json")) if folder.is_dir() else []:
            cases = catalog.with_name(catalog.name.replace(".catalog.json", ".dev.jsonl"))
            if cases.exists():
                out.append(EvalSet(catalog.name.removesuffix(".catalog.json"), catalog, cases,
                                   origin))
    out.append(EvalSet("laptops", ROOT / "demo" / "laptops.catalog.json",
                       ROOT / "tests" / "cases" / "laptops.cases.jsonl", "demo"))
    return out
