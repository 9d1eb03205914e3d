"""Enum values in the text: exact and alias matches, typos, abbreviations, then meaning.

Longer matches win (`running shoes` over `shoes`), a token belongs to at most
one value, and only what is still unexplained goes to the fuzzy and semantic
matchers. A value that several fields hold (`Paris` as departure and arrival)
carries the other fields as alternatives, for field_choice.py to settle.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from embedding_worker.index import CatalogIndex, normalise
from embedding_worker.negation import NEGATORS
from embedding_worker.proposals import Proposal
from embedding_worker.retrieval import Candidate, retrieve
from embedding_worker.tokens import STOPWORDS, Token, forms, phrase_forms, root, stem
from shared.names import name_words

Embed = Callable[[list[str]], np.ndarray]
# Short English words that are never read as an abbreviation of a value.
SHORT_WORDS = frozenset("""ok okay hi yo go so up no us me my we he she it is am an as at be by
do if in of on or to ya ye eh oh uh lol pls plz thx asap btw fyi idk imo tbh""".split())


def _value_of(index: CatalogIndex, surface_no: int) -> tuple[str, str, str]:
    """(field, canonical value, surface) of a surface number."""
    layout = index.layout
    value_no = int(layout.surface_value[surface_no])
    field_no, value = layout.values[value_no]
    return layout.fields[field_no], value, layout.surfaces[surface_no]


def _acceptable(index: CatalogIndex, surface_no: int, window: list[Token],
                shouting: bool = False) -> bool:
    """Very short or function-word surfaces must match as written (`S`, `M`, `On`), or in
    capitals where a synonym is such a word (`the US` for United States, not `us`)."""
    _, value, surface = _value_of(index, surface_no)
    written = " ".join(t.text for t in window)
    if len(surface) <= 1 or surface in STOPWORDS or surface in SHORT_WORDS:
        return written == value or (surface != value.lower() and len(written) > 1 and
                                    written.isupper() and not shouting)
    return True


# English words of two letters that are no function words (STOPWORDS has those).
TWO_LETTER_WORDS = frozenset({"go", "so", "no", "up", "he", "if", "ok", "oh", "ad", "ex", "hi"})
# Function words written in capitals to stress them, not as initials.
STRESSED = frozenset({"all", "any", "only", "and", "or", "but", "very", "must", "the", "at",
                      "in", "on", "to", "for", "is", "it", "me", "my", "so"})
# `we're`, `i am`: what follows is the writer (`we're US-based`), not what they look for.
WRITER_IS = frozenset({"we're", "i'm", "we are", "i am"})
# Words hyphenated after a noun to say how a thing relates to it (`merlot-led`).
COMPOUND_TAILS = frozenset({"led", "based", "style", "styled", "speaking", "made", "built",
                            "inspired", "focused", "heavy", "forward", "driven", "owned",
                            "run"})


def split_joined_values(tokens: list[Token], index: CatalogIndex) -> list[Token]:
    """A hyphenated word made of whole values and no value itself is those values
    (`portsmouth-santander`: a route of two ports, not one word near Portsmouth), or a
    value, or its people, and a word of how something relates to it (`merlot-led`: Merlot;
    `german-made`: Germany); `t-shirt`,
    `saint-malo` and `2-in-1` stay whole."""
    out: list[Token] = []
    for t in tokens:
        parts = t.norm.split("-")
        tailed = len(parts) == 2 and parts[1] in COMPOUND_TAILS and (
            parts[0] in index.forms or bool(_places_of(parts[0], index))) and not (
            out and (out[-1].norm in WRITER_IS or
                     " ".join(o.norm for o in out[-2:]) in WRITER_IS))
        if not tailed and (len(parts) < 2 or not all(part.isalpha() and part in index.forms
                                                     for part in parts)) \
                or phrase_forms(t.norm) & index.forms.keys():
            out.append(t)
            continue
        start = t.start
        for part in parts:
            out.append(Token(t.text[start - t.start:start - t.start + len(part)], part, start,
                             start + len(part)))
            start += len(part) + 1
    return out


def exact_matches(tokens: list[Token], index: CatalogIndex, taken: set[int]) -> list[Proposal]:
    """Values and synonyms as written (any case, plural forms, `2 in 1` ~ `2-in-1`,
    `jet blue` ~ `jetblue`), longest first. A short or common-word value (`Go`) needs its
    own spelling, or to be listed with another value of its field (`python or go`)."""
    out, held = [], []
    max_n = index.max_words
    letters = [t.text for t in tokens if t.text[:1].isalpha()]
    shouting = len(letters) > 1 and sum(w.isupper() for w in letters) * 2 > len(letters)
    for n in range(max_n, 0, -1):
        for i in range(len(tokens) - n + 1):
            if any(k in taken for k in range(i, i + n)):
                continue
            window = tokens[i:i + n]
            phrase = " ".join(t.norm for t in window)
            variants = phrase_forms(phrase) | (phrase_forms(phrase.replace(" ", "")) if n == 2
                                               and window[0].end == window[1].start - 1 else set())
            # the phrase as written first, then the other forms in a fixed order: a set's
            # order changes with each process's hash seed, and so would the label below
            ordered = sorted(variants, key=lambda f: (f != phrase, f))
            found = list(dict.fromkeys(s for f in ordered for s in index.forms.get(f, [])))
            hits = [s for s in found if _acceptable(index, s, window, shouting)]
            if not hits:
                held += [(i, s) for s in found[:1]]
                continue
            out.append(_exact(index, hits, window))
            taken.update(range(i, i + n))
    for i, s in held:  # `python or go`: listed with a value of its own field
        field = _value_of(index, s)[0]
        if i not in taken and any(p.field == field and _listed(tokens, p, tokens[i])
                                  for p in out):
            out.append(_exact(index, [s], tokens[i:i + 1]))
            taken.add(i)
    return out


def _exact(index: CatalogIndex, hits: list[int], window: list[Token]) -> Proposal:
    by_field: dict[str, tuple[str, str]] = {}
    for s in hits:
        fld, value, surface = _value_of(index, s)
        by_field.setdefault(fld, (value, surface))
    (fld, (value, surface)), *others = by_field.items()
    source = "exact" if surface == value.lower() else "synonym"
    return Proposal(fld, "eq", value, window[0].start, window[-1].end, source,
                    alternatives=[(f, v) for f, (v, _) in others])


def within_neighbours(text: str, values: list[Proposal]) -> list[Proposal]:
    """A value written right beside a value of the same field whose name holds all its
    words is part of it (`fha 203k`: the FHA 203(k) program, not FHA as well); the same
    value twice side by side is one (`palma de mallorka`: Palma by its synonym, then the
    whole misspelt name), kept as the surer reading."""
    out = list(values)
    merged = True
    while merged:  # until no value is part of another (`fha`, `fha 203k`, `fha 203k loan`)
        merged = False
        for i, a in enumerate(out):
            host = next((j for j, b in enumerate(out) if j != i and _part_of(text, a, b)),
                        None)
            if host is not None:
                b = out[host]
                out[host] = replace(b, start=min(a.start, b.start), end=max(a.end, b.end))
                del out[i]
                merged = True
                break
    return out


def _part_of(text: str, a: Proposal, b: Proposal) -> bool:
    """Whether value a is written as part of b: beside it, with at most words of b's name
    between (`palma de mallorka`)."""
    if a.field != b.field or a.negated != b.negated or not isinstance(a.value, str) or \
            not isinstance(b.value, str):
        return False
    mine, theirs = (set(re.findall(r"\w+", normalise(v))) for v in (a.value, b.value))
    between = text[min(a.end, b.end):max(a.start, b.start)]
    return not set(re.findall(r"\w+", normalise(between))) - theirs and \
        not re.sub(r"\w+", "", between).strip() and \
        (mine < theirs or (mine == theirs and (a.score, -a.start) < (b.score, -b.start)))


LIST_WORDS = frozenset({"or", "and", "nor", "&"})


def shared_tails(text: str, tokens: list[Token], values: list[Proposal], index: CatalogIndex,
                 taken: set[int]) -> list[Proposal]:
    """Values listed before a value of several words and sharing its last words, written
    once: `5/1 or 7/1 ARMs`, `10/1, 7/1 or 5/6 ARM` (each head with the tail, where that
    is a value of the same field). Their tokens are taken."""
    out = []
    for p in values:
        inside = [k for k, t in enumerate(tokens) if p.start <= t.start and t.end <= p.end]
        for h in range(1, len(inside)):
            tail = " ".join(tokens[k].norm for k in inside[h:])
            k = inside[0] - 1
            found: list[Proposal] = []
            while k - h + 1 >= 0 and (tokens[k].norm in LIST_WORDS or
                                      text[tokens[k].end:tokens[k + 1].start].strip() == ","):
                if tokens[k].norm in LIST_WORDS:
                    k -= 1
                head = range(k - h + 1, k + 1)
                if k - h + 1 < 0 or set(head) & taken or any(
                        tokens[m].norm in LIST_WORDS for m in head):
                    break
                phrase = " ".join(tokens[m].norm for m in head) + " " + tail
                hits = [x for f in sorted(phrase_forms(phrase)) for x in index.forms.get(f, [])
                        if _value_of(index, x)[0] == p.field]
                if not hits:
                    break
                found.append(_proposal(index, hits[0], tokens[head[0]].start,
                                       tokens[head[-1]].end, "exact", 1.0))
                taken.update(head)
                k = head[0] - 1
            if found:
                out += found
                break
    return out


def _listed(tokens: list[Token], p: Proposal, t: Token) -> bool:
    """Whether token t and proposal p are neighbours in a list (`python or go`)."""
    between = [x.norm for x in tokens if (p.end <= x.start and x.end <= t.start) or
               (t.end <= x.start and x.end <= p.start)]
    return 0 < len(between) <= 2 and all(w in LIST_WORDS or w in (",", "/") for w in between)


def prefix_matches(tokens: list[Token], index: CatalogIndex, taken: set[int],
                   is_word: Callable[[str], bool] = lambda w: True,
                   found: list[Proposal] = (), capitalised: bool = False) -> list[Proposal]:
    """The first words of a longer value, when only one value starts so: `salt lake` for
    Salt Lake City, `customer service` for customer service representative; one word
    that is no ordinary word (`touriga` for Touriga Nacional), or any word listed with a
    value `found` of the same field (`fiberglass or carbon` for Carbon Fiber); and the last
    word of one value only, if no ordinary word (`pvc` for Inflatable PVC). `capitalised`:
    only a word capitalised as a name inside a lower-case sentence (`a spot at Atlanta`),
    a last resort after every other matcher. Not where the text goes on with a word of
    another value of that field (`the south east` is not the start of `the south west`)."""
    starts: dict[str, set[int]] = {}
    ends: dict[str, set[int]] = {}
    for surface, s in index.multi_word_surfaces.items():
        words = surface.split()
        for k in range(1, len(words)):
            starts.setdefault(" ".join(words[:k]), set()).add(s)
        ends.setdefault(words[-1], set()).add(s)
    out = []
    for n in range(1 if capitalised else min(index.max_words - 1, 4), 0, -1):
        for i in range(len(tokens) - n + 1):
            if any(k in taken for k in range(i, i + n)):
                continue
            window = tokens[i:i + n]
            word = window[0].norm
            plain = n > 1 or (len(word) >= 5 and re.sub(r"['-]", "", word).isalpha() and
                              word not in index.forms and (
                _named_mid_sentence(tokens, i) if capitalised else not is_word(word)))
            if capitalised and not plain:
                continue
            surfaces = starts.get(" ".join(t.norm for t in window), set())
            if n == 1 and not plain:
                surfaces = _listed_start_or_end(tokens, window[0], surfaces, ends, index,
                                                is_word, found)
            values = {int(index.layout.surface_value[s]) for s in surfaces}
            if len({index.layout.values[v][1] for v in values}) != 1:
                continue
            field = index.layout.values[min(values)][0]
            after = tokens[i + n].norm if i + n < len(tokens) else ""
            if after in index.words_by_field.get(field, ()) and not any(
                    index.layout.surfaces[s].split()[n:n + 1] == [after] for s in surfaces):
                continue  # `the south east`: not the start of `the south west`
            out.append(_proposal(index, min(surfaces), window[0].start, window[-1].end,
                                 "partial", 0.85))
            taken.update(range(i, i + n))
    return out


def shared_word_values(index: CatalogIndex, field: str, token: Token) -> list[str]:
    """The values of a field a word begins when it begins a few of them (`glasgow`:
    Glasgow Central and Glasgow Queen Street), or ends, written as a name (`Wales`: North
    Wales and South Wales, not `engineer` for every kind of engineer); none for a word
    most values share (`massage` of a list of massages)."""
    word, name = token.norm, token.text[:1].isupper()
    values = [v for f, v in index.layout.values if index.layout.fields[f] == field
              and len(words := normalise(v).split()) > 1 and
              (word == words[0] or name and word == words[-1])]
    size = sum(1 for f, _ in index.layout.values if index.layout.fields[f] == field)
    return values if 2 <= len(values) <= size // 3 else []


def distinct_word_matches(text: str, tokens: list[Token], index: CatalogIndex,
                          taken: set[int], described: set[int]) -> list[Proposal]:
    """A value named by its one distinctive word alone (`used yamaha upright` for Upright
    Piano, where most kinds are some piano; `krakow ensuite twin` for Private Twin): after
    the matchers of whole values, on words still unexplained, where the word is a noun of
    its own, and not where the words beside it are more of a value of that field (`baby
    grand` is no Grand Piano). `described`: the words of values and yes/no fields read
    before, which may stand before it, unlike the words of other rules (`monthly premium`,
    `cheapest premium`)."""
    out = []
    for i, t in enumerate(tokens):
        if i in taken or not t.norm.isalpha() or t.norm in STOPWORDS or t.norm in NEGATORS:
            continue
        v = next((index.distinct_words[w] for w in sorted(forms(t.norm))
                  if w in index.distinct_words), None)
        if v is None or not _stands_alone(text, tokens, i, described):
            continue
        field = index.layout.values[v][0]
        if any(tokens[k].norm in index.words_by_field.get(field, ()) for k in _beside(tokens, i)
               if tokens[k].norm not in normalise(index.layout.values[v][1]).split()):
            continue
        out.append(_proposal(index, int(index.layout.value_starts[v]), t.start, t.end,
                             "partial", 0.85))
        taken.add(i)
    return out


# Words around an adjective of degree or comparison (`as long as`, `so good`, `faster than`).
DEGREE_WORDS = frozenset({"as", "so", "how", "too", "very", "than", "enough", "more", "less"})
# `fast is good`: a word said of something, not a thing.
COPULAS = frozenset({"is", "are", "was", "were", "'s", "be"})
# Prepositions of place and limit that may follow a thing (`a tunnel under 300`).
PLACE_AND_BOUND_WORDS = frozenset({"under", "over", "below", "above", "between", "around",
                                   "near", "within", "without", "max", "min", "upto"})
# `anything good`: a word said after an indefinite describes it.
INDEFINITE_HEADS = frozenset({"anything", "something", "nothing", "everything", "somewhere",
                              "anywhere", "one", "ones"})


def _stands_alone(text: str, tokens: list[Token], i: int, described: set[int]) -> bool:
    """Token i is a noun phrase of its own, not a word describing another (`good
    reviews`, `fast cat`, `anything good`), described by one (`monthly premium`, `top
    speed`), of degree (`as long as`), said of something (`fast is good`) or of a whole
    (`staff of 20`): the word before, if any comes right
    before it, is a function word, a number (not a percentage) or a word of a value or
    yes/no field read before (`used yamaha upright`); the word after, if any comes right
    after it, a function word but `of`, a preposition of place or limit or a number."""
    if i > 0 and "%" in text[tokens[i - 1].end:tokens[i].start]:
        return False  # `100% green`
    before = [k for k in _beside(tokens, i) if k < i]
    if before:
        word = tokens[before[0]].norm
        if word in DEGREE_WORDS or word in INDEFINITE_HEADS or word.endswith("%") or not (
                word in STOPWORDS or word[:1].isdigit() or before[0] in described):
            return False
    after = [k for k in _beside(tokens, i) if k > i]
    if not after:
        return True
    word = tokens[after[0]].norm
    return word not in DEGREE_WORDS and word not in COPULAS and word != "of" and (
        word in STOPWORDS or word in PLACE_AND_BOUND_WORDS or word[:1].isdigit())


def _goes_on_in(tokens: list[Token], i: int, values: list[str]) -> bool:
    """The word next to token i is another word of one of the values (`london kings
    cross`), apostrophes aside."""
    words = {w.replace("'", "") for v in values for w in normalise(v).split()}
    return any(tokens[k].norm.replace("'", "") in words for k in _beside(tokens, i))


def _beside(tokens: list[Token], i: int) -> list[int]:
    """The tokens right before and after token i, with nothing but a space between (not
    across `London, Cross Country`)."""
    return [k for k in (i - 1, i + 1) if 0 <= k < len(tokens) and
            max(tokens[k].start, tokens[i].start) - min(tokens[k].end, tokens[i].end) <= 1]


def _named_mid_sentence(tokens: list[Token], i: int) -> bool:
    """The word is capitalised inside a sentence written in lower case otherwise (`a spot at
    Atlanta`): a name, whatever else the word may mean."""
    t = tokens[i]
    if not t.text[:1].isupper() or not t.text[1:].islower() or i == 0 or (
            i + 1 < len(tokens) and tokens[i + 1].text[:1].isupper()):
        return False  # `Grand Canyon`: another name
    others = [o.text for k, o in enumerate(tokens) if k != i and o.text[:1].isalpha()]
    return sum(o[:1].isupper() for o in others) * 3 <= len(others)


def _listed_start_or_end(tokens: list[Token], t: Token, surfaces: set[int],
                         ends: dict[str, set[int]], index: CatalogIndex,
                         is_word: Callable[[str], bool], found: list[Proposal]) -> set[int]:
    """For an ordinary word (no value itself): the values it starts that are of the field
    of a value `found` listed beside it (`fiberglass or carbon`); else, for a word of no
    dictionary, the values it ends (`pvc`)."""
    word = t.norm
    if not word.isalpha() or word in index.forms:
        return set()
    listed = {s for s in surfaces if any(
        p.field == _value_of(index, s)[0] and _listed(tokens, p, t) for p in found)} \
        if word not in STOPWORDS else set()
    if listed or len(word) < 3 or is_word(word):
        return listed
    return ends.get(word, set())


def other_readings(index: CatalogIndex, field: str, value: str) -> list[tuple[str, str]]:
    """The same value in the catalog's other fields (`Paris` as departure and arrival)."""
    return [(f, v) for f, v in index.fields_of_value.get(normalise(value), []) if f != field]


def _proposal(index: CatalogIndex, surface_no: int, start: int, end: int, source: str,
              score: float) -> Proposal:
    fld, value, _ = _value_of(index, surface_no)
    return Proposal(fld, "eq", value, start, end, source, score=score,
                    alternatives=other_readings(index, fld, value))


def coded_matches(tokens: list[Token], index: CatalogIndex, taken: set[int]) -> list[Proposal]:
    """A model written as initials and its number (`aj11` for Air Jordan 11, `aj1 low` for
    Air Jordan 1 Low: the words after the number as the next tokens), when exactly one
    value fits (not one letter: `m3`, `a4` are models of their own)."""
    out = []
    for i, t in enumerate(tokens):
        code = re.fullmatch(r"([a-z]{2,3})(\d{1,4})", t.norm)
        if i in taken or code is None:
            continue
        fits: dict[tuple[str, str], tuple[int, int]] = {}
        for surface, s in index.multi_word_surfaces.items():
            words = surface.split()
            k = next((k for k, w in enumerate(words) if w == code.group(2)), None)
            if not k or code.group(1) not in _initials(" ".join(words[:k])):
                continue
            rest = words[k + 1:]
            following = [x.norm for x in tokens[i + 1:i + 1 + len(rest)]]
            if len(following) == len(rest) and all(forms(a) & forms(b)
                                                   for a, b in zip(following, rest)):
                fits[_value_of(index, s)[:2]] = (s, i + 1 + len(rest))
        longest = max((end for _, end in fits.values()), default=0)
        best = [v for v, (_, end) in fits.items() if end == longest]
        if len(best) == 1 and not any(k in taken for k in range(i, longest)):
            s, end = fits[best[0]]
            out.append(_proposal(index, s, t.start, tokens[end - 1].end, "abbreviation", 0.85))
            taken.update(range(i, end))
    return out


# Endings that make a people or an adjective of a place (`korean`, `canadian`, `japanese`).
DEMONYM_ENDINGS = ("ian", "an", "n", "ese", "ish", "i")


def place_of(word: str) -> list[str]:
    """The place names a demonym may come from: `korean` -> korea, `canadian` -> canada,
    `italian` -> italy, `chinese` -> china, `german` -> germany."""
    out = [word + "y"]
    for end in DEMONYM_ENDINGS:
        base = word[:-len(end)]
        if word.endswith(end) and len(base) >= 3:
            out += [base] + [base + v for v in ("a", "y", "e")]
    return out


def demonym_matches(tokens: list[Token], index: CatalogIndex,
                    taken: set[int]) -> list[Proposal]:
    """A one-word value or synonym named by its people (`korean sellers` -> South Korea by
    its synonym `korea`), when exactly one value fits."""
    out = []
    for i, t in enumerate(tokens):
        if i in taken or t.norm in STOPWORDS:
            continue
        hits = _places_of(t.norm, index)
        values = {_value_of(index, s)[:2] for s in hits}
        if len(values) == 1:
            out.append(_proposal(index, min(hits), t.start, t.end, "stem", 0.85))
            taken.add(i)
    return out


def _places_of(word: str, index: CatalogIndex) -> set[int]:
    """The one-word surfaces a word names as their people (`korean`: Korea; `german` in
    `german-made`: Germany)."""
    if len(word) < 5 or not word.isalpha():
        return set()
    return {index.single_word_surfaces[p] for p in place_of(word)
            if p in index.single_word_surfaces} or _irregular_place(word, index)


IRREGULAR_DEMONYM_ENDINGS = ("ish", "ese", "ian")
VOWELS = frozenset("aeiouy")


def _irregular_place(word: str, index: CatalogIndex) -> set[int]:
    """Places a demonym changes the end of (`spanish` ~ Spain, `portuguese` ~ Portugal,
    `swedish` ~ Sweden): the one-word values that start as the demonym's base does, less its
    last letter, keep that letter within the next two and are at most three letters longer
    than the base."""
    base = next((word[:-len(e)] for e in IRREGULAR_DEMONYM_ENDINGS if word.endswith(e)), "")
    start = base[:-1]
    if len(start) < 3:
        return set()
    # the base's last letter stays near, or a vowel stands for it (`spa-i-n`, `swe-d-en`,
    # `portug-a-l`; not `long-ish` ~ `lon-don`)
    return {s for surface, s in index.single_word_surfaces.items()
            if surface.startswith(start) and len(start) < len(surface) <= len(base) + 3
            and (base[-1] in surface[len(start):len(start) + 2] or
                 (base[-1] in VOWELS and surface[len(start)] in VOWELS)) and surface != word}


def _compared(word: str, surface: str) -> bool:
    """`longest`, `larger`, `biggest`: a degree of the value's word, which ranks or compares
    (a sort, a bound) rather than names the value (`long`, `large`, `big`)."""
    return any(word == f"{base}{end}" for base in (surface, surface + surface[-1:])
               for end in ("est", "er")) or (surface.endswith("e") and word in (
                   surface + "st", surface + "r"))


def stem_matches(tokens: list[Token], index: CatalogIndex, taken: set[int]) -> list[Proposal]:
    """Other forms of a one-word value (`animated` ~ `animation`, `gamers` ~ `gaming`), and
    of a value of several words, word by word (`graphic designers` ~ Graphic Design, `data
    engineer` ~ Data Engineering)."""
    out = []
    for n in range(min(4, index.max_words), 1, -1):
        for i in range(len(tokens) - n + 1):
            window = tokens[i:i + n]
            if any(k in taken for k in range(i, i + n)) or not all(t.norm.isalpha()
                                                                   for t in window):
                continue
            hits = index.roots.get(tuple(root(t.norm) for t in window), [])
            if hits:
                out.append(_proposal(index, hits[0], window[0].start, window[-1].end, "stem",
                                     0.9))
                taken.update(range(i, i + n))
    for i, t in enumerate(tokens):
        if i in taken or len(t.norm) < 5 or not t.norm.isalpha() or t.norm in STOPWORDS:
            continue
        readings = {}
        for s in index.stems.get(stem(t.norm), []) or index.roots.get((root(t.norm),), []):
            if _compared(t.norm, index.layout.surfaces[s]):
                continue
            fld, value, _ = _value_of(index, s)
            readings.setdefault(fld, value)
        if not readings:
            continue
        (fld, value), *others = readings.items()
        others += [r for r in other_readings(index, fld, value) if r not in others]
        out.append(Proposal(fld, "eq", value, t.start, t.end, "stem", score=0.9,
                            alternatives=others))
        taken.add(i)
    return out


def _derived_from(word: str, surface: str) -> bool:
    """`paddler` from `paddle`, `hiking` from `hike`: a word made from a value's word, not
    a misspelling of it."""
    return word.startswith(surface) and word[len(surface):] in ("r", "er", "rs", "ers", "d",
                                                                "ed", "ing")


def _misspelt_stopword(word: str) -> bool:
    """`wiht`, `form`: one edit from a function word, read as it rather than as a value."""
    return process.extractOne(word, STOPWORDS, scorer=OSA.distance, score_cutoff=1) is not None


def fuzzy_matches(tokens: list[Token], index: CatalogIndex, taken: set[int],
                  is_word: Callable[[str], bool],
                  domain: frozenset[str] = frozenset()) -> list[Proposal]:
    """Misspellings (`addidas`, `sneekers`): one edit (two for long words), same first letter,
    and only for tokens that are not ordinary words nor the catalog's own (`domain`: a
    headphones shop's `headphones` is no misspelt `headphone jack`); then multi-word
    values (`grafic desiner`, `sna francisco`)."""
    out = fuzzy_phrases(tokens, index, taken, is_word)
    choices = {**{w: s for w, s in index.value_word_surfaces.items() if w not in domain},
               **index.single_word_surfaces}  # `tarif` is no `price cap tariff`
    names = list(choices)
    for i, t in enumerate(tokens):
        word = t.norm
        if i in taken or len(word) < 4 or not word.isalpha() or word in STOPWORDS or \
                any(is_word(f) or f in domain for f in forms(word)) or \
                _misspelt_stopword(word):
            continue
        limit = 1 if len(word) < 8 else 2
        hits = [(surface, dist) for form in sorted(forms(word)) if len(form) >= 4
                for surface, dist, _ in process.extract(form, names, scorer=OSA.distance,
                                                        score_cutoff=limit, limit=5)
                if surface[0] == word[0] and not _derived_from(word, surface)]
        if not hits:
            continue
        # a whole value before a word of one (`tallin`: Tallinn, not Tallink of Tallink Silja)
        surface, dist = min(hits, key=lambda h: (h[1], h[0] not in index.single_word_surfaces))
        out.append(_proposal(index, choices[surface], t.start, t.end, "fuzzy",
                             round((1 - dist / len(word)) * (
                                 1 if surface in index.single_word_surfaces else 0.9), 3)))
        taken.add(i)
    return out


def completed_values(tokens: list[Token], values: list[Proposal], index: CatalogIndex,
                     taken: set[int], is_word: Callable[[str], bool]) -> list[Proposal]:
    """A value of one word written with the start (a word of no dictionary: `sys`) or a
    misspelling of the second word of a two-word value of its field (`travel sys`,
    `travel systm` for travel system, where `travel` is a value too): the two-word value,
    over both words; the word after no longer stands on its own. A word another rule
    took (`taken`) is left to it."""
    out = list(values)
    for p in values:
        inside = [k for k, t in enumerate(tokens) if p.start <= t.start and t.end <= p.end]
        if p.source != "exact" or len(inside) != 1 or inside[0] + 1 >= len(tokens) or \
                inside[0] + 1 in taken:
            continue
        k = inside[0]
        nxt = tokens[k + 1].norm
        if not nxt.isalpha() or len(nxt) < 3 or nxt in STOPWORDS:
            continue
        for word, s in index.two_word_surfaces.get(tokens[k].norm, []):
            if _value_of(index, s)[0] != p.field or not (
                    (word.startswith(nxt) and not is_word(nxt)) or
                    OSA.distance(nxt, word) <= 1 + (len(word) >= 8)):
                continue
            out = [o for o in out if o is not p and not (
                o.start <= tokens[k + 1].start < o.end)]
            out.append(_proposal(index, s, p.start, tokens[k + 1].end, "fuzzy", 0.9))
            break
    return out


def fuzzy_phrases(tokens: list[Token], index: CatalogIndex, taken: set[int],
                   is_word: Callable[[str], bool]) -> list[Proposal]:
    """Multi-word values with typos: the same number of words, each starting with the same
    letter, at most one edit per four letters, and at least one word that is not a word;
    a word with digits only as written (`iphnoe 14 plus`, not `iphone 13` for 14); a hyphen
    parts words (`after scool club` for After-School Club)."""
    out = []
    choices = index.spaced_surfaces
    phrases = list(choices)
    for n in range(min(index.max_words, 4), 1, -1):
        for i in range(len(tokens) - n + 1):
            window = tokens[i:i + n]
            if any(k in taken for k in range(i, i + n)) or \
                    not all(t.norm.isalnum() for t in window) or not window[0].norm.isalpha() or \
                    all(is_word(t.norm) or t.norm in STOPWORDS or t.norm.isdigit()
                        for t in window):
                continue
            phrase = " ".join(t.norm for t in window)
            limit = max(1, len(phrase) // 4)
            hits = [(s, d) for s, d, _ in process.extract(phrase, phrases, scorer=OSA.distance,
                                                       score_cutoff=limit, limit=5)
                    if len(s.split()) == n and d > 0
                    and all(a[0] == b[0] and (a == b or not any(c.isdigit() for c in a + b))
                            for a, b in zip(s.split(), phrase.split()))]
            if not hits:
                continue
            surface, dist = min(hits, key=lambda h: h[1])
            out.append(_proposal(index, choices[surface], window[0].start, window[-1].end,
                                 "fuzzy", round(1 - dist / len(phrase), 3)))
            taken.update(range(i, i + n))
    return out


def _initials(surface: str) -> set[str]:
    """`nyc` for New York City; `xl` as well as `el` for extra large (`x` is how sizes
    write `extra`)."""
    words = [w for w in surface.replace("-", " ").split() if w[0].isalnum()]
    return {"".join(w[0] for w in words),
            "".join("x" if w == "extra" else w[0] for w in words)}


def _skeleton_of(abbreviation: str, surface: str) -> bool:
    """`bcn` ~ `barcelona`: the consonants of the abbreviation, in order, from the first."""
    if not surface.isalpha() or surface[0] != abbreviation[0] or len(surface) < 5:
        return False
    rest = iter(surface[1:])
    return all(c in rest for c in abbreviation[1:])


def _initial_and_name(tokens: list[Token], index: CatalogIndex,
                      taken: set[int]) -> list[Proposal]:
    """`t swift`, `j. smith`: a first name cut to its initial, before the rest of a value."""
    out = []
    for i in range(len(tokens) - 1):
        a, b = tokens[i], tokens[i + 1]
        if i in taken or i + 1 in taken or len(a.norm.rstrip(".")) != 1 or len(b.norm) < 3 \
                or a.norm in ("a", "i"):  # `a massage` is no Aromatherapy Massage
            continue
        fits = {int(index.layout.surface_value[s]) for surface, s
                in index.multi_word_surfaces.items()
                if len(surface.split()) == 2 and surface.split()[0][0] == a.norm[0]
                and surface.split()[1] == b.norm}
        if len({index.layout.values[v][1] for v in fits}) == 1:
            surface_no = int(index.layout.value_starts[min(fits)])
            out.append(_proposal(index, surface_no, a.start, b.end, "abbreviation", 0.8))
            taken.update((i, i + 1))
    return out


AND_WORDS = frozenset({"and", "n", "&", "+", "'n'"})


def _shortens(short: str, word: str) -> bool:
    """`sauv` for sauvignon, `sth` for south, `intl` for international: the start of the
    word (three letters at least) or its consonants in order from its first letter; a
    plural keeps its `s` (`mids` for midlands)."""
    if len(short) < 3 or not short.isalpha() or len(word) < len(short) + 2:
        return False
    return word.startswith(short) or (not set(short[1:]) & set("aeiou")
                                      and _skeleton_of(short, word)) or \
        (len(short) >= 4 and short[-1] == word[-1] == "s" and word.startswith(short[:-1]))


def _shortened_words(tokens: list[Token], index: CatalogIndex, taken: set[int],
                     is_word: Callable[[str], bool]) -> list[Proposal]:
    """A multi-word value with some of its words cut short (`sauv blanc`, `cab sauv`, `sth
    melb`, `man n van`): each word written whole or shortened, at least one shortened, and
    an ordinary word taken as short only beside one that is no word (`cab sauv`) or where
    the words end before another value, a number or the end (`game dev unity`, `term c
    valet`; not `north car park` for North Carolina), when exactly one value fits; or its
    words run together (`ballgown`)."""
    out = []
    for i, t in enumerate(tokens):  # `ballgown` for Ball Gown, `multistorey`
        fits = index.run_together.get(t.norm.replace("-", ""), frozenset()) \
            if i not in taken and len(t.norm) >= 5 else frozenset()
        if len({index.layout.values[v] for v in fits}) == 1:
            out.append(_proposal(index, int(index.layout.value_starts[min(fits)]), t.start,
                                 t.end, "abbreviation", 0.8))
            taken.add(i)
    for n in range(min(index.max_words, 4), 1, -1):
        for i in range(len(tokens) - n + 1):
            if any(k in taken for k in range(i, i + n)):
                continue
            said = [t.norm for t in tokens[i:i + n]]
            following = tokens[i + n].norm if i + n < len(tokens) else ""
            # the words end where the text does, or where another value or a number starts
            ends = not following or following in index.value_words or \
                not following[:1].isalpha()
            fits = set()
            for surface, s in index.multi_word_surfaces.items():
                words = surface.split()
                if len(words) != n:
                    continue
                pairs = list(zip(said, words))
                cut = [a for a, b in pairs if a != b and _shortens(a, b)]
                if all(a == b or (a in AND_WORDS and b in AND_WORDS) or _shortens(a, b)
                       or stem(a) == stem(b) for a, b in pairs) and \
                        any(a != b for a, b in pairs) and \
                        (not cut or any(not is_word(a) for a in cut) or ends):
                    fits.add(int(index.layout.surface_value[s]))
            if len({index.layout.values[v] for v in fits}) != 1:
                continue
            surface_no = int(index.layout.value_starts[min(fits)])
            out.append(_proposal(index, surface_no, tokens[i].start, tokens[i + n - 1].end,
                                 "abbreviation", 0.8))
            taken.update(range(i, i + n))
    return out


def _compound_initials(surface: str, is_word: Callable[[str], bool]) -> set[str]:
    """`hc` for `hardcover`, `pb` for `paperback`: the initials of the two words a one-word
    value is made of."""
    if not surface.isalpha():
        return set()
    return {surface[0] + surface[k] for k in range(3, len(surface) - 2)
            if is_word(surface[:k]) and is_word(surface[k:])}


def _code_values(index: CatalogIndex, code: str) -> set[int]:
    """The values a two-letter code may stand for: a two-word value's initials (`us`), or,
    for no English word, a one-word value starting with its first letter and holding its
    second (`nl`, `jp`; `go` is no Glasgow)."""
    fits = {int(index.layout.surface_value[s]) for surface, s in index.multi_word_surfaces.items()
            if code in _initials(surface) and len(surface.split()) == 2}
    if fits or code in STOPWORDS or code in TWO_LETTER_WORDS:  # `me to Rome`: no Melbourne
        return fits
    return {int(index.layout.surface_value[s])
                    for surface, s in index.single_word_surfaces.items()
                    if surface.isalpha() and surface[0] == code[0] and code[1] in surface[1:]}


def _route_codes(tokens: list[Token], index: CatalogIndex, taken: set[int]) -> list[Proposal]:
    """Two-letter codes on either side of `to` where both sides name values that two fields
    share (`us to mexico`, `jp to us`, `nl to belgium`: a route between two places): the
    one value each fits. Elsewhere `us` is a pronoun and `nl` anything."""
    out = []
    for k, t in enumerate(tokens[1:-1], start=1):
        if t.norm != "to":
            continue
        sides = {}
        for i in (k - 1, k + 1):
            word = tokens[i].norm
            if i in taken:
                sides[i] = None if word in index.value_words else set()
            elif len(word) == 2 and word.isalpha():
                sides[i] = _code_values(index, word)
            else:
                sides[i] = set()
        if any(v is not None and len({index.layout.values[x][1] for x in v}) != 1
               for v in sides.values()) or all(v is None for v in sides.values()) or \
                all(tokens[i].norm in STOPWORDS for i in sides):  # `it to us`
            continue
        shared = [v for v in sides.values() if v is not None
                  and len(index.fields_of_value.get(normalise(
                      index.layout.values[min(v)][1]), [])) >= 2]
        if len(shared) != len([v for v in sides.values() if v is not None]):
            continue
        for i, fits in sides.items():
            if fits is not None:
                out.append(_proposal(index, int(index.layout.value_starts[min(fits)]),
                                     tokens[i].start, tokens[i].end, "abbreviation", 0.8))
                taken.add(i)
    return out


def _named_by_last_word(tokens: list[Token], index: CatalogIndex,
                        taken: set[int]) -> list[Proposal]:
    """`the States`, `the Emirates`: a last word of a multi-word value after `the`,
    capitalised as a name in a text that is not (`Hotels Near The Beach` is no Miami
    Beach), when it ends exactly one value and is no value of its own."""
    out = []
    for i, t in enumerate(tokens[1:], start=1):
        if i in taken or tokens[i - 1].norm != "the" or not _named_mid_sentence(tokens, i) or \
                not t.norm.isalpha() or len(t.norm) < 4:
            continue
        ends = {int(index.layout.surface_value[s]) for surface, s
                in index.multi_word_surfaces.items() if surface.split()[-1] == t.norm}
        if len({index.layout.values[v][1] for v in ends}) != 1 or t.norm in index.forms:
            continue
        out.append(_proposal(index, int(index.layout.value_starts[min(ends)]), t.start, t.end,
                             "abbreviation", 0.8))
        taken.add(i)
    return out


def _acronym_words(tokens: list[Token], index: CatalogIndex, taken: set[int],
                   is_word: Callable[[str], bool]) -> list[Proposal]:
    """`ef primes`, `roles in DC`: a word a value of several words writes in capitals
    (Canon EF, Washington DC), alone, where exactly one value has it and it is no word of
    the dictionary or follows a preposition of place (`an HD webcam` is no Full HD, `my
    old TV` no Apple TV)."""
    out = []
    for i, t in enumerate(tokens):
        fits = index.acronyms.get(t.norm, frozenset()) if i not in taken else frozenset()
        placed = i > 0 and tokens[i - 1].norm in ("in", "at", "near", "from", "to", "around")
        if len({index.layout.values[v][1] for v in fits}) != 1 or \
                is_word(t.norm) and not placed:
            continue
        out.append(_proposal(index, int(index.layout.value_starts[min(fits)]), t.start,
                             t.end, "abbreviation", 0.8))
        taken.add(i)
    return out


def abbreviation_matches(tokens: list[Token], index: CatalogIndex,
                         taken: set[int], is_word: Callable[[str], bool],
                         names: frozenset[str] = frozenset()) -> list[Proposal]:
    """Abbreviations no synonym lists: initials of a multi-word value (`sf`, `la`, `nyc` for a
    city field's `New York`), consonant skeletons of one-word values (`bcn`), initials of a
    compound word (`hc` for hardcover, `pbs` for paperbacks), a first name cut to its
    initial (`t swift`), the start of a one-word value (`edi` for Edinburgh) unless it starts
    a field's name word of `names` too (`exp` for years_experience, not Expert). Only when
    exactly one value of the catalog fits."""
    out = _initial_and_name(tokens, index, taken)
    out += _shortened_words(tokens, index, taken, is_word)
    out += _route_codes(tokens, index, taken)
    out += _named_by_last_word(tokens, index, taken)
    out += _acronym_words(tokens, index, taken, is_word)
    letters = [t.text for t in tokens if t.text[:1].isalpha()]
    shouting = len(letters) > 1 and sum(w.isupper() for w in letters) * 2 > len(letters)
    for i, t in enumerate(tokens):
        word = t.norm
        # `the US`, where `us` is a word; not a word stressed (`NO pets`, `ONLY`)
        capitals = t.text.isupper() and not shouting and word not in NEGATORS | STRESSED
        if i in taken or not 2 <= len(word) <= 4 or not word.isalpha() or \
                (word in STOPWORDS or word in SHORT_WORDS) and not capitals:
            continue
        exact, with_field = set(), set()
        for surface, s in index.multi_word_surfaces.items():
            value_no = int(index.layout.surface_value[s])
            initials = _initials(surface)
            field = index.layout.fields[index.layout.values[value_no][0]]
            if word in initials:
                exact.add(value_no)
            elif not is_word(word) and \
                    word in {i + w[0] for i in initials for w in name_words(field)}:
                with_field.add(value_no)
        fits = exact or with_field
        if not fits and len(word.removesuffix("s")) == 2:
            fits = {int(index.layout.surface_value[s])
                    for surface, s in index.single_word_surfaces.items()
                    if word.removesuffix("s") in _compound_initials(surface, is_word)}
        if not fits and len(word) >= 3 and not set(word) & set("aeiou"):
            fits = {int(index.layout.surface_value[s])
                    for surface, s in index.single_word_surfaces.items()
                    if _skeleton_of(word, surface)}
        if not fits and len(word) >= 3 and not is_word(word) and word not in index.forms \
                and not any(n.startswith(word) for n in names):
            fits = {int(index.layout.surface_value[s])  # `edi` for Edinburgh, `bos` Boston
                    for surface, s in index.single_word_surfaces.items()
                    if surface.isalpha() and surface.startswith(word)
                    and len(surface) >= len(word) + 2}
        values = {index.layout.values[v] for v in fits}
        if len({value for _, value in values}) != 1:
            continue
        surface_no = int(index.layout.value_starts[min(fits)])
        out.append(_proposal(index, surface_no, t.start, t.end, "abbreviation", 0.8))
        taken.add(i)
    return out


def semantic_matches(tokens: list[Token], index: CatalogIndex, taken: set[int], embed: Embed,
                     min_score: float, max_n: int, top_k: int = 5,
                     skip_words: frozenset[str] = frozenset(),
                     ) -> tuple[list[Proposal], dict[str, list[Candidate]]]:
    """Free content words compared by meaning with every surface form, in one matrix product.

    `skip_words` (the catalog's field names) are never read as values: `size` is not `L`.
    Returns the accepted matches and, per field, the ranked candidates behind them.
    """
    windows = []
    for n in range(1, max_n + 1):
        for i in range(len(tokens) - n + 1):
            window = tokens[i:i + n]
            if any(k in taken or forms(tokens[k].norm) & skip_words or
                   stem(tokens[k].norm) in skip_words for k in range(i, i + n)) or \
                    window[0].norm in STOPWORDS or window[-1].norm in STOPWORDS or \
                    not any(c.isalpha() for c in window[0].norm) or \
                    n == 1 and len(window[0].norm.strip("/.")) < 2:  # `w/` is no `b&w`
                continue
            if any(f in index.forms for f in phrase_forms(" ".join(t.norm for t in window))):
                continue  # the exact matcher saw this surface and turned it down
            windows.append((i, n))
    if not windows or not len(index.vectors):
        return [], {}
    texts = [" ".join(t.norm for t in tokens[i:i + n]) for i, n in windows]
    scores = embed(texts) @ index.vectors.T
    candidates = retrieve(index, texts, scores, top_k, min_score)
    best = scores.argmax(axis=1)
    best_score = scores[np.arange(len(windows)), best]
    out = []
    for w in np.argsort(-best_score, kind="stable"):
        score = float(best_score[w])
        if score < min_score:
            break
        i, n = windows[w]
        if any(k in taken for k in range(i, i + n)):
            continue
        field, value, _ = _value_of(index, int(best[w]))
        shared = shared_word_values(index, field, tokens[i]) if n == 1 else []
        if value in shared and _goes_on_in(tokens, i, shared):
            taken.add(i)  # `london kings cross`: London of the value written on
            continue
        if value in shared and not any(k in taken and tokens[k].norm not in STOPWORDS
                                       for k in _beside(tokens, i)):
            # `glasgow` is each Glasgow station, not the nearest one (but `paris cdg` is
            # one airport, named by the word beside)
            out += [Proposal(field, "eq", v, tokens[i].start, tokens[i].end, "partial", 0.85,
                             alternatives=other_readings(index, field, v)) for v in shared]
        else:
            out.append(_proposal(index, int(best[w]), tokens[i].start, tokens[i + n - 1].end,
                                 "semantic", round(score, 3)))
        taken.update(range(i, i + n))
    return out, candidates
