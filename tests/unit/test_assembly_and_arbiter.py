"""Arbitration and assembly: decisions settle proposals; values merge; keywords remain."""
from llm_worker.arbiter import decide, questions
from llm_worker.assembly import assemble
from shared.schemas import Catalog

CATALOG = Catalog.model_validate({"name": "shop", "fields": [
    {"name": "color", "type": "enum", "values": ["red", "blue", "black"]},
    {"name": "style", "type": "enum", "values": ["casual", "formal"]},
    {"name": "price", "type": "number", "unit": "USD"},
    {"name": "weight", "type": "number", "unit": "kg"}], "sortable": ["price"]})
TEXT = "red or blue, not black, smart outfit under 50"


def proposal(field, value, start, end, source="exact", op="eq", negated=False, score=1.0,
             alternatives=()):
    return {"field": field, "op": op, "value": value, "start": start, "end": end,
            "source": source, "score": score, "negated": negated,
            "alternatives": list(alternatives)}


ANALYSIS = {
    "proposals": [proposal("color", "red", 0, 3), proposal("color", "blue", 7, 11),
                  proposal("color", "black", 17, 22, negated=True),
                  proposal("style", "formal", 24, 29, source="semantic", score=0.75),
                  proposal("price", 50, 37, 45, source="rule", op="lt",
                           alternatives=[("weight", 22.68)])],
    "decisions": [{"proposal": 3, "kind": "keep", "options": [True, False], "default": False},
                  {"proposal": 4, "kind": "field", "options": ["price", "weight"],
                   "values": [50, 22.68], "default": "price"}],
    "sort": [{"field": "price", "order": "asc", "start": 0, "end": 0}],
    "tokens": [{"text": w, "role": r} for w, r in [
        ("red", "proposal:0"), ("or", "stop"), ("blue", "proposal:1"), ("not", "rule"),
        ("black", "proposal:2"), ("smart", "proposal:3"), ("outfit", "free"),
        ("under", "proposal:4"), ("50", "proposal:4")]],
}


def filters_of(result):
    return [(f.field, f.op, f.value) for f in result.filters]


def test_defaults_give_the_deterministic_assembly():
    result = assemble(TEXT, CATALOG, 2, ANALYSIS, {}, {})
    assert filters_of(result) == [("price", "lt", 50), ("color", "in", ["red", "blue"]),
                                  ("color", "neq", "black")]
    assert result.keywords == "smart outfit"
    assert [(s.field, s.order) for s in result.sort] == [("price", "asc")]
    assert {p.stage for p in result.provenance} == {"embedding:exact", "embedding:rule"}


def test_llm_choices_are_applied():
    chosen = {0: (True, 1.2), 1: ("weight", 0.4)}
    result = assemble(TEXT, CATALOG, 2, ANALYSIS, chosen, {})
    assert ("style", "eq", "formal") in filters_of(result)
    assert ("weight", "lt", 22.68) in filters_of(result)  # the value of that reading
    assert result.keywords == "outfit"
    style = next(p for p in result.provenance if p.field == "style")
    assert style.stage == "llm:semantic" and style.span == "smart"


def test_questions_and_decide_with_a_scorer():
    qs = questions(TEXT, ANALYSIS["proposals"], ANALYSIS["decisions"], keep_margin=1.5)
    assert [q.answers for q in qs] == [["style: formal", "style: any"],
                                       ["price: under 50", "weight: under 50"]]
    assert qs[0].messages[-1] == {"role": "user", "content": TEXT}
    seen = []

    def scorer(pairs):
        seen.extend(pairs)
        return [-1.0, -2.0, -3.0, -0.5]

    # "formal" wins by 1.0 < the 1.5 prior of "any": not kept; weight beats price by 2.5.
    assert decide(qs, scorer) == [(False, 0.5), ("weight", 2.5)]
    assert len(seen) == 4  # one batch for every option of every decision
    assert decide([], scorer) == []
