"""Arbitration and assembly: decisions settle proposals; values merge; keywords remain."""
from llm_worker.arbiter import decide, questions
from llm_worker.assembly import assemble, uncertain_dropped
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


def test_weak_matches_are_settled_by_a_likelihood_test():
    """Only `keep` decisions reach the model: the value after the span against the value
    after "something"; it holds when the span makes it likelier by the margin."""
    qs = questions(TEXT, ANALYSIS["proposals"], ANALYSIS["decisions"], keep_margin=1.5,
                   flag_margin=1.0)
    assert [(q.prompts, q.answers) for q in qs] == [(
        ['In a search request, "smart" means: ', 'In a search request, "something" means: '],
        ["formal", "formal"])]
    seen = []

    def scorer(pairs):
        seen.extend(pairs)
        return [-1.0 - k for k in range(len(pairs))]

    # 1.0 nats better after "smart" is short of the 1.5 margin: not kept.
    assert decide(qs, scorer) == [(False, 0.5)]
    assert decide(questions(TEXT, ANALYSIS["proposals"], ANALYSIS["decisions"], 0.5, 1.0),
                  scorer) == [(True, 0.5)]
    assert len(seen) == 4  # every answer of every question, one scoring call per decide
    assert decide([], scorer) == []


def test_a_yes_no_field_is_tested_as_the_words_of_its_name():
    analysis = {"proposals": [{"field": "has_pets_allowed", "op": "eq", "value": True,
                               "start": 0, "end": 12, "source": "semantic", "score": 0.55,
                               "negated": False, "alternatives": []}],
                "decisions": [{"proposal": 0, "kind": "keep", "options": [True, False],
                               "default": False}]}
    (q,) = questions("dog friendly", analysis["proposals"], analysis["decisions"], 7.0, 3.0)
    assert q.answers == ["pets allowed", "pets allowed"]
    assert q.priors == [0.0, 3.0]  # a yes/no paraphrase is kept at its own margin
    kept = [dict(analysis["decisions"][0], default=True)]  # one the rules keep is not asked
    assert questions("dog friendly", analysis["proposals"], kept, 7.0, 3.0) == []


def test_every_filter_has_a_confidence_and_min_confidence_drops_the_unsure():
    result = assemble(TEXT, CATALOG, 1, ANALYSIS, {}, {})
    sure = {(f.field, f.op): f.confidence for f in result.filters}
    assert sure[("color", "in")] >= 0.9  # exact words of the catalog
    assert sure[("price", "lt")] < 0.7    # a number two fields could hold, left to the default
    kept = uncertain_dropped(result, 0.9)
    assert all(f.confidence >= 0.9 for f in kept.filters)
    assert [d.filter.field for d in kept.dropped] == [f.field for f in result.filters
                                                     if f.confidence < 0.9]
    assert all("below min_confidence 0.9" in d.reason for d in kept.dropped)
    assert uncertain_dropped(result, None) == result
