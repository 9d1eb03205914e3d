"""Tokens with character offsets, and the light normalisation matching relies on."""
from __future__ import annotations

import re
from dataclasses import dataclass

# `non-leather`, `no-pets` split into `non` / `no` + the word, so the negator sees its value.
WORD = re.compile(r"[$€£]|\bno(?:n)?(?=-)|\d+(?:\.\d+)?\"|[^\W_]+(?:['’.&+-][^\W_]+)*(?:\+\+?|#)?|\+",
                  re.UNICODE | re.IGNORECASE)

# Words that never carry a filter by themselves (they may still be part of a phrase).
STOPWORDS = frozenset("""
a an the and or nor but of for to in on at by with from into about as is are be been am was
were i i'm im me my mine we us our you your it its this that these those some any anything
something stuff thing things item items one ones show find get give want need needs looking
look search searching please can could would should will like maybe just only all every
everything there here what what's whats which who how where when do does did have has had
hey hi hello also very really kind sort type pair pairs lot lots then first now around
thats theres heres ive youre theyre
""".split())


@dataclass(frozen=True)
class Token:
    text: str     # as written
    norm: str     # lower-case, curly quotes straightened
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    return [Token(m.group(), m.group().lower().replace("’", "'"), m.start(), m.end())
            for m in WORD.finditer(text)]


def forms(word: str) -> set[str]:
    """The word and the singulars it may be the plural of (`dresses` -> dress, dresse).

    Applied to both the query and the catalog, so `boot` meets `boots` and
    `hoodies` meets `hoodie` without a dictionary.
    """
    out = {word}
    if len(word) > 2 and word[:-1].isdigit() and word.endswith("s"):  # `95s`, not `6s`
        out.add(word[:-1])
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        out.add(word[:-1])
        if word.endswith("es") and len(word) > 4:
            out.add(word[:-2])
        if word.endswith("ies"):
            out.add(word[:-3] + "y")
    return out


def phrase_forms(phrase: str) -> set[str]:
    """forms() of the last word of a phrase (`running shoe` ~ `running shoes`), with hyphens
    also read as spaces or as nothing (`2-in-1` ~ `2 in 1`, `t-shirt` ~ `tshirt`), a slash
    as a space (`24/7` ~ the tokens `24 7`), and an inch written any way (`20 inch`, `20"`
    ~ `20 in`)."""
    out = set()
    inches = re.sub(r"(\d)\s*(?:\"|inch(?:es)?\b|in\b\.?)", r"\1 in", phrase)
    for variant in {phrase, phrase.replace("-", " "), phrase.replace("-", ""), inches,
                    phrase.replace("/", " ")}:
        head, _, last = variant.rpartition(" ")
        out.update(f"{head} {f}" if head else f for f in forms(last))
    return out


# Irregular English verb forms that name fields (`year_built`, `best paid`).
IRREGULAR = {"built": "build", "paid": "pay", "sold": "sell", "made": "make", "bought": "buy",
             "flown": "fly", "driven": "drive", "written": "write", "taught": "teach",
             "grown": "grow", "kept": "keep", "held": "hold"}


# Words a suffix stripper would merge with another word of a different meaning: a rate
# (`refresh_rate_hz`, `hourly_rate`) is not a rating (`rated`, `ratings` -> `rat`).
WHOLE = frozenset({"rate"})


def shortest_form(word: str) -> str:
    """The shortest of forms(), and of two as short the first in the alphabet (`flies`: fli,
    not fly), so that a stem never depends on a set's order (the process's hash seed)."""
    return min(forms(word), key=lambda f: (len(f), f))


def stem(word: str) -> str:
    """Rough stem for matching words with field names: `rated`, `ratings` -> `rat`."""
    if word in IRREGULAR:
        word = IRREGULAR[word]
    word = shortest_form(word) if word.isalpha() else word
    if word in WHOLE:
        return word
    for suffix in ("ing", "ful", "ed", "er", "est", "ly", "ness", "ity", "ion", "e", "y"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


# Endings of the doer and of the deed (`designer` ~ `design`, `animator` ~ `animation`,
# `engineer` ~ `engineering`), stripped until none is left.
DERIVATIONS = ("ment", "ing", "ion", "ers", "ors", "ists", "er", "or", "ist", "ics", "y", "e",
               "s")


def root(word: str) -> str:
    """The word without its endings of derivation: `designers`, `design` -> design;
    `animator`, `animation` -> animat; `engineer`, `engineering` -> engin."""
    word = shortest_form(word)
    while True:
        cut = next((s for s in DERIVATIONS if word.endswith(s) and len(word) - len(s) >= 4),
                   None)
        if cut is None:
            return word
        word = word[:-len(cut)]


def abbreviates(short: str, word: str) -> bool:
    """`bed` for `bedrooms` (its start), `br` / `ba` / `wt` for bedrooms / bathrooms /
    weight (two letters: the first, then one among the next three or the last), `qty` / `pts` / `mgmt` for quantity / points
    / management (the first letter, then consonants of the word in order)."""
    if not short.isalpha() or len(short) < 2 or len(word) <= len(short) + 1:
        return False
    if len(short) == 2:  # or the first and the last letter (`wt` for weight)
        return word[0] == short[0] and (short[1] in word[1:4] or short[1] == word[-1])
    if word.startswith(short):
        return True
    if word[0] != short[0] or len(short) > 5 or set(short[1:]) & set("aeiou"):
        return False
    rest = iter(word[1:])
    return all(c in rest for c in short[1:])
