"""Issue 16, on invented catalogs: OR between whole conditions as `any_of` groups,
follow-ups read as changes to the result they refine, and the caller's own filters that
nothing extracted may drop or contradict."""
from __future__ import annotations

import pytest

from embedding_worker.analysis import analyse
from llm_worker.assembly import assemble
from llm_worker.caller_filters import compatible, with_fixed_filters
from llm_worker.tasks import finished
from shared.schemas import Filter, QueryResult
from tests.unit.fakes import fake_embed, index_for
from tests.unit.test_understanding import ENGLISH, HOUSING, TRANSIT

F = Filter


def conditions(filters: list[Filter]) -> set:
    return {(f.field, f.op, tuple(f.value) if isinstance(f.value, list) else f.value)
            for f in filters}


def read(text: str, catalog, options: dict | None = None) -> QueryResult:
    options = options or {}
    analysis = analyse(text, catalog, index_for(catalog), fake_embed, ENGLISH.__contains__,
                       refining="previous" in options)
    return finished(assemble(text, catalog, 1, analysis, {}, {}), catalog, analysis, options)


@pytest.mark.parametrize("text, top, groups", [
    ("homes under 200000 or over 900000 euros", set(),
     [{("asking_price", "lt", 200000)}, {("asking_price", "gt", 900000)}]),
    ("in Oakvale under 200000 euros or in Millbrook with a sauna", set(),
     [{("town", "eq", "Oakvale"), ("asking_price", "lt", 200000)},
      {("town", "eq", "Millbrook"), ("features", "eq", "sauna")}]),
    ("Oakvale to Millbrook or Port Ansel to Kestrel Bay", set(),
     [{("start_stop", "eq", "Oakvale"), ("end_stop", "eq", "Millbrook")},
      {("start_stop", "eq", "Port Ansel"), ("end_stop", "eq", "Kestrel Bay")}]),
])
def test_or_between_whole_conditions_makes_groups(text, top, groups):
    catalog = TRANSIT if "Kestrel" in text else HOUSING
    result = read(text, catalog)
    assert conditions(result.filters) == top
    assert [conditions(g) for g in result.any_of] == groups


@pytest.mark.parametrize("text, catalog", [
    ("leaving Brindle Cross or Oakvale for Millbrook", TRANSIT),  # values of one field
    ("not on Greenline or Northway", TRANSIT),                    # a negated list
    ("Oakvale homes at 300000 euros or less", HOUSING),           # `or` of a number
    ("a sauna or a pool in Millbrook", HOUSING),
])
def test_or_of_values_and_numbers_stays_flat(text, catalog):
    assert read(text, catalog).any_of == []


def conversation(turns: list[str], catalog) -> list[QueryResult]:
    results, options = [], {}
    for text in turns:
        result = read(text, catalog, options)
        results.append(result)
        options = {"previous": result.model_dump(include={"filters", "any_of", "sort"})}
    return results


def test_a_conversation_adds_replaces_removes_and_moves_bounds():
    results = conversation(["homes in Oakvale with a sauna under 400000 euros",
                            "only in Millbrook", "cheaper", "any town",
                            "largest floor area first"], HOUSING)
    assert conditions(results[0].filters) == {("town", "eq", "Oakvale"),
                                              ("features", "eq", "sauna"),
                                              ("asking_price", "lt", 400000)}
    assert conditions(results[1].filters) == {("town", "eq", "Millbrook"),
                                              ("features", "eq", "sauna"),
                                              ("asking_price", "lt", 400000)}
    assert [(c.op, c.previous.value, c.filter.value) for c in results[1].changes] == [
        ("replace", "Oakvale", "Millbrook")]
    assert conditions(results[2].filters) == {("town", "eq", "Millbrook"),
                                              ("features", "eq", "sauna"),
                                              ("asking_price", "lt", 320000)}  # 20 % lower
    assert conditions(results[3].filters) == {("features", "eq", "sauna"),
                                              ("asking_price", "lt", 320000)}
    assert [(c.op, c.filter.field) for c in results[3].changes] == [("remove", "town")]
    assert [(s.field, s.order) for s in results[4].sort] == [("floor_area", "desc")]
    assert conditions(results[4].filters) == conditions(results[3].filters)
    assert [c.op for c in results[4].changes] == ["add"]


def test_a_follow_up_can_add_values_exclude_one_and_sort_when_no_bound_moves():
    results = conversation(["homes in Oakvale", "also Millbrook", "not Oakvale",
                            "bigger"], HOUSING)
    assert conditions(results[1].filters) == {("town", "in", ("Oakvale", "Millbrook"))}
    assert conditions(results[2].filters) == {("town", "eq", "Millbrook")}
    assert [(s.field, s.order) for s in results[3].sort] == [("floor_area", "desc")]


def test_a_stated_bound_replaces_the_one_on_its_side_only():
    results = conversation(["homes between 200000 and 500000 euros", "under 400000 euros"],
                           HOUSING)
    assert conditions(results[1].filters) == {("asking_price", "gt", 200000),
                                              ("asking_price", "lt", 400000)} or \
        conditions(results[1].filters) == {("asking_price", "gte", 200000),
                                           ("asking_price", "lt", 400000)}


@pytest.mark.parametrize("a, b, meet", [
    (F(field="p", op="lt", value=20), F(field="p", op="gte", value=50), False),
    (F(field="p", op="lt", value=80), F(field="p", op="lt", value=100), True),
    (F(field="p", op="lt", value=50), F(field="p", op="gte", value=50), False),
    (F(field="p", op="lte", value=50), F(field="p", op="gte", value=50), True),
    (F(field="b", op="eq", value="A"), F(field="b", op="eq", value="G"), False),
    (F(field="b", op="in", value=["A", "G"]), F(field="b", op="eq", value="G"), True),
    (F(field="b", op="neq", value="G"), F(field="b", op="eq", value="G"), False),
    (F(field="b", op="nin", value=["G", "A"]), F(field="b", op="in", value=["A", "G"]), False),
    (F(field="s", op="eq", value=True), F(field="s", op="eq", value=False), False),
    (F(field="d", op="eq", value="2026-01-05"), F(field="d", op="gte", value="2026-02-01"),
     False),
    (F(field="p", op="eq", value=30), F(field="p", op="gt", value=20), True),
    (F(field="p", op="lt", value=30), F(field="q", op="gt", value=40), True),
    (F(field="n", op="in", value=[1, 2]), F(field="n", op="in", value=[2.0, 3]), True),
    (F(field="s", op="in", value=["1"]), F(field="s", op="eq", value=True), False),
    (F(field="d", op="gt", value=5), F(field="d", op="lt", value="2026-01-01"), True),
])
def test_compatible_is_whether_any_value_satisfies_both(a, b, meet):
    assert compatible(a, b) is meet and compatible(b, a) is meet


@pytest.mark.parametrize("text", [
    "homes in Millbrook under 100000 euros without parking",
    "not in Oakvale, over 900000 euros, parking please",
    "homes in Millbrook or under 100000 euros",
])
def test_caller_filters_are_never_dropped_or_contradicted(text):
    fixed = [F(field="town", op="eq", value="Oakvale"),
             F(field="asking_price", op="gte", value=150000),
             F(field="has_parking", op="eq", value=True)]
    result = read(text, HOUSING, {"fixed_filters": [f.model_dump() for f in fixed],
                                  "min_confidence": 0.99})
    assert result.filters[:3] == fixed
    for f in result.filters[3:] + [f for g in result.any_of for f in g]:
        assert all(compatible(f, g) for g in fixed), f
    assert result.dropped  # the contradicting ones are reported, with a reason
    assert all("caller" in d.reason or "min_confidence" in d.reason for d in result.dropped)


def test_caller_filters_keep_what_narrows_them_and_end_a_lone_group():
    result = QueryResult(query="q", catalog="c", catalog_version=1,
                         filters=[F(field="p", op="lt", value=80, confidence=0.9)],
                         any_of=[[F(field="t", op="eq", value="A", confidence=0.9)],
                                 [F(field="t", op="eq", value="B", confidence=0.9)]])
    merged = with_fixed_filters(result, [F(field="p", op="lt", value=100),
                                         F(field="t", op="neq", value="B")])
    assert conditions(merged.filters) == {("p", "lt", 100), ("t", "neq", "B"), ("p", "lt", 80),
                                          ("t", "eq", "A")}
    assert merged.any_of == []
    assert [d.filter.value for d in merged.dropped] == ["B"]


def test_a_follow_up_that_repeats_a_condition_changes_nothing():
    results = conversation(["homes in Oakvale with a sauna", "in Oakvale"], HOUSING)
    assert conditions(results[1].filters) == conditions(results[0].filters)
    assert results[1].changes == []


def test_two_bare_values_read_as_different_fields_make_no_groups():
    """`Millbrook or sauna` names two values with nothing of their own around them: a list
    the fields misread, not two conditions; `under 100000 euros or sauna` is two."""
    assert read("homes in Millbrook or sauna", HOUSING).any_of == []
    assert len(read("homes under 100000 euros or with a sauna", HOUSING).any_of) == 2
