"""Numbers, amounts and the comparisons around them: `under $50`, `4+ stars`, `€40-55k`.

Finds *what* is constrained (op, value, unit, currency, and the words that say what
the amount is per or out of); which field it belongs to is decided later from the
catalog (constraints.py). Number words are read by `text2num`; English idioms it
does not know (`a quarter million`, `five figures`) are read here.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from rapidfuzz.distance import OSA
from text_to_num import text2num

from embedding_worker.fields import MONEY_WORDS, PERIOD_OF, UNITS, unit_known
from embedding_worker.negation import EXCLUDING_VERBS
from embedding_worker.tokens import STOPWORDS, abbreviates, forms, stem
from embedding_worker.weekdays import WEEKDAYS

NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                "fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty "
                "sixty seventy eighty ninety hundred").split()
SCALE = {"hundred": 100, "thousand": 1_000, "k": 1_000, "grand": 1_000, "million": 1_000_000,
         "mil": 1_000_000, "mio": 1_000_000, "billion": 1_000_000_000, "bn": 1_000_000_000,
         "dozen": 12}
# `m`/`mm` mean million only next to money (`$1.2m`); otherwise metres/millimetres.
MONEY_SCALE = {"m": 1_000_000, "mm": 1_000_000}
FRACTIONS = {"a quarter": 0.25, "quarter of a": 0.25, "a quarter of a": 0.25, "half a": 0.5,
             "half an": 0.5, "half": 0.5, "a half": 0.5, "three quarters of a": 0.75,
             "three quarters of an": 0.75, "a quarter of an": 0.25}
CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP"}
# A hundredth of whatever money the field is kept in: `55 cents`, `40c/kwh` (the short
# forms only before a rate: `5c` may be a temperature, `2ct` carats).
CENTS = frozenset({"cent", "cents", "ct", "cts", "c", "pence"})
SHORT_CENTS = frozenset({"c", "ct", "cts"})
CENT = "cent"
CURRENCY_WORDS = {"dollar": "USD", "dollars": "USD", "buck": "USD", "bucks": "USD", "usd": "USD",
                  "euro": "EUR", "euros": "EUR", "eur": "EUR", "pound": "GBP", "pounds": "GBP",
                  "gbp": "GBP", "quid": "GBP"}
# `an hour`, `per night`, `/yr`, `a year`: what an amount is counted per.
PER = (r"(?:\b(?:per|a|an|each|every)\s+|/\s*)(?P<per>[a-z]+)|"
       r"\b(?P<adv>hourly|daily|nightly|weekly|monthly|yearly|annually|pn|pw|pcm|pa)\b")

_WORD = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_UNIT_WORD = "|".join(sorted((re.escape(u) for u in UNITS if len(u) > 2 and u.isalpha()),
                             key=len, reverse=True))
_SCALE = "|".join(sorted(SCALE, key=len, reverse=True))
_FRACTION = "|".join(sorted((re.escape(f) for f in FRACTIONS), key=len, reverse=True))
WORDS_NUMBER = (rf"(?:{_WORD})(?:(?:[\s-]+|(?<=hundred)\s+and\s+|(?<=thousand)\s+and\s+)(?:{_WORD}))*"
                rf"(?:\s+and\s+a\s+half)?")
NUMBER = (rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+(?:,\d{{1,2}}(?![\d,]))?)(?:\.\d+)?"
          rf"(?:\s+and\s+a\s+half)?|\.\d+|{WORDS_NUMBER}(?![a-z])"
          rf"|(?:{_FRACTION})(?=\s+[a-z])|a(?=\s+(?:hundred|thousand|million|billion|dozen|grand))"
          rf"|(?:an?\s+)?couple(?:\s+of)?(?=\s+(?:hundred|thousand|million|grand)\b)"
          rf"|(?<=than\s|most\s)(?:once|twice)\b(?!\s+(?:a|an|per|every|the|as|that|"
          rf"daily|weekly|monthly|yearly)\b)"  # `more than once`, not `twice the price`
          rf"|(?<!times\s)(?<!once\s)(?<!twice\s)(?<!every\s)"  # `twice a day`: how often
          rf"an?(?=\s+(?:{_UNIT_WORD})s?(?:\s+and\s+a\s+half)?\b)")
AMOUNT = re.compile(
    rf"(?:(?P<cur>[$€£])\s?)?(?P<neg>(?<![\w.])(?<!\d\s)[-−](?=\d)|\bminus\s+)?(?<![\w.])(?P<num>{NUMBER})"
    rf"(?:\s?(?P<scale>{_SCALE})\b)?"
    rf"(?P<plus>\+)?(?(scale)|(?:\s?(?P<scale2>{_SCALE})\b)?)(?:\s?(?P<sym>[$€£%\"])|"
    rf"[\s-]?(?P<unit>(?:sq\.?\s*(?:ft|m)|square\s+"
    rf"(?:feet|foot|meters?|metres?)|[a-z²]+\d?)\b))?", re.IGNORECASE)
# `1h30`, `2hr 15min`: a duration in hours and minutes.
HOURS_AND_MINUTES = re.compile(r"(?<![\w.:])(?<!\bat\s)(?P<h>\d{1,2})\s?(?:h|hr|hrs)"
                               r"(?:(?P<m>[0-5]\d)(?![\w:.])|\s?(?P<m2>[0-5]?\d)\s?"
                               r"(?:m|min|mins)\b)", re.IGNORECASE)
ORDINAL_SUFFIXES = ("st", "nd", "rd", "th")
PRICE_LEVEL = "price level"
# A time of day (`7pm`, `18:30`, `noon`), as a decimal hour: the unit of start-hour fields.
CLOCK = "o'clock"
CLOCK_TIME = re.compile(r"\b(?:(?P<h>1[0-2]|0?[1-9])(?::(?P<m>[0-5]\d))?\s*(?P<ap>[ap])\.?m\b\.?"
                        r"|(?P<h24>[01]?\d|2[0-3]):(?P<m24>[0-5]\d)\b(?!\s*[ap]\.?m\b)"
                        r"|(?P<word>noon|midday|midnight))", re.IGNORECASE)
# `open till 7pm`, `stays open past 7pm`: a time a place must still be open at (its closing
# time at or after it), before the times a thing must happen by.
CLOCK_BEFORE = [("gte", r"open\s+(?:until|till|til|to)(?:\s+at\s+least)?|until\s+at\s+least"),
                ("gt", r"open\s+(?:past|after|later\s+than)"),
                ("lte", r"by|until|till|no later than"), ("lt", r"before|earlier than"),
                ("gte", r"from|starting(?: at)?|since|no earlier than"),
                ("gt", r"after|later than"), ("eq", r"at|around|about")]
# `open until`, `still serving after`, `kitchen going till at least`: a time a place must
# still be open at, which its closing time decides.
STILL_OPEN = re.compile(r"\b(?:open|serving|still)\b(?:\s+[a-z]+){0,2}?\s+"
                        r"(?:until|till|til|to|past|after|later\s+than)(?:\s+at\s+least)?\s*$",
                        re.IGNORECASE)
CLOCK_AFTER = [("gte", r"or later|or after|and later|onwards?"),
               ("lte", r"or earlier|or before|at the latest")]
# A count of people: the unit of party sizes, seats, guests, passengers.
PEOPLE = "people"
PEOPLE_WORDS = frozenset({"people", "persons", "person", "ppl", "pax", "guests", "guest", "guys",
                          "adults", "passengers", "travelers", "travellers", "diners", "folks"})
PEOPLE_OF = re.compile(rf"\b(?:party|group|table|family|crew|team)\s+(?:of|for)\s+"
                       rf"(?P<n>\d+|{'|'.join(NUMBER_WORDS)})\b", re.IGNORECASE)
# `a 3 man crew`, `two-person tent`: a head count that names its group.
MAN_GROUP = re.compile(rf"\b(?P<n>\d+|{'|'.join(NUMBER_WORDS)})[\s-](?:man|men|person|people)"
                       rf"\s+(?=(?:crew|team|band|tent|boat|raft|canoe|kayak)\b)", re.IGNORECASE)
OF_US = re.compile(rf"\b(?P<n>\d+|{'|'.join(NUMBER_WORDS)})\s+of\s+(?:us|we)\b", re.IGNORECASE)
# `sleeps 8`, `seats at least 7`: a verb of capacity makes the number after it a head count.
CAPACITY_VERB = re.compile(r"\b(?P<verb>sleeps?|seats?|accommodates?|sleeping|fits|holds|"
                           r"handles?)\s+"
                           r"(?:(?:at least|up to|"
                           r"min(?:imum)?|max(?:imum)?|over|more than)\s+)?$", re.IGNORECASE)
# `for 9 people`, `sleeps 8`: a head count the request needs room for, so at least that many.
NEED_BEFORE = re.compile(r"\b(?:for|sleeps?|seats?|accommodates?|sleeping|fits|holds|handles?)\s+"
                         r"(?:an?\s+)?$",
                         re.IGNORECASE)
PRICE_SIGNS = re.compile(r"(?<![\w$€£])([$€£]{1,5})(?![\w$€£]|\s?\d)")
FIGURES = re.compile(r"\b(?P<n>three|four|five|six|seven|eight|[3-9])[\s-]figures?\b",
                     re.IGNORECASE)
FEWER_FIGURES = re.compile(r"\b(?:less\s+than|fewer\s+than|under|below|sub)[\s-]*$",
                           re.IGNORECASE)
OUT_OF = re.compile(r"\s*(?:/|out\s+of\s+)(?P<of>\d+)\b", re.IGNORECASE)

UPPER = [("lte", r"at most|up to|no more than|not more than|max(?:imum)?|no higher than|"
                 r"no greater than|not over|not above|<=|≤|within(?: the (?:first|top|nearest))?|tops|budget(?: of| is)?|"
                 r"no (?:wider|deeper|taller|longer|bigger|larger|heavier|thicker|further|farther) than|"
                 r"capped at|(?:a )?cap of|limited to"),
         ("lt", r"under|below|less than|cheaper than|lower than|fewer than|smaller than|"
                r"beneath|shorter than|lighter than|younger than|south of|sub-?|<|"
                r"narrower than|shallower than|thinner than|quieter than")]
EXACT = [("eq", r"exactly|precisely|just|only")]
LOWER = [("gte", r"at least|min(?:imum)?|no less than|not less than|starting (?:at|from)|"
                 r"from|>=|≥|upwards of|no fewer than"),
         ("gt", r"over|above|more than|greater than|higher than|bigger than|larger than|"
                r"longer than|heavier than|older than|exceeding|north of|>|wider than|"
                r"deeper than|taller than|thicker than|louder than|noisier than")]
FLIP = {"gt": "lte", "gte": "lt", "lt": "gte", "lte": "gt"}
# `my daughter is 11`, `the twins, who are 9`, `he turns 7`: a person's age said bare.
AGE_SAID = re.compile(r"\b(?:who|he|she|they|son|daughter|kids?|child(?:ren)?|twins|boys?|girls?|"
                      r"toddler|teen(?:ager)?s?|youngest|oldest|eldest)(?:\s+(?:is|are|turns?|"
                      r"turned|will\s+be)|['’](?:s|re))\s+(?:about\s+|almost\s+|nearly\s+|just\s+)?"
                      r"(?:(?:\d+|[a-z]+)\s+and\s+)?$", re.IGNORECASE)
# A catalog word between two numbers names the second when that one has no word of its
# own after it (`wt 2-3 rating 7.5+`), not when it does (`3 bed 2 bath`).
NAMES_NEXT = re.compile(r"\s+[$€£]?\d[\d.,]*+\+?+(?!\s*[a-z])", re.IGNORECASE)
# Units of a rating, whatever the catalog calls its field (`4.5 stars`).
RATING_UNITS = frozenset({"star", "stars", "pts", "points"})
# Words of the comparisons above: `3 max` is at most 3, not 3 of a field named `..._max`.
COMPARATOR_WORDS = frozenset({"max", "min", "maximum", "minimum", "tops", "plus", "or",
                              "and", "under", "over", "less", "more", "least", "most", "per",
                              "each", "every"})
# A negation turns a comparison around only across verbs (`can't be more than`, `doesn't
# cost over`), not across a value (`not champagne, under 30`); `nothing over 20` is at most.
NEGATED = re.compile(r"(?:^|\s)((?:not|never|cannot|can'?t|won'?t|don'?t|doesn'?t|shouldn'?t|"
                     r"mustn'?t|isn'?t|aren'?t|nothing|none)\s+(?:(?:be|cost|costs|require|"
                     r"requires|need|needs|have|has|take|takes|run|runs|last|lasts|weigh|weighs|"
                     r"pay|pays|paying|charge|charges|charging|ask|asks|asking|spend|spending|"
                     r"go|goes|going|to|it|that|start|starts|begin|begins|end|ends|open|opens|"
                     r"close|closes|finish|finishes|leave|leaves|arrive|arrives|change|changes|"
                     r"changing|stop|stops|wait|walk|drive|travel|exceed|exceeds|fit|fits|hold|holds|"
                     r"carry|carries|seat|seats|sleep|sleeps|accommodate|"
                     r"anything|something|rated|"
                     r"priced|scored|want|wanna|like|willing|plan|planning|able|show|see|give|"
                     r"list|include|suggest|me|us|with)\s+){0,4}"
                     r"(?:(?:a|an|the|any)\s+[a-z]{3,}\s+|"
                     # `don't show me anything critics scored below`, `anyone under 4 stars`
                     r"(?:anything|anyone|anybody|anywhere|any\s+ones?)\s+(?:[a-z]+\s+){0,2}|"
                     # `don't want exit fees above`: what is wanted, in one or two words
                     r"(?<=want\s|need\s)(?:[a-z]{3,}\s+){1,2})?"
                     r"|no\s+)$",  # `don't need a deposit over`  # `no older than 2012`
                     re.IGNORECASE)
# Verbs of exclusion rule out the whole comparison, whatever stands between (`avoid
# sellers below 3 stars`, `nothing built before 2015`), within one clause.
# `nobody with fewer than 20 reviews`, `leave out anyone whose fee is over $500`, `stay away
# from anything serviced before 2026`.
# `nobody`, `no one` only of what a record is or has (`no one under 25 will be driving` is
# the user's own age; `no one cares`; `no one-bedroom flats`).
EXCLUDING_PHRASES = (r"(?:nobody|no\s+one(?!-))\s+(?:with|whose|who|that|which|charging|"
                     r"rated|priced|asking)|leave\s+out|leaving\s+out|rule\s+out|"
                     r"(?:stay|keep|steer)\s+(?:well\s+)?(?:away\s+from|clear\s+of)")
# The words between an exclusion and its comparison, within one clause and one request
# (`stay away from vans and show me automatics under 50`: the 50 is asked for).
BETWEEN = r"(?:(?!(?:and|but|then|show|give|find|want|need|plus)\b)[-\w'£$€]+\s+)"
EXCLUDED = re.compile(rf"(?:^|\s)((?:{'|'.join(sorted(EXCLUDING_VERBS | {'nothing', 'none'}))}|"
                      rf"{EXCLUDING_PHRASES})\s+{BETWEEN}{{0,5}})$", re.IGNORECASE)
# `no contracts longer than 12 months`: `no` and one noun before a comparative adjective.
NO_NOUN = re.compile(r"(?:^|\s)(no\s+[a-z]+\s+)$", re.IGNORECASE)
POST = [("gte", r"or more|or higher|or above|or better|and up|and above|and higher|"
                r"or greater|plus|at least|minimum|min|or over|and over|or older|and older|"
                r"or bigger|or larger|or longer|or heavier|or newer|and newer|\+"),
        ("lte", r"or less|or lower|or under|or below|or fewer|at most|max(?:imum)?|or cheaper|"
                r"tops|at the (?:very )?most|and under|and below|or shorter|or lighter|or younger|"
                r"and younger|or smaller|or colder|or cooler"),
        # `1ms or faster`: more of what the adjective says, unless the field's description
        # says that is less (FieldProfile.lower_is)
        ("gte", r"or (?!(?:other|either|neither|rather|whether|after|ever|never|over|under|"
                r"per|her|later|order|otherwise)\b)[a-z]{3,}er")]


@dataclass(frozen=True)
class Amount:
    value: float
    start: int
    end: int
    currency: str | None   # ISO code when written with a currency symbol or word; CENT
    #                        for cents of whatever money the field is kept in
    unit: str | None       # the word after the number (lower case), if any
    plus: bool             # written as `4+`
    factor: float = 1.0    # its own `k` / `million` / spelled `hundred` (0.01 for cents)
    per: str | None = None      # `an hour` -> hour
    out_of: float | None = None  # `8/10` -> 10


@dataclass(frozen=True)
class Quantity:
    """One comparison: `op value`, with the character span that expressed it."""

    op: str
    value: float
    start: int
    end: int
    currency: str | None
    unit: str | None
    bare: bool = False  # no comparison word: `16gb`, read as equality if the unit is clear
    per: str | None = None
    out_of: float | None = None
    cue: str = ""       # the comparison's own words (`younger than`, `or cheaper`)
    lasting: bool = False  # a time something must still be going at (`open till 11pm`)
    aged: bool = False  # a person's age said bare (`my son is 7`): only a limit on ages


def number_value(raw: str) -> float | None:
    """`1,250`, `1,5`, `twenty five`, `two hundred and fifty`, `a dozen`; None for anything
    else."""
    raw = " ".join(raw.lower().split())
    if raw.endswith(" and a half"):
        whole = number_value(raw[:-len(" and a half")])
        return None if whole is None else whole + 0.5
    if re.fullmatch(r"\d+,\d{1,2}", raw):  # `1,5 km`: a decimal comma
        return float(raw.replace(",", "."))
    if re.fullmatch(r"[\d,]*(?:\.\d+)?", raw) and any(c.isdigit() for c in raw):
        return float(raw.replace(",", ""))
    if raw == "a dozen":
        return 12.0
    if re.fullmatch(r"(?:an?\s+)?couple(?:\s+of)?", raw):  # `a couple hundred`: two of them
        return 2.0
    if raw in FRACTIONS:
        return FRACTIONS[raw]
    if raw in ("a", "an", "once"):
        return 1.0
    if raw == "twice":
        return 2.0
    if raw.startswith(("a ", "an ")):  # `a hundred`
        raw = "one " + raw.split(" ", 1)[1]
    try:
        return float(text2num(raw.replace("-", " "), "en"))
    except ValueError:
        return None


def _rate(text: str, end: int, vocabulary: frozenset[str]) -> tuple[str | None, int]:
    """The `per X` right after an amount (`an hour`, `per night`, `/yr`), where X is a
    period of time or one of the catalog's words: (X, where it ends)."""
    m = re.match(rf"\s*(?:{PER})\b", text[end:], re.IGNORECASE)
    if not m:
        return None, end
    word = (m.group("per") or m.group("adv")).lower()
    if m.group("per") and not (word in PERIOD_OF or word in vocabulary or
                               forms(word) & vocabulary):
        return None, end  # `a few`, `a good deal`: not a rate
    return word, end + m.end()


def _clock_times(text: str) -> list[Amount]:
    """Times of day as decimal hours: `7pm` -> 19, `6:30pm` -> 18.5, `20:00` -> 20."""
    out = []
    for m in CLOCK_TIME.finditer(text):
        if m.group("word"):
            hour = 0.0 if m.group("word").lower() == "midnight" else 12.0
        elif m.group("h24"):
            hour = int(m.group("h24")) + int(m.group("m24")) / 60
        else:
            hour = int(m.group("h")) % 12 + (12 if m.group("ap").lower() == "p" else 0) + \
                int(m.group("m") or 0) / 60
        out.append(Amount(round(hour, 4), m.start(), m.end(), None, CLOCK, False))
    return out


def _clock_quantities(text: str, times: list[Amount]) -> list[Quantity]:
    """Comparisons on times of day: `after 7pm`, `7am or earlier`, `between 12 and 2pm`."""
    out: list[Quantity] = []
    for a in times:
        m = re.search(r"\bbetween\s+(?P<h>\d{1,2})(?::(?P<mm>[0-5]\d))?\s*(?:and|-|to)\s*$",
                      text[:a.start], re.IGNORECASE)
        if m:  # `between 12 and 2pm`: the first end takes the second's half of the day
            first = int(m.group("h")) + int(m.group("mm") or 0) / 60
            if a.value >= 12 and first + 12 <= a.value and first < 12:
                first += 12
            out += [Quantity("gte", first, m.start(), a.end, None, CLOCK),
                    Quantity("lte", a.value, m.start(), a.end, None, CLOCK)]
            continue
        post, pre = _after(text, a.end, CLOCK_AFTER), _before(text, a.start, CLOCK_BEFORE)
        lasting = STILL_OPEN.search(text, 0, a.start) is not None
        if post:
            out.append(Quantity(post[0], a.value, pre[1] if pre else a.start, post[1], None,
                                CLOCK, lasting=lasting))
        elif pre:
            out.append(Quantity(pre[0], a.value, pre[1], a.end, None, CLOCK, lasting=lasting))
        else:
            out.append(Quantity("eq", a.value, a.start, a.end, None, CLOCK, bare=True))
    return out


# British money words: `under a tenner` is less than ten pounds.
NOTES = re.compile(r"\b(?:an?\s+)?(?P<n>fiver|tenner)s?\b", re.IGNORECASE)
NOTE_VALUES = {"fiver": 5.0, "tenner": 10.0}


def _notes(text: str) -> list[Amount]:
    return [Amount(NOTE_VALUES[m.group("n").lower()], m.start(), m.end(), "GBP", None, False)
            for m in NOTES.finditer(text)]


def _people(text: str) -> list[Amount]:
    """Head counts written without a unit word after the number: `a party of 12`,
    `group of 10`, `table for 4`, `3 of us`, `a 3 man crew`."""
    return [Amount(float(number_value(m.group("n")) or 0), m.start(), m.end(), None, PEOPLE,
                   False) for rx in (PEOPLE_OF, OF_US, MAN_GROUP) for m in rx.finditer(text)
            if number_value(m.group("n"))]


def find_amounts(text: str, unit_words: frozenset[str] = frozenset()) -> list[Amount]:
    """Amounts with their currency, unit, rate and scale. A following word counts as the unit
    only if it is a known unit, a currency or one of `unit_words` (the catalog's own words);
    anything else (`under 1000 dell`) stays for the value matchers."""
    out: list[Amount] = []
    for m in AMOUNT.finditer(text):
        if out and m.start() < out[-1].end:
            continue  # `a half` in `an hour and a half`
        amount = _amount(text, m, unit_words)
        if amount is not None:
            out.append(amount)
    # `party of 12`: the count with its words, not the bare 12; `a tenner`: not `a`
    worded = _people(text) + _notes(text)
    out = [a for a in out if not any(p.start <= a.start < p.end for p in worded)]
    return _compound(text, sorted(out + worded, key=lambda a: a.start))


def _amount(text: str, m: re.Match[str], unit_words: frozenset[str]) -> Amount | None:
    """One AMOUNT match read as an amount, or None where it is none (a lone `a`, an
    ordinal like `1st`). The match only finds where a number may be; its number, the word
    after it, the currency and the span are each read in their own step below."""
    number = _read_number(text, m)
    if number is None:
        return None
    written = _written_unit(text, m, unit_words)
    if written is None:
        return None
    value, factor, half = number
    raw_unit, ordinal_unit = written
    unit, people_worded = _head_count(text, m, raw_unit, unit_words)
    unit_tail = (half.end() if half else 0) + (ordinal_unit.end() if ordinal_unit else 0)
    value, factor, unit, currency, end = _money_or_unit(text, m, value, factor, unit,
                                                        people_worded, unit_tail, unit_words)
    return _with_rate_or_out_of(text, m, value, factor, unit, currency, end, unit_words)


# Words before `a day` that make it a length of time (`for a day`, `more than a week`).
LASTING_BEFORE = frozenset({"than", "least", "most", "only", "just", "around", "roughly",
                            "nearly", "almost", "under", "over", "within", "takes", "take",
                            "lasts", "last", "max", "min", "half"})


def _rate_after_a_noun(text: str, m: re.Match[str]) -> bool:
    """`miles a day`, `a tenner an hour`, `£50 a night`, `30k a week`: `a` + a period
    after an amount or a plural noun is what something is counted per, not one day; `for a
    day`, `more than a week`, `play an hour`, `a lesson a week` are one of it."""
    unit = (m.group("unit") or "").lower()
    before = re.search(r"([\w£$€]+)\s*$", text[:m.start()])
    if not (unit in PERIOD_OF or stem(unit) in PERIOD_OF) or before is None or \
            re.match(r"\s+and\s+a\s+half\b", text[m.end():], re.IGNORECASE):
        return False  # `..., an hour and a half max`: a length of time
    word = before.group(1).lower()
    if re.search(r"(?:\bper|/)\s*(?:[a-z]+\s+)?[a-z]+\s*$", text[:m.start()], re.IGNORECASE):
        return True  # `£300 per square metre a year`
    return word[:1].isdigit() or word[-1:].isdigit() or word in "£$€" or \
        word.rstrip("s") in NOTE_VALUES or word in SCALE or (
            len(word) > 3 and word.endswith("s") and not word.endswith("ss") and
            word not in STOPWORDS and word not in LASTING_BEFORE and
            word not in COMPARATOR_WORDS)


def _read_number(text: str, m: re.Match[str]) -> tuple[float, float, re.Match[str] | None] | None:
    """The match's number with its sign, `and a half` and scale applied, as (value, scale
    factor, the `and a half` written after its unit); None where it is no number: not
    finite, or `a`/`an` with neither a scale nor a unit after it."""
    value = number_value(m.group("num"))
    if value is None or not math.isfinite(value):
        return None
    if m.group("neg"):  # `rated to -10`; not the dash of a range (`20-30`)
        value = -value
    if m.group("num").lower() in ("a", "an") and not (m.group("scale") or m.group("unit")):
        return None
    if m.group("num").lower() in ("a", "an") and _rate_after_a_noun(text, m):
        return None
    half = re.match(r"\s+and\s+a\s+half\b", text[m.end():], re.IGNORECASE) \
        if m.group("unit") else None  # `an hour and a half`
    if half:
        value += 0.5
    scale = (m.group("scale") or m.group("scale2") or "").lower()
    factor = float(SCALE.get(scale, 1))
    value *= factor
    spelled = re.search(r"\b(hundred|thousand|million)$", m.group("num"), re.IGNORECASE)
    if spelled and not scale:  # `three hundred`: its scale, for a range's bare first end
        factor = float(SCALE[spelled.group(1).lower()])
    return value, factor, half


def _written_unit(text: str, m: re.Match[str], unit_words: frozenset[str],
                  ) -> tuple[str, re.Match[str] | None] | None:
    """The word or sign written after the number, lower case, read for what it means here
    (`27in` is inches, `50x` units, pounds a weight where the catalog keeps one in lb), with
    the word an ordinal suffix stands before (`8th gen`); None where the number is an
    ordinal and not an amount (`1st`, `2nd`)."""
    raw_unit = " ".join((m.group("unit") or m.group("sym") or "").lower().split())
    if raw_unit in ("pound", "pounds") and {"lb", "lbs"} & unit_words:
        raw_unit = "lb"  # a weight where the catalog keeps one in pounds, not money
    if raw_unit in WEEKDAYS:
        raw_unit = ""  # `under 40 mon-thu`: the days it is for, no unit
    if raw_unit == "in" and m.start("unit") == m.end("num"):
        raw_unit = "inch"  # `27in`: written onto the number, `in` is no preposition
    ordinal_unit = None
    if raw_unit in ORDINAL_SUFFIXES and not text[m.end("num"):m.start("unit")].strip():
        ordinal_unit = re.match(r"\s+(?P<w>[a-z]+)\b", text[m.end():], re.IGNORECASE)
        if not (ordinal_unit and _unit_word(ordinal_unit.group("w").lower(), unit_words)):
            return None  # `1st`, `2nd`: an ordinal, not an amount (but `8th gen` is 8 gens)
        raw_unit = ordinal_unit.group("w").lower()
    if raw_unit == "x" and re.match(r"x(?:\s+[^\d\s]|$)", text[m.start("unit"):]):
        raw_unit = "units"  # `50x elitebook`: fifty of them
    return raw_unit, ordinal_unit


def _head_count(text: str, m: re.Match[str], raw_unit: str,
                unit_words: frozenset[str]) -> tuple[str | None, bool]:
    """The amount's unit, PEOPLE for a head count, and whether a people word says so
    (`8 guests`) rather than a capacity verb before the number (`sleeps 8`, `sleeps 8
    norfolk`: a head count, unless a real unit follows)."""
    people_word = raw_unit if raw_unit in PEOPLE_WORDS else ""
    verb = not people_word and not m.group("cur") and not (
        raw_unit and (_unit_word(raw_unit, unit_words) or raw_unit in CURRENCY_WORDS)) \
        and CAPACITY_VERB.search(text, 0, m.start()) is not None
    return PEOPLE if people_word or verb else (raw_unit or None), bool(people_word)


def _money_or_unit(text: str, m: re.Match[str], value: float, factor: float, unit: str | None,
                   people_worded: bool, unit_tail: int, unit_words: frozenset[str],
                   ) -> tuple[float, float, str | None, str | None, int]:
    """Whether the word after the number is money (a currency, `$1.2m`), a head count or a
    unit of the catalog (anything else is no unit), and so where the amount ends: (value,
    factor, unit, currency, end). `unit_tail` is what the unit carries after it (`and a
    half`, the word of an ordinal)."""
    scaled = bool(m.group("scale") or m.group("scale2"))
    currency = CURRENCY_SYMBOLS.get(m.group("cur") or "")
    end = max(m.end(g) for g in ("num", "scale", "plus", "scale2") if m.group(g))
    if unit in CURRENCY_WORDS or unit in CURRENCY_SYMBOLS:
        currency = currency or CURRENCY_WORDS.get(unit) or CURRENCY_SYMBOLS.get(unit)
        end = m.end()
    elif unit in CENTS and not currency and not scaled and (
            unit not in SHORT_CENTS or
            re.match(r"\s*(?:/|per\b|an?\s)", text[m.end():], re.IGNORECASE)):
        value, factor, unit, currency, end = value / 100, 0.01, None, CENT, m.end()
    elif unit in MONEY_SCALE and currency and not scaled:
        factor = float(MONEY_SCALE[unit])
        value, unit, end = value * factor, None, m.end()
    elif unit == PEOPLE:  # with its word; after a capacity verb the number alone
        end = m.end() if people_worded else end
    elif unit and _misspelt_unit(unit, unit_words) and not NAMES_NEXT.match(text, m.end()):
        unit, end = _misspelt_unit(unit, unit_words), m.end() + unit_tail  # `2 bedroms`
    elif unit and (_unit_word(unit, unit_words) or unit in RATING_UNITS) and (
            unit_known(unit) or not NAMES_NEXT.match(text, m.end())):
        end = m.end() + unit_tail
    else:
        unit = None
    if currency is None:  # `50 bucks`, `20 euros` after a scale: `20k euros`
        after = re.match(r"\s*(?P<w>[a-z]+)\b", text[end:], re.IGNORECASE)
        if after and after.group("w").lower() in CURRENCY_WORDS:
            currency, end = CURRENCY_WORDS[after.group("w").lower()], end + after.end()
    return value, factor, unit, currency, end


def _with_rate_or_out_of(text: str, m: re.Match[str], value: float, factor: float,
                         unit: str | None, currency: str | None, end: int,
                         unit_words: frozenset[str]) -> Amount:
    """The amount with what is written after it: what it is out of (`8/10`), or the rate
    it is counted per (`an hour`, `$18/hr+`)."""
    per, after_rate = _rate(text, end, unit_words)
    plus = bool(m.group("plus"))
    if per and text[after_rate:after_rate + 1] == "+":  # `$18/hr+`
        plus, after_rate = True, after_rate + 1
    elif unit and not per and text[end:end + 1] == "+":  # `4.5 stars+`
        plus, end = True, end + 1
    out_of = OUT_OF.match(text, end)
    if out_of and float(out_of.group("of")) >= value:
        return Amount(value, m.start(), out_of.end(), currency, unit, plus, factor, None,
                      float(out_of.group("of")))
    return Amount(value, m.start(), after_rate if per else end, currency, unit, plus, factor,
                  per)


def _compound(text: str, amounts: list[Amount]) -> list[Amount]:
    """`2 hours 30 min`, `1 hr and 15 mins`: adjacent amounts of one dimension add up."""
    out: list[Amount] = []
    for a in amounts:
        prev = out[-1] if out else None
        if prev and prev.unit and a.unit and not a.currency and \
                re.fullmatch(r"\s*(?:and\s+)?", text[prev.end:a.start]) and \
                UNITS.get(prev.unit, ("", 0))[0] == UNITS.get(a.unit, ("?", 0))[0]:
            extra = a.value * UNITS[a.unit][1] / UNITS[prev.unit][1]
            out[-1] = Amount(prev.value + extra, prev.start, a.end, None, prev.unit, a.plus)
            continue
        out.append(a)
    return out


def _unit_word(unit: str, unit_words: frozenset[str]) -> bool:
    """A known unit, or a word (or short form) of the catalog's number fields, never a
    comparison word (`3 max`)."""
    return unit_known(unit) or unit not in COMPARATOR_WORDS and (
        unit in unit_words or bool(forms(unit) & unit_words) or stem(unit) in unit_words
        or _prefix_of(unit, unit_words))


def _misspelt_unit(unit: str, unit_words: frozenset[str]) -> str | None:
    """The catalog's word of seven letters or more that a word no unit is one edit away
    from, with the same first letter (`bedroms` for bedrooms)."""
    if _unit_word(unit, unit_words) or len(unit) < 6 or not unit.isalpha():
        return None
    return next((w for w in sorted(unit_words) if len(w) >= 7 and w[0] == unit[0] and
                 OSA.distance(unit, w) == 1), None)


def _prefix_of(word: str, vocabulary: frozenset[str]) -> bool:
    """A short form of a catalog word (`bed`, `baths`, `br` for bedrooms / bathrooms),
    never a function word (`an` is not `annual`)."""
    return word not in STOPWORDS and any(abbreviates(f, v) for f in forms(word)
                                         for v in vocabulary)


def _before(text: str, start: int, patterns: list[tuple[str, str]],
            between: frozenset[str] = frozenset()) -> tuple[str, int] | None:
    """The comparator phrase that ends right before `start`, or before one word of
    `between` that names what it compares (`max price 950`, `under rent 900`), as (op,
    phrase start). A negation before it turns it around (`can't be more than 2 hours` is
    at most 2)."""
    head = text[:start]
    named = re.search(r"\s([a-z]+)\s*$", head, re.IGNORECASE)
    if named and named.group(1).lower() in between:
        found = _before(text, named.start() + 1, patterns)
        if found:
            return found
    for op, pattern in patterns:
        m = re.search(rf"(?:^|[\s(])({pattern})\s*(?:(?:of|than|about|around|like)\s+)?$", head,
                      re.IGNORECASE)
        if m:
            word = m.group(1).lower().split()[0]
            negated = NEGATED.search(text[:m.start(1)])
            if negated:
                return FLIP[op], negated.start(1)
            # the words between an exclusion and its comparison name the field: kept out
            if EXCLUDED.search(text[:m.start(1)]) or (
                    word.endswith("er") and word not in ("under", "over") and
                    NO_NOUN.search(text[:m.start(1)])):
                return FLIP[op], m.start(1)
            return op, m.start(1)
    return None


# Adjectives of a measure between an amount and its comparator (`45cm wide or less`).
DIMENSIONS = "old|wide|long|tall|high|deep|thick|heavy|away|big|large"


def _after(text: str, end: int, patterns: list[tuple[str, str]]) -> tuple[str, int] | None:
    """The comparator right after an amount (`or more`, `tops`, `+`; past `old` in
    `6 months old or younger`, `wide` in `45cm wide or less` and past one noun in `256 ssd
    minimum`), as (op, where it ends). One followed by a number is that number's own
    (`under 10kg and under 100`)."""
    tail = text[end:]
    for op, pattern in patterns:
        m = re.match(rf"(?:\s+(?:{DIMENSIONS})|\s+[a-z]{{2,}}(?=\s+(?:min|max|at\s+(?:most|least)|"
                     rf"or\s+(?:more|less|[a-z]{{3,}}er))\b)|"
                     # `$20 a head max`, `40 each tops`: a rate between the two
                     rf"\s+(?:(?:a|an|per)\s+[a-z]{{3,}}|each)(?=\s*,?\s*(?:min|max|tops|"
                     rf"at\s+(?:the\s+)?(?:most|least)|or\s+(?:more|less))\b))?\s*,?\s*"
                     rf"({pattern})(?!\w)"
                     rf"(?!\s*(?:than\s+)?[$€£]?\d)", tail, re.IGNORECASE)
        if m:
            return op, end + m.end(1)
    return None


def _shared(a: Amount, b: Amount) -> tuple[float, str | None, str | None, str | None]:
    """`€40-55k`, `20 to 30 grand`, `$30-$60`, `20-40 cents`, `two and three hundred`: the
    two ends share scale, currency, unit and rate; returns the first end's value with the
    second's scale applied where it lacks one."""
    first = a.value
    if a.factor == 1 and (b.factor > 1 or (b.factor < 1 and not a.currency)) and \
            a.value * b.factor <= b.value:
        first = a.value * b.factor  # `40-55k`, `20-40 cents`
    return first, a.currency or b.currency, a.unit or b.unit, a.per or b.per


def find_quantities(text: str, unit_words: frozenset[str] = frozenset()) -> list[Quantity]:
    """Every comparison in the text; a bare number counts only with a unit. `$$` (a price
    level written in currency signs) is the number 2 on a scale of prices."""
    times = _clock_times(text)
    amounts = _amounts_and_price_levels(text, unit_words, times)
    clock = _clock_quantities(text, times)
    amounts = [a for a in amounts if not any(q.start <= a.start < q.end for q in clock)]
    out: list[Quantity] = list(clock)
    out += _figures(text)
    figures = [(q.start, q.end) for q in out]
    amounts = [a for a in amounts if not any(s <= a.start < e for s, e in figures)]
    ranges, used = _ranges(text, amounts, unit_words)
    out += ranges
    for i, a in enumerate(amounts):
        if i in used:
            continue
        compared = _comparison(text, a, unit_words)
        if compared is not None:
            out.append(compared)
    out += _that_much(text, amounts)
    return _shared_bounds(text, sorted(out, key=lambda q: (q.start, q.op)))


THAT_MUCH = re.compile(r"\b(?P<cmp>at least|no less than|not less than|at most|no more than|"
                       r"not more than|up to)\s+(?:that much|that amount|as much)\b"
                       r"(?=\s*(?:$|[.,;!?]|and\b|or\b|but\b))",  # not `as much battery as`
                       re.IGNORECASE)


def _that_much(text: str, amounts: list[Amount]) -> list[Quantity]:
    """`it's worth around $1,200, so I want the cover to be at least that much`: the
    comparison takes the last amount of money before it."""
    out = []
    for m in THAT_MUCH.finditer(text):
        said = [a for a in amounts if a.end <= m.start() and a.currency]
        if said:
            op = "gte" if m.group("cmp").lower() in ("at least", "no less than",
                                                     "not less than") else "lte"
            out.append(Quantity(op, said[-1].value, m.start(), m.end(), said[-1].currency,
                                said[-1].unit, cue=m.group("cmp").lower()))
    return out


def _amounts_and_price_levels(text: str, unit_words: frozenset[str],
                              times: list[Amount]) -> list[Amount]:
    """The text's amounts that are not times of day (those are compared on their own),
    with each price level written in currency signs (`$$`), in text order."""
    spans = times + [Amount(int(m.group("h")) + int(m.group("m") or m.group("m2")) / 60,
                            m.start(), m.end(), None, "hours", False)
                     for m in HOURS_AND_MINUTES.finditer(text)]
    return sorted([a for a in find_amounts(text, unit_words) if not any(
        t.start <= a.start < t.end or a.start <= t.start < a.end for t in spans)] + [
        a for a in spans if a.unit == "hours"] + [
        Amount(float(len(m.group(1))), m.start(1), m.end(1), None, PRICE_LEVEL, False)
        for m in PRICE_SIGNS.finditer(text)], key=lambda a: a.start)


def _figures(text: str) -> list[Quantity]:
    """`five figures`: from 10,000 up to 99,999 (at least the smallest number of that many
    digits, less than the smallest of one digit more); `less than five figures`: under
    10,000."""
    out: list[Quantity] = []
    for m in FIGURES.finditer(text):
        digits = int(number_value(m.group("n")) or 1)
        low, high = 10.0 ** (digits - 1), 10.0 ** digits
        below = FEWER_FIGURES.search(text, 0, m.start()) or \
            EXCLUDED.search(text, 0, m.start()) or NEGATED.search(text, 0, m.start())
        if below:  # `less than five figures`, `nothing in four figures`, `doesn't cost five
            # figures`: under 10,000
            out.append(Quantity("lt", low, below.start(), m.end(), None, None))
        else:
            out += [Quantity("gte", low, m.start(), m.end(), None, None),
                    Quantity("lt", high, m.start(), m.end(), None, None)]
    return out


def _ranges(text: str, amounts: list[Amount], unit_words: frozenset[str],
            ) -> tuple[list[Quantity], set[int]]:
    """Ranges of two adjacent amounts (`20-30`, `between 5 and 10`, `from $30 to $60`) as a
    lower and an upper bound sharing scale, currency, unit and rate; with the indices of
    the amounts they use, which are compared no further."""
    out: list[Quantity] = []
    used: set[int] = set()
    for i in range(len(amounts) - 1):
        a, b = amounts[i], amounts[i + 1]
        if i in used:
            continue
        between = text[a.end:b.start]
        lead = re.search(r"\b(between|from)\s*$", text[:a.start], re.IGNORECASE)
        if (lead and re.fullmatch(r"\s*(?:and|to|-|–)\s*", between, re.IGNORECASE)) or \
                re.fullmatch(r"\s*(?:-|–|to|through|thru)\s*", between, re.IGNORECASE):
            first, currency, unit, per = _shared(a, b)
            if first <= b.value:
                start = lead.start(1) if lead else a.start
                end = b.end
                post, _ = _rate(text, end, unit_words)
                out.append(Quantity("gte", first, start, end, currency, unit, per=per or post))
                out.append(Quantity("lte", b.value, start, end, currency, unit, per=per or post))
                used.update((i, i + 1))
    return out, used


def _comparison(text: str, a: Amount, unit_words: frozenset[str]) -> Quantity | None:
    """One amount with the comparison around it: `4+`, `3 or more`, `under $50` (the word
    before decides when both sides have one), or a bare amount that its unit, what it is
    out of or its rate makes clear (`16gb`, `8/10`, `for 6 people`, `$25 an hour`); None
    for a bare number without any of those."""
    post = _after(text, a.end, POST)
    pre = _before(text, a.start, UPPER + LOWER + EXACT, frozenset() if post else
                  unit_words | MONEY_WORDS)
    if pre and post and pre[0][:2] != post[0][:2] and pre[0] != "eq":
        post = None  # `less than 1000 or more than 3000`: the word before decides; but
        # `only 4.5 stars and up` is at least 4.5
    common = dict(currency=a.currency, unit=a.unit, per=a.per, out_of=a.out_of)
    cue = " ".join(text[x[1]:a.start] if x is pre else text[a.end:x[1]]
                   for x in (pre, post) if x).lower()
    if a.plus:
        return Quantity("gte", a.value, a.start, a.end, **common)
    if post:
        start = pre[1] if pre else a.start
        return Quantity(post[0], a.value, start, post[1], cue=cue, **common)
    if pre:
        return Quantity(pre[0], a.value, pre[1], a.end, cue=cue, **common)
    if re.fullmatch(r"one\s+(?!(?:hundred|bed|shed|red)\b)[a-z]+(?<!e)ed", text[a.start:a.end],
                    re.IGNORECASE):
        return None  # `ideally one rated 4+`: the pronoun, before what is said of it
    if (a.unit and not a.currency) or a.out_of:
        word = re.findall(r"[a-z]+", text[a.start:a.end].lower())
        need = NEED_BEFORE.search(text, 0, a.start) if a.unit == PEOPLE else None
        verb = CAPACITY_VERB.search(text, 0, a.start) if a.unit == PEOPLE else None
        return Quantity("gte" if need else "eq", a.value, a.start, a.end, bare=True,
                        cue=verb.group("verb").lower() if verb else
                        word[-1] if a.unit == PEOPLE and word else "", **common)
    if a.per:  # `$25 an hour`, `80k a year`: an amount with a rate names its field
        return Quantity("eq", a.value, a.start, a.end, bare=True, **common)
    if not a.currency and AGE_SAID.search(text, 0, a.start):
        return Quantity("eq", a.value, a.start, a.end, bare=True, aged=True, **common)
    return None


LIST_GAP = re.compile(r"\s*(?:&|\+|\band\b)?\s*", re.IGNORECASE)


def _shared_bounds(text: str, quantities: list[Quantity]) -> list[Quantity]:
    """`4 bed 3 bath minimum`, `2 adults and 2 kids max`: a bound written after a list of
    amounts in units (not money) applies to each bare one before it. (A bound before a
    list is left to the first amount: `at least 150 hp and 7 seats` asks for 7 seats.)"""
    out = list(quantities)
    for k in range(len(out) - 2, -1, -1):
        a, b = out[k], out[k + 1]
        if LIST_GAP.fullmatch(text[a.end:b.start]) and not (a.currency or b.currency) and \
                a.unit and b.unit and CLOCK not in (a.unit, b.unit) and a.bare and \
                a.op == "eq" and not b.bare and b.op in ("gte", "lte") and \
                re.match(r"[$€£]?\d", text[b.start:]) and \
                not text[b.start:b.end].endswith("+"):  # b's bound comes after it, in words
            out[k] = replace(a, op=b.op, bare=False)
    return out

