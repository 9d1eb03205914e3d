"""The catalog value index: every enum value and synonym of a catalog, embedded once,
and the texts yes/no fields are recognised by (their names and descriptions, and the
catalog's own description as the domain's baseline).

Entries are laid out grouped by canonical value and values grouped by field,
so retrieval can reduce scores with contiguous slices instead of Python loops.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from embedding_worker.booleans import boolean_views
from embedding_worker.counted_nouns import number_views
from embedding_worker.fields import FieldProfile, profiles
from embedding_worker.tokens import STOPWORDS, forms, phrase_forms, root, stem
from shared.schemas import Catalog, CatalogField


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


@dataclass(frozen=True)
class IndexLayout:
    """Which field and canonical value each embedded surface form belongs to."""

    fields: list[str]            # enum fields, in catalog order
    values: list[tuple[int, str]]  # (field number, canonical value), grouped by field
    surfaces: list[str]          # normalised surface forms, grouped by value
    value_starts: np.ndarray     # first surface index of each value
    field_starts: np.ndarray     # first value index of each field, plus the end
    views: list[tuple[str, str]] = field(default_factory=list)  # (field or "", text)

    @cached_property
    def surface_value(self) -> np.ndarray:
        """Value number of each surface."""
        counts = np.diff(np.append(self.value_starts, len(self.surfaces)))
        return np.repeat(np.arange(len(self.values)), counts)


def _without(value: str) -> list[str]:
    """`nut-free`, `gluten free` is also written `no nuts`, `without gluten`."""
    m = re.fullmatch(r"([a-z]{3,})[- ]free", normalise(value))
    if m is None:
        return []
    thing = m.group(1)
    return [f"{how} {form}" for how in ("no", "without") for form in (thing, thing + "s")]


# Number words a value may be written with in figures (`Two Night Spa Break`: `2 night`).
FIGURES_OF = {w: str(n) for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}


def _in_figures(surface: str) -> list[str]:
    """A value of several words written with a number word, in figures (`two night spa
    break`: `2 night spa break`), as people type counts."""
    words = surface.split()
    figures = [FIGURES_OF.get(w, w) for w in words]
    return [" ".join(figures)] if len(words) > 1 and figures != words else []


# `heavily worn = beaters`, `deadstock = brand new, never tried on`: a description's own
# words for one of its values.
DESCRIBED_AS = re.compile(r"(?:^|[.;,(:]\s*)(?P<v>[^=.;,():]{1,40}?)\s*=\s*"
                          r"(?P<w>[a-z][a-z' -]{1,30}?)\s*(?=[.;,()]|$)", re.IGNORECASE)


def _described(f: CatalogField) -> dict[str, list[str]]:
    """Other names an enum field's description gives its values (one to three words)."""
    out: dict[str, list[str]] = {}
    canonical = {normalise(v): v for v in f.values or []}
    for m in DESCRIBED_AS.finditer(f.description or ""):
        value, words = canonical.get(normalise(m.group("v"))), normalise(m.group("w"))
        if value is not None and 1 <= len(words.split()) <= 3 and words not in canonical \
                and words not in ("best", "worst", "top", "bottom", "highest", "lowest"):
            out.setdefault(value, []).append(words)
    return out


def layout_for(catalog: Catalog) -> IndexLayout:
    fields, values, surfaces, value_starts, field_starts = [], [], [], [], []
    for f in catalog.fields:
        if f.type != "enum":
            continue
        field_starts.append(len(values))
        synonyms_of: dict[str, list[str]] = {}
        for surface, target in (f.synonyms or {}).items():
            synonyms_of.setdefault(target, []).append(surface)
        for target, surfaces_of in _described(f).items():
            synonyms_of.setdefault(target, []).extend(surfaces_of)
        for value in f.values or []:
            values.append((len(fields), value))
            value_starts.append(len(surfaces))
            forms = dict.fromkeys(normalise(s) for s in [value, *synonyms_of.get(value, []),
                                                          *_without(value)])
            surfaces.extend(dict.fromkeys([*forms, *(f for s in forms for f in _in_figures(s))]))
        fields.append(f.name)
    field_starts.append(len(values))
    return IndexLayout(fields, values, surfaces, np.array(value_starts, dtype=np.int64),
                       np.array(field_starts, dtype=np.int64),
                       boolean_views(catalog) + number_views(catalog))


def build(catalog: Catalog, version: int, encode: Callable[[list[str]], np.ndarray],
          ) -> CatalogIndex:
    """Embed every surface form and view of one catalog version in one call."""
    layout = layout_for(catalog)
    vectors = encode(layout.surfaces + [text for _, text in layout.views])
    n = len(layout.surfaces)
    return CatalogIndex(catalog.name, version, layout, vectors[:n], vectors[n:])


# A word that at least this many values of a field share (and a quarter of them) is the
# field's common word, which tells none of them apart.
DISTINCT_SHARED_MIN = 3


@dataclass
class CatalogIndex:
    name: str
    version: int
    layout: IndexLayout
    vectors: np.ndarray  # (len(surfaces), dim) float32, unit length
    view_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    forms: dict[str, list[int]] = field(default_factory=dict)  # surface form -> surfaces
    single_word_surfaces: dict[str, int] = field(default_factory=dict)
    stems: dict[str, list[int]] = field(default_factory=dict)  # stem of a one-word surface
    multi_word_surfaces: dict[str, int] = field(default_factory=dict)
    roots: dict[tuple[str, ...], list[int]] = field(default_factory=dict)  # word by word
    fields_of_value: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    max_words: int = 1
    profiles: list[FieldProfile] | None = field(default=None, repr=False, compare=False)

    def field_profiles(self, catalog: Catalog) -> list[FieldProfile]:
        """The profiles of the catalog's fields, computed once: an index is one catalog
        version, and every text analysed against it needs them."""
        if self.profiles is None:
            self.profiles = profiles(catalog)
        return self.profiles

    @cached_property
    def value_words(self) -> frozenset[str]:
        """The words of the catalog's enum values and synonyms, in every form."""
        return frozenset(f for s in self.layout.surfaces for w in re.findall(r"[a-z]+", s)
                         for f in forms(w))

    @cached_property
    def words_by_field(self) -> dict[int, frozenset[str]]:
        """The words of each enum field's values and synonyms, by the field's number in the
        layout: whether a text goes on with another value of the same field."""
        out: dict[int, set[str]] = {}
        for s, surface in enumerate(self.layout.surfaces):
            field = self.layout.values[int(self.layout.surface_value[s])][0]
            out.setdefault(field, set()).update(surface.split())
        return {f: frozenset(words) for f, words in out.items()}

    @cached_property
    def distinct_words(self) -> dict[str, int]:
        """Values named by their one distinctive word, by that word, to value numbers.

        Where most of a field's values share a word (`piano` of Upright Piano, Grand
        Piano, Digital Piano), what is left of a value once those words are gone tells it
        apart (`an upright` for Upright Piano, `a twin` for Private Twin) when it is one
        word that no other value leaves (`double` of Private Double and Double Bed names
        neither)."""
        by_field: dict[int, list[int]] = {}
        for v, (f, _) in enumerate(self.layout.values):
            by_field.setdefault(f, []).append(v)
        left: dict[str, list[int]] = {}
        for members in by_field.values():
            words = {v: normalise(self.layout.values[v][1]).split() for v in members}
            counts = Counter(w for ws in words.values() for w in set(ws))
            shared = {w for w, n in counts.items()
                      if n >= DISTINCT_SHARED_MIN and n * 4 >= len(members)}
            for v, ws in words.items():
                rest = [w for w in ws if w not in shared]
                if len(ws) > 1 and len(rest) == 1 and len(rest[0]) >= 4 and \
                        rest[0].isalpha() and rest[0] not in STOPWORDS:
                    left.setdefault(rest[0], []).append(v)
        return {w: vs[0] for w, vs in left.items() if len(vs) == 1}

    @cached_property
    def acronyms(self) -> dict[str, frozenset[int]]:
        """The words written in capitals inside values of several words (`DC` of
        Washington DC, `EF` of Canon EF), to value numbers: alone they may name the value."""
        out: dict[str, set[int]] = {}
        for v, (_, value) in enumerate(self.layout.values):
            words = value.split()
            for w in words if len(words) > 1 else ():
                if len(w) >= 2 and w.isalpha() and w.isupper():
                    out.setdefault(w.lower(), set()).add(v)
        return {w: frozenset(vs) for w, vs in out.items()}

    @cached_property
    def run_together(self) -> dict[str, frozenset[int]]:
        """The values of several words by their words written as one (`ballgown` for Ball
        Gown), to value numbers."""
        out: dict[str, set[int]] = {}
        for surface, s in self.multi_word_surfaces.items():
            out.setdefault(re.sub(r"[\s-]+", "", surface), set()).add(
                int(self.layout.surface_value[s]))
        return {k: frozenset(v) for k, v in out.items()}

    @cached_property
    def spaced_surfaces(self) -> dict[str, int]:
        """The values of several words with a hyphen read as a space (`after school club`
        for After-School Club): what a typo of one is compared with."""
        out: dict[str, int] = {}
        for surface, s in self.multi_word_surfaces.items():
            out.setdefault(surface.replace("-", " "), s)
        return out

    @cached_property
    def two_word_surfaces(self) -> dict[str, list[tuple[str, int]]]:
        """Two-word surfaces by their first word (`travel` -> [(`system`, surface)]), for
        a value completed by the next word of the text (matching.completed_values)."""
        out: dict[str, list[tuple[str, int]]] = {}
        for surface, s in self.multi_word_surfaces.items():
            head, _, word = surface.partition(" ")
            if " " not in word:
                out.setdefault(head, []).append((word, s))
        return out

    @cached_property
    def value_word_surfaces(self) -> dict[str, int]:
        """Each word of a multi-word value that no other value uses (`husky` of Siberian
        Husky, not `retriever` of two breeds), to its surface: a misspelt word is read
        against them too (`huskey`)."""
        users: dict[str, set[int]] = {}
        for surface, s in self.multi_word_surfaces.items():
            for w in surface.split():
                if len(w) >= 5 and w.isalpha() and w not in STOPWORDS:
                    users.setdefault(w, set()).add(s)
        return {w: min(s) for w, s in users.items()
                if len({self.layout.values[int(self.layout.surface_value[k])] for k in s}) == 1}

    def __post_init__(self) -> None:
        for i, s in enumerate(self.layout.surfaces):
            variants = phrase_forms(s)
            for f in variants:
                self.forms.setdefault(f, []).append(i)
            if " " not in s:
                self.single_word_surfaces.setdefault(s, i)
                if len(s) >= 4 and s.isalpha():
                    self.stems.setdefault(stem(s), []).append(i)
                    if len(root(s)) >= 5:  # not `appl` for both apple and apply
                        self.roots.setdefault((root(s),), []).append(i)
            else:
                self.multi_word_surfaces.setdefault(s, i)
                words = re.findall(r"[a-z]+", s)
                if 1 < len(words) <= 4 and " ".join(words) == s.replace("-", " "):
                    self.roots.setdefault(tuple(root(w) for w in words), []).append(i)
            # in the words the text's tokens will have (`24/7` is two: 24 and 7)
            self.max_words = max(self.max_words, *(len(f.split()) for f in variants))
        for field_no, value in self.layout.values:  # `Paris` in departure and arrival cities
            self.fields_of_value.setdefault(normalise(value), []).append(
                (self.layout.fields[field_no], value))


# Bumped whenever what the index holds changes: an index of another format or built by
# another embedding model is rebuilt, never mixed with this one (`usable`).
INDEX_FORMAT = 4


def usable(raw: dict[bytes, bytes], model_id: str) -> bool:
    """Whether a stored index was built in this format by this embedding model."""
    if b"meta" not in raw:
        return False
    meta = json.loads(raw[b"meta"])
    return meta.get("format") == INDEX_FORMAT and meta.get("model") == model_id


def serialise(index: CatalogIndex, model_id: str) -> dict[str, bytes]:
    """Redis hash fields: the layout as JSON and the vectors as raw float32."""
    meta = {"format": INDEX_FORMAT, "model": model_id,
            "dim": int(index.vectors.shape[1]) if index.vectors.size else 0,
            "fields": index.layout.fields, "values": index.layout.values,
            "surfaces": index.layout.surfaces,
            "value_starts": index.layout.value_starts.tolist(),
            "field_starts": index.layout.field_starts.tolist(), "views": index.layout.views}
    return {"meta": json.dumps(meta).encode(),
            "vectors": np.ascontiguousarray(index.vectors, dtype=np.float32).tobytes(),
            "view_vectors": np.ascontiguousarray(index.view_vectors, dtype=np.float32).tobytes()}


def deserialise(name: str, version: int, raw: dict[bytes, bytes]) -> CatalogIndex:
    meta = json.loads(raw[b"meta"])
    views = [tuple(v) for v in meta.get("views", [])]
    layout = IndexLayout(meta["fields"], [tuple(v) for v in meta["values"]], meta["surfaces"],
                         np.array(meta["value_starts"], dtype=np.int64),
                         np.array(meta["field_starts"], dtype=np.int64), views)
    dim = meta["dim"] or 0
    vectors = np.frombuffer(raw[b"vectors"], dtype=np.float32).reshape(len(layout.surfaces), dim)
    view_vectors = np.frombuffer(raw.get(b"view_vectors", b""), dtype=np.float32).reshape(
        len(views) if raw.get(b"view_vectors") else 0, dim)
    return CatalogIndex(name, version, layout, vectors, view_vectors)
