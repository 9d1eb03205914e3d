"""Negation as people write it: `not`, `no`, `aren't`, `don't want`, `skip`, `avoid`,
`anything but`, `other than`, `outside of`, and the lists they govern.

A negator governs the first value after it (a few words on: `don't wanna go via
Hannover`) and the values of the same field listed with it (`skip Acme and Globex`),
never past the end of its clause or another field's value.
"""
from __future__ import annotations

import re

from embedding_worker.proposals import Proposal
from embedding_worker.tokens import Token
from shared.names import name_words

NEGATORS = frozenset("""
not no non without except excluding exclude excludes excl never neither nor none nobody minus
skip skipping
avoid avoiding hate
isn't aren't wasn't weren't don't doesn't didn't won't wouldn't can't cannot shouldn't
haven't hasn't ain't isnt arent wasnt werent dont doesnt didnt wouldnt shouldnt
""".split())
# Verbs that exclude what follows, whatever stands between (`avoid places with a hot tub`,
# `avoid sellers below 3 stars`): booleans.py and quantities.py reach further for them.
EXCLUDING_VERBS = frozenset({"avoid", "avoiding", "skip", "skipping", "exclude", "excluding"})
NEGATION_PHRASES = (("anything", "but"), ("other", "than"), ("but", "not"), ("none", "of"),
                    ("outside", "of"), ("apart", "from"), ("rather", "than"), ("instead", "of"),
                    ("away", "from"), ("clear", "of"), ("all", "but"), ("anywhere", "but"),
                    ("except", "for"), ("leave", "out"), ("leaving", "out"), ("rule", "out"),
                    ("refuse", "to"), ("refuses", "to"), ("refused", "to"), ("refusing", "to"))
# After `refuse to`, verbs of leaving: what follows is kept, not excluded.
STAYING = frozenset({"move", "leave", "relocate", "budge", "quit"})
# `outside` excludes only a value right after it (`outside Hampshire`, `outside the city`);
# farther on it is a word of its own (`outside seating in Hampshire`).
NEAR_NEGATORS = frozenset({"outside"})
# Words that may sit between the values of one negated list.
LIST_GLUE = frozenset({"or", "and", "nor", "either", "neither", "the", "a", "an", "any", "&",
                       "/", "plus"})
REACH = 6  # tokens from a negator to its first value
# `don't want anything that ships from the UK`: a negated `anything that ...` reaches the
# end of its relative clause, this many tokens further.
RELATIVE_REACH = 5
INDEFINITES = frozenset({"anything", "any", "something", "anyone", "anybody"})
RELATIVES = frozenset({"that", "which", "who", "that's", "thats", "where", "whose"})
# Negation written after the value: `upper tier excluded`, `diesel not wanted`.
AFTER = re.compile(r"^\s*(?:is\s+|are\s+|'s\s+)?(?:excluded|not\s+wanted|not\s+welcome|"
                   r"(?:a\s+)?no[\s-]go|(?:a\s+)?deal[\s-]?breaker|"
                   r"not\s+please|is\s+out|are\s+out|please\s+not)\b", re.IGNORECASE)
# An exclusion of what was just named, by a pronoun.
PRONOUN_EXCLUDED = re.compile(r"\b(?:anything\s+but|anyone\s+but|other\s+than|except|avoid|"
                              r"skip|exclude|leave\s+out)\s+(?:them|those|that\s+one|it)\b"
                              r"(?=\s*(?:$|[.,;!?]))",  # not `except those near the airport`
                              re.IGNORECASE)
LEFT_OUT = re.compile(r"\b(?:leave|leaving|keep|rule)\s+$", re.IGNORECASE)
# `don't need`, `doesn't have to be`, `no need for`: the user waives the condition.
WAIVER = re.compile(r"\b(?:(?:do|does|did)(?:\s*n[o']?t|nt)|do\s+not|does\s+not|not|don'?t|"
                    r"doesn'?t)\s+(?:really\s+)?(?:need|have\s+to|care|mind|matter|require|"
                    r"necessarily)\b|\bno\s+need\b|\bwhatever\b|\beither\s+way\b",
                    re.IGNORECASE)
WAIVER_AFTER = re.compile(r"^(?:\s+[a-z]+\b){0,2}?\s*(?:\bis\b|\bare\b|'s)?\s*\b(?:(?:ok|okay|fine|"
                          r"optional)\b(?!\s+(?:with|around|for|by|to|on|in|near)\b)|"
                          r"not\s+(?:needed|required|necessary|important)\b|doesn'?t\s+matter\b)",
                          re.IGNORECASE)
# `how long the shuttle takes I don't really care`: the writer does not mind it (not `I
# don't care about a toilet`, which is about the toilet).
CARELESS_AFTER = re.compile(r"^(?:\s+[a-z]+\b){0,3}?\s*,?\s*(?:i|we)\s+(?:really\s+)?"
                            r"(?:don[’']?t|do\s+not)\s+(?:really\s+)?(?:care|mind)\b"
                            r"(?!\s+(?:about|for|if|whether|what|how|which|\w+ing)\b)",
                            re.IGNORECASE)
# `a bathroom would be lovely but isn't a must`: wished for, not asked for.
HEDGED = re.compile(r"^[^.;!?]{0,60}?\b(?:but|though)\s+(?:it'?s\s+|it\s+is\s+|is\s+|that'?s\s+)?"
                    r"(?:not|isn'?t)\s+(?:a\s+must|essential|required|necessary|needed|"
                    r"a\s+requirement|a\s+deal\s*-?\s*breaker)\b", re.IGNORECASE)
EXCEPTED_BEFORE = re.compile(r"\b(?:other\s+than|except(?:\s+for)?|besides|apart\s+from)"
                             r"\s+(?:(?:the|a|an)\s+)?$", re.IGNORECASE)
NOT_NEEDED = re.compile(r"^\s*(?:is\s+|are\s+)?(?:necessary|needed|required|a\s+must)\b",
                        re.IGNORECASE)


def waived(text: str, tokens: list[Token], i: int, j: int, until: int | None = None) -> bool:
    """Whether the words around tokens i..j-1 waive them (`don't need a garage`, `doesn't
    need to have a certificate`, `wifi doesn't matter`, `hybrid is ok`, `no wifi
    necessary`, `a pool would be nice but isn't a must`, `the shuttle I don't care`);
    a permission after reaching past `until`, where another condition starts, is that
    condition's (`york bikes ok` permits the bikes, not York)."""
    start = max(0, i - 6)
    cut = [m.end() for m in re.finditer(r"[,;.!?:]", text[tokens[start].start:tokens[i].start])]
    before = text[tokens[start].start + (cut[-1] if cut else 0):tokens[i].start]
    after = text[tokens[j - 1].end:]
    allowed = WAIVER_AFTER.match(after)
    if allowed and until is not None and tokens[j - 1].end + allowed.end() > until:
        allowed = None  # the permission is the other condition's
    no_before = re.search(r"\bno\s+$", before, re.IGNORECASE) is not None
    # `any material other than plastic is fine`: the value is excluded, the rest is fine
    excepted = EXCEPTED_BEFORE.search(before) is not None
    return bool(WAIVER.search(before) or (allowed and not excepted) or
                HEDGED.match(after) or CARELESS_AFTER.match(after) or
                (no_before and NOT_NEEDED.match(after)))


def is_negator(norms: list[str], k: int) -> bool:
    """Token k ends a negator (a word, or the last word of a phrase; `any colour but`);
    `nothing` unless it means only (`nothing but`, `nothing except`, `nothing other than`)."""
    if norms[k] == "nothing":
        return k + 1 == len(norms) or norms[k + 1] not in ("but", "except", "other", "else")
    return norms[k] in NEGATORS or any(
        k - len(ph) + 1 >= 0 and tuple(norms[k - len(ph) + 1:k + 1]) == ph
        for ph in NEGATION_PHRASES) or (norms[k] == "but" and any(
            w in ("any", "anything", "everything", "every", "all") for w in norms[max(0, k - 3):k]))


def relative_clause(norms: list[str], negator: int) -> bool:
    """The negator at `negator` is followed within three tokens by `anything that`, `any
    which`: an indefinite with a relative clause, which carries the negation to the end of
    the clause (`don't send me anything that's been decaffeinated`)."""
    return any(norms[x] in INDEFINITES and norms[x + 1] in RELATIVES
               for x in range(negator + 1, min(negator + 4, len(norms) - 1)))


def negated_before(norms: list[str], i: int, reach: int = 3,
                   stops: set[int] = frozenset()) -> int | None:
    """Index of a negator within `reach` tokens before token i (further for one followed
    by `anything that`), not across a token in `stops` (a clause break), if any."""
    for k in range(i - 1, max(-1, i - reach - RELATIVE_REACH - 1), -1):
        if k + 1 in stops:
            return None
        if is_negator(norms, k) and (i - k <= reach or relative_clause(norms, k)):
            return k
    return None


def clause_breaks(text: str, tokens: list[Token]) -> set[int]:
    """Token positions that start a new clause (after , ; . ! ? : or a spaced dash, or
    before `but`)."""
    breaks = set()
    for k in range(1, len(tokens)):
        gap = text[tokens[k - 1].end:tokens[k].start]
        if (re.search(r"[,;.!?:]|\s[-–—]\s", gap) and
                tokens[k].norm not in ("or", "nor", "and")) or tokens[k].norm == "but":
            breaks.add(k)
    return breaks


def apply_negation(text: str, tokens: list[Token], proposals: list[Proposal],
                   used: set[int] = frozenset()) -> tuple[set[int], list[Proposal]]:
    """Mark enum values in the scope of a negator. Negators in `used` already served
    another rule (`no more than 2`). Returns the negator tokens used here and the values
    the text waives (`doesn't need to be automatic`: no filter at all)."""
    owner = {}
    for n, p in enumerate(proposals):
        for k, t in enumerate(tokens):
            if p.start <= t.start and t.end <= p.end:
                owner[k] = n
    breaks = clause_breaks(text, tokens)
    hard = {k for k in breaks if text[tokens[k - 1].end:tokens[k].start].strip() != ","}
    norms = [t.norm for t in tokens]
    negators: set[int] = set()
    dropped: list[Proposal] = []
    for k in range(len(tokens)):
        near = norms[k] in NEAR_NEGATORS
        if k in used or k in owner or not (near or is_negator(norms, k)):
            continue  # a negator inside a value is the value's (`no nuts` for nut-free)
        if norms[k] == "to" and k + 1 < len(tokens) and norms[k + 1] in STAYING:
            continue  # `refuses to move from Leeds`: staying there
        if near and re.search(r"\d\s*(?:km|kms|kilomet\w*|mi|miles?|mins?|minutes?|hrs?|hours?)"
                              r"\s*$", text[:tokens[k].start], re.IGNORECASE):
            continue  # `120 km outside Copenhagen`: how far from it, not anywhere but it
        reach = 2 if near else 1 if norms[k] == "non" else \
            REACH + (RELATIVE_REACH if relative_clause(norms, k) else 0)
        first = next((j for j in range(k + 1, min(len(tokens), k + reach + 1))
                      if j in owner or j in breaks), None)
        # a value past a clause break is another clause's (`no other weddings, Norfolk`)
        if first is None or first in breaks or first not in owner or \
                proposals[owner[first]].source == "rule":
            continue
        target = proposals[owner[first]]
        negators.add(k)
        scope = [target]
        glue = LIST_GLUE | set(name_words(target.field))
        j = _after(owner, first)
        while j < len(tokens) and j not in hard:
            if j in owner:
                p = proposals[owner[j]]
                if p.field != target.field or p.source == "rule":
                    break
                scope.append(p)
                j = _after(owner, j)
            elif norms[j] in glue:
                j += 1
            else:
                break
        scope += [p for p in proposals if p.source != "rule" and all(p is not q for q in scope)
                  and any((p.start, p.end) == (q.start, q.end) for q in scope)]
        last = max(i for i, n in owner.items() if n == owner[first])
        if waived(text, tokens, first, last + 1):
            dropped += scope
        for p in scope:
            p.negated = True
    for n, p in enumerate(proposals):
        if p.source == "rule":
            continue
        if AFTER.match(text[p.end:]) or (  # `upper tier excluded`, `leave Apple out`
                LEFT_OUT.search(text[:p.start]) and re.match(r"\s+out\b(?!\s+of\b)", text[p.end:])):
            p.negated = True
        own = [k for k, m in owner.items() if m == n]
        until = next((tokens[k].start for k in sorted(used) if own and k > max(own)), None)
        if own and p not in dropped and waived(text, tokens, min(own), max(own) + 1, until):
            dropped.append(p)  # `rim brakes are ok`: acceptable, not asked for
    for m in PRONOUN_EXCLUDED.finditer(text):  # `bad luck with Moondrop, so anything but them`
        before = [p for p in proposals if p.source != "rule" and p.end <= m.start() and
                  not re.search(r"[.!?]", text[p.end:m.start()])]
        if before:
            before[-1].negated = True
    return negators, dropped


def _after(owner: dict[int, int], j: int) -> int:
    """The token after the proposal that owns token j."""
    return max(i for i, n in owner.items() if n == owner[j]) + 1
