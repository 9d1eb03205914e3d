"""The LLM as arbiter: it settles whether a weak match holds, by a likelihood test.

A weak match is a span the embedding stage linked to a value only by meaning or
abbreviation (`philly` -> Philadelphia, `dog friendly` -> pets allowed, `centre` ->
business center). The model scores the value after `In a search request, "<span>"
means:` and after the same words about `"something"`; the difference (pointwise mutual
information, in nats) is how much the span makes the value likelier. A match holds when
it reaches `keep_margin`. Measured on the dev sets' weak matches (71, 38 true): ranking by
this test has an AUC of 0.83 against 0.77 for the embedding score, and at 7 nats 24 of
25 kept matches were right.

Which field a value belongs to is not asked: on those decisions the model scored below
the rules' default (3 of 9 against 8 of 9 on the dev sets; chance on a labelled probe),
so field choice stays with field_choice.py. All questions of a batch are scored in one
batched pass, and the model can only pick an option, never write a filter.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.names import flag_words

MEANS = 'In a search request, "{span}" means: '
NEUTRAL = "something"
Prompt = str | list[dict[str, str]]
Scorer = Callable[[list[tuple[Prompt, str]]], list[float]]


@dataclass(frozen=True)
class Question:
    decision: int
    prompts: list[Prompt]   # one per answer
    options: list[Any]      # what each answer means
    answers: list[str]      # what the model is scored on
    priors: list[float]     # added to each answer's score before choosing


def answer_text(field: str, value: Any) -> str:
    """What a weak match claims, as words: the enum value, or a yes/no field's name."""
    return " ".join(flag_words(field)) if isinstance(value, bool) else str(value)


def questions(text: str, proposals: list[dict[str, Any]], decisions: list[dict[str, Any]],
              keep_margin: float, flag_margin: float) -> list[Question]:
    """One likelihood test per weak match (`keep` decisions). A yes/no paraphrase the rules
    keep is not asked, and one they leave off is kept at `flag_margin`: on the dev sets'
    paraphrases the test at 7 nats kept 6 of 19 true ones, while the embedding score alone
    (from 0.53) kept 16 with 7 false; the model adds the paraphrases it is sure of."""
    out = []
    for k, d in enumerate(decisions):
        if d["kind"] != "keep":
            continue
        p = proposals[d["proposal"]]
        flag = isinstance(p["value"], bool)
        if flag and d["default"]:
            continue
        span = text[p["start"]:p["end"]]
        value = answer_text(p["field"], p["value"])
        out.append(Question(k, [MEANS.format(span=span), MEANS.format(span=NEUTRAL)],
                            [True, False], [value, value],
                            [0.0, flag_margin if flag else keep_margin]))
    return out


def decide(qs: list[Question], score: Scorer) -> list[tuple[Any, float]]:
    """For each question, in order: (chosen option, its margin over the runner-up).

    All options of all questions are scored together: one batched pass for a chunk."""
    pairs = [(prompt, answer) for q in qs for prompt, answer in zip(q.prompts, q.answers)]
    scores = score(pairs) if pairs else []
    out, i = [], 0
    for q in qs:
        mine = [s + prior for s, prior in zip(scores[i:i + len(q.answers)], q.priors)]
        i += len(q.answers)
        ranked = sorted(range(len(mine)), key=lambda j: -mine[j])
        margin = mine[ranked[0]] - mine[ranked[1]] if len(ranked) > 1 else 0.0
        out.append((q.options[ranked[0]], round(float(margin), 4)))
    return out
