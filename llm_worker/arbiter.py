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

SYSTEM = "You extract search filters."
Scorer = Callable[[list[tuple[list[dict[str, str]], str]]], list[float]]


@dataclass(frozen=True)
class Question:
    decision: int
    messages: list[dict[str, str]]
    options: list[Any]      # what each answer means
    answers: list[str]      # what the model is scored on
    priors: list[float]     # added to each answer's score before choosing


def questions(text: str, proposals: list[dict[str, Any]], decisions: list[dict[str, Any]],
              keep_margin: float) -> list[Question]:
    """The request is the prompt; each option is written as `field: value` after it.

    Measured on SmolLM2-135M: asked "does X mean Y? yes/no" it is at chance, but the
    likelihood of `genre: horror` against `genre: any` after the request carries signal;
    `keep_margin` is the prior for "any" that a weak match must beat.
    """
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": text}]
    out = []
    for k, d in enumerate(decisions):
        p = proposals[d["proposal"]]
        if d["kind"] == "keep":
            out.append(Question(k, messages, [True, False],
                                [f"{p['field']}: {p['value']}", f"{p['field']}: any"],
                                [0.0, keep_margin]))
        else:
            span = text[p["start"]:p["end"]]
            out.append(Question(k, messages, list(d["options"]),
                                [f"{name}: {span}" for name in d["options"]],
                                [0.0] * len(d["options"])))
    return out


def decide(qs: list[Question], score: Scorer) -> list[tuple[Any, float]]:
    """For each question, in order: (chosen option, its margin over the runner-up).

    All options of all questions are scored together: one batched pass for a chunk."""
    pairs = [(q.messages, answer) for q in qs for answer in q.answers]
    scores = score(pairs) if pairs else []
    out, i = [], 0
    for q in qs:
        mine = [s + prior for s, prior in zip(scores[i:i + len(q.answers)], q.priors)]
        i += len(q.answers)
        ranked = sorted(range(len(mine)), key=lambda j: -mine[j])
        margin = mine[ranked[0]] - mine[ranked[1]] if len(ranked) > 1 else 0.0
        out.append((q.options[ranked[0]], round(float(margin), 4)))
    return out
