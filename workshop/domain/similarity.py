"""Notes that say nearly the same thing, and groups a facilitator might make.

Two uses, one rule:
- while a participant writes, the notes of the session closest to the draft
  (`Index.similar`), so that the same problem does not arrive in five wordings;
- in raggruppamento, groups proposed for the notes left outside any group, with
  the existing group each would fit and a title from its distinctive words, and
  the near-copies worth merging (`suggest`). A suggestion changes nothing: the
  facilitator applies it through the ordinary commands.

How texts are compared (Italian first):
- words: Unicode lower case; typographic apostrophes as `'`; an apostrophe
  after a final vowel is that vowel's accent, as people type without accents
  («perche'», «citta'»); elisions are split («dell'ospedale» → dell, ospedale);
- stop words (the Italian list of the `stop-words` package, with their elided
  forms) and one-letter words are dropped; so are numbers alone;
- each word is reduced to its Snowball Italian stem (`snowballstemmer`:
  «dimissioni», «dimissione» → dimission) and then loses its accents, so a
  word typed with or without them is the same term;
- a note is a TF-IDF vector of its stems (sublinear term frequency, smoothed
  inverse document frequency over the session's notes: a word every note of
  the lab uses weighs little), compared by cosine.
Notes in other languages get the same treatment without stemming or stop
words of their own: they match less, never wrongly more.

Grouping is average-linkage agglomerative clustering on cosine distance
(scipy), cut at a level relative to the board: a group's notes must be, on
average, closer than the board's pairs of notes usually are (their mean
similarity plus `GROUP_SPREAD` standard deviations, near-copies left out of
that statistic), and never under `GROUP_FLOOR`. A fixed level did not work: short notes of one lab share few
words, so their similarities are small and how small depends on the board;
at the former fixed 0.2 nothing was ever proposed on the sample sessions.
`GROUP_SPREAD` and `FIT_MIN` were chosen (and `GROUP_FLOOR` checked) on a
held-out set of hand-made notes grouped by hand (bench/data/heldout_it.json),
never on the sample sessions; the other representations tried (lemmas, character
n-grams, LSA, a multilingual sentence encoder) and the agreement measured
with the facilitators' groups are in docs/performance.md.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import snowballstemmer
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix
from scipy.spatial.distance import squareform
from stop_words import get_stop_words

from workshop.domain.rules import TITLE_MAX

# Cosine similarity thresholds (0 … 1).
SIMILAR_MIN = 0.3  # shown to a participant as "already said"
FIT_MIN = 0.2  # a loose note suggested into an existing group
# A suggested new group: average similarity within it at least the board's mean
# pair similarity + GROUP_SPREAD standard deviations, and at least GROUP_FLOOR
# (notes that share nothing but the lab's theme are never grouped).
GROUP_SPREAD = 1.0
GROUP_FLOOR = 0.05
DUPLICATE_MIN = 0.6  # flagged as a possible duplicate to merge
SIMILAR_LIMIT = 3
TITLE_WORDS = 3

_STEMMER = snowballstemmer.stemmer("italian")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u02bc": "'"})
_ACCENTED = {"a": "à", "e": "è", "i": "ì", "o": "ò", "u": "ù"}
_TYPED_ACCENT = re.compile(r"([aeiou])'(?!\w)")
_WORD = re.compile(r"[^\W_]+")
STOP_WORDS = frozenset(w.rstrip("'") for w in get_stop_words("it")) | {
    # elided forms the list has only with their apostrophe or not at all
    "dell",
    "nell",
    "sull",
    "dall",
    "all",
    "coll",
    "quest",
    "quell",
    "un",
    "tutt",
    "anch",
    "com",
    "dov",
    "cos",
    "senz",
    "ciascun",
    "nessun",
    "qualcun",
    "buon",
}


def _fold(word: str) -> str:
    """Without accents: «difficoltà» and «difficolta» are one term."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))


@lru_cache(maxsize=20_000)
def _stem(word: str) -> str:
    # Stemming costs ~50 µs a word in pure Python; a lab's vocabulary is small.
    return _fold(_STEMMER.stemWord(word))


def words(text: str) -> list[str]:
    """The content words of a text, lower case, as written (accents kept)."""
    text = unicodedata.normalize("NFC", text).lower().translate(_APOSTROPHES)
    text = _TYPED_ACCENT.sub(lambda m: _ACCENTED[m.group(1)], text)
    return [
        w
        for w in _WORD.findall(text)
        if len(w) > 1 and not w.isdigit() and w not in STOP_WORDS and _fold(w) not in STOP_WORDS
    ]


def _text_key(text: str) -> str:
    """A text as compared for «the same text»: case, spacing, punctuation and
    accents typed or not aside; every word kept (stop words too: «non»)."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    text = _TYPED_ACCENT.sub(lambda m: _ACCENTED[m.group(1)], text)
    return " ".join(_fold(w) for w in _WORD.findall(text))


def same_text(a: str, b: str) -> bool:
    """Whether two notes say the same words (a copy), whatever their case, spacing or punctuation."""
    return _text_key(a) == _text_key(b)


@lru_cache(maxsize=4096)
def terms(text: str) -> tuple[str, ...]:
    """The stems of a text's content words, in order (cached: notes are read again at every check)."""
    return tuple(_stem(w) for w in words(text))


Vector = dict[str, float]


def _cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


@dataclass
class Index:
    """The notes of a session as vectors, weighted by how rare each term is among them."""

    texts: Mapping[int, str]
    extra: Iterable[str] = ()
    _terms: dict[int, tuple[str, ...]] = field(init=False)
    _idf: dict[str, float] = field(init=False)
    vectors: dict[int, Vector] = field(init=False)

    def __post_init__(self) -> None:
        self._terms = {i: terms(t) for i, t in self.texts.items()}
        docs = [*self._terms.values(), *(terms(t) for t in self.extra)]
        df = Counter(t for d in docs for t in set(d))
        n = len(docs)
        self._idf = {t: math.log((1 + n) / (1 + k)) + 1 for t, k in df.items()}
        self.vectors = {i: self.vector_of(d) for i, d in self._terms.items()}

    def vector_of(self, stems: Iterable[str]) -> Vector:
        counts = Counter(stems)
        # A term no indexed note has cannot match: its weight only lowers the others'.
        top = math.log(len(self.texts) + 2) + 1
        v = {t: (1 + math.log(k)) * self._idf.get(t, top) for t, k in counts.items()}
        norm = math.sqrt(sum(w * w for w in v.values()))
        return {t: w / norm for t, w in v.items()} if norm else {}

    def similar(
        self,
        text: str,
        *,
        limit: int = SIMILAR_LIMIT,
        minimum: float = SIMILAR_MIN,
        exclude: int | None = None,
    ) -> list[tuple[int, float]]:
        """The indexed notes closest to `text`, best first (ties: the older note first)."""
        query = self.vector_of(terms(text))
        if not query:
            return []
        scored = [(i, _cosine(query, v)) for i, v in self.vectors.items() if i != exclude]
        best = sorted(((i, s) for i, s in scored if s >= minimum), key=lambda p: (-p[1], p[0]))
        # One note per text: a copy (a note carried from an earlier meeting, the
        # same words typed again) would take a slot and say nothing new.
        out: list[tuple[int, float]] = []
        said: set[str] = set()
        for i, s in best:
            key = _text_key(self.texts[i])
            if key in said:
                continue
            said.add(key)
            out.append((i, round(s, 3)))
            if len(out) == limit:
                break
        return out

    def centroid(self, ids: Iterable[int], extra: str = "") -> Vector:
        total: dict[str, float] = {}
        for v in [*(self.vectors[i] for i in ids), self.vector_of(terms(extra))]:
            for t, w in v.items():
                total[t] = total.get(t, 0.0) + w
        norm = math.sqrt(sum(w * w for w in total.values()))
        return {t: w / norm for t, w in total.items()} if norm else {}


def similar(
    text: str, notes: Mapping[int, str], *, limit: int = SIMILAR_LIMIT, exclude: int | None = None
) -> list[tuple[int, float]]:
    """Up to `limit` notes (id → text) that say nearly what `text` says: (id, similarity)."""
    return Index(notes, extra=(text,)).similar(text, limit=limit, exclude=exclude)


# -- suggestions for the facilitator ------------------------------------------------


@dataclass(frozen=True)
class Group:
    """Notes that seem to belong together: a new group (`cluster_id` None,
    with a `title`) or loose notes that fit the existing group `cluster_id`."""

    note_ids: tuple[int, ...]
    title: str
    cluster_id: int | None = None
    score: float = 0.0


@dataclass(frozen=True)
class Duplicate:
    """Notes that seem to say the same thing: merge `note_ids` into `into_id` (the
    oldest of them in a group, else the oldest)."""

    into_id: int
    note_ids: tuple[int, ...]
    score: float


@dataclass(frozen=True)
class Suggestion:
    groups: tuple[Group, ...]
    duplicates: tuple[Duplicate, ...]


def title(index: Index, ids: Iterable[int], *, size: int = TITLE_WORDS) -> str:
    """The group's distinctive words: the terms weighing most in its notes, each
    shown as the word most often written for it («Ospedale, dimissioni, famiglie»)."""
    ids = list(ids)
    weight: Counter = Counter()
    written: dict[str, Counter] = {}
    for i in ids:
        weight.update(index.vectors[i])
        for w in words(index.texts[i]):
            written.setdefault(_stem(w), Counter())[w] += 1
    # Shared by more of the group first, then weight; ties alphabetical, so it is stable.
    spread = Counter(t for i in ids for t in set(index.vectors[i]))
    best = sorted(weight, key=lambda t: (-spread[t], -weight[t], t))[:size]
    shown = [written[t].most_common(1)[0][0] if t in written else t for t in best]
    text = ", ".join(shown)
    # Ready for cluster.create as it is: a long word cut, never a refused title.
    return (text[:1].upper() + text[1:])[:TITLE_MAX]


def _pairwise(index: Index, ids: list[int]):
    """Cosine similarity of every pair of `ids` (a dense matrix, in their order),
    as one sparse product: the pairs of 300 notes one by one in Python took 0.3 s."""
    column: dict[str, int] = {}
    rows, cols, data = [], [], []
    for r, i in enumerate(ids):
        for t, w in index.vectors[i].items():
            rows.append(r)
            cols.append(column.setdefault(t, len(column)))
            data.append(w)
    matrix = csr_matrix((data, (rows, cols)), shape=(len(ids), max(len(column), 1)))
    sims = (matrix @ matrix.T).toarray()
    np.fill_diagonal(sims, 1.0)
    return np.clip(sims, 0.0, 1.0)


def _among(sims, rows: list[int]):
    """The similarities among some of the notes (rows and columns of `sims`)."""
    return sims[np.ix_(rows, rows)]


def group_level(sims) -> float:
    """The average similarity a suggested group needs on this board (see GROUP_SPREAD).
    Near-copies (DUPLICATE_MIN and over) are left out of the board's usual pair:
    one note said twice would otherwise raise the bar for every other group."""
    n = len(sims)
    pairs = sims[np.triu_indices(n, 1)]
    pairs = pairs[pairs < DUPLICATE_MIN]
    if len(pairs) == 0:
        return 1.0
    return min(1.0, max(GROUP_FLOOR, float(pairs.mean() + GROUP_SPREAD * pairs.std())))


def _agglomerate(ids: list[int], sims, level: float) -> list[list[int]]:
    if len(ids) < 2:
        return [[i] for i in ids]
    labels = fcluster(
        linkage(squareform(1.0 - sims, checks=False), method="average"),
        t=1.0 - level,
        criterion="distance",
    )
    groups: dict[int, list[int]] = {}
    for i, label in zip(ids, labels, strict=True):
        groups.setdefault(int(label), []).append(i)
    return list(groups.values())


def _duplicates(ids: list[int], sims, grouped: frozenset[int] = frozenset()) -> list[Duplicate]:
    """Connected notes above DUPLICATE_MIN, each set merged into its oldest note
    in a group, else its oldest: a merge keeps the note it goes into where it is,
    so a copy already grouped must not be merged into a loose one (the idea
    would leave its group)."""
    parent = list(range(len(ids)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    best: dict[int, float] = {}
    for a, b in np.argwhere(np.triu(sims, 1) >= DUPLICATE_MIN).tolist():
        s = float(sims[a, b])
        ra, rb = root(a), root(b)
        parent[max(ra, rb)] = min(ra, rb)
        best[ids[a]] = max(best.get(ids[a], 0.0), s)
        best[ids[b]] = max(best.get(ids[b], 0.0), s)
    sets: dict[int, list[int]] = {}
    for k, i in enumerate(ids):
        if i in best:
            sets.setdefault(root(k), []).append(i)
    found = []
    for members in sorted(sets.values(), key=min):
        into = min((m for m in members if m in grouped), default=min(members))
        found.append(
            Duplicate(
                into_id=into,
                note_ids=tuple(sorted(m for m in members if m != into)),
                score=round(min(best[m] for m in members), 3),
            )
        )
    return found


def suggest(
    notes: Mapping[int, str],
    cluster_of: Mapping[int, int | None],
    cluster_titles: Mapping[int, str],
    *,
    mergeable: Iterable[int] | None = None,
) -> Suggestion:
    """Groups for the notes outside any group, and possible duplicates.

    notes: id → text of every note on the board the facilitator may group;
    cluster_of: id → its group, or None; cluster_titles: the existing groups.
    Each loose note goes to the existing group it fits best, if it fits (the
    group's notes and title as one vector); the rest are clustered among
    themselves (at the board's `group_level`), and only groups of two or more
    are proposed. `mergeable`: the
    notes a merge may take now (default: all).
    """
    index = Index(notes, extra=cluster_titles.values())
    members: dict[int, list[int]] = {c: [] for c in cluster_titles}
    for i, c in cluster_of.items():
        if c in members and i in notes:
            members[c].append(i)
    centroids = {c: index.centroid(ids, cluster_titles[c]) for c, ids in members.items()}
    loose = sorted(i for i in notes if cluster_of.get(i) is None)
    fits: dict[int, list[tuple[int, float]]] = {}
    rest = []
    for i in loose:
        scored = [(_cosine(index.vectors[i], v), c) for c, v in centroids.items()]
        score, cluster = max(scored, default=(0.0, None), key=lambda p: (p[0], -(p[1] or 0)))
        if cluster is not None and score >= FIT_MIN:
            fits.setdefault(cluster, []).append((i, score))
        else:
            rest.append(i)
    groups = [
        Group(
            note_ids=tuple(i for i, _ in found),
            title=cluster_titles[c],
            cluster_id=c,
            score=round(min(s for _, s in found), 3),
        )
        for c, found in sorted(fits.items())
    ]
    everyone = sorted(notes)
    at = {i: k for k, i in enumerate(everyone)}
    sims = _pairwise(index, everyone) if len(everyone) > 1 else None
    if len(rest) > 1:
        picked = [at[i] for i in rest]
        level = group_level(sims)
        for ids in sorted(_agglomerate(rest, _among(sims, picked), level), key=min):
            if len(ids) > 1:
                mean = (_among(sims, [at[i] for i in ids]).sum() - len(ids)) / (len(ids) * (len(ids) - 1))
                groups.append(
                    Group(note_ids=tuple(sorted(ids)), title=title(index, ids), score=round(float(mean), 3))
                )
    pool = sorted(notes if mergeable is None else set(mergeable) & set(notes))
    grouped = frozenset(i for i in pool if cluster_of.get(i) is not None)
    duplicates = _duplicates(pool, _among(sims, [at[i] for i in pool]), grouped) if len(pool) > 1 else []
    return Suggestion(groups=tuple(groups), duplicates=tuple(duplicates))
