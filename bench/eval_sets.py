"""The evaluation sets `make eval-all` scores and the accuracy floor test guards: every
`*.catalog.json` with its `*.dev.jsonl` in the public eval folder (`../shared/eval`), the
project's own sets in `eval/` (catalogs and cases written by authors who never read the
code), and the demo catalog's cases: single requests (OR groups among them) and
conversations of follow-ups."""
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

    @property
    def conversational(self) -> bool:
        """Conversations (cases of `turns`, each refining the one before): single mode
        only, scored per turn and as whole conversations (`conv_em`)."""
        return any("turns" in c for c in self.case_list())


def sets_in(folder: Path, origin: str) -> list[EvalSet]:
    """Each `NAME.catalog.json` of a folder with its `NAME.dev.jsonl` (or `.cases.jsonl`)."""
    out = []
    for catalog in sorted(folder.glob("*.catalog.json")) if folder.is_dir() else []:
        name = catalog.name.removesuffix(".catalog.json")
        cases = next((c for c in (catalog.with_name(f"{name}.dev.jsonl"),
                                  catalog.with_name(f"{name}.cases.jsonl")) if c.exists()), None)
        if cases:
            out.append(EvalSet(name, catalog, cases, origin))
    return out


def eval_sets(public: Path = PUBLIC_EVAL) -> list[EvalSet]:
    """Every set, public ones first (empty of those when the folder is absent)."""
    out = sets_in(public, "public") + sets_in(ROOT / "eval", "own")
    out.append(EvalSet("laptops", ROOT / "demo" / "laptops.catalog.json",
                       ROOT / "tests" / "cases" / "laptops.cases.jsonl", "demo"))
    out.append(EvalSet("laptops-followups", ROOT / "demo" / "laptops.catalog.json",
                       ROOT / "tests" / "cases" / "laptops-followups.cases.jsonl", "demo"))
    return out
