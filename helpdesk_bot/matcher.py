"""The question matcher: an official's text -> answer, suggest or escalate.

The index is built once per knowledge base (every phrasing in every language, keywords, tool
titles), so a question costs a normalisation, a few dictionary and array look-ups and one
rapidfuzz comparison against a handful of candidate phrasings.

Scoring, per phrasing: each question term is matched to the index's terms (exactly, or through
rapidfuzz for typos), weighted by its IDF over entries; the weighted share of the question the
phrasing explains and the share of the phrasing the question covers are combined, then blended
with a rapidfuzz ``token_sort_ratio`` of the normalised texts. Generic words ("what is the") are
stop words and weigh nothing; rare, domain-bearing words ("LOIPR", "refoulement") weigh most.
The shortlist is then read a second time by its letters (spelling.py: typos, missing accents,
word forms across languages) and the two readings blended.

Example::

    matcher = Matcher(base)
    match = matcher.match("how do we ratify the convention?", language="en")
    match.outcome, match.entry.id, match.score
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import NamedTuple

import numpy as np
from rapidfuzz import fuzz, process

from .config import (
    ANSWER_LEAD,
    ANSWER_LEAD_FLOOR,
    ANSWER_MARGIN,
    ANSWER_RELATED_MARGIN,
    ANSWER_THRESHOLD,
    MIN_CONTENT_SHARE,
    SUGGEST_THRESHOLD,
)
from .knowledge import LANGUAGES, Entry, KnowledgeBase
from .spelling import OneEdit, SpellingModel, common_words, is_word
from .text import (
    QUESTION_WORDS,
    STOP_WORDS,
    Normaliser,
    asks,
    detect_language,
    is_intent,
    language_from_scores,
    language_scores,
    letter_body,
    simplify,
)

__all__ = ["Candidate", "Match", "Matcher", "detect_language"]

# A sentence ends at . ? ! or a line break; one of fewer words is a fragment ("Thank you.").
_SENTENCE_BREAK = re.compile(r"(?<=[.?!])\s+|\n+")
_SENTENCE_WORDS = 4
_MAX_TERMS = 60  # beyond that a message is context; the first terms carry the question
_FUZZY_MIN_LENGTH = 5  # shorter terms (NPM, SPT, 19) must match exactly
_FUZZY_CUTOFF = 80.0
_RESCORE = 12  # entries whose phrasings get the rapidfuzz comparison
_FIRST_SCORED = 2 * _RESCORE  # entries scored phrasing by phrasing before the bound is checked
_FUZZY_SHARE = 0.2  # weight of rapidfuzz's text similarity in the final score
_PHRASING_SHARE = 0.5  # best phrasing vs. the entry's whole vocabulary
_EXPLAINED_POWER = 0.35  # share of the question explained vs. share of the phrasing covered
_UNKNOWN_QUANTILE = 0.5
_SHORT_UNKNOWN = 3
_SHORT_UNKNOWN_SHARE = 0.5
# A word the base never uses but the language uses all the time ("guys", "gens", "gente"):
# context, not the subject. The calibration part scored the same from 0 to 0.5; the most cautious.
_COMMON_UNKNOWN_SHARE = 0.5
_KEYWORD_SHARE = 0.2  # a term only in an entry's keywords or tool titles counts as 1 phrasing in 5
_ENTRY_SHARE_POWER = 0.5  # how much an entry's term weight follows its share of phrasings
_INTENT_WEIGHT = 3.0  # an intent token weighs this many times its IDF
_OTHER_QUESTION = 0.2  # a phrasing asking with other question words loses this share
_EXACT_LEAD = 10.0  # an exact phrasing of one entry leads any other entry by this much
# A word of no dictionary (spelling.is_word) the base never uses, one letter away from one it
# uses (a letter typed, dropped or changed, or two swapped: "agaisnt", "nationl", "comittee"),
# is read as that word before synonyms and stems: "nationl preventive mechanism" is the NPM.
_RESPELL_MIN_LENGTH = 4
_WORD = re.compile(r"\w+")
# Score points per unit of the spelling model's log-likelihood (spelling.py) below the best
# shortlisted entry's, counted down to at most _SPELLING_CAP units: the word reading and the
# letter reading, blended, and letters alone never bury an entry the words found (a cited article,
# a named treaty still tell). Fitted on the calibration part (tests/data/eval-calibration-bands
# .yaml): the right entry first for 0.873 of its in-scope questions with words alone, 0.936 with
# both.
_SPELLING_WEIGHT = 3.0
_SPELLING_CAP = 5.0
# An entry resting on the other treaty than the one the official names keeps this share of its
# score ("leaving UNCAT?" is not the entry on withdrawing from OPCAT); one resting on other
# articles than the one cited, when another shortlisted entry rests on it, keeps a smaller share:
# "a reservation to article 22" is not the entry on OPCAT art. 30, however alike they read.
_TREATY_MISMATCH = 0.7
# The desk is the Convention's: a question naming neither treaty nor the Protocol's bodies (the
# SPT, an NPM) asks about the Convention, and an entry resting on the Protocol alone keeps this
# share ("Can we make reservations when we ratify?" is not the entry on OPCAT art. 30; "How many
# States are parties?" is the Convention's count). Neutral on both calibration parts (one
# question gained, one lost on the bands part at any share from 0.7 to 0.9).
_PROTOCOL_UNNAMED = 0.8
_PROTOCOL_BODIES = frozenset({"npm", "spt"})
_CITED_MISMATCH = 0.3

# The treaty an entry rests on, from its source; the treaty a question names, from its terms:
# "leaving UNCAT?" is not the entry on withdrawing from OPCAT.
_SOURCE_TREATY = re.compile(r"\b(UNCAT|OPCAT)\b")
_TREATY_TERMS = frozenset({"uncat", "opcat"})
# "art. 20", "article 22", "artículo 3", "arts 5": the article numbers an official cites; French
# and Spanish law say "article premier", "artículo primero" for article 1.
_CITED_ARTICLE = re.compile(
    r"\b(?:art|arts|article|articles|articulo|articulos)\s+(\d{1,2}|premier|1er|primero)\b"
)
_UNCAT_NAMED = re.compile(
    r"\b(?:uncat|cat|convention against torture|convention contre la torture"
    r"|convencion contra la tortura)\b"
)
_OPCAT_NAMED = re.compile(
    r"\b(?:opcat|op cat|optional protocol|protocole facultatif|protocolo facultativo)\b"
)
# "General Comment No. 3", "observation générale n° 4", "observación general n.º 2", "GC 4" (folded):
# the Committee's general comment an official cites; an entry's source cites it as "CAT/C/GC/3".
_CITED_COMMENT = re.compile(
    r"\b(?:(?:general comments?|observations? generales?|observacion(?:es)? general(?:es)?"
    r"|comentarios? general(?:es)?)"
    r"(?:\s+(?:no|n|nr|number|numero|nro|num))?(?:\s+o)?|gc)\s*(\d{1,2})\b"
)
_SOURCE_COMMENT = re.compile(r"\bCAT/C/GC/(\d{1,2})\b")
# An entry's source names the articles it rests on: "UNCAT art. 20–22, 28, 30; OPCAT art. 24".
_SOURCE_ARTICLES = re.compile(r"\b(UNCAT|OPCAT)\b[^;]*?\bart\.\s*((?:[\d\s,–-]|\(\d+\))+)")


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    score: float


@dataclass(frozen=True)
class Match:
    """What the matcher made of one question."""

    outcome: str  # answer | suggest | escalate
    language: str
    entry: Entry | None = None
    score: float = 0.0
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def suggestions(self) -> list[Entry]:
        return [c.entry for c in self.candidates[:3]] if self.outcome == "suggest" else []


class _TermWeights(NamedTuple):
    """One question term's weight in the question, and what it adds to which rows."""

    weight: float
    intent: bool
    doc_rows: np.ndarray
    doc_adds: np.ndarray
    entry_rows: np.ndarray | None  # None for an intent token: it says nothing of the content
    entry_adds: np.ndarray | None


class _Index:
    """Terms, IDF weights and postings of every phrasing; immutable once built."""

    def __init__(self, base: KnowledgeBase, normaliser: Normaliser):
        self.normaliser = normaliser
        self.entries: list[Entry] = list(base.entries.values())
        self.entry_of = {entry.id: n for n, entry in enumerate(self.entries)}
        term_ids: dict[str, int] = {}
        doc_terms: list[list[int]] = []
        doc_owner: list[int] = []
        doc_text: list[str] = []
        doc_language: list[str] = []
        entry_df: dict[int, set[int]] = defaultdict(set)
        # The languages each written word of the base appears in (before synonyms merge "date
        # limite" into "deadline"): the language of a question without function words.
        word_languages: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LANGUAGES, 0))

        bags: list[set[int]] = [set() for _ in base.entries]
        # How many of an entry's phrasings in each language use a term: an entry *about* the
        # Méndez Principles says so in every phrasing, one that merely mentions them, once.
        uses: list[dict[tuple[int, str], int]] = [defaultdict(int) for _ in base.entries]
        phrasings: list[dict[str, int]] = [defaultdict(int) for _ in base.entries]

        def add(owner: int, language: str, text: str, *, phrasing: bool) -> None:
            terms = normaliser.terms(text)
            if not terms:
                return
            ids = list(dict.fromkeys(term_ids.setdefault(t, len(term_ids)) for t in terms))
            bags[owner].update(ids)
            for tid in ids:
                entry_df[tid].add(owner)
            if language in LANGUAGES:
                for word in set(simplify(text).split()):
                    word_languages[word][language] += 1
            if phrasing:
                phrasings[owner][language] += 1
                for tid in ids:
                    uses[owner][tid, language] += 1
                doc_terms.append(ids)
                doc_owner.append(owner)
                doc_text.append(" ".join(dict.fromkeys(terms)))
                doc_language.append(language)

        for owner, entry in enumerate(self.entries):
            for language in LANGUAGES:
                for question in entry.questions.get(language, []):
                    add(owner, language, question, phrasing=True)
                # Keywords and tool titles widen what an entry is about; they are not ways of
                # asking, so they count for the entry as a whole, not as phrasings.
                for keyword in entry.keywords.get(language, []):
                    add(owner, language, keyword, phrasing=False)
            for tool_id in entry.tools:
                tool = base.tools.get(tool_id)
                for language, title in tool.titles.items() if tool else ():
                    add(owner, language, title, phrasing=False)

        n_entries = max(len(self.entries), 1)
        self.terms = list(term_ids)
        self.term_ids = term_ids
        self.idf = np.array(
            [math.log(1.0 + n_entries / len(entry_df[i])) for i in range(len(self.terms))],
            dtype=np.float32,
        )
        # A word the base has never seen weighs like a rare one: a question about visas or the
        # weather is mostly unexplained, so it cannot look like a confident match.
        self.unknown_weight = (
            float(np.quantile(self.idf, _UNKNOWN_QUANTILE)) if len(self.idf) else 1.0
        )
        # Intent tokens are in most phrasings, so IDF alone makes them feather-light; yet "how
        # many" against "how do we" is the whole difference between two entries' phrasings.
        intent = np.array([is_intent(t) for t in self.terms], dtype=bool)
        self.idf[intent] *= _INTENT_WEIGHT
        self.doc_owner = np.array(doc_owner, dtype=np.int32)
        # Phrasings are stored entry by entry: entry e's are rows doc_start[e]:doc_start[e + 1].
        self.doc_start = np.searchsorted(self.doc_owner, np.arange(len(self.entries) + 1))
        # The entries with at least one phrasing, and where their phrasings start.
        self.phrased = (self.doc_start[:-1] < self.doc_start[1:]).nonzero()[0]
        self.phrased_start = self.doc_start[self.phrased]
        # Each phrasing's question words as a bit mask, to see at once when a phrasing asks
        # something else ("how many" where the official asks "how").
        self.question_bits = {t: 1 << n for n, t in enumerate(sorted(QUESTION_WORDS))}
        self.doc_questions = np.array(
            [self.question_mask(self.terms[i] for i in ids) for ids in doc_terms], dtype=np.int32
        )
        # An official who types a phrasing of the base word for word gets its entry: the
        # normalised text of every phrasing, with the entries that own it (rarely more than one).
        self.exact: dict[str, set[int]] = defaultdict(set)
        for text, owner in zip(doc_text, doc_owner, strict=True):
            self.exact[text].add(owner)
        self.doc_text = doc_text
        self.doc_language = doc_language
        self.doc_norm = np.array(
            [float(self.idf[ids].sum()) for ids in doc_terms], dtype=np.float32
        )
        # A phrasing's score is at most overlap * doc_scale / query_norm ** _EXPLAINED_POWER (equal
        # when neither share is capped at 1): one multiplication per phrasing bounds them all.
        self.doc_scale = (self.doc_norm ** -(1 - _EXPLAINED_POWER)).astype(np.float32)
        postings: dict[int, list[int]] = defaultdict(list)
        for doc, ids in enumerate(doc_terms):
            for tid in ids:
                postings[tid].append(doc)
        self.postings = [np.array(postings[i], dtype=np.int32) for i in range(len(self.terms))]
        entry_postings: dict[int, list[int]] = defaultdict(list)
        entry_weights: dict[int, list[float]] = defaultdict(list)
        for owner, bag in enumerate(bags):
            share: dict[int, float] = {}
            for (tid, language), count in uses[owner].items():
                share[tid] = max(share.get(tid, 0.0), count / phrasings[owner][language])
            for tid in bag:
                entry_postings[tid].append(owner)
                entry_weights[tid].append(
                    (share.get(tid, 0.0) or _KEYWORD_SHARE) ** _ENTRY_SHARE_POWER
                )
        self.entry_postings = [
            np.array(entry_postings[i], dtype=np.int32) for i in range(len(self.terms))
        ]
        self.entry_weights = [
            np.array(entry_weights[i], dtype=np.float32) for i in range(len(self.terms))
        ]
        self.word_languages = dict(word_languages)
        self.bags = [frozenset(bag) for bag in bags]
        # Typo look-up goes to the terms sharing the first letter: 26 small lists, not one big one.
        buckets: dict[str, list[str]] = defaultdict(list)
        for term in self.terms:
            if len(term) >= _FUZZY_MIN_LENGTH - 1 and "_" not in term:
                buckets[term[0]].append(term)
        self.buckets = dict(buckets)
        self.expand = lru_cache(maxsize=20_000)(self._expand)
        # Fewer than expand's: each holds arrays as long as the term's postings (a few hundred
        # rows on the shipped base), and the base's own vocabulary is under 3,000 terms.
        self.term_weights = lru_cache(maxsize=4096)(self._term_weights)
        # One factor array per combination of question words asked (a few dozen occur).
        self.asking_other = lru_cache(maxsize=256)(self._asking_other)

    def _asking_other(self, asked: int) -> np.ndarray:
        """Per phrasing, the float32 factor of its score: 1 - _OTHER_QUESTION where it asks with
        question words, none of them in the mask ``asked``; 1 (score unchanged) elsewhere."""
        other = (self.doc_questions != 0) & ((self.doc_questions & asked) == 0)
        return np.where(other, np.float32(1 - _OTHER_QUESTION), np.float32(1.0))

    def unknown(self, term: str) -> float:
        """The weight of a term the base never uses: a rare word's, and a fraction of it for a
        word of one to three letters, most often a short word mistyped ("wen", "hw", "teh"), or
        for one of the language's most frequent words ("guys")."""
        if len(term) <= _SHORT_UNKNOWN:
            return self.unknown_weight * _SHORT_UNKNOWN_SHARE
        if term in self.common_terms:
            return self.unknown_weight * _COMMON_UNKNOWN_SHARE
        return self.unknown_weight

    @cached_property
    def common_terms(self) -> frozenset[str]:
        """The terms of the languages' most frequent words (spelling.common_words), read on the
        first question with a word the base lacks."""
        return frozenset(t for word in common_words() for t in self.normaliser.terms(word))

    def question_mask(self, terms: Iterable[str]) -> int:
        mask = 0
        for term in terms:
            mask |= self.question_bits.get(term, 0)
        return mask

    def _expand(self, term: str) -> tuple[tuple[int, float], ...]:
        """Index terms that ``term`` stands for, with a similarity in 0..1 (exact first)."""
        exact = self.term_ids.get(term)
        found: dict[int, float] = {} if exact is None else {exact: 1.0}
        if len(term) >= _FUZZY_MIN_LENGTH and "_" not in term:
            for other, score, _ in process.extract(
                term,
                self.buckets.get(term[0], ()),
                scorer=fuzz.ratio,
                score_cutoff=_FUZZY_CUTOFF,
                limit=6,
            ):
                tid = self.term_ids[other]
                found.setdefault(tid, score / 100.0)
        return tuple(sorted(found.items(), key=lambda item: -item[1]))

    def _term_weights(self, term: str) -> _TermWeights | None:
        """What one question term adds to the phrasings and entries holding it; None if unknown.

        The same float32 sums as adding the term's weight row by row at each question, done once
        per term: a help desk's words repeat.
        """
        expansions = self.expand(term)
        if not expansions:
            return None
        tid, sim = expansions[0]
        weight = float(self.idf[tid]) * sim
        doc_rows, doc_adds = _spread(len(self.doc_owner), self.postings, self.idf, expansions)
        if is_intent(term):
            # What is asked tells phrasings apart; what an entry is about is its content.
            return _TermWeights(weight, True, doc_rows, doc_adds, None, None)
        entry_rows, entry_adds = _spread(
            len(self.entries), self.entry_postings, self.idf, expansions, self.entry_weights
        )
        return _TermWeights(weight, False, doc_rows, doc_adds, entry_rows, entry_adds)


class Matcher:
    """An index of every phrasing in the base, built once; ``match`` only scores.

    Bands: ``answer`` when the best entry scores at least ``answer_threshold`` and leads the
    runner-up by ``answer_margin`` (``answer_related_margin`` when the runner-up is among the
    entries offered under the answer, ``KnowledgeBase.read_next``), or scores at least
    ``answer_lead_floor`` with the runner-up at most ``answer_lead`` of its score; and uses at least ``min_content_share``
    of the question's content words (question words like "how long" alone never make an
    answer); ``suggest`` (up to three entries) from ``suggest_threshold``; ``escalate`` below.
    """

    def __init__(
        self,
        base: KnowledgeBase,
        *,
        answer_threshold: float = ANSWER_THRESHOLD,
        suggest_threshold: float = SUGGEST_THRESHOLD,
        answer_margin: float = ANSWER_MARGIN,
        min_content_share: float = MIN_CONTENT_SHARE,
        answer_lead: float = ANSWER_LEAD,
        answer_lead_floor: float = ANSWER_LEAD_FLOOR,
        answer_related_margin: float = ANSWER_RELATED_MARGIN,
    ):
        self.base = base
        self.answer_related_margin = answer_related_margin
        self.answer_lead = answer_lead
        self.answer_lead_floor = answer_lead_floor
        self.min_content_share = min_content_share
        self.answer_threshold = answer_threshold
        self.suggest_threshold = suggest_threshold
        self.answer_margin = answer_margin
        self.normaliser = Normaliser(base.synonyms)
        self.index = _Index(base, self.normaliser)
        self.spelling = SpellingModel(base)
        # The words the base is written in, most used first (a typo one letter from two of them
        # is read as the commoner), with function words and States' names, which are never typos.
        used = self.index.word_languages
        known = set(used) | set().union(*STOP_WORDS.values())
        known.update(w for phrase in self.normaliser.canonical for w in phrase.split())
        known.update(
            w
            for state in base.states.values()
            for name in state.all_names
            for w in simplify(name).split()
        )
        self._known_words = frozenset(known)
        self._typo_targets = OneEdit(
            sorted(
                (w for w in known if len(w) >= _RESPELL_MIN_LENGTH),
                key=lambda w: (-sum(used[w].values()) if w in used else 0, w),
            )
        )
        self._respelled = lru_cache(maxsize=20_000)(self._respell_word)
        # The words of States' names the phrasings never use: "Has Haiti ratified?" asks what
        # "Has our country ratified?" asks, so a State's name is not a word the base lacks.
        self.state_words = frozenset(
            term
            for state in base.states.values()
            for name in state.all_names
            for term in self.normaliser.terms(name)
            if term not in self.index.term_ids
        )
        # The articles an entry rests on: those its source names, and those its own phrasings
        # cite (of either treaty, when a phrasing names neither).
        self.articles = [source_articles(entry.source) for entry in self.index.entries]
        self.phrasing_articles = [
            frozenset(
                n
                for question in entry.phrasings()
                for n in (cited_articles(question) or (None, ()))[1]
            )
            for entry in self.index.entries
        ]
        # The general comments an entry rests on: those its source or its phrasings cite.
        self.comments = [
            frozenset(int(n) for n in _SOURCE_COMMENT.findall(entry.source))
            | frozenset(n for question in entry.phrasings() for n in cited_comments(question))
            for entry in self.index.entries
        ]
        # The treaty an entry is about: the one its source names, else the one at least half its
        # phrasings name ("treaties.un.org (IV, 9.b)" is the OPCAT's status page; its phrasings
        # all say OPCAT).
        self.treaties = [
            frozenset(_SOURCE_TREATY.findall(entry.source)) or self._phrasings_treaty(entry)
            for entry in self.index.entries
        ]

    def respell(self, text: str) -> str:
        """``text`` with each word the base never uses, but one letter away from a word it uses,
        replaced by that word: ``respell("the nationl preventive mechanism")`` -> "the national
        preventive mechanism"."""
        return _WORD.sub(lambda m: self._respelled(m.group(0)), text)

    def _respell_word(self, word: str) -> str:
        folded = simplify(word)
        if (
            len(folded) < _RESPELL_MIN_LENGTH
            or not folded.isalpha()
            or folded in self._known_words
            or is_word(folded)
        ):
            return word
        return self._typo_targets.closest(folded) or word

    def _phrasings_treaty(self, entry: Entry) -> frozenset[str]:
        """The treaties (UNCAT, OPCAT) named in at least half of ``entry``'s phrasings."""
        named = [
            {t.upper() for t in self.normaliser.terms(question) if t in _TREATY_TERMS}
            for question in entry.phrasings()
        ]
        return frozenset(
            t for t in ("UNCAT", "OPCAT") if 2 * sum(t in n for n in named) >= len(named) > 0
        )

    def match(self, text: str, *, language: str | None = None) -> Match:
        """Score ``text`` against the base; never raises on any string.

        An e-mail is matched without its salutation and signature, and a message of several
        sentences also by each sentence that asks ("?") read with the one before it: the context
        of a long letter drowns its question, so the sentence that asks gets its own chance.
        Its answer is taken when the whole message gave none.
        """
        if not isinstance(text, str):
            return Match("escalate", language if language in LANGUAGES else "en")
        body = letter_body(text) or text
        whole = self._match(body, language=language)
        if whole.outcome == "answer":
            return whole
        sentences = [s for s in _SENTENCE_BREAK.split(body) if s.strip()]
        if sum(len(s.split()) >= _SENTENCE_WORDS for s in sentences) < 2:
            return whole
        best = whole
        for at, sentence in enumerate(sentences):
            if not asks(sentence):
                continue
            # The reply keeps the language of the whole message.
            asked = self._match(
                " ".join(sentences[max(0, at - 1) : at + 1]),
                language=language,
                detected=whole.language,
            )
            if asked.outcome == "answer" and (best.outcome != "answer" or asked.score > best.score):
                best = asked
        return best

    def _match(
        self, text: str, *, language: str | None = None, detected: str | None = None
    ) -> Match:
        """:meth:`match` for one piece of text; ``detected``: its language, known already."""
        fallback = language if language in LANGUAGES else "en"
        terms = list(dict.fromkeys(self.normaliser.terms(self.respell(text))))[:_MAX_TERMS]
        detected = detected or self._language(text, fallback)
        index = self.index
        if not terms or not index.entries:
            return Match("escalate", detected)
        ranked = self._rank(terms, text)
        cited = cited_articles(text)
        if cited and not any(self._rests_on(e, cited) for e, _ in ranked):
            cited = None  # no entry rests on the article cited: the citation tells nothing apart
        comments = cited_comments(text)
        if comments and not any(self.comments[e] & comments for e, _ in ranked):
            comments = frozenset()
        named = {t.upper() for t in terms if t in _TREATY_TERMS}
        unnamed = not named and not _PROTOCOL_BODIES.intersection(terms)
        if ranked and (cited or comments or len(named) == 1 or unnamed):
            ranked = sorted(
                (
                    (e, s * self._mismatch(e, cited, named, comments, unnamed=unnamed))
                    for e, s in ranked
                ),
                key=lambda item: -item[1],
            )
        candidates = [Candidate(index.entries[e], round(s, 1)) for e, s in ranked[:5]]
        top = candidates[0] if candidates else None
        if top is None:
            return Match("escalate", detected)
        runner_up = candidates[1].score if len(candidates) > 1 else 0.0
        # The runner-up among the entries offered under the answer: one tap away.
        linked = len(candidates) > 1 and candidates[1].entry in self.base.read_next(top.entry)
        if self.confident(
            top.score,
            runner_up,
            lambda: self.content_share(terms, index.entry_of[top.entry.id]),
            linked=linked,
        ):
            return Match("answer", detected, top.entry, top.score, candidates)
        if top.score < self.suggest_threshold:
            return Match("escalate", detected, score=top.score, candidates=candidates)
        return Match("suggest", detected, None, top.score, candidates)

    def confident(
        self, score: float, runner_up: float, share: Callable[[], float], *, linked: bool = False
    ) -> bool:
        """The answer band: score and lead over the runner-up, or a runner-up far behind; and the
        share of the question's content words the entry uses (computed last: the dearest).
        ``linked``: the answer offers the runner-up, which the official sees one tap away."""
        margin = self.answer_related_margin if linked else self.answer_margin
        leads = score >= self.answer_threshold and score - runner_up >= margin
        # A long, concrete question scores low (much of it is context), yet when no other entry
        # comes near, its entry is plain: runner-up at most answer_lead of the score.
        towers = score >= self.answer_lead_floor and runner_up <= self.answer_lead * score
        return (leads or towers) and share() >= self.min_content_share

    def content_share(self, terms: list[str], entry: int) -> float:
        """The weighted share of the question's content words (not its question words) that the
        entry uses anywhere; a word the base has never seen counts against it."""
        index = self.index
        total = found = 0.0
        for term in terms:
            weights = index.term_weights(term)
            if weights is None:
                if term not in self.state_words:
                    total += index.unknown(term)
            elif not weights.intent:
                total += weights.weight
                if any(tid in index.bags[entry] for tid, _ in index.expand(term)):
                    found += weights.weight
        return found / total if total else 1.0

    def _mismatch(
        self,
        entry: int,
        cited: tuple[str | None, frozenset[int]] | None,
        named: set[str],
        comments: frozenset[int] = frozenset(),
        *,
        unnamed: bool = False,
    ) -> float:
        """The share of its score an entry keeps when it rests on other articles than the cited
        ones, on other general comments than the cited ones, on the other treaty than the one
        named alone, or on the Protocol alone when the question names no treaty (``unnamed``);
        1 when none."""
        share = 1.0
        if comments and self.comments[entry] and not self.comments[entry] & comments:
            share *= _CITED_MISMATCH
        if (
            cited
            and (self.articles[entry] or self.phrasing_articles[entry])
            and not self._rests_on(entry, cited)
        ):
            share *= _CITED_MISMATCH
        if unnamed and self.treaties[entry] == {"OPCAT"}:
            share *= _PROTOCOL_UNNAMED
        elif len(named) == 1 and self.treaties[entry] and not named & self.treaties[entry]:
            share *= _TREATY_MISMATCH
        return share

    def _rests_on(self, entry: int, cited: tuple[str | None, frozenset[int]]) -> bool:
        """Whether the entry rests on one of the cited articles: one its source names (of the
        treaty named, if any), or one its own phrasings cite (of either treaty)."""
        treaty, numbers = cited
        treaties = (treaty,) if treaty else ("UNCAT", "OPCAT")
        return any(n in self.phrasing_articles[entry] for n in numbers) or any(
            (t, n) in self.articles[entry] for t in treaties for n in numbers
        )

    def _rank(self, terms: list[str], text: str) -> list[tuple[int, float]]:
        """(entry number, score 0-100) for the entries the question touches, best first: the
        words' score, then the shortlist's letters (the spelling model) blended in."""
        index = self.index
        query_norm = 0.0
        content_norm = 0.0
        doc_terms: list[_TermWeights] = []
        content_terms: list[_TermWeights] = []
        for term in terms:
            found = index.term_weights(term)
            if found is None:
                if term in self.state_words:
                    continue
                unknown = index.unknown(term)
                query_norm += unknown
                content_norm += unknown
                continue
            query_norm += found.weight
            doc_terms.append(found)
            if not found.intent:
                content_norm += found.weight
                content_terms.append(found)
        if content_norm <= 0 or not doc_terms:
            return []
        # add.at sums each row's additions in the order given, term after term: the same
        # float32 sums as adding the terms one by one, in one call.
        doc_overlap = np.zeros(len(index.doc_owner), dtype=np.float32)
        np.add.at(
            doc_overlap,
            np.concatenate([t.doc_rows for t in doc_terms]),
            np.concatenate([t.doc_adds for t in doc_terms]),
        )
        bag_overlap = np.zeros(len(index.entries), dtype=np.float32)
        if content_terms:
            np.add.at(
                bag_overlap,
                np.concatenate([t.entry_rows for t in content_terms]),
                np.concatenate([t.entry_adds for t in content_terms]),
            )
        # Each entry's best phrasing, bounded from above in one pass over the phrasings (see
        # doc_scale), blended with the entry's words: the entries worth scoring phrasing by phrasing
        # come first, and the rest only if their bound reaches the shortlist. Exact: an entry left
        # out could not have reached it.
        asked = index.question_mask(terms)
        bounds = doc_overlap * index.doc_scale
        if asked:
            bounds *= index.asking_other(asked)
        best_bound = np.maximum.reduceat(bounds, index.phrased_start)
        touched = best_bound > 0  # no phrasing shares a word: keywords or tool titles alone
        owners, best_bound = index.phrased[touched], best_bound[touched]
        if not len(owners):
            return []
        bag = np.minimum(bag_overlap[owners] / content_norm, 1.0)
        bound = _blend(np.minimum(best_bound / query_norm**_EXPLAINED_POWER, 1.0), bag)
        if len(bound) > _FIRST_SCORED:
            first = np.argpartition(-bound, _FIRST_SCORED - 1)[:_FIRST_SCORED]
        else:
            first = np.arange(len(bound))
        scored_best, scored_doc = self._best_phrasings(
            owners[first], doc_overlap, query_norm, asked
        )
        blended_all = _blend(scored_best, bag[first])
        if len(first) < len(owners):
            floor = np.partition(blended_all, -_RESCORE)[-_RESCORE]
            rest = np.ones(len(owners), dtype=bool)
            rest[first] = False
            # A hair below the 12th score: the bound and the score round differently.
            more = (rest & (bound >= floor - 1e-6)).nonzero()[0]
            if len(more):
                more_best, more_doc = self._best_phrasings(
                    owners[more], doc_overlap, query_norm, asked
                )
                first = np.concatenate((first, more))
                scored_doc = np.concatenate((scored_doc, more_doc))
                blended_all = np.concatenate((blended_all, _blend(more_best, bag[more])))
        if len(blended_all) > _RESCORE:
            picked = np.argpartition(-blended_all, _RESCORE - 1)[:_RESCORE]
        else:
            picked = np.arange(len(blended_all))
        shortlist: list[int] = owners[first[picked]].tolist()
        blended = dict(zip(shortlist, blended_all[picked].tolist(), strict=True))
        best_doc = dict(zip(shortlist, scored_doc[picked].tolist(), strict=True))
        query = " ".join(terms)
        exact = index.exact.get(query, set())
        if len(exact) == 1:
            (owner,) = exact
            if owner not in blended:
                shortlist.append(owner)
                blended[owner] = 1.0
                best_doc[owner] = next(
                    d
                    for d in range(index.doc_start[owner], index.doc_start[owner + 1])
                    if index.doc_text[d] == query
                )
        # rapidfuzz on the normalised texts breaks near-ties by word order and shared phrases.
        texts = [index.doc_text[best_doc[owner]] for owner in shortlist]
        similarity = process.cdist([query], texts, scorer=fuzz.token_sort_ratio)[0] / 100.0
        scored = [
            (
                owner,
                100.0
                * (
                    (1 - _FUZZY_SHARE) * blended[owner]
                    + _FUZZY_SHARE * float(sim) * blended[owner] ** 0.5
                ),
            )
            for owner, sim in zip(shortlist, similarity, strict=True)
        ]
        likelihood = self.spelling.scores(text, shortlist)
        behind = np.maximum(likelihood - likelihood.max(), -_SPELLING_CAP)
        scored = [
            (owner, max(0.0, score + _SPELLING_WEIGHT * float(units)))
            for (owner, score), units in zip(scored, behind, strict=True)
        ]
        if len(exact) == 1:
            # A phrasing of one entry, typed as the base words it, is that entry's question.
            scored = [(o, 100.0 if o in exact else min(s, 100.0 - _EXACT_LEAD)) for o, s in scored]
        return sorted(scored, key=lambda item: -item[1])

    def _best_phrasings(
        self, entries: np.ndarray, doc_overlap: np.ndarray, query_norm: float, asked: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each entry's best phrasing score and that phrasing (the first at the maximum)."""
        index = self.index
        starts, ends = index.doc_start[entries], index.doc_start[entries + 1]
        lengths = ends - starts
        runs = np.cumsum(lengths) - lengths  # where each entry's phrasings start in ``rows``
        rows = np.arange(lengths.sum()) + np.repeat(starts - runs, lengths)
        overlap = doc_overlap[rows]
        explained = np.minimum(overlap / query_norm, 1.0)
        covered = np.minimum(overlap / index.doc_norm[rows], 1.0)
        phrasing = explained**_EXPLAINED_POWER * covered ** (1 - _EXPLAINED_POWER)
        if asked:
            phrasing = phrasing * index.asking_other(asked)[rows]
        best = np.maximum.reduceat(phrasing, runs)
        # The first row of each run holding its maximum.
        at_best = (phrasing == np.repeat(best, lengths)).nonzero()[0]
        first = at_best[np.searchsorted(at_best, runs)]
        return best, rows[first]

    def _language(self, text: str, fallback: str) -> str:
        """The text's own language; when its function words say nothing, the language its words
        are written in across the base ("deadline" English, "plazo" Spanish)."""
        scores = language_scores(text)
        if max(scores.values()) > 0:
            return language_from_scores(scores, text, fallback)
        votes = dict.fromkeys(LANGUAGES, 0.0)
        for word in set(simplify(text).split()):
            counts = self.index.word_languages.get(word)
            if counts:
                total = sum(counts.values())
                for lang, count in counts.items():
                    votes[lang] += count / total
        ranked = sorted(votes.values(), reverse=True)
        best = max(votes, key=lambda lang: votes[lang])
        if ranked[0] - ranked[1] >= 0.5:
            return best
        return fallback


def cited_articles(text: str) -> tuple[str | None, frozenset[int]] | None:
    """The treaty (None when the question names neither) and article numbers a question cites.

    >>> cited_articles("Can we make a reservation to article 22?")
    (None, frozenset({22}))
    >>> cited_articles("Les fins de l'article premier de la Convention contre la torture")
    ('UNCAT', frozenset({1}))
    """
    simple = simplify(text)
    numbers = frozenset(int(n) if n.isdigit() else 1 for n in _CITED_ARTICLE.findall(simple))
    if not numbers:
        return None
    if _OPCAT_NAMED.search(simple):
        return ("OPCAT", numbers)
    return ("UNCAT", numbers) if _UNCAT_NAMED.search(simple) else (None, numbers)


def cited_comments(text: str) -> frozenset[int]:
    """The numbers of the Committee's general comments a question cites.

    >>> sorted(cited_comments("What does General Comment No. 3 say on reparation?"))
    [3]
    """
    return frozenset(int(n) for n in _CITED_COMMENT.findall(simplify(text)))


def source_articles(source: str) -> frozenset[tuple[str, int]]:
    """(treaty, article) pairs an entry's source names: "UNCAT art. 5–9" -> 5, 6, 7, 8, 9."""
    found: set[tuple[str, int]] = set()
    for treaty, numbers in _SOURCE_ARTICLES.findall(source):
        numbers = re.sub(r"\(\d+\)", "", numbers)
        for part in numbers.split(","):
            bounds = [int(b) for b in re.split(r"[–-]", part) if b.strip().isdigit()]
            if len(bounds) == 2:
                found.update((treaty, n) for n in range(bounds[0], bounds[1] + 1))
            elif len(bounds) == 1:
                found.add((treaty, bounds[0]))
    return frozenset(found)


def _blend(phrasing: np.ndarray, bag: np.ndarray) -> np.ndarray:
    """An entry's words score: its best phrasing's, blended with its whole vocabulary's."""
    return _PHRASING_SHARE * phrasing + (1 - _PHRASING_SHARE) * bag


def _spread(
    rows: int,
    postings: list[np.ndarray],
    idf: np.ndarray,
    expansions: tuple[tuple[int, float], ...],
    weights: list[np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The rows holding one question term and what it adds to each (once, at its best similarity).

    ``rows`` is the length of the array the additions go to.
    """
    if len(expansions) == 1:
        tid, sim = expansions[0]
        add = idf[tid] * sim
        adds = np.full(len(postings[tid]), add) if weights is None else add * weights[tid]
        return postings[tid], adds
    contribution = np.zeros(rows, dtype=np.float32)
    for tid, sim in expansions:
        held = postings[tid]
        add = idf[tid] * sim if weights is None else idf[tid] * sim * weights[tid]
        contribution[held] = np.maximum(contribution[held], add)
    # Every addition is positive: the rows holding one of the terms are the nonzero ones.
    held = contribution.nonzero()[0]
    return held, contribution[held]
