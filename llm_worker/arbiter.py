"""The LLM as arbiter: it settles only what the rules left open, by choosing an option.

Each decision becomes one prompt and a few short continuations (the options);
the model scores every continuation by log-likelihood in one batched forward
pass and the best option wins. The model can only pick an option, so it can
never put a field or value outside the catalog into a result.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.schemas import Catalog

SYSTEM = ("You help a search engine understand shopping and search requests. "
          "Answer with one of the options, nothing else.")
Scorer = Callable[[list[tuple[list[dict[str, str]], str]]], list[float]]


@dataclass(frozen=True)
class Question:
    decision: int
    messages: list[dict[str, str]]
    options: list[Any]      # what each answer means
    answers: list[str]      # what the model is scored on


def _describe(catalog: Catalog, field: str) -> str:
    f = catalog.field(field)
    if f is None:
        return field
    detail = f.description or f.unit or f.type
    return f"{field} ({detail})"


def questions(text: str, catalog: Catalog, proposals: list[dict[str, Any]],
              decisions: list[dict[str, Any]]) -> list[Question]:
    out = []
    for k, d in enumerate(decisions):
        p = proposals[d["proposal"]]
        span = text[p["start"]:p["end"]]
        if d["kind"] == "keep":
            user = (f'Search request: "{text}"\nDoes "{span}" in this request ask for '
                    f'{p["field"]} = "{p["value"]}"? Answer yes or no.')
            out.append(Question(k, _messages(user), [True, False], ["yes", "no"]))
        else:
            names = d["options"]
            listing = "\n".join(f"- {_describe(catalog, n)}" for n in names)
            user = (f'Search request: "{text}"\nWhich field does "{span}" set?\n{listing}\n'
                    f"Answer with the field name.")
            out.append(Question(k, _messages(user), list(names), list(names)))
    return out


def _messages(user: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def decide(qs: list[Question], score: Scorer) -> dict[int, tuple[Any, float]]:
    """Decision number -> (chosen option, its margin over the runner-up)."""
    pairs = [(q.messages, answer) for q in qs for answer in q.answers]
    scores = score(pairs) if pairs else []
    out, i = {}, 0
    for q in qs:
        mine = scores[i:i + len(q.answers)]
        i += len(q.answers)
        ranked = sorted(range(len(mine)), key=lambda j: -mine[j])
        margin = mine[ranked[0]] - mine[ranked[1]] if len(ranked) > 1 else 0.0
        out[q.decision] = (q.options[ranked[0]], round(float(margin), 4))
    return out
