"""Normalising an official's text for matching: folding, noise, stop words, synonyms, stems, language.

Example::

    norm = Normaliser([["uncat", "convention against torture", "CAT"]])
    norm.terms("Dear Sir, when must we ratify the Convention against Torture?")
    # -> ['q_when', 'ratif', 'uncat']
    detect_language("¿Cuándo vence el informe inicial?", "en")   # -> 'es'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml

from .knowledge import LANGUAGES, CharTable, fold_char, fold_chars

# Anything that is not a letter or digit separates words: the matcher never sees punctuation,
# emoji or control characters.
_NON_WORD = re.compile(r"[^0-9a-z]+")
_WORD = re.compile(r"[0-9a-z]+")
_MAX_CHARS = 2000  # a long message keeps its start; beyond that it is context, not the question

# The word lists (helpdesk_bot/words.yaml, where each is explained): data, not code.
_WORDS = yaml.load(
    Path(__file__).with_name("words.yaml").read_text(encoding="utf-8"),
    Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader),
)
# Greetings and politeness, removed as phrases before stop words.
_NOISE_PHRASES: list[str] = _WORDS["noise_phrases"]

# What a question asks for lives in its question words and negations, which stop words would
# drop: "how do we ratify" and "which States have not yet ratified" share every content word.
# Each phrase becomes one intent token (``q_how``, ``neg_not_yet``...) in all three languages, so
# the intent counts as a term (light, by IDF, as most phrasings carry one) and in the rapidfuzz
# comparison. Phrases are folded; they are matched after the synonyms, longest first, so "combien
# de temps" is ``q_howlong``, not ``q_howmany``.
# Folded, French "où" (where) is "ou" (or): it is marked before folding, while the accent is there.
_WHERE_MARK = "ouwhere"
_WHERE = re.compile(r"\boù\b", re.IGNORECASE)
INTENTS: dict[str, tuple[str, ...]] = {
    token: tuple(phrases) for token, phrases in _WORDS["intents"].items()
}

INTENT_TOKENS = frozenset(INTENTS)
QUESTION_WORDS = frozenset(t for t in INTENTS if t.startswith("q_"))


def is_intent(term: str) -> bool:
    """Whether ``term`` is an intent token: ``is_intent("q_when")`` -> True."""
    return term in INTENT_TOKENS


# Function words, question words and filler in each language. They are removed from both the
# base and the question: an out-of-scope "what is the capital of..." shares nothing with an entry.
STOP_WORDS: dict[str, frozenset[str]] = {
    language: frozenset(words) for language, words in _WORDS["stop_words"].items()
}
_ALL_STOP = frozenset().union(*STOP_WORDS.values())

# Suffixes stripped by the light stemmer, longest first: enough to make "ratification",
# "ratifier", "ratificar" and "ratifications" meet, without a full stemmer per language.
_SUFFIXES = sorted(_WORDS["suffixes"], key=len, reverse=True)
_MIN_STEM = 4
# One lemma, three languages: ratify / ratifié / ratification / ratificar all end on "ratif".
_LEMMA_ENDINGS = re.compile(r"(?<=if)(?:y|i|ie|ic|iqu)$")

# Words that only one of the three languages uses, weighted; characters that only one writes.
_LANGUAGE_WORDS = {language: set(words) for language, words in _WORDS["language_words"].items()}
# Each hint word with the languages it counts for, in _LANGUAGE_WORDS' order.
_WORD_LANGUAGES = {
    word: tuple(language for language, hints in _LANGUAGE_WORDS.items() if word in hints)
    for word in set().union(*_LANGUAGE_WORDS.values())
}
_LANGUAGE_MARKS = {
    # "general comment": the Committee's general comments, where "comment" is no French "how".
    "en": re.compile(r"\bgeneral comments?\b"),
    "es": re.compile(r"[ñ¿¡áíóú]|ción\b|ciones\b|\bqué\b|\bcómo\b|\bcuándo\b|\bestá\b"),
    "fr": re.compile(r"[çœèêëîôûù]|\b(?:qu|l|d|j|n|s|c)'|\best-ce\b|-t-(?:il|elle|on)\b|\bà\b"),
}
# Every alternative of a language's marks holds one of these: a text with none of them has no
# mark, and skips the regex (which tries each alternative at each position).
_MARK_HINTS = {
    "en": ("general comment",),
    "es": (*"ñ¿¡áíóúé", "ciones"),
    "fr": tuple("çœèêëîôûùà'-"),
}


_CONTROLS = frozenset({"Cc", "Cf", "Zl", "Zp"})


def _control_char(char: str) -> str:
    return " " if unicodedata.category(char) in _CONTROLS else char


_CONTROL_TABLE = CharTable(_control_char)


def _strip_controls(text: str) -> str:
    # Control and format characters (zero-width joiners, RTL marks) are dropped, not errors.
    # isprintable (one pass in C) is False for every one of them: most texts have none.
    if text.isprintable():
        return text
    return text.translate(_CONTROL_TABLE)


def _simple_char(char: str) -> str:
    # simplify's steps for one character (each works character by character): controls and
    # apostrophes to spaces, then folded.
    char = _control_char(char)
    return fold_char(" " if char == "'" else char)


_SIMPLE_TABLE = CharTable(_simple_char)


def fold_words(words: Iterable[str]) -> set[str]:
    """Each of ``words`` folded as :func:`simplify` folds it, however many: a word list's look-up.

    >>> sorted(fold_words(["Comité", "l'ONU"]))
    ['comite', 'l', 'onu']
    """
    return set(_NON_WORD.split("\n".join(words).translate(_SIMPLE_TABLE))) - {""}


def simplify(text: str) -> str:
    """Folded words only: 'Dear Sir, what’s the CAT?!' -> 'dear sir what s the cat'."""
    text = text[:_MAX_CHARS]
    # In ASCII, controls and apostrophes are non-word characters anyway (they only separate
    # words) and folding is lower case. Spaces need no collapsing: any run of non-word
    # characters becomes one space below.
    folded = text.lower() if text.isascii() else text.translate(_SIMPLE_TABLE)
    return " ".join(_NON_WORD.split(folded)).strip()


def stem(word: str) -> str:
    """A light, language-agnostic stem: 'ratifications' -> 'ratif'; short words are kept."""
    if len(word) <= _MIN_STEM or word.isdigit() or "_" in word:
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            word = word[: -len(suffix)]
            break
    return _LEMMA_ENDINGS.sub("", word)


def phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """Any of ``phrases`` as whole words, the longest that fits where several start alike.

    The phrases are a trie, not a flat alternation of hundreds tried one by one at each word:
    at any point of the text only one branch can go on, and a node that ends a phrase tries its
    longer continuations first, backing off to itself when they do not end on a word boundary,
    so the match is the one the flat longest-first list gave.
    """
    trie: dict[str, dict] = {}
    for phrase in {p for p in phrases if p}:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}  # a phrase ends here
    if not trie:
        return None
    return re.compile(r"\b" + _trie_pattern(trie) + r"\b")


def _trie_pattern(node: dict[str, dict]) -> str:
    branches = [
        re.escape(char) + _trie_pattern(child) for char, child in sorted(node.items()) if char
    ]
    if "" in node:
        branches.append("")  # last: the longer phrases first
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


_NOISE = phrase_pattern(simplify(p) for p in _NOISE_PHRASES)


_WHICH_BEFORE_NOUN = frozenset({"que"})
_BEFORE_WHICH = frozenset({"en", "a", "con", "sobre", "para", "y"})


def _is_content(word: str) -> bool:
    return ("_" in word and not is_intent(word)) or (word not in _ALL_STOP and len(word) > 2)


class Normaliser:
    """Turns text into matching terms: noise and stop words out, synonyms to one term, stems.

    ``synonyms`` is a list of groups; every variant of a group becomes the group's first entry
    (as one term, spaces turned to ``_``), so "Convención contra la Tortura" and "UNCAT" meet.
    """

    def __init__(self, synonyms: Iterable[Iterable[str]] = ()):
        self.canonical: dict[str, str] = {}
        for group in synonyms:
            variants = [simplify(v) for v in group]
            variants = [v for v in variants if v]
            if not variants:
                continue
            term = variants[0].replace(" ", "_")
            for variant in variants:
                # A variant listed in two groups keeps its first group: the YAML order decides.
                self.canonical.setdefault(variant, term)
        # Intent phrases are function words, never a synonym's variant, so one pass (longest
        # phrase first) replaces both: "no devolución" stays non_refoulement, "aún no" an intent.
        for token, phrases in INTENTS.items():
            for phrase in phrases:
                self.canonical.setdefault(simplify(phrase), token)
        self._synonyms = phrase_pattern(self.canonical)
        self._replacements = {variant: f" {term} " for variant, term in self.canonical.items()}
        self._canonical_terms = frozenset(self.canonical.values())
        # A word's term depends on the word alone (but for Spanish "que", handled apart): the
        # words of a help desk repeat, so each is stemmed once.
        self._term = lru_cache(maxsize=50_000)(self._word_term)

    def _word_term(self, word: str) -> str | None:
        if "_" in word or word in self._canonical_terms:
            return word
        if word not in _ALL_STOP and (len(word) > 1 or word.isdigit()):
            return stem(word)
        return None

    def terms(self, text: str) -> list[str]:
        """The matching terms of ``text``, in order (duplicates kept)."""
        if not isinstance(text, str):
            return []
        if "ù" in text or "Ù" in text:  # the only two characters _WHERE's "ù" matches
            text = _WHERE.sub(f" {_WHERE_MARK} ", text)
        simple = simplify(text)
        if _NOISE is not None:
            simple = _NOISE.sub(" ", simple)
        if self._synonyms is not None:
            replacements = self._replacements
            simple = self._synonyms.sub(lambda m: replacements[m.group(0)], simple)
        out = []
        words = simple.split()
        term_of = self._term
        for at, word in enumerate(words):
            if (
                word in _WHICH_BEFORE_NOUN
                and (at == 0 or words[at - 1] in _BEFORE_WHICH)
                and at + 1 < len(words)
                and _is_content(words[at + 1])
            ):
                # Spanish "¿Qué Estados...?", "¿En qué idioma...?": an opening "que" before a
                # noun asks which one; inside a sentence ("hay que informar") it is a conjunction.
                out.append("q_which")
                continue
            term = term_of(word)
            if term is not None:
                out.append(term)
        return out


# Below this many words a text is too short to overrule the official's language on one word.
SHORT_TEXT_WORDS = 3


def language_scores(text: str) -> dict[str, float]:
    """Evidence for each language in ``text``: its function words and its letters."""
    scores = dict.fromkeys(LANGUAGES, 0.0)
    if not isinstance(text, str) or not text.strip():
        return scores
    lowered = _strip_controls(text[:_MAX_CHARS]).casefold().replace("’", "'")
    for language, pattern in _LANGUAGE_MARKS.items():
        if any(hint in lowered for hint in _MARK_HINTS[language]):
            scores[language] += 1.5 * len(pattern.findall(lowered))
    # Folded words without collapsing spaces: findall sees the same words.
    for word in _WORD.findall(fold_chars(lowered.replace("'", " "))):
        for language in _WORD_LANGUAGES.get(word, ()):
            scores[language] += 1.0
    return scores


def detect_language(text: str, fallback: str = "en") -> str:
    """English, French or Spanish from the words of ``text``; ``fallback`` when unclear.

    Example: ``detect_language("Quel est le délai ?", "en")`` -> ``'fr'``.
    """
    return language_from_scores(language_scores(text), text, fallback)


def language_from_scores(scores: dict[str, float], text: str, fallback: str = "en") -> str:
    """:func:`detect_language` given ``language_scores(text)`` already computed.

    From three words on, the text's own language wins over ``fallback`` (the official's chosen
    or Telegram app language) whenever its words say anything; a shorter text needs a language's
    own letters or marks ("¿", "ç") to overrule the official's language.
    """
    fallback = fallback if fallback in LANGUAGES else "en"
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] == 0 or ranked[0] == ranked[1]:
        return fallback
    best = max(scores, key=lambda lang: scores[lang])
    if len(text.split()) < SHORT_TEXT_WORDS and (scores[fallback] > 0 or ranked[0] < 1.5):
        return fallback
    return best


# --- letters -----------------------------------------------------------------------------------
# A sentence asking without "?" ("We would be grateful for guidance on whether...").
_ASKING = phrase_pattern(_WORDS["asking_phrases"])


def asks(sentence: str) -> bool:
    """Whether ``sentence`` asks something: a question mark, or an indirect question.

    >>> asks("We would be grateful to know whether a confession can be used.")
    True
    """
    if "?" in sentence or "¿" in sentence:
        return True
    return _ASKING is not None and _ASKING.search(simplify(sentence)) is not None


SALUTATIONS: tuple[str, ...] = tuple(_WORDS["salutations"])
SIGN_OFFS: tuple[str, ...] = tuple(_WORDS["sign_offs"])
_PHRASE = "(?i:{})"
_LETTER_WORD = r"[^\W\d_][\w.'’-]*"  # a word that may be a name or a title ("Ms.", "O'Neil")
_LETTER_NAME = r"[A-ZÀ-ÖØ-Þ][\w.'’-]*"  # a capitalised word
# "Dear Ana," "Hello," "Estimada Sra. López:" (up to four words, closed by punctuation), or a
# first line that is only a salutation and names ("Dear Ana Lopez").
_GREETING = re.compile(
    "^\\s*"
    + _PHRASE.format("|".join(re.escape(g) for g in SALUTATIONS))
    + rf"(?:(?:\s+{_LETTER_WORD}){{0,4}}\s*[,:!]|(?:\s+{_LETTER_NAME}){{0,4}}\s*$)[ \t]*"
)
# "Best regards," "Thanks!" "Cordialement, Claire" "Saludos Ana María": the phrase closed by
# punctuation or followed by names only ("Thanks to the Optional Protocol" is content).
_SIGN_OFF = re.compile(
    "^\\s*"
    + _PHRASE.format("|".join(re.escape(s) for s in SIGN_OFFS))
    + rf"(?:\s*[,.!][^\n]{{0,60}}|(?:\s+{_LETTER_NAME}){{0,4}})\s*$"
)
# "..., could you advise? Thanks, Ana": a closing word after the last sentence.
_CLOSING = re.compile(
    r"(?<=[.?!])\s*"
    + _PHRASE.format("|".join(re.escape(s) for s in SIGN_OFFS))
    + r"(?:\s*[,.!])?(?:\s+"
    + _LETTER_NAME
    + r"){0,4}\s*$"
)
# Sign-offs are looked for in the last few lines only: "thank you" mid-answer is content.
SIGN_OFF_LINES = 4
# "I hope this message finds you well.": a courtesy, and a few words more at most (folded).
_COURTESY = re.compile(
    "^(?:"
    + "|".join(
        re.escape(phrase)
        for phrase in sorted({simplify(p) for p in _WORDS["courtesies"]}, key=len, reverse=True)
    )
    + r")(?: \w+){0,3}$"
)
_SENTENCES = re.compile(r"((?<=[.!?])[ \t]+|\n+)")


def courtesy(sentence: str) -> bool:
    """Whether ``sentence`` is only a courtesy of a letter.

    >>> courtesy("I hope this message finds you well."), courtesy("Thanks in advance for advice on art. 22.")
    (True, False)
    """
    return _COURTESY.match(simplify(sentence)) is not None


def letter_body(text: str) -> str:
    """``text`` without its salutation and its sign-off and signature: what the letter asks.

    >>> letter_body("Dear Ana,\\nHow do we ratify?\\nBest regards,\\nClaire")
    'How do we ratify?'
    """
    lines = text.strip().splitlines()
    # A salutation opens the first line only ("Hello, how do we ratify?" keeps its question),
    # sometimes in two parts ("Madame, Monsieur,").
    for _ in range(2):
        first = _GREETING.match(lines[0]) if lines else None
        if first is None:
            break
        rest = lines[0][first.end() :].strip()
        lines[0] = rest[:1].upper() + rest[1:]
        if not lines[0]:
            lines.pop(0)
            break
    for index in range(max(0, len(lines) - SIGN_OFF_LINES), len(lines)):
        if index > 0 and _SIGN_OFF.match(lines[index]):
            lines = lines[:index]
            break
    body = _CLOSING.sub("", "\n".join(lines).strip()).strip()
    # Pieces alternate sentence, separator, sentence...: a courtesy goes with the break after it.
    pieces = _SENTENCES.split(body)
    kept = [
        piece + (pieces[at + 1] if at + 1 < len(pieces) else "")
        for at, piece in enumerate(pieces)
        if at % 2 == 0 and not courtesy(piece)
    ]
    return "".join(kept).strip()
