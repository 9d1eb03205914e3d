"""Yes/no fields: `in stock`, `pets allowed`, and paraphrases of their descriptions
(`dog friendly`, `can cancel for free`, `internet on board`).

A field turns on when the text names it (its name's words, in any order: `allow pets`)
or says what its description says (by meaning: the embedding of a few words against the
field's name and description, closer than to the catalog's own description). A word the
description merely uses (`listing` in "true if the listing includes parking", `building`
when another field's description has it too) never turns it on by itself. `not`, `no`, `doesn't`, `non-`,
`un-` make it false; `don't need`, `doesn't matter` waive it (no filter).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from embedding_worker.fields import FieldProfile, inflected
from embedding_worker.negation import (EXCLUDING_VERBS, INDEFINITES, NEGATORS, clause_breaks,
                                       negated_before, waived)
from embedding_worker.proposals import Proposal
from embedding_worker.tokens import STOPWORDS, Token, abbreviates, forms, stem
from shared.names import flag_words
from shared.schemas import Catalog

ANTONYM_PREFIXES = ("un", "non", "dis", "in", "im")
# Words too general to say what a yes/no field means on their own (`be able`, `gotta get`).
GENERIC_WORDS = frozenset({"be", "able", "get", "got", "gotta", "go", "going", "need", "want",
                           "wanna", "have", "make", "take", "let", "put", "use", "like", "good",
                           "nice", "great", "new", "place", "places", "somewhere", "stay",
                           "stays"})
# Last words of a yes/no field's name that only say it is permitted (`bikes_allowed`).
PERMISSION = frozenset({"allowed", "permitted", "accepted", "ok", "included", "welcome",
                        "friendly", "possible", "available", "provided", "offered", "supplied"})
# Words that concede rather than ask (`explicit is fine`): no window is read with them,
# unless `with` follows (`ok with kids` asks for a field of getting on with children).
WAIVER_WORDS = frozenset({"fine", "ok", "okay", "optional", "matter", "whatever", "care"})
# Verbs that exclude what follows, across `with` (`avoid places with a hot tub`).
EXCLUDING = EXCLUDING_VERBS | {"hate"}
# Words that end a list of excluded things (`avoid nuts and show me ...`).
LIST_BREAKERS = frozenset({"but", "with", "must", "need", "needs", "want", "have", "has",
                           "show", "should", "please", "ideally", "prefer", "like"})
# `doesn't come with a certificate`: verbs that with `with` say what a thing has, so a
# negation before them reaches across `with`.
COME = frozenset({"come", "comes", "came", "coming", "ship", "ships", "arrive", "arrives"})
# First words of a yes/no field's name that say it holds a thing (`contains_dairy`).
THING_VERBS = frozenset({"contains", "uses", "needs", "requires"})
# `dogs ok`, `pets welcome`: after the thing a field permits, these words permit it.
PERMITS = re.compile(r"^\s*(?:is\s+|are\s+)?(?:ok|okay|fine|welcome|allowed)\b", re.IGNORECASE)
# `dog-free`, `smoke free`: without the thing named.
WITHOUT_IT = re.compile(r"^[\s-]?free\b", re.IGNORECASE)
FREE_OF_CHARGE = frozenset({"fee", "fees", "charge", "charges", "cost", "costs", "penalty"})


@dataclass(frozen=True)
class ParaphraseConfig:
    accept: float = 0.62   # at or above: on, without asking the LLM
    ask: float = 0.5       # from here to `accept`: a decision for the LLM
    default_on: float = 0.53  # the decision's default (no LLM)
    margin: float = 0.08   # over the next yes/no field
    max_words: int = 4


def _words(p: FieldProfile) -> list[str]:
    return flag_words(p.name)


def _matches(token: str, word: str) -> bool:
    """Same word, another form of it, a longer form (`sponsored` ~ `sponsorship`), or the
    word typed with a letter left out or two swapped (`orgnaic`, `controled`)."""
    if forms(token) & forms(word) or (len(word) >= 4 and stem(token) == stem(word)):
        return True
    a, b = sorted((stem(token), stem(word)), key=len)
    return len(a) >= 5 and b.startswith(a) or _slip(token, word)


def _slip(token: str, word: str) -> bool:
    """`climte`, `orgnaic`: a word of six letters or more typed with one letter dropped, or
    two side by side swapped (not one letter for another: `controller` is no `controlled`;
    not a shorter word: `hated` is no `heated`)."""
    if len(token) < 6 or not token.isalpha() or token[:1] != word[:1]:
        return False
    if len(token) == len(word) - 1:
        return any(word[:k] + word[k + 1:] == token for k in range(len(word)))
    return len(token) == len(word) and any(
        word[:k] + word[k + 1] + word[k] + word[k + 2:] == token for k in range(len(word) - 1))


ORDINALS = {"1st": "first", "2nd": "second", "3rd": "third"}
# Words people spell short (`step-thru`).
SHORT_SPELLINGS = {"thru": "through", "tho": "though"}
# `ok with cats`, `great with kids`: said of a field named `good_with_...`.
AS_GOOD = frozenset({"ok", "okay", "fine", "great", "good"})


def _matches_short(token: str, word: str) -> bool:
    """Within a name of several words, also a short form (`unl data`, `1st ed`) and
    another word of approval for `good` (`fine with kids`)."""
    return _matches(token, word) or ORDINALS.get(token) == word or \
        SHORT_SPELLINGS.get(token) == word or (
        word == "good" and token in AS_GOOD) or (
        token not in STOPWORDS and abbreviates(token, word))


# Words a name's window reaches over without counting them (`good with other cats`).
FILLER = frozenset({"a", "an", "the", "other"})


def _find_name(norms: list[str], words: list[str], taken: set[int]) -> tuple[int, int] | None:
    """The field's name words in any order within a window one word wider (`allow pets`),
    not counting articles and `other`; of several, one in the name's order, then the
    tightest (`cat that's good with cats` names good_with_cats in its last words); a
    hyphenated token counts as its parts (`one-way`); in a name of several words, short
    forms count (`1st ed` for first_edition)."""
    match = _matches_short if len(words) > 1 else _matches
    parts = [n.split("-") for n in norms]
    if len(words) > 1 and any(len(p) > 1 for p in parts):
        for i, p in enumerate(parts):
            if len(p) == len(words) and i not in taken and all(
                    match(a, b) for a, b in zip(p, words)):
                return i, i + 1
    n = len(words)
    width = n if n == 1 else n + 1
    found = []
    for i in range(len(norms)):
        if i in taken or not any(match(norms[i], w) for w in words):
            continue
        hits, counted = {}, 0
        for k in range(i, len(norms)):
            counted += norms[k] not in FILLER
            if k in taken or counted > width:
                break
            for w in words:
                if w not in hits and match(norms[k], w):
                    hits[w] = k
        if len(hits) == n:
            at = [hits[w] for w in words]
            size = sum(norms[k] not in FILLER for k in range(i, max(at) + 1))
            found.append((at != sorted(at), size, i, max(at) + 1))
    if not found:
        return None
    _, _, start, end = min(found)
    return start, end


def _antonym(norm: str, words: list[str]) -> bool:
    """`unavailable` against `available`, `nonrefundable` against `refundable`."""
    return any(norm.startswith(pre) and len(norm) > len(pre) + 3 and
               any(_matches(norm[len(pre):].lstrip("-"), w) for w in words)
               for pre in ANTONYM_PREFIXES)


def _negator(text: str, tokens: list[Token], i: int) -> int | None:
    """The negator before token i in its clause, not across `and`, `but`, `with`, except a
    verb of exclusion across `with` (`avoid places with hot tubs`) and `with` after an
    indefinite (`I don't want anything with a penalty`); across `or`, as a negated list is
    (`haven't been spayed or neutered`)."""
    norms = [t.norm for t in tokens]
    breaks = clause_breaks(text, tokens)
    joins = {m for m, t in enumerate(norms) if t in ("and", "but")}
    k = negated_before(norms, i, 5, breaks | joins | {
        m for m, t in enumerate(norms)
        if t == "with" and not (m and norms[m - 1] in COME | INDEFINITES)})
    if k is None:
        k = negated_before(norms, i, 5, breaks | joins)
        k = k if k is not None and norms[k] in EXCLUDING else None
    if k is None:  # `avoid nuts and dairy`, `allergic to gluten or soy`: a list of what it excludes
        k = next((m for m in range(i - 1, max(-1, i - 5), -1) if m + 1 in breaks or
                  norms[m] in EXCLUDING or norms[m - 1:m + 1] == ["allergic", "to"]), None)
        k = k if k is not None and k + 1 not in breaks and \
            not LIST_BREAKERS & set(norms[k + 1:i]) else None
    if k is not None and norms[k] == "non" and k + 1 < i:
        return None  # `non smoker fenced garden`: `non` makes one word of the next only
    return k


def _state(text: str, tokens: list[Token], i: int, j: int, named: bool,
           permitted: bool = False) -> bool | None:
    """True, False (negated) or None (waived) for a match on tokens i..j-1. Inside a
    paraphrase a negator is part of what it says (`no cancellation fee`); after a field of
    permission `ok` permits (`dogs ok`) rather than waives."""
    if not permitted and waived(text, tokens, i, j):
        return None
    norms = [t.norm for t in tokens]
    inside = named and any(norms[k] in ("not", "no", "non") for k in range(i, j))
    after_not = named and re.match(r"^\s*not\b", text[tokens[j - 1].end:]) is not None
    k = _negator(text, tokens, i)
    if k is not None and norms[k] == "without" and _negator(text, tokens, k) is not None:
        k = None  # `skip anything without obstacle sensors`: two negations ask for it
    if k is not None and not named and any(norms[m] in FREE_OF_CHARGE
                                           for m in range(i, min(len(norms), j + 1))):
        k = None  # `no cancellation fee` asks for free cancellation
    return not (k is not None or inside or after_not)


def _negated_words(p: FieldProfile) -> set[str]:
    """The words the field's description negates: the first content word after each
    negator ("not sold yet" -> sold; "no limit on the miles" -> limit), with stems."""
    negated = set()
    for m in re.finditer(r"\b(?:no|not|without|never|non|nobody)\b((?:\W+\w+){1,5})",
                         (p.field.description or "").lower()):
        head = next((w for w in re.findall(r"\w+", m.group(1)) if w not in STOPWORDS), None)
        if head:
            negated |= {head, stem(head)}
    return negated


def _readings(words: list[str]) -> list[tuple[list[str], bool]]:
    """The word lists that name a yes/no field, each with the value it means: the whole
    name; the thing of `contains_dairy` (`no dairy` is false); `out of stock` for
    `in_stock`; the noun of `accident_free` (`no accidents` is true); the core of
    `pets_allowed` (`no pets` is false)."""
    out = [(words, True)]
    if len(words) > 1 and words[0] in THING_VERBS:
        out.append((words[1:], True))
    if len(words) > 1 and words[0] == "in":
        out.append((["out", "of", *words[1:]], False))
    if len(words) > 1 and words[-1] == "free":
        out.append((words[:-1], False))
    elif len(words) > 1 and words[-1] in PERMISSION:
        out.append((words[:-1], True))
    return out


# `false = bareboat`, `true: crewed`: a word the description gives for one of the values.
DEFINED = re.compile(r"\b(?P<v>true|false|yes|no)\s*(?:=|:|means)\s*(?:an?\s+)?"
                     r"(?P<w>[a-z][a-z-]{2,})", re.IGNORECASE)


# `GPS auto-steer`, `e-ink screen`: a hyphenated word, also written as one.
COMPOUND = re.compile(r"\b[a-z]{2,}(?:-[a-z]{2,})+\b", re.IGNORECASE)
# `the front axle is driven too (4WD, MFWD, 4x4)`: other names, in brackets.
BRACKETED = re.compile(r"\(([^()]{2,80})\)")
# "a screw cap instead of a cork": what the field's `false` is.
INSTEAD_OF = re.compile(r"\b(?:instead\s+of|rather\s+than)\s+(?:an?\s+|the\s+)?"
                        r"([a-z]{3,})\b(?!\s+[a-z])", re.IGNORECASE)
# "tables outside, e.g. a terrace, courtyard or footpath dining": the field's examples.
EXAMPLES = re.compile(r"\b(?:e\.g\.?|such\s+as|for\s+example|for\s+instance)\s*,?\s*"
                      r"([^;.()]{2,80})", re.IGNORECASE)


def _defined(p: FieldProfile) -> list[tuple[list[str], bool]]:
    """Readings the description defines: `false = bareboat` -> (["bareboat"], False); its
    hyphenated words written as one (`autosteer` for "auto-steer"); the names it lists in
    brackets or gives as examples, for the value its clause is about ("... driven too (4WD,
    MFWD)" -> true; "false for open-station (ROPS or canopy) machines" -> false; "tables
    outside, e.g. a terrace or courtyard" -> true); what it is instead of ("a screw cap
    instead of a cork" -> cork: false)."""
    description = p.field.description or ""
    out = [([m.group("w").lower()], m.group("v").lower() in ("true", "yes"))
           for m in DEFINED.finditer(description) if m.group("w").lower() not in STOPWORDS]
    # "sealed with a screw cap instead of a cork": the cork is the field's `false`
    out += [([m.group(1).lower()], re.search(r"\b(?:false|no)\b", re.split(
        r"[;.]", description[:m.start()])[-1].lower()) is not None)
            for m in INSTEAD_OF.finditer(description) if m.group(1).lower() not in STOPWORDS]
    for m in COMPOUND.finditer(description):  # `auto-steer` is also written `autosteer`
        parts = m.group().lower().split("-")
        clause = re.split(r"[;.]", description[:m.start()])[-1].lower()
        if parts[0] not in NEGATORS and parts[0] not in ANTONYM_PREFIXES:
            out.append((["".join(parts)], re.search(r"\b(?:false|no)\b", clause) is None))
    # names, not how the thing comes ("(included or as add-on)": no participle)
    for m in [*BRACKETED.finditer(description), *EXAMPLES.finditer(description)]:
        clause = re.split(r"[;.]", description[:m.start()])[-1].lower()
        value = re.search(r"\b(?:false|no)\b", clause) is None
        for name in re.split(r"\s*(?:,|/|\bor\b|\band\b)\s*", m.group(1).lower()):
            words = [w for w in re.findall(r"[\w-]+", name) if w not in ("a", "an", "the")]
            if 1 <= len(words) <= 2 and not (set(words) & STOPWORDS) and \
                    not re.fullmatch(r"e\.?g|i\.?e|etc", name.strip(". ")) and \
                    not any(len(w) > 4 and w.endswith("ed") for w in words):
                out.append((words, value))
    return out


def named_booleans(text: str, tokens: list[Token], fields: list[FieldProfile],
                   taken: set[int], multi_word: bool) -> list[Proposal]:
    """Yes/no fields whose name the text says (`pets allowed`, `out of stock`, `no pets`,
    `unavailable`); `multi_word` picks the readings of two or more words (matched before
    enum values, so `visa sponsorship` is not the company Visa) or the one-word ones."""
    out = []
    norms = [t.norm for t in tokens]
    for p in fields:
        if p.field.type != "boolean":
            continue
        words = _words(p)
        for reading, value in _readings(words) + _defined(p):
            if (len(reading) > 1) != multi_word:
                continue
            hit = _find_name(norms, reading, taken)
            if hit is None and multi_word and reading is words:
                hit = _initials(text, tokens, p, taken)
            if hit is None and len(reading) == 1 and len(words) == 1:
                k = next((k for k, t in enumerate(norms)
                          if k not in taken and _antonym(t, words)), None)
                hit, value = ((k, k + 1), False) if k is not None else (None, value)
            if hit is not None:
                after = text[tokens[hit[1] - 1].end:]
                permitted = value and reading is not words and words[-1] in PERMISSION and \
                    PERMITS.match(after) is not None
                free = words[-1] != "free" and WITHOUT_IT.match(after)
                if free:  # `dog free`: the field is false, and `free` is part of the match
                    value = not value
                    if hit[1] < len(tokens) and tokens[hit[1]].norm == "free":
                        hit = (hit[0], hit[1] + 1)
                found = _proposal(text, tokens, p, hit, value, "rule",
                                  1.0 if reading is words else 0.95, taken, named=True,
                                  permitted=permitted)
                out += found + [replace(found[0], field=q.name, start=tokens[k].start,
                                        end=tokens[k].end, score=0.95)
                                for q, k in _listed_siblings(norms, hit[1], words, fields,
                                                             taken) if found]
                break
    return out


def _initials(text: str, tokens: list[Token], p: FieldProfile,
              taken: set[int]) -> tuple[int, int] | None:
    """The name's initials as a word of their own (`fmc` for fly_more_combo); two letters
    only in capitals (`w/ OA`), as `pa` or `hp` are words of their own too."""
    short = p.initials
    k = next((k for k, t in enumerate(tokens) if k not in taken and t.norm == short), None)
    if k is None or len(short) < 2 or (len(short) == 2 and
                                       not text[tokens[k].start:tokens[k].end].isupper()):
        return None
    return k, k + 1


# Words that continue a list of things (`good with kids and other cats`).
LISTING = frozenset({"and", "or", "&", "other", "also", "even"})


def _listed_siblings(norms: list[str], end: int, words: list[str], fields: list[FieldProfile],
                     taken: set[int]) -> list[tuple[FieldProfile, int]]:
    """Yes/no fields named like this one but for the last word (`good_with_cats` beside
    `good_with_kids`), whose last word the list after the match names: `good with kids
    and cats` says both. Their tokens are taken."""
    siblings = [q for q in fields if q.field.type == "boolean" and len(words) > 1 and
                _words(q)[:-1] == words[:-1] and _words(q)[-1] != words[-1]]
    out, m, joined = [], end, False
    while siblings and m < len(norms) and m not in taken:
        if norms[m] in LISTING:
            joined, m = True, m + 1
            continue
        q = next((q for q in siblings if joined and _matches(norms[m], _words(q)[-1])), None)
        if q is None:
            break
        out.append((q, m))
        taken.add(m)
        siblings.remove(q)
        joined, m = False, m + 1
    return out


def _proposal(text: str, tokens: list[Token], p: FieldProfile, hit: tuple[int, int],
              value: bool, source: str, score: float, taken: set[int],
              named: bool, permitted: bool = False) -> list[Proposal]:
    i, j = hit
    state = _state(text, tokens, i, j, named, permitted)
    taken.update(range(i, j))
    k = _negator(text, tokens, i)
    start = tokens[k].start if k is not None else tokens[i].start
    if k is not None and {"and", "or", "nor"} & {t.norm for t in tokens[k + 1:i]}:
        taken.add(k)  # the end of a negated list: the words between are the list's own
    elif k is not None:
        taken.update(range(k, i))
    if state is None:
        return []
    return [Proposal(p.name, "eq", value if state else not value, start, tokens[j - 1].end,
                     source, score=score)]


def _windows(text: str, tokens: list[Token], taken: set[int], max_words: int,
             domain: frozenset[str] = frozenset()) -> list[tuple[int, int]]:
    """Runs of a few free words inside one clause, with a content word in them that is not
    a word of the catalog's own domain (`courses other than` says nothing of a field in a
    catalog of courses). No negator inside (the negation before a window is applied to
    it), except `no` opening a phrase about a charge (`no cancellation fee`). None ends in
    a letter alone (`seats w parking`: `w` is `with`)."""
    breaks = clause_breaks(text, tokens)
    norms = [t.norm for t in tokens]
    out = []
    for i in range(len(tokens)):
        for n in range(1, max_words + 1):
            j = i + n
            if j > len(tokens) or any(k in taken for k in range(i, j)) or \
                    any(k in breaks or norms[k] in NEGATORS for k in range(i + 1, j)):
                break
            if (norms[i] in NEGATORS and not FREE_OF_CHARGE & set(norms[i:j])) or \
                    any(norms[k] in WAIVER_WORDS and norms[k + 1:k + 2] != ["with"]
                        for k in range(i, j)) or \
                    norms[j - 1] in STOPWORDS or len(norms[j - 1]) == 1 or \
                    not norms[i].isalpha() or \
                    all(norms[k] in STOPWORDS or norms[k] in GENERIC_WORDS or
                        {norms[k], stem(norms[k])} & domain for k in range(i, j)):
                continue
            out.append((i, j))
    return out


# Words of descriptions that name no thing a record is (`true if`, `number of`).
DESCRIPTION_FRAME = frozenset({"true", "false", "if", "whether", "number", "not", "no", "per",
                               "than", "each", "other", "more", "less", "own"})


def record_noun(catalog: Catalog) -> str | None:
    """What one record is (`scooter`, `act`, `car`): the word of the catalog's description
    that the most field descriptions use too (the description's most used on a tie), as
    the catalog writes it. A request names it
    all the time (`kids scooter`, `for the scooter itself`), and a yes/no field described
    "true if the scooter has a motor in each wheel" must not seem close to every such
    request. None without a word that at least two field descriptions share with it."""
    said = {}
    counts: dict[str, int] = {}
    for text in [f.description or "" for f in catalog.fields]:
        for word in {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 2 and
                     w not in STOPWORDS and w not in DESCRIPTION_FRAME}:
            base = min(forms(word), key=len)
            said[base] = min(said.get(base, word), word, key=len)
            counts[base] = counts.get(base, 0) + 1
    described: dict[str, int] = {}
    for w in re.findall(r"[a-z]+", f"{catalog.name} {catalog.description or ''}".lower()):
        described[min(forms(w), key=len)] = described.get(min(forms(w), key=len), 0) + 1
    ranked = sorted((n, described[base], base) for base, n in counts.items()
                    if base in described and n >= 2)
    return said[ranked[-1][2]] if ranked else None


def boolean_views(catalog: Catalog) -> list[tuple[str, str]]:
    """What each yes/no field is recognised by (its name's words, its description) and,
    as ("", text), the catalog's own description: the baseline any request of the domain
    is close to. Embedded once per catalog version with the value index."""
    views = []
    for f in catalog.fields:
        if f.type == "boolean":
            views.append((f.name, " ".join(flag_words(f.name))))
            if f.description:
                views.append((f.name, f.description))
    return views + [("", f"{catalog.name}: {catalog.description}" if catalog.description
                     else catalog.name)] if views else []


def paraphrased_booleans(text: str, tokens: list[Token], fields: list[FieldProfile],
                         taken: set[int], embed: Callable[[list[str]], np.ndarray],
                         views: list[tuple[str, str]], view_vectors: np.ndarray,
                         config: ParaphraseConfig = ParaphraseConfig(),
                         found: set[str] = frozenset(), domain: frozenset[str] = frozenset(),
                         floor: float = 0.0,
                         values: tuple[np.ndarray, float] | None = None,
                         noun: str | None = None) -> list[Proposal]:
    """Yes/no fields the text describes in other words, by meaning: every window of a few
    free words against each field's views (boolean_views). A window must be closer to the
    field than to the catalog's own description (words of the domain, like `building` in
    a homes catalog, say nothing about one field) and to the other yes/no fields. Returns
    proposals with the similarity as score; below `config.accept` they become decisions
    (analysis.py). A window that is one of the catalog's values (`values`: their vectors
    and the similarity that makes a value match) more than it is the field names no
    yes/no field (`kitty` is the cat of a species field, not "gets along with cats"); one
    that leans on the `noun` of what a record is (record_noun) says none (_noun_only)."""
    booleans = [p for p in fields if p.field.type == "boolean" and p.name not in found]
    windows = _windows(text, tokens, taken, config.max_words, domain)
    if not booleans or not windows or not len(view_vectors):
        return []
    texts = [text[tokens[i].start:tokens[j - 1].end].lower() for i, j in windows]
    sims = _similarities(embed(texts), views, view_vectors, booleans, values)
    sims = sims._replace(vetoed=_noun_only(text, tokens, windows, booleans, noun, embed, views,
                                           view_vectors, sims.per_field, config.ask))
    pairs = _close_pairs(tokens, windows, booleans, fields, sims, config, floor)
    pairs += [(max(float(sims.per_field[w, b]), config.accept), w, b)
              for w in range(len(windows)) for b in range(len(booleans))
              if sims.per_field[w, b] >= max(config.ask, floor) and
              sims.per_field[w, b] - sims.baseline(w, b) >= 2 * config.margin and
              _own_word(texts[w], booleans[b].name, fields, domain)]
    return _best_windows(text, tokens, windows, booleans, pairs, taken)


# What a description sets its field against: `resold ... rather than sold by the official
# box office` says nothing for `official tickets`.
CONTRAST = re.compile(r"\b(?:rather than|instead of|as opposed to|unlike)\b")


def _own_word(said: str, field: str, fields: list[FieldProfile], domain: frozenset[str]) -> bool:
    """Whether a window says a word only that yes/no field's description uses (`sweat`,
    `sweaty` for a field described "rated against sweat and splashes"), not in what the
    description sets it against: where the window is close in meaning to the field too,
    meaning and wording agree, and the field is on without asking."""
    words = {f for w in re.findall(r"[a-z]{5,}", said.lower()) if w not in STOPWORDS and
             not ({*forms(w), stem(w)} & domain) for f in (*forms(w), stem(w))}
    others = frozenset().union(*(o.name_stems | o.description_words for o in fields
                                 if o.name != field))
    p = next(p for p in fields if p.name == field)
    description = (p.field.description or "").lower()
    against = description[m.end():] if (m := CONTRAST.search(description)) else ""
    contrasted = {f for w in re.findall(r"[a-z]+", against) for f in (w, stem(w))}
    own = {w for w in p.description_words if len(w) >= 5} - others - domain - contrasted
    return any(w == o or inflected(w, o) for w in words for o in own)  # `sweaty`


class _Similarities(NamedTuple):
    """Per window: its similarity to each yes/no field (the closest of the field's views),
    to the catalog's own description (`prior`) and to the closest catalog value where that
    is close enough to match the value (`as_value`, else -1); per window and field, whether
    only the record's noun makes it close (`vetoed`: _noun_only)."""

    per_field: np.ndarray
    prior: np.ndarray
    as_value: np.ndarray
    vetoed: np.ndarray | None = None

    def baseline(self, w: int, b: int) -> float:
        """What window `w` must beat to say field `b`: the catalog's description, or
        nothing it can beat where only the record's noun makes it close."""
        if self.vetoed is not None and self.vetoed[w, b]:
            return float("inf")
        return float(self.prior[w])


def _noun_only(text: str, tokens: list[Token], windows: list[tuple[int, int]],
               booleans: list[FieldProfile], noun: str | None,
               embed: Callable[[list[str]], np.ndarray], views: list[tuple[str, str]],
               view_vectors: np.ndarray, per_field: np.ndarray, ask: float) -> np.ndarray:
    """Per window and yes/no field: the window says the record's noun (`kids scooter`,
    `for the scooter itself`), and without it the rest is not close to the field (below
    `ask`), nor a word of the field's own name or description (`second photographer` for
    "true if a second photographer attends"). A field described "true if the scooter has a
    motor in each wheel" is close to every request that says `scooter`; `a yacht with
    jetskis` still says water toys without the yacht. (`e bike` is no bike alone.)"""
    vetoed = np.zeros(per_field.shape, dtype=bool)
    if noun is None:
        return vetoed
    rest: dict[int, str] = {}
    for w, (i, j) in enumerate(windows):
        nouns = {k for k in range(i, j) if noun in forms(tokens[k].norm) and not (
            k > i and len(tokens[k - 1].norm) == 1 and tokens[k - 1].norm not in STOPWORDS)}
        if nouns:
            rest[w] = " ".join(tokens[k].text for k in range(i, j) if k not in nouns).lower()
    said = sorted({r for r in rest.values() if r})
    close = _similarities(embed(said), views, view_vectors, booleans, None).per_field \
        if said else np.zeros((0, len(booleans)))
    row = {r: k for k, r in enumerate(said)}
    for w, r in rest.items():
        i, j = windows[w]
        for b, p in enumerate(booleans):
            own = p.name_stems | p.description_words
            if any({t.norm, stem(t.norm)} & own for t in tokens[i:j]
                   if t.norm not in STOPWORDS and noun not in forms(t.norm)):
                continue
            vetoed[w, b] = not r or float(close[row[r], b]) < ask
    return vetoed


def _similarities(vectors: np.ndarray, views: list[tuple[str, str]], view_vectors: np.ndarray,
                  booleans: list[FieldProfile],
                  values: tuple[np.ndarray, float] | None) -> _Similarities:
    """The windows' vectors against every view (boolean_views: each field's, the catalog's
    description under the name "") and against the catalog's values."""
    sims = vectors @ view_vectors.T
    as_value = np.full(len(vectors), -1.0)
    if values is not None and len(values[0]):
        as_value = (vectors @ values[0].T).max(axis=1)
        as_value[as_value < values[1]] = -1.0
    column = {p.name: b for b, p in enumerate(booleans)}
    per_field = np.full((len(vectors), len(booleans)), -1.0, dtype=np.float32)
    prior = np.full(len(vectors), -1.0, dtype=np.float32)
    for col, (name, _) in enumerate(views):
        if name == "":
            prior = np.maximum(prior, sims[:, col])
        elif name in column:
            b = column[name]
            per_field[:, b] = np.maximum(per_field[:, b], sims[:, col])
    return _Similarities(per_field, prior, as_value)


def _close_pairs(tokens: list[Token], windows: list[tuple[int, int]],
                 booleans: list[FieldProfile], fields: list[FieldProfile],
                 sims: _Similarities, config: ParaphraseConfig,
                 floor: float) -> list[tuple[float, int, int]]:
    """(similarity, window, field) for each window close enough to a yes/no field (at least
    `config.ask` and `floor`), closer to it than to a catalog value, and by
    `config.margin` closer than to the catalog's description and to every other yes/no
    field. Windows made only of words that are each a value (`gray kitty`) and single
    words another field shares (_shared_word) name no field."""
    value_word = {windows[w][0] for w in range(len(windows))
                  if windows[w][1] - windows[w][0] == 1 and sims.as_value[w] > 0}
    pairs = []
    for w in range(len(windows)):
        i, j = windows[w]
        content = [k for k in range(i, j) if tokens[k].norm not in STOPWORDS]
        if len(content) > 1 and all(k in value_word for k in content):
            continue
        shared = _shared_word(tokens[i:j], booleans, fields, tokens[i - 1].norm if i else "")
        for b in range(len(booleans)):
            if shared is not None and booleans[b].name in shared:
                continue
            score = float(sims.per_field[w, b])
            if score <= sims.as_value[w]:
                continue
            others = np.delete(sims.per_field[w], b)
            if score >= max(config.ask, floor) and \
                    score - sims.baseline(w, b) >= config.margin and \
                    (not others.size or score - float(others.max()) >= config.margin):
                pairs.append((score, w, b))
    return pairs


def _best_windows(text: str, tokens: list[Token], windows: list[tuple[int, int]],
                  booleans: list[FieldProfile], pairs: list[tuple[float, int, int]],
                  taken: set[int]) -> list[Proposal]:
    """Closest first, each yes/no field once and each word once: a proposal per field with
    the similarity as its score, off where the window repeats a negation the field's
    description already makes."""
    out, done = [], set()
    for score, w, b in sorted(pairs, reverse=True):
        i, j = windows[w]
        if b in done or any(k in taken for k in range(i, j)):
            continue
        done.add(b)
        k = _negator(text, tokens, i)  # `no salvage titles`: the words it negates too
        value = not _echoes_negation(booleans[b], tokens[i if k is None else k + 1:j])
        out += _proposal(text, tokens, booleans[b], (i, j), value, "semantic", round(score, 3),
                         taken, named=False)
    return out


def _shared_word(window: list[Token], booleans: list[FieldProfile],
                 fields: list[FieldProfile], before: str = "") -> set[str] | None:
    """For a window of one content word that another field also uses (`guests` against a
    field described "guests may bring pets" when another field is the guest rating), the
    yes/no fields it cannot stand for alone, unless `with` or `without` has it (in the
    window or the word `before` it) and it is a word of their own name (`with box` for
    original_box where a brand is "the brand on the box"); None for longer windows."""
    content = [t for t in window if t.norm not in STOPWORDS and t.norm not in NEGATORS]
    if len(content) != 1:
        return None
    word = {content[0].norm, stem(content[0].norm)}
    having = bool({"with", "without"} & ({t.norm for t in window} | {before}))
    return {b.name for b in booleans if not (having and word & b.name_stems) and
            any(word & (o.name_stems | o.description_words) for o in fields
                if o.name != b.name)}


def _echoes_negation(p: FieldProfile, window: list[Token]) -> bool:
    """The window says what the description says under a negation (`sold` against "not
    sold yet"): the field is then false, unless the text negates it too (`hasn't been sold`,
    handled by the negation before the window)."""
    negated = _negated_words(p)
    return any({t.norm, stem(t.norm)} & negated for t in window if t.norm not in STOPWORDS)
