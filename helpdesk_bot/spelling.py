"""The spelling model: how likely each entry is, given the letters of an official's question.

The matcher reads words (stems, synonyms, question words); officials write "instanbul protocol",
"reserva art 20", "comment criminaliser la torure", half English and half Spanish. This second
reader looks at character n-grams (3 to 5 letters, within words, after folding accents), which
survive typos, missing accents and word forms across the three languages.

It is a multinomial naive Bayes over the TF-IDF weights of the n-grams of every phrasing and
keyword of each entry. It scores only the entries the matcher shortlisted, so a question costs the
same on 130 entries or 10,000; the matcher blends the two readings (matcher.py, _SPELLING_WEIGHT).

Example::

    model = SpellingModel(base)
    model.scores("instanbul protocol latest edition", [3, 17])   # log-likelihoods, higher = likelier
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
from rapidfuzz.distance import OSA

from .knowledge import LANGUAGES, KnowledgeBase
from .text import fold_words, simplify

GRAM_SIZES = range(3, 6)
# Naive Bayes smoothing: small, because a phrasing's n-grams are few and each one tells.
# Fitted with the blend weight on the calibration part (tests/data/eval-calibration-bands.yaml).
SMOOTHING = 0.003
ROWS_KEPT = 256  # entries' rows kept at hand (100 KB each on the shipped base)
_MAX_WORDS = 120  # as the matcher: a long letter's first words carry the question


@lru_cache(maxsize=50_000)
def word_grams(word: str) -> tuple[str, ...]:
    """The n-grams of one folded word, padded with spaces: ``word_grams("cat")`` ->
    (' ca', 'cat', 'at ', ' cat', 'cat ', ' cat ')."""
    padded = f" {word} "
    grams: list[str] = []
    for size in GRAM_SIZES:
        if size > len(padded):
            break
        grams += [padded[i : i + size] for i in range(len(padded) - size + 1)]
    return tuple(grams)


def tf_idf(count: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """Sublinear TF-IDF: an n-gram met ``count`` times in a text weighs (1 + ln count) * idf,
    for the base's texts and an official's question alike."""
    return (1.0 + np.log(count)) * idf


def words_of(text: str) -> list[str]:
    """The folded words the model reads (accents and case do not matter)."""
    return simplify(text).split()[:_MAX_WORDS]


class SpellingModel:
    """Per entry, the smoothed log-likelihood of each n-gram; immutable once built."""

    def __init__(self, base: KnowledgeBase):
        entries = list(base.entries.values())
        self.gram_ids: dict[str, int] = {}
        known: dict[str, np.ndarray] = {}  # each distinct word's n-gram ids: words repeat

        def ids_of(word: str) -> np.ndarray:
            if word not in known:
                grams = word_grams(word)
                known[word] = np.array(
                    [self.gram_ids.setdefault(g, len(self.gram_ids)) for g in grams], np.int64
                )
            return known[word]

        owners: list[int] = []
        documents: list[np.ndarray] = []  # each text's n-gram ids, with repeats
        for owner, entry in enumerate(entries):
            for language in LANGUAGES:
                for text in entry.questions.get(language, []) + entry.keywords.get(language, []):
                    words = words_of(text)
                    if words:
                        owners.append(owner)
                        documents.append(np.concatenate([ids_of(w) for w in words]))
        self.vocabulary = vocabulary = max(len(self.gram_ids), 1)
        self.word_ids = lru_cache(maxsize=50_000)(self._word_ids)
        # Every (text, n-gram) pair at once, as keys text * vocabulary + n-gram id: its count in
        # the text, then the n-grams' document frequency, then each text's TF-IDF vector.
        lengths = np.array([len(d) for d in documents], dtype=np.int64)
        text_of = np.repeat(np.arange(len(documents), dtype=np.int64), lengths)
        grams = np.concatenate(documents) if documents else np.empty(0, dtype=np.int64)
        pairs, counts = np.unique(text_of * vocabulary + grams, return_counts=True)
        pair_text, pair_gram = pairs // vocabulary, pairs % vocabulary
        frequency = np.bincount(pair_gram, minlength=vocabulary)
        self.idf = np.log((1 + len(documents)) / (1 + frequency)) + 1
        weight = tf_idf(counts, self.idf[pair_gram])
        weight /= np.sqrt(np.bincount(pair_text, weights=weight**2))[pair_text]
        # Each entry's n-gram mass, the sum of its texts' vectors, as one sorted array of keys
        # (entry * vocabulary + n-gram id).
        entry_of_text = np.array(owners, dtype=np.int64)
        keys, at = np.unique(entry_of_text[pair_text] * vocabulary + pair_gram, return_inverse=True)
        mass = np.bincount(at, weights=weight)
        # log(1 + mass / smoothing): the part of an n-gram's log-likelihood that differs from
        # one the entry never uses (those all weigh log(smoothing), a constant left out).
        self.values = np.log1p(mass / SMOOTHING)
        entry_mass = np.bincount(keys // vocabulary, weights=mass, minlength=len(entries))
        self.normaliser = np.log(entry_mass + SMOOTHING * vocabulary)
        phrasings = np.bincount(entry_of_text, minlength=len(entries)).astype(np.float64)
        self.prior = np.log(np.maximum(phrasings, 1) / max(phrasings.sum(), 1))
        # Entry e's n-grams are grams[starts[e]:starts[e + 1]], their values values[...] likewise.
        self.starts = np.searchsorted(keys, np.arange(len(entries) + 1) * vocabulary)
        self.grams = (keys % vocabulary).astype(np.int32)
        # An entry's log-likelihoods spread over the whole n-gram vocabulary, built when the
        # entry is first shortlisted: officials' questions keep coming back to the same entries.
        self.row = lru_cache(maxsize=ROWS_KEPT)(self._row)

    def _row(self, entry: int) -> np.ndarray:
        row = np.zeros(self.vocabulary, dtype=np.float32)
        held = slice(self.starts[entry], self.starts[entry + 1])
        row[self.grams[held]] = self.values[held]
        return row

    def _word_ids(self, word: str) -> np.ndarray:
        grams = (self.gram_ids.get(gram) for gram in word_grams(word))
        return np.array([i for i in grams if i is not None], dtype=np.int64)

    def _weighted(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distinct n-gram ids and their TF-IDF weights (sublinear, unit length)."""
        gram, count = np.unique(ids, return_counts=True)
        weight = tf_idf(count, self.idf[gram])
        return gram, weight / np.linalg.norm(weight)

    def scores(self, text: str, entries: Sequence[int]) -> np.ndarray:
        """The log-likelihood of ``text`` under each of ``entries`` (entry numbers in the base's
        order), up to a constant shared by all: only differences between entries mean anything."""
        found = [self.word_ids(word) for word in words_of(text)]
        ids = np.concatenate(found) if found else np.empty(0, dtype=np.int64)
        if not len(ids) or not len(self.values) or not len(entries):
            return np.zeros(len(entries))
        gram, weight = self._weighted(ids)
        held = np.array([self.row(entry)[gram] @ weight for entry in entries])
        rows = np.asarray(entries, dtype=np.int64)
        return held - weight.sum() * self.normaliser[rows] + self.prior[rows]


# The most frequent words of each language's list: "guys", "gens", "gente" in a question say
# little of what it asks, even when the base never uses them. The calibration part scored the same
# with the 500 to 2,000 most frequent; a thousand it is.
COMMON_WORDS = 1000


@lru_cache(maxsize=1)
def _dictionaries() -> tuple[frozenset[str], frozenset[str]]:
    """Every word of the English, French and Spanish lists, and the most frequent ones, folded.
    Read once per process, on the first question with a word the base lacks (under a second)."""
    from spellchecker import SpellChecker

    words: set[str] = set()
    common: set[str] = set()
    for language in LANGUAGES:
        frequency = SpellChecker(language=language).word_frequency.dictionary
        words |= fold_words(frequency)
        common |= fold_words(heapq.nlargest(COMMON_WORDS, frequency, key=frequency.__getitem__))
    return frozenset(words), frozenset(common)


def dictionary_words() -> frozenset[str]:
    """The words of English, French and Spanish dictionaries (pyspellchecker's), folded: a word
    the base never uses may still be a word ("payant", "craignons"), not a typo to respell."""
    return _dictionaries()[0]


def common_words() -> frozenset[str]:
    """The :data:`COMMON_WORDS` most frequent words of each language, folded:
    ``"guys" in common_words()`` -> True."""
    return _dictionaries()[1]


# Spanish joins pronouns to infinitives and gerunds, which dictionaries do not list:
# "retirarnos" is "retirar" + "nos", "adherirse" is "adherir" + "se".
_ENCLITICS = ("nos", "se", "me", "te", "lo", "la", "le", "los", "las", "les")


def is_word(folded: str) -> bool:
    """Whether a folded word is a word of English, French or Spanish, not a typo:
    ``is_word("retirarnos")`` -> True, ``is_word("agaisnt")`` -> False."""
    words = dictionary_words()
    return folded in words or any(
        folded.endswith(pronoun) and folded[: -len(pronoun)] in words for pronoun in _ENCLITICS
    )


def _deletions(word: str) -> set[str]:
    """``word`` and each of its forms with one letter dropped."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


class OneEdit:
    """The words of a vocabulary one edit away from a word (a letter added, dropped or changed, or
    two neighbours swapped), found through the one-letter deletions they share (SymSpell's
    symmetric delete): a few dictionary look-ups, however long the vocabulary.

    >>> OneEdit(["national", "nation"]).closest("nationl")
    'national'
    """

    def __init__(self, words: Iterable[str]):
        """``words`` in order of preference: of two words one edit away, the earlier wins."""
        self.rank: dict[str, int] = {}
        self.by_deletion: dict[str, list[str]] = defaultdict(list)
        for word in words:
            if word not in self.rank:
                self.rank[word] = len(self.rank)
                for deleted in _deletions(word):
                    self.by_deletion[deleted].append(word)

    def closest(self, word: str) -> str | None:
        """The preferred word exactly one edit from ``word``, or None."""
        found = {near for deleted in _deletions(word) for near in self.by_deletion.get(deleted, ())}
        # Sharing a deletion allows two edits ("abc", "bcd"): only those one edit away count.
        near = [w for w in found if w != word and OSA.distance(word, w, score_cutoff=1) == 1]
        return min(near, key=self.rank.__getitem__, default=None)
