"""Which of several fields a value belongs to, from the words around it.

Fields of one catalog often share a value set (departure / arrival / stop-over city,
body / seat colour). The text says which is meant with a preposition or verb
before the value (`from`, `to`, `via`, `leaving`, `arriving in`) or a noun next to
it (`red seats`, `beige interior`). Prepositions are general English; which field
plays which role is read from the field's own name and description.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from embedding_worker.fields import FieldProfile, value_stems
from embedding_worker.negation import NEGATION_PHRASES, NEGATORS
from embedding_worker.tokens import STOPWORDS, Token, stem
from shared.names import name_words

# The relation words of English travel and transfer: the text's side and the words a
# field's name or description uses for the same role.
ROLE_CUES: dict[str, tuple[tuple[str, ...], ...]] = {
    "origin": (("from",), ("leaving",), ("leave",), ("leaves",), ("departing",), ("depart",),
               ("departs",), ("out", "of"), ("outta",), ("starting",), ("start",),
               ("originating",), ("origin",), ("exiting",), ("flying", "out"), ("pickup",),
               ("picked", "up"), ("pick", "up"), ("up",), ("collect",), ("collecting",),
               ("collected",)),
    "destination": (("to",), ("into",), ("arriving",), ("arrive",), ("arrives",), ("arrival",),
                    ("heading",), ("headed",), ("bound",), ("towards",), ("toward",),
                    ("reaching",), ("destination",), ("landing",), ("going",), ("for",),
                    ("->",), ("→",), ("dropoff",), ("drop",), ("off",), ("return",),
                    ("returning",), ("returned",), ("leave", "it"), ("leaving", "it"),
                    ("end",), ("ending",),
                    ("finish",), ("finishes",), ("finishing",)),
    "intermediate": (("via",), ("through",), ("thru",), ("passing",), ("stopping",), ("stop",),
                     ("stops",), ("stopover",), ("layover",), ("connecting",), ("connection",),
                     ("change",), ("changing",), ("transfer",), ("transit",)),
}
ROLE_FIELD_WORDS: dict[str, frozenset[str]] = {
    "origin": frozenset({"depart", "departur", "departure", "origin", "original", "from",
                         "start", "source",
                         "leav", "leave", "outbound", "pickup", "pick", "collect", "board",
                         "begin", "begins"}),
    "destination": frozenset({"arriv", "arrival", "destin", "destination", "to", "end", "ends",
                              "target", "dropoff", "drop", "return", "inbound", "reach",
                              "finish", "finishes"}),
    "intermediate": frozenset({"via", "intermediat", "intermediate", "stop", "stops", "stopover",
                               "layover", "through", "transit", "connect", "connection", "pass",
                               "passes", "chang", "transfer"}),
}
# Which of two fields of one kind is the main one and which comes beside it
# (`primary_genre` / `secondary_genre`, `main_language` / `second_language`), by the words of
# their names (else of their descriptions), and the words of English that say so next to a
# value (`mainly jazz`, `jazz as the main style`, `some rock too`, `soul on the side`).
RANK_FIELD_WORDS: dict[str, frozenset[str]] = {
    "main": frozenset({"primary", "main", "principal", "first", "chief", "major", "dominant",
                       "most"}),
    "side": frozenset({"secondary", "second", "additional", "extra", "other", "minor",
                       "side"})}
RANK_CUES: dict[str, frozenset[str]] = {
    "main": frozenset({"main", "mainly", "mostly", "primarily", "primary", "chiefly",
                       "principal", "predominantly", "mainstay", "first"}),
    "side": frozenset({"also", "too", "side", "secondary", "second", "bit", "some",
                       "additionally", "sometimes", "occasionally"})}
# The rank words that may also come after their value (`rock too`, `soul on the side`,
# `jazz as the main style`); the others only come before it (`also plays some disco`).
RANK_AFTER = frozenset({"too", "side", "main", "primary", "second", "secondary"})
# `Primitivo is fine too`, `Japanese works too`: another choice, not a second one.
AS_GOOD = frozenset({"fine", "ok", "okay", "works", "good", "great", "acceptable", "nice"})
# Side words that say a rank by themselves; the others (`some`, `also`, `too`) only beside
# another value of the same fields (`some French` alone is an amount of French, not a
# second language).
SIDE_ALONE = frozenset({"side", "second", "secondary"})
RANK_REACH = 4  # words either side of a value, within its clause and up to `and`/`but`
LEAVE_ALONE = frozenset({("leave",), ("leaves",), ("leaving",)})  # not `leave it in`
# `leave in`/`leave at`: the start (`leave in the morning`), or the end where the start was
# said before it (`pick up in Hackney and leave in Walthamstow`).
LEFT_IN = "left in"
# Role nouns right after a value: `Boston departures`, `Denver arrival`.
ROLE_AFTER = {"to": "origin", "departure": "origin", "departures": "origin", "origin": "origin",
              "arrival": "destination", "arrivals": "destination", "destination": "destination",
              "stopover": "intermediate", "layover": "intermediate"}
# Words that may stand between a cue and its value (`arriving in the`, `via both`).
PASS_OVER = frozenset({"in", "at", "the", "a", "an", "both", "either", "all", "any", "of", "on",
                       "go", "going", "get", "getting", "me", "us", "i", "we", "through"})
ROUTE_TO = re.compile(r"^\s*(?:to|->|→)\s*$", re.IGNORECASE)
LIST_JOIN = re.compile(r"^\s*(?:,|/|&|\+|\bor\b|\band\b|\bnor\b|\bplus\b|\bas well as\b|"
                       r"\beither\b|\bboth\b|\bthe\b|\ba\b|\ban\b|\s)*\s*$", re.IGNORECASE)


@dataclass
class Reading:
    """A value span that may belong to several fields, and what its context says."""

    index: int                 # position in the proposal list
    candidates: list[str]      # field names, catalog order
    role: str | None = None    # the relation word before it
    sibling: int | None = None  # an earlier span it is listed with (`Berlin or Hamburg`)
    scores: dict[str, float] | None = None


def field_roles(p: FieldProfile, shared: frozenset[str] = frozenset()) -> dict[str, float]:
    """Roles a field plays with their weight: from its name (3), else from its description
    (2: a description may name a role only to contrast with it, "differs from the
    original"); words every candidate's name has (`stop` in start_stop / end_stop /
    via_stop) play none."""
    def roles(words: frozenset[str]) -> set[str]:
        return {r for r, vocab in ROLE_FIELD_WORDS.items() if (words - shared) & vocab}
    named = roles(p.name_stems | set(name_words(p.name)))  # with `to` (delivers_to)
    return dict.fromkeys(named, 3.0) if named else dict.fromkeys(roles(p.description_words), 2.0)


def field_rank(p: FieldProfile) -> str | None:
    """`main` or `side` where the field's name (else its description) says which of a
    kind it is, and says only one."""
    for words in (p.name_stems | set(name_words(p.name)), p.description_words):
        ranks = {r for r, vocab in RANK_FIELD_WORDS.items() if words & vocab}
        if ranks:
            return next(iter(ranks)) if len(ranks) == 1 else None
    return None


def rank_said(text: str, tokens: list[Token], first: int, last: int,
              ) -> tuple[str, str] | None:
    """The rank the nearest rank word says of the value at tokens [first, last) (`some`
    rock `too`: side; jazz `as the main` style: main), within RANK_REACH words, its clause
    and up to `and`/`but`/`or` on either side (after it, only RANK_AFTER words, `as well`,
    and not `fine too`). The word before wins a tie. Returns (rank, the word that says
    it)."""
    def cue(k: int, after: bool) -> str | None:
        word = tokens[k].norm
        if after and (word == "well" and tokens[k - 1].norm == "as" or
                      word == "too" and tokens[k - 1].norm in AS_GOOD):
            return "side" if word == "well" else None
        if after and word not in RANK_AFTER:
            return None
        return next((r for r, cues in RANK_CUES.items() if word in cues), None)

    def broken(a: int, b: int) -> bool:  # between tokens a and b (a < b)
        return bool(re.search(r"[,;.!?:()]", text[tokens[a].end:tokens[b].start]))

    found: list[tuple[int, int, str, str]] = []
    for step, start, stop in ((-1, first - 1, max(first - RANK_REACH, 0) - 1),
                              (1, last, min(last + RANK_REACH, len(tokens)))):
        k = start
        while k != stop:
            near = k + 1 if step < 0 else k - 1
            if broken(min(k, near), max(k, near)) or tokens[k].norm in ("and", "but", "or"):
                break
            rank = cue(k, step > 0)
            if rank is not None:
                found.append((abs(k - (first if step < 0 else last - 1)), step, rank,
                              tokens[k].norm))
                break
            k += step
    return min(found)[2:] if found else None


def _role_before(text: str, tokens: list[Token], first: int, stop: int) -> str | None:
    """The relation word nearest before token `first` (back to token `stop`)."""
    gap = text[tokens[first - 1].end if first else 0:tokens[first].start]
    if "->" in gap or "→" in gap or ">" in gap:
        return "destination"
    norms = [t.norm for t in tokens]
    for k in range(first - 1, max(stop, first - 5) - 1, -1):
        for role, cues in ROLE_CUES.items():
            for cue in cues:
                if tuple(norms[k - len(cue) + 1:k + 1]) == cue and k - len(cue) + 1 >= stop:
                    if cue in LEAVE_ALONE and norms[k + 1:k + 2] in (["in"], ["at"]):
                        return LEFT_IN  # `leave in the morning`, `leave in Walthamstow`
                    return role
        if norms[k] not in PASS_OVER:
            if k < first - 1 and norms[k] not in STOPWORDS:
                return None
    return None


def _token_range(tokens: list[Token], start: int, end: int) -> tuple[int, int]:
    inside = [i for i, t in enumerate(tokens) if t.start >= start and t.end <= end]
    return (inside[0], inside[-1] + 1) if inside else (0, 0)


def _clause_start(text: str, tokens: list[Token], first: int) -> int:
    for k in range(first, 0, -1):
        if re.search(r"[;.!?:]|,(?!\s*(?:or|and|nor)\b)", text[tokens[k - 1].end:tokens[k].start]):
            return k
    return 0


def _neighbour_words(text: str, tokens: list[Token], first: int, last: int, taken: set[int],
                     clause: int, values: set[int],
                     speaks: Callable[[set[str]], bool], route: bool = False,
                     passed_over: dict[int, FieldProfile] | None = None) -> set[str]:
    """Content words right after a value (up to a comma; past values of the same fields
    right after it: `black white frame`), and the nearest before it in its clause
    unless that word is another such value's own noun (`white frame with grey cushions`:
    `frame` is the white's): `red seats`, `interior beige`, `the interior anything other
    than black`; before it, past words that tell no candidate apart (`dye class B`: `dye`,
    not `class` of pill_class too; `sleeve no worse than VG`). `values` are the
    tokens of the values that share fields; `speaks` says whether words tell them apart;
    `route`: the values are ends of a route, and the words after the next one are its own
    (`sevilla-malaga one way`). `as`, `a`, `the` after a value count as no word (`Greek as
    a second language`). `passed_over`: other fields' values right after this one, looked
    past to the one word after them, unless that word is their own field's (`teal velvet
    cushions`, but `light roast` is the roast level's)."""
    words: set[str] = set()
    passed_over = passed_over or {}
    k, plain, passed, over = last, 0, False, None
    while k < len(tokens) and plain < (1 if over is not None else 2) and not (
            k and re.search(r"[,;.!?:]", text[tokens[k - 1].end:tokens[k].start])):
        if k in passed_over:
            if plain:
                break  # only a value right after this one is looked past, to one word
            over = passed_over[k]
        elif over is not None and over.mentions({tokens[k].norm, stem(tokens[k].norm)}) == 2:
            break  # `ethiopian natural light roast`: the roast is the light's
        elif k in taken:
            if plain or passed or route or k not in values:
                break  # another value's or rule's words (`white with red seats`)
        elif _introduces(tokens, k):
            break  # `Peruvian yarn milled in Norway`: the milling is Norway's
        elif tokens[k].norm in CLAUSE_OPENERS or _cues_next_value(tokens, k, values):
            break  # `in Hanoi but runs transfers`, `in Siem Reap that run a shuttle`,
            # `Hanoi with transfers to Ha Long`: the transfers are the next value's
        elif tokens[k].norm in AS_A:
            passed = True  # `Turkish as a second language`
        else:
            plain += 1
            if tokens[k].norm not in STOPWORDS:
                words |= {tokens[k].norm, stem(tokens[k].norm)}
        k += 1
    for k in range(first - 1, max(clause, first - 5) - 1, -1):
        if k in passed_over:
            continue
        if k in taken or tokens[k].norm in ("and", "or", "nor", "but", "then", "&"):
            break
        said = {tokens[k].norm, stem(tokens[k].norm)}
        if tokens[k].norm not in STOPWORDS and tokens[k].norm not in NEGATORS and \
                not any(tokens[k].norm in phrase for phrase in NEGATION_PHRASES) and \
                not any(tokens[k].norm in cue for cues in ROLE_CUES.values() for cue in cues):
            if k - 1 not in values:
                words |= said
            if speaks(said) or k - 1 in values:
                break
    return words


# Words between a value and the noun saying its role that count as no word.
AS_A = frozenset({"as", "a", "an", "the"})
# Prepositions after a participle that hand its meaning to what follows (`milled in`,
# `shipped from`); `by` after any verb (`made by`).
AGENT_PREPOSITIONS = frozenset({"in", "at", "from"})


# Words that open another clause after a value: what follows is said of something else.
CLAUSE_OPENERS = frozenset({"but", "that", "which", "who", "whose", "where"})
ROLE_WORDS = frozenset(cue[0] for cues in ROLE_CUES.values() for cue in cues if len(cue) == 1)


def _cues_next_value(tokens: list[Token], k: int, values: set[int]) -> bool:
    """Token k is followed by one or two role words and another value of the same fields
    (`transfers to Ha Long`, `a shuttle up to Luang Prabang`): its noun names that
    value's field."""
    for j in (k + 2, k + 3):
        if j < len(tokens) and j in values and all(tokens[m].norm in ROLE_WORDS
                                                   for m in range(k + 1, j)):
            return True
    return False


def _introduces(tokens: list[Token], k: int) -> bool:
    """Token k is a verb whose preposition introduces another thing (`milled by`); a
    participle has five letters at least (not `red in`, `ten in`)."""
    following = tokens[k + 1].norm if k + 1 < len(tokens) else ""
    return following == "by" or (following in AGENT_PREPOSITIONS and len(tokens[k].norm) >= 5
                                  and re.search(r"(?:ed|en)$", tokens[k].norm) is not None)


def _distinct(p: FieldProfile, others: list[FieldProfile],
              things: frozenset[str]) -> FieldProfile:
    """The field's words that tell it apart from the other candidates: its name words
    unless every candidate's name has them (`color`), its description words unless another
    candidate uses them at all, with the catalog's values among them even where they are
    words of its domain (`sofa` where only the cover's colour is described as "the colour
    of a sofa"; not `course` in a catalog of courses)."""
    def described(f: FieldProfile) -> frozenset[str]:
        return f.description_stems | (f.description_words & things)
    names = frozenset.intersection(p.name_stems, *(o.name_stems for o in others))
    used = frozenset().union(*(o.stems() | described(o) for o in others))
    return FieldProfile(p.field, p.name_stems - names, p.unit_stems - names,
                        described(p) - used)


def _starts_a_route(text: str, spans: list[tuple[int, int, list[str]]], n: int) -> bool:
    """`Port Ansel to Kestrel Bay` after `Oakvale to Millbrook or`: a value followed by
    `to` and another value of its fields begins a pair of its own, not a list."""
    end, candidates = spans[n][1], set(spans[n][2])
    return any(s >= end and candidates & set(c) and ROUTE_TO.match(text[end:s])
               for s, _, c in spans)


def _routed(candidates: list[str], profiles: dict[str, FieldProfile]) -> bool:
    """The fields are the ends of a route (a departure and an arrival port): two of their
    values side by side with nothing between are from and to (`holyhead dublin`), not a
    list, as two colours are (`black white frame`)."""
    roles = {r for f in candidates for r in field_roles(profiles[f])}
    return {"origin", "destination"} <= roles


def read_context(text: str, tokens: list[Token], spans: list[tuple[int, int, list[str]]],
                 profiles: dict[str, FieldProfile], used: set[int] = frozenset(),
                 passed: dict[int, FieldProfile] | None = None) -> list[Reading]:
    """For each (start, end, candidate fields) span: its role word, list sibling and
    per-field context score (3 for a matching role, + name/description words next to it,
    except words another rule used: `nonstop` is a stop count, not a stop-over city).
    `passed`: words looked past, neither context nor an end of it, with their field (other
    fields' values: `teal velvet cushions`)."""
    ranges = [_token_range(tokens, s, e) for s, e, _ in spans]
    values = {k for a, b in ranges for k in range(a, b)}
    taken = values | used
    things = value_stems(p.field for p in profiles.values())
    out = []
    for n, ((start, end, candidates), (first, last)) in enumerate(zip(spans, ranges)):
        reading = Reading(n, candidates)
        clause = _clause_start(text, tokens, first)
        # the nearest earlier value of the same fields, in this clause or right before it
        # across a comma (`Antibes, Cannes or Nice`)
        prev = max((m for m in range(n) if ranges[m][1] <= first
                    and set(spans[m][2]) & set(candidates)), default=None, key=lambda m: ranges[m][1])
        routed = _routed(candidates, profiles)
        adjacent = prev is not None and ranges[prev][1] == first
        juxtaposed = adjacent and routed and not text[spans[prev][1]:start].strip()
        if prev is not None and (ranges[prev][1] > clause or "," in text[spans[prev][1]:start]) \
                and LIST_JOIN.match(text[spans[prev][1]:start]) and not juxtaposed \
                and not _starts_a_route(text, spans, n):
            reading.sibling = prev
        else:
            stop = max([clause] + [b for a, b in ranges if b <= first])
            reading.role = _role_before(text, tokens, first, stop)
            if reading.role is None and adjacent and \
                    (juxtaposed or re.fullmatch(r"\s*[-–]\s*", text[spans[prev][1]:start])):
                reading.role = "destination"  # `sevilla-malaga`, `holyhead dublin`: a route
        if reading.role == LEFT_IN:
            started = any(o.role == "origin" and set(o.candidates) == set(candidates)
                          for o in out)
            reading.role = "destination" if started else "origin"
        if reading.role is None and last < len(tokens):
            reading.role = ROLE_AFTER.get(tokens[last].norm)
        if reading.role is None and _starts_a_route(text, spans, n):
            reading.role = "origin"  # `calgary -> vancouver one way`: from Calgary
        common = frozenset.intersection(*(profiles[f].name_stems for f in candidates))
        distinct = {f: _distinct(profiles[f], [profiles[o] for o in candidates if o != f],
                                 things) for f in candidates}
        words = _neighbour_words(text, tokens, first, last, taken, clause, values,
                                 lambda said: any(d.mentions(said) for d in distinct.values()),
                                 routed, {k: p for k, p in (passed or {}).items()
                                          if k not in taken})
        reading.scores = {}
        for f in candidates:
            p = profiles[f]
            score = float(distinct[f].mentions(words))
            if reading.role:
                score += field_roles(p, common).get(reading.role, 0.0)
            reading.scores[f] = score
        out.append(reading)
    _ranked(text, tokens, spans, ranges, profiles, out)
    return out


def _ranked(text: str, tokens: list[Token], spans: list[tuple[int, int, list[str]]],
            ranges: list[tuple[int, int]], profiles: dict[str, FieldProfile],
            readings: list[Reading]) -> None:
    """Where a value's fields are a main one and one beside it, the rank its words say
    (rank_said) speaks for that field (+3), for every value of its list (`anything but
    coding, robotics or science for the main activity`); `some`, `also`, `too` only where
    another value of those fields is said apart from that list (`mainly jazz, some soul
    too`; not `some French`, `Italian and German too`)."""
    head = {}
    for r in readings:  # the first value of each list
        head[r.index] = head.get(r.sibling, r.sibling) if r.sibling is not None else r.index
    said: dict[int, str] = {}
    for r, (first, last) in zip(readings, ranges):
        ranks = {field_rank(profiles[f]) for f in r.candidates}
        found = rank_said(text, tokens, first, last) if {"main", "side"} <= ranks else None
        beside = any(head[o.index] != head[r.index] and set(o.candidates) & set(r.candidates)
                     for o in readings)
        if found is not None and (found[0] == "main" or found[1] in SIDE_ALONE or beside):
            said[r.index] = found[0]
    for r in readings:
        lists = {said[o.index] for o in readings if head[o.index] == head[r.index]
                 and o.index in said}
        if len(lists) == 1:
            rank = next(iter(lists))
            for f in r.candidates:
                if field_rank(profiles[f]) == rank:
                    r.scores[f] += 3  # `some rock too`: the second genre


def choose_fields(readings: list[Reading]) -> list[tuple[str, str]]:
    """(field, how) per reading: its only field, or the best-scoring one when one stands
    out (`context`),
    else the field of the value it is listed with (`list`), else the first field no other
    value took (`order`: in `Munich to Vienna`, Vienna is the destination, so Munich is the
    origin); `unsure` for a lone value with nothing to go on (`Berlin` alone)."""
    chosen: dict[int, str] = {}
    for r in readings:
        best = max(r.scores.values())
        top = [f for f in r.candidates if r.scores[f] == best]
        if best > 0 and len(top) == 1:
            chosen[r.index] = top[0]
    chosen |= {r.index: r.candidates[0] for r in readings if len(r.candidates) == 1}
    settled = {i: "context" for i in chosen}
    for r in readings:  # a listed value takes its sibling's field, in either direction
        if r.sibling is None:
            continue
        if r.index in chosen and r.sibling not in chosen:
            chosen[r.sibling], settled[r.sibling] = chosen[r.index], "list"
        elif r.sibling in chosen and r.index not in chosen:
            chosen[r.index], settled[r.index] = chosen[r.sibling], "list"
    for r in readings:
        if r.index in chosen:
            continue
        if r.sibling is not None and r.sibling in chosen:
            chosen[r.index], settled[r.index] = chosen[r.sibling], "list"
            continue
        used = {chosen[o.index] for o in readings if o.index in chosen
                and set(o.candidates) & set(r.candidates)}
        free = [f for f in r.candidates if f not in used] or r.candidates
        group = [o for o in readings if set(o.candidates) & set(r.candidates)]
        chosen[r.index] = free[0]
        settled[r.index] = "order" if len(group) > 1 or len(free) == 1 else "unsure"
    return [(chosen[r.index], settled[r.index]) for r in readings]
