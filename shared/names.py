"""The words of a field name (`in_stock` -> in, stock; `screenSize` -> screen, size), as
both stages read them: the embedding stage to match text to fields, the LLM stage to
write a yes/no field as words."""
from __future__ import annotations

import re

# Verbs a yes/no field's name may start with that say nothing of its meaning.
BOOL_PREFIXES = frozenset({"is", "has", "have", "can", "allows", "with", "includes", "included",
                           "offers", "accepts", "supports", "provides", "are"})


def name_words(name: str) -> list[str]:
    """`in_stock` -> [in, stock]; `screenSize` -> [screen, size]."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[\s_.\-]+", spaced.lower()) if w]


def flag_words(name: str) -> list[str]:
    """A yes/no field's name without its leading verb: `has_garage` -> [garage]."""
    words = name_words(name)
    return [w for w in words if w not in BOOL_PREFIXES] or words
