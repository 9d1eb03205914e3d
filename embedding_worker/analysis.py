"""Understand one query against one catalog: proposals for the LLM stage to arbitrate.

Order matters: dates, numbers, sort phrases and yes/no fields named in full take
their words first; enum values are then matched exactly, yes/no fields by their
one-word names and by paraphrase, and enum values by typo, abbreviation and meaning
on what is left. Then context settles which field a shared value belongs to,
negation marks what is excluded, and `and` on a field that holds several values
asks for all of them. Anything uncertain becomes a decision for the LLM stage,
with a default.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from embedding_worker.booleans import (ParaphraseConfig, named_booleans, paraphrased_booleans,
                                       record_noun)
from embedding_worker.counted_nouns import field_meaning
from embedding_worker.constraints import (date_proposals, lone_number_proposals,
                                          named_number_proposals, none_value_proposals,
                                          own_amount_proposals,
                                          number_proposals, quantities_in,
                                          zero_proposals)
from embedding_worker.definitions import defined_proposals
from embedding_worker.disjunction import alternatives
from embedding_worker.field_choice import choose_fields, read_context
from embedding_worker.followups import let_go, shifts
from embedding_worker.fields import FieldProfile
from embedding_worker.index import CatalogIndex
from embedding_worker.matching import (Embed, abbreviation_matches, coded_matches,
                                       completed_values, demonym_matches,
                                       distinct_word_matches, exact_matches,
                                       fuzzy_matches, fuzzy_phrases, prefix_matches,
                                       semantic_matches, shared_tails,
                                       split_joined_values, stem_matches,
                                       within_neighbours)
from embedding_worker.negation import NEGATORS, apply_negation
from embedding_worker.notations import notation_proposals
from embedding_worker.ordered_values import widened
from embedding_worker.proposals import Proposal, SortProposal
from embedding_worker.retrieval import Candidate
from embedding_worker.sorting import nearest_field, sort_proposals
from embedding_worker.tokens import STOPWORDS, Token, forms, stem, tokenize
from shared.names import name_words
from shared.reference import Reference
from shared.schemas import Catalog


# A paraphrase this close to a yes/no field's description (`get along with cats` for
# "gets along with cats") is taken before enum values claim its words (`cats`).
STRONG_PARAPHRASE = 0.85


@dataclass(frozen=True)
class AnalysisConfig:
    semantic_min: float = 0.7       # below: ignored
    semantic_accept: float = 0.85   # at or above: accepted without asking the LLM
    max_ngram: int = 3
    top_k: int = 5
    paraphrase: ParaphraseConfig = ParaphraseConfig()


def _tokens_in(tokens: list[Token], start: int, end: int) -> set[int]:
    return {i for i, t in enumerate(tokens) if t.start >= start and t.end <= end}


def _tokens_in_any(tokens: list[Token], spans: list[tuple[int, int]]) -> set[int]:
    return {k for start, end in spans for k in _tokens_in(tokens, start, end)}


def _take(tokens: list[Token], spans: list[tuple[int, int]], taken: set[int]) -> None:
    taken.update(_tokens_in_any(tokens, spans))


def _overlaps(a: Any, b: Any) -> bool:
    return a.start < b.end and b.start < a.end


def analyse(text: str, catalog: Catalog, index: CatalogIndex, embed: Embed,
            is_word: Callable[[str], bool], config: AnalysisConfig = AnalysisConfig(),
            reference: Reference | None = None, refining: bool = False) -> dict[str, Any]:
    """Proposals, groups (OR between whole conditions), sort, decisions, candidates and
    token roles for one text; `reference` (the request's `now` and `timezone`) resolves
    relative and numeric dates; `refining` (a follow-up) adds what it lets go and moves.

    The steps run in the order of the module docstring. `rule_tokens` collects the words
    the rules explain (reported as `rule` and kept from later rules); `taken` the words any
    proposal has claimed (kept from later matchers, which add to it as they match)."""
    tokens = split_joined_values(tokenize(text), index)
    fields = index.field_profiles(catalog)
    rule_tokens: set[int] = set()
    written = exact_matches(tokens, index, set())
    named = _values_written_with_numbers(text, tokens, index, is_word, written)
    dates, numbers = _dates_and_numbers(text, tokens, catalog, fields, named, reference,
                                        rule_tokens, written, field_meaning(
                                            index.layout.views, index.view_vectors, embed))
    sorts = _sort_phrases(text, tokens, catalog, fields, written, rule_tokens, index, embed,
                          {p.field for p in numbers}, is_word)
    taken = set(rule_tokens)
    not_flags = _not_flag_words(catalog, fields)
    noun = record_noun(catalog)
    booleans, zeros = _flags_and_zeros_in_full(text, tokens, catalog, index, fields, embed,
                                               config, not_flags, taken, rule_tokens, written,
                                               noun)
    values = _exact_values(text, tokens, index, taken, is_word, fields,
                           _not_values(catalog, fields))
    booleans += _one_word_flags(text, tokens, index, fields, embed, config, not_flags,
                                booleans, taken, noun)
    _take(tokens, [(b.start, b.end) for b in booleans], rule_tokens)
    loose, candidates = _loose_values(text, tokens, index, taken, embed, is_word, config,
                                      _not_values(catalog, fields),
                                      frozenset(w for p in fields for w in name_words(p.name)),
                                      values + booleans)
    values = within_neighbours(text, completed_values(tokens, values + loose, index,
                                                      rule_tokens, is_word))
    values.sort(key=lambda p: p.start)
    values, uncertain = _settle_values(text, tokens, catalog, fields, values, taken,
                                       rule_tokens)
    numbers += lone_number_proposals(text, tokens, fields, taken | rule_tokens, values,
                                     booleans + dates + numbers + zeros)
    proposals = dates + numbers + zeros + booleans + values
    decisions = _decisions(proposals, config, uncertain)
    roles = _token_roles(tokens, proposals, rule_tokens)
    out = {
        "proposals": [asdict(p) for p in proposals],
        "groups": alternatives(text, proposals, [  # a word no one knows may be a value
            (t["start"], t["end"]) for t in roles
            if t["role"] == "free" and not is_word(t["text"].lower())]),
        "sort": [asdict(s) for s in sorts],
        "decisions": decisions,
        "candidates": {f: [c.as_dict() for c in cs] for f, cs in candidates.items()},
        "tokens": roles,
    }
    if refining:  # comparatives inside a condition (`40 or cheaper`) are that condition's
        free = [t for t in tokens if not any(p.start <= t.start < p.end for p in proposals)]
        out["followup"] = {"let_go": let_go(text, tokens, fields),
                           "shifts": shifts(text, free, [p for p in fields
                                                         if p.name in catalog.sortable])}
    return out


def _values_written_with_numbers(text: str, tokens: list[Token], index: CatalogIndex,
                                 is_word: Callable[[str], bool],
                                 written: list[Proposal]) -> list[Proposal]:
    """Catalog values written with a number (`iPhone 14 Pro Max`, `Galaxy S24`), exactly
    (`written`) or nearly: each is that value, not an amount, so its span is kept from the
    number and date rules."""
    return [p for p in written + fuzzy_phrases(tokens, index, set(), is_word)
            if any(c.isdigit() for c in text[p.start:p.end])]


def _dates_and_numbers(text: str, tokens: list[Token], catalog: Catalog,
                       fields: list[FieldProfile], named: list[Proposal],
                       reference: Reference | None, rule_tokens: set[int],
                       written: list[Proposal], meant: Callable[[str, set[str]], str | None],
                       ) -> tuple[list[Proposal], list[Proposal]]:
    """Date and number proposals, none inside a `named` value, nor an amount in words
    inside a value `written` out (`a day nursery` is no 24 hours): the codes a description
    shows by example first (`52/18 B140`), dates (their numbers are no amounts), then
    comparisons, numbers a field's description defines (`0 = nonstop`) and numbers named
    by their field (`size 10`). Adds the words they take to `rule_tokens`."""
    codes = [c for c in notation_proposals(text, fields)
             if not any(_overlaps(c, p) for p in named)]
    named = named + codes
    _take(tokens, [(c.start, c.end) for c in codes], rule_tokens)
    quantities = [q for q in quantities_in(text, fields)
                  if not any(_overlaps(q, p) for p in named) and (
                      re.search(r"\d", text[q.start:q.end]) or
                      not any(_overlaps(q, p) for p in written))]
    dates, spans = date_proposals(text, tokens, fields, quantities, reference,
                                  [(p.start, p.end) for p in written])
    dates = [d for d in dates if not any(_overlaps(d, p) for p in named)]
    spans = [s for s in spans if not any(p.start < s[1] and s[0] < p.end for p in named)]
    _take(tokens, spans, rule_tokens)
    quantities = [q for q in quantities if not any(_overlaps(d, q) for d in dates)]
    numbers, spans = number_proposals(text, tokens, fields, quantities, meant)
    numbers = codes + numbers
    # a word before a number that names its field stays a value it is part of (`long stay
    # 4+ stars`: `stay` is no word for stars)
    _take(tokens, [s for s in spans if re.search(r"\d", text[s[0]:s[1]]) or not any(
        p.start <= s[0] and s[1] <= p.end for p in written)], rule_tokens)
    defined, spans = defined_proposals(text, tokens, catalog, fields, set(rule_tokens))
    numbers += defined
    _take(tokens, spans, rule_tokens)
    named_numbers, spans = named_number_proposals(text, tokens, fields,
                                                  rule_tokens | _tokens_in_any(
                                                      tokens, [(p.start, p.end) for p in named]))
    numbers += named_numbers
    _take(tokens, spans, rule_tokens)
    own, spans = own_amount_proposals(text, tokens, fields, rule_tokens | _tokens_in_any(
        tokens, [(p.start, p.end) for p in named]))
    numbers += own
    _take(tokens, spans, rule_tokens)
    return dates, numbers


def _sort_phrases(text: str, tokens: list[Token], catalog: Catalog, fields: list[FieldProfile],
                  written: list[Proposal], rule_tokens: set[int], index: CatalogIndex,
                  embed: Embed, constrained: set[str],
                  is_word: Callable[[str], bool]) -> list[SortProposal]:
    """Sort phrases on the catalog's sortable fields (a bare superlative preferring a field
    the request `constrained`), none starting inside a catalog value
    of several words (`top loader` is a value, not the top of something to sort). Adds
    their words to `rule_tokens`, except the words between a sort's first and last that
    are values (`python` in `shortest python courses first`; not `new` of `new arrivals`,
    not `first` of `cheapest first`)."""
    sortable = [p for p in fields if p.name in catalog.sortable]
    sorts = sort_proposals(text, sortable, nearest_field(
        sortable, embed, _domain_words(catalog, described=False) | index.value_words),
        frozenset(constrained), is_word)
    phrases = [p for p in written if " " in text[p.start:p.end]]
    sorts = [s for s in sorts if not any(p.start <= s.start < p.end for p in phrases)]
    inner = set()
    for s in sorts:
        inner |= set(sorted(_tokens_in(tokens, s.start, s.end))[1:-1])
    rule_tokens |= (_tokens_in_any(tokens, [(s.start, s.end) for s in sorts]) -
                    (inner & _tokens_in_any(tokens, [(p.start, p.end) for p in written])))
    return sorts


def _not_flag_words(catalog: Catalog, fields: list[FieldProfile]) -> frozenset[str]:
    """Words that alone say no yes/no field: the catalog's domain words and the names of
    fields that are not yes/no (a yes/no field's own name words may say it: `warranty`,
    `with cab`)."""
    return _domain_words(catalog) | {w for p in fields if p.field.type != "boolean"
                                     for w in p.name_stems}


def _flags_and_zeros_in_full(text: str, tokens: list[Token], catalog: Catalog,
                             index: CatalogIndex, fields: list[FieldProfile], embed: Embed,
                             config: AnalysisConfig, not_flags: frozenset[str], taken: set[int],
                             rule_tokens: set[int], written: list[Proposal],
                             noun: str | None) -> tuple[list[Proposal], list[Proposal]]:
    """Before any enum value: yes/no fields named in several words, counts of none (`no
    stops`, `0 owners`) and yes/no fields a description says almost word for word
    (STRONG_PARAPHRASE), as (booleans, zeros). Their words join `taken`; the zeros' words
    join `rule_tokens` too. A name that shares a word with a value `written` across its end
    gives way to it (`renewable electric only`: the value `electric only`; the name's other
    word may still say the field alone)."""
    booleans = named_booleans(text, tokens, fields, taken, multi_word=True)
    nothing, spans = none_value_proposals(text, tokens, fields, taken)
    _take(tokens, spans, rule_tokens)
    zeros, spans = zero_proposals(text, tokens, fields, taken | rule_tokens,
                                  _domain_words(catalog), index.value_words)
    zeros = nothing + zeros
    _take(tokens, spans, rule_tokens)
    taken |= rule_tokens
    booleans += paraphrased_booleans(  # what a description says almost word for word
        text, tokens, fields, taken, embed, index.layout.views, index.view_vectors,
        config.paraphrase, {b.field for b in booleans}, not_flags, STRONG_PARAPHRASE,
        (index.vectors, config.semantic_min), noun)
    crossing = [b for b in booleans if any(
        _overlaps(b, w) and not (b.start <= w.start and w.end <= b.end) and
        not (w.start <= b.start and b.end <= w.end) for w in written)]
    taken -= _tokens_in_any(tokens, [(c.start, c.end) for c in crossing]) - rule_tokens
    return [b for b in booleans if all(b is not c for c in crossing)], zeros


def _exact_values(text: str, tokens: list[Token], index: CatalogIndex, taken: set[int],
                  is_word: Callable[[str], bool], fields: list[FieldProfile],
                  domain: frozenset[str]) -> list[Proposal]:
    """Enum values written as they are, misspelt (`austira`: never a word of the catalog's
    own, `domain`), by a prefix, a demonym (`italian` for Italy) or a code; before the
    one-word yes/no fields, which would otherwise claim their words (`skiing austira` is
    no paraphrase of night skiing).
    A synonym that is a number field's own name word near a number is left to the number
    (_names_a_measure)."""
    values = exact_matches(tokens, index, taken)
    values += shared_tails(text, tokens, values, index, taken)
    values += fuzzy_matches(tokens, index, taken, is_word, domain)
    values += prefix_matches(tokens, index, taken, is_word, values)
    values += demonym_matches(tokens, index, taken)
    values += coded_matches(tokens, index, taken)
    values = within_neighbours(text, values)
    return [v for v in values if not _names_a_measure(tokens, v, fields) and
            not _names_a_field(text, v, values)]


def _names_a_field(text: str, value: Proposal, values: list[Proposal]) -> bool:
    """A value written in two words as another field's one name word, right before that
    field's value (`pick up in Hackney` where pickup_area holds Hackney: no body type
    Pickup; `a pickup in Hackney` may be one)."""
    written = text[value.start:value.end].lower()
    said = re.sub(r"[\s-]+", "", written)
    return said != written and any(o.field != value.field and said in name_words(o.field) and
               re.fullmatch(r"(?:\s+(?:in|at|from|on|to|the|a|an|near))*\s+",
                            text[value.end:o.start], re.IGNORECASE)
               for o in values)


def _names_a_measure(tokens: list[Token], value: Proposal, fields: list[FieldProfile]) -> bool:
    """A one-word synonym of a value that is a number field's own name word, within a few
    words of a number or of another of that field's name words, names the field
    (`monthly price`, `175 or less monthly` where `monthly` is also a synonym of a term;
    not a value itself: `40kg+ dog` asks for dogs); so does any one-word value that is a
    number field's whole name a few words after a number (`5+ seats`, not the make Seat)."""
    inside = [k for k, t in enumerate(tokens) if value.start <= t.start and t.end <= value.end]
    if len(inside) != 1:
        return False
    k = inside[0]
    word = {tokens[k].norm, stem(tokens[k].norm)}
    if value.source != "synonym":  # `5+ seats` is the seat count, not the make Seat (but
        # `a 5 door Seat`, `40 a day, Seat or Skoda` are the make)
        return tokens[k].norm != str(value.value).lower() and any(
            re.search(r"\d", t.norm) for t in tokens[max(0, k - 3):k]) and any(
            p.field.type == "number" and name_words(p.name) == [tokens[k].norm]
            for p in fields)
    near = [t.norm for t in tokens[max(0, k - 3):k] + tokens[k + 1:k + 3]]
    return any(p.field.type == "number" and word & p.name_stems and (
        any(re.search(r"\d", n) or ({n, stem(n)} & p.name_stems - word) for n in near))
        for p in fields)


def _one_word_flags(text: str, tokens: list[Token], index: CatalogIndex,
                    fields: list[FieldProfile], embed: Embed, config: AnalysisConfig,
                    not_flags: frozenset[str], booleans: list[Proposal],
                    taken: set[int], noun: str | None) -> list[Proposal]:
    """Yes/no fields not yet found (`booleans`), named by one word or described in other
    words (any similarity the paraphrase config accepts)."""
    found = named_booleans(text, tokens, fields, taken, multi_word=False)
    found += paraphrased_booleans(text, tokens, fields, taken, embed, index.layout.views,
                                  index.view_vectors, config.paraphrase,
                                  {b.field for b in booleans + found}, not_flags,
                                  values=(index.vectors, config.semantic_min), noun=noun)
    return found


def _loose_values(text: str, tokens: list[Token], index: CatalogIndex, taken: set[int],
                  embed: Embed, is_word: Callable[[str], bool], config: AnalysisConfig,
                  domain: frozenset[str], names: frozenset[str] = frozenset(),
                  found: list[Proposal] = (),
                  ) -> tuple[list[Proposal], dict[str, list[Candidate]]]:
    """Enum values in the words left: by stem, typo, abbreviation and meaning (not on
    `domain` words); with the semantic candidates per field. `found`: the values and
    yes/no fields already read, whose words may stand before a value's one word (`used
    yamaha upright`)."""
    values = stem_matches(tokens, index, taken)
    values += abbreviation_matches(tokens, index, taken, is_word, names)
    values += prefix_matches(tokens, index, taken, is_word, capitalised=True)
    values += distinct_word_matches(text, tokens, index, taken, _tokens_in_any(
        tokens, [(p.start, p.end) for p in [*found, *values]]))
    semantic, candidates = semantic_matches(tokens, index, taken, embed, config.semantic_min,
                                            config.max_ngram, config.top_k, domain)
    values += semantic
    return values, candidates


def _settle_values(text: str, tokens: list[Token], catalog: Catalog, fields: list[FieldProfile],
                   values: list[Proposal], taken: set[int],
                   rule_tokens: set[int]) -> tuple[list[Proposal], set[int]]:
    """Values in context: the field a shared value belongs to, ordered values widened,
    negation applied (waived values dropped), `and` read as all of a multi-valued field,
    and the field names next to their values explained. Returns the values and the ids of
    those whose field is still a guess; the words explained join `rule_tokens`."""
    options = {id(p): [(p.field, p.value), *p.alternatives] for p in values if p.alternatives}
    uncertain = _settle_fields(text, tokens, values, {p.name: p for p in fields}, rule_tokens)
    values += _for_each_field(text, tokens, values, options, {p.name: p for p in fields})
    values += widened(text, values, catalog)
    negators, waived = apply_negation(text, tokens, values, used=rule_tokens)
    implied = _implied_exclusions(text, [p for p in values if all(p is not w for w in waived)],
                                  {p.name: p for p in fields})
    rule_tokens |= _tokens_in_any(tokens, [(p.start, p.end) for p in implied])
    values = [p for p in values if all(p is not w for w in waived + implied)]
    rule_tokens |= negators
    _mark_all_of(text, values, {p.name: p for p in fields})
    rule_tokens |= _field_name_tokens(tokens, values, fields, taken | rule_tokens)
    return values, uncertain


def _for_each_field(text: str, tokens: list[Token], values: list[Proposal],
                    options: dict[int, list[tuple[str, Any]]],
                    profiles: dict[str, FieldProfile]) -> list[Proposal]:
    """A value several fields share, said of both of them right after it (`hydraulic disc
    front and rear`: each word of its own field's name; `hydraulic on both wheels`): the
    same value for each of them too (the settled field keeps its proposal)."""
    out = []
    for p in values:
        if id(p) not in options:
            continue
        after = [t.norm for t in tokens if t.start >= p.end][:4]
        clause = re.split(r"[,;.!?:()]", text[p.end:], maxsplit=1)[0].lower()
        after = [w for w in after if re.search(rf"\b{re.escape(w)}\b", clause)]
        fields = [f for f, _ in options[id(p)]]
        common = frozenset.intersection(*(profiles[f].name_stems for f in fields))
        end = p.end + len(clause)
        listed = any(o is not p and p.end <= o.start < end and
                     {o.field, *(f for f, _ in o.alternatives)} & set(fields) for o in values)
        if ("both" in after or "each" in after) and not listed:  # not `via both X and Y`
            named = set(fields)
        else:
            named = {f for k in range(len(after) - 2) if after[k + 1] in ("and", "&")
                     for f in fields for w in (after[k], after[k + 2])
                     if {w, stem(w)} & (profiles[f].name_stems - common)}
            named = named if len(named) >= 2 else set()
        out += [replace(p, field=f, value=v, alternatives=[], field_by="context")
                for f, v in options[id(p)] if f in named and f != p.field]
    return out


def _domain_words(catalog: Catalog, described: bool = True) -> frozenset[str]:
    """The catalog's own words (`laptops`, `courses`), in every form: of its name and
    description, or of its name alone (`described=False`)."""
    said = f"{catalog.name} {catalog.description or ''}" if described else catalog.name
    return frozenset(f for w in re.findall(r"[a-z0-9]+", said.lower()) for f in forms(w))


def _not_values(catalog: Catalog, fields: list[FieldProfile]) -> frozenset[str]:
    """Field names and the catalog's own domain words (`laptops`) are not values."""
    return frozenset(w for p in fields for w in p.name_stems) | _domain_words(catalog)


def _settle_fields(text: str, tokens: list[Token], values: list[Proposal],
                   profiles: dict[str, FieldProfile], used: set[int]) -> set[int]:
    """Give each value that several fields hold the field its context says; returns the
    ids of proposals whose field is still a guess (left to the LLM)."""
    shared = [p for p in values if p.alternatives]
    if not shared:
        return set()
    # values of one of those fields only (`nordic` where only the mill's country has it)
    # are read with them: they take their field, and their words are theirs
    fields = {f for p in shared for f in [p.field] + [f for f, _ in p.alternatives]}
    read = [p for p in values if p.alternatives or p.field in fields]
    # another field's value is no word of context (`ivory lace a line`: `line` is the
    # silhouette's, not the lining an accent colour's description names), unless a
    # description names it as it is (`grey bench` where the cover is "of a sofa or bench")
    said = frozenset().union(*(profiles[f].description_words for f in fields))
    others = {k: profiles[p.field] for p in values if all(p is not q for q in read)
              for k in _tokens_in(tokens, p.start, p.end) if tokens[k].norm not in said}
    # values on one span (`glasgow`: each Glasgow station) are one reading, one field
    spans = list(dict.fromkeys((p.start, p.end) for p in read))
    first = {span: next(p for p in read if (p.start, p.end) == span) for span in spans}
    readings = read_context(text, tokens, [(*span, [first[span].field] + [
        f for f, _ in first[span].alternatives]) for span in spans], profiles, used, others)
    chosen = dict(zip(spans, choose_fields(readings)))
    uncertain = set()
    for p in read:
        field, how = chosen[(p.start, p.end)]
        if not p.alternatives:
            continue
        options = [(p.field, p.value), *p.alternatives]
        value = next(v for f, v in options if f == field)
        p.field, p.value, p.field_by = field, value, how
        p.alternatives = [o for o in options if o[0] != field] if how == "unsure" else []
        if how == "unsure":
            uncertain.add(id(p))
    return uncertain


def _implied_exclusions(text: str, values: list[Proposal],
                        profiles: dict[str, FieldProfile]) -> list[Proposal]:
    """Excluded values of a field that holds one value per record and is asked for
    another value in the same sentence (`mud terrain, not all-terrains`): the value asked
    for already excludes them, so they add no filter. (Not across sentences, nor against
    the same value: `our old whirlpool died ... not whirlpool this time` excludes it.)"""
    def sentence(p: Proposal) -> int:
        return len(re.findall(r"[.!?](?:\s|$)", text[:p.start]))
    both = {(p.field, p.value) for p in values if p.negated} & \
        {(p.field, p.value) for p in values if not p.negated}
    return [p for p in values if p.negated and not profiles[p.field].multi_valued and
            p.field not in {f for f, _ in both} and any(
                not o.negated and o.field == p.field and sentence(o) == sentence(p) and
                o.source != "semantic" for o in values)]  # a guess by meaning may be dropped


def _mark_all_of(text: str, values: list[Proposal], profiles: dict[str, FieldProfile]) -> None:
    """`pool and gym` on a field that holds several values asks for both (one `eq` each);
    `or` anywhere in the list asks for either (`in`)."""
    by_field: dict[tuple[str, bool], list[Proposal]] = {}
    for p in values:
        by_field.setdefault((p.field, p.negated), []).append(p)
    for (field, negated), group in by_field.items():
        if negated or len(group) < 2:
            continue
        gaps = [text[a.end:b.start] for a, b in zip(group, group[1:])]
        either = any(re.search(r"\b(?:or|nor|either)\b|/", g, re.IGNORECASE) for g in gaps)
        both = re.search(r"\b(?:both|all of)\s+(?:the\s+)?$", text[:group[0].start],
                         re.IGNORECASE) is not None
        if not either and (both or profiles[field].multi_valued):
            for p in group:
                p.all_of = True


def _field_name_tokens(tokens: list[Token], values: list[Proposal], fields, taken: set[int],
                       ) -> set[int]:
    """`size` in `size M`, `color` in `in the color red`: a field's name next to its value."""
    matched = {p.field for p in values}
    named = {stem(w) for f in fields if f.name in matched for w in f.name_stems}
    return {i for i, t in enumerate(tokens)
            if i not in taken and stem(t.norm) in named and t.norm not in NEGATORS}


def _decisions(proposals: list[Proposal], config: AnalysisConfig,
               uncertain: set[int]) -> list[dict[str, Any]]:
    """What the LLM stage must settle: a field among several, or whether a weak match holds."""
    out = []
    for i, p in enumerate(proposals):
        if p.alternatives and (id(p) in uncertain or p.source == "rule"):
            readings = [(p.field, p.value), *p.alternatives]
            out.append({"proposal": i, "kind": "field", "options": [f for f, _ in readings],
                        "values": [v for _, v in readings], "default": p.field})
        elif p.source == "semantic" and isinstance(p.value, bool) and \
                p.score < config.paraphrase.accept:
            out.append({"proposal": i, "kind": "keep", "options": [True, False],
                        "default": p.score >= config.paraphrase.default_on})
        elif p.source == "semantic" and not isinstance(p.value, bool) and \
                p.score < config.semantic_accept:
            out.append({"proposal": i, "kind": "keep", "options": [True, False],
                        "default": False})
    return out


def _token_roles(tokens: list[Token], proposals: list[Proposal], rule_tokens: set[int],
                 ) -> list[dict[str, Any]]:
    """Each token with what explains it: a proposal, a rule word, a stopword, or nothing."""
    out = []
    for i, t in enumerate(tokens):
        owner = next((k for k, p in enumerate(proposals) if p.start <= t.start and t.end <= p.end),
                     None)
        role = (f"proposal:{owner}" if owner is not None else "rule" if i in rule_tokens
                else "stop" if t.norm in STOPWORDS else "free")
        out.append({"text": t.text, "start": t.start, "end": t.end, "role": role})
    return out
