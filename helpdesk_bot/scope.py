"""What the desk covers: other instruments it declines, small talk, and messages too vague to match.

The Secretariat edits ``knowledge/scope.yaml``; this module reads it (every problem as
``file:line: message``) and answers three questions about an official's text, none of which needs
the database or Telegram.

Example::

    scope, problems = load_scope(Path("knowledge"))
    scope.small_talk("Merci beaucoup !")              # -> SmallTalk(kind='thanks', language='fr')
    scope.outside_named("How do we ratify the CRPD?")  # -> Outside(id='crpd', ...)
    scope.mentions("What does the Minamata Convention require?")  # -> ['Minamata Convention']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from .knowledge import LANGUAGES
from .text import phrase_pattern, simplify
from .yamlfile import LineDict, LineList, Problem, display_path, read_yaml

SCOPE_FILE = "scope.yaml"
SMALL_TALK_KINDS = ("greeting", "thanks", "ok", "bye", "test")
# Words every language uses ("ok"): they never decide the language of a reply.
ANY_LANGUAGE = "any"
# Small talk with an aside: at most this many words beside the phrases ("thanks, I will share it
# with my colleagues"); longer is a message of its own.
_ASIDE_WORDS = 8
# A misspelt phrase: at least this long, this close to one (rapidfuzz ratio): "thnks", "grcias".
_TYPO_LENGTH = 4
_TYPO_SIMILARITY = 85.0
_STRETCHED = re.compile(r"(.)\1{2,}")

# A named instrument or body the official may mean: a capitalised instrument word, a link word,
# then a capitalised word and up to three more ("Convention on the Rights of the Child", "Pacte
# international relatif aux Droits..."), or capitalised words before one ("Minamata Convention").
_INSTRUMENT = (
    r"Convention|Covenant|Protocol|Treaty|Charter|Agreement|Statute|Committee|Court|Council"
    r"|Pacte|Protocole|Traité|Traite|Charte|Accord|Statut|Comité|Cour|Conseil"
    r"|Convención|Convencion|Convenio|Pacto|Protocolo|Tratado|Carta|Acuerdo|Estatuto|Corte|Consejo"
)
_LINK = (
    r"on|of|for|to|against|relating to|sur|de|des|du|de la|contre|pour|relative à|relative aux"
    r"|relatif à|relatif aux|relative a|relatif a|sobre|del|de los|de las|contra|para"
)
_WORD = r"[^\W\d_][\w'’-]*"
_NAMED_AFTER = re.compile(
    rf"\b(?:{_INSTRUMENT})\s+(?:{_LINK})\s+(?:the\s+|l['’]|la\s+|le\s+|les\s+|el\s+|los\s+|las\s+)?"
    rf"(?=[A-ZÀ-Ý]){_WORD}(?:\s+{_WORD}){{0,3}}"
)
_DOMESTIC_AFTER = 30  # characters after a name read with it: "La Corte" + " Suprema anuló"
_NAMED_BEFORE = re.compile(rf"\b(?:[A-Z][\w'’-]+\s+){{1,2}}(?:{_INSTRUMENT})\b")


def _one_language(spoken: Iterable[frozenset[str]]) -> str | None:
    """The one language that small-talk phrases (each with the languages it is said in) share,
    phrases every language uses ("ok") aside; None when they share none or several."""
    languages: set[str] | None = None
    for said_in in spoken:
        if ANY_LANGUAGE not in said_in:
            languages = set(said_in) if languages is None else languages & said_in
    return next(iter(languages)) if languages and len(languages) == 1 else None


@dataclass(frozen=True)
class Outside:
    """An instrument or body the desk does not cover."""

    id: str
    name: str
    kind: str  # treaty | other
    names: tuple[str, ...]
    in_scope_with: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pointer:
    """Where the desk sends an official for something it declines, when it is certain."""

    id: str
    kinds: frozenset[str]
    when: re.Pattern[str] | None
    texts: dict[str, str]


@dataclass(frozen=True)
class SmallTalk:
    kind: str  # greeting | thanks | ok | bye | test
    language: str | None  # the language its words belong to, None when any language uses them


@dataclass
class Scope:
    """The scope list, built once per load; immutable."""

    covers: list[str] = field(default_factory=list)
    outside: list[Outside] = field(default_factory=list)
    pointers: list[Pointer] = field(default_factory=list)
    small_talk_phrases: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)
    vague: dict[str, list[str]] = field(default_factory=dict)
    domain: dict[str, list[str]] = field(default_factory=dict)
    domestic: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._covers = phrase_pattern(self.covers)
        self._domestic = phrase_pattern(self.domestic)
        self._outside = phrase_pattern(n for item in self.outside for n in item.names)
        self._owner = {n: item for item in reversed(self.outside) for n in item.names}
        self._excused = {
            item.id: phrase_pattern(item.in_scope_with)
            for item in self.outside
            if item.in_scope_with
        }
        self._small_talk = phrase_pattern(self.small_talk_phrases)

    def covered(self, text: str) -> bool:
        """Whether ``text`` names UNCAT, OPCAT or another body the desk covers."""
        return self._covers is not None and self._covers.search(_scope_text(text)) is not None

    def outside_named(self, text: str) -> Outside | None:
        """The first instrument or body outside the desk's scope that ``text`` names, unless the
        text also names what the desk covers (or what makes that very item in scope)."""
        if self._outside is None:
            return None
        simple = _scope_text(text)
        if self._covers is not None and self._covers.search(simple):
            return None
        for found in self._outside.finditer(simple):
            item = self._owner[found.group(0)]
            excused = self._excused.get(item.id)
            if excused is None or not excused.search(simple):
                return item
        return None

    def pointer(self, item: Outside | None, text: str, language: str) -> str | None:
        """The pointer text for a question declined because of ``item``, if one applies."""
        if item is None:
            return None
        simple = _scope_text(text)
        for pointer in self.pointers:
            if item.kind in pointer.kinds and (pointer.when is None or pointer.when.search(simple)):
                return pointer.texts.get(language) or pointer.texts.get("en")
        return None

    def small_talk(
        self, text: str, *, aside: Callable[[list[str], bool], bool] | None = None
    ) -> SmallTalk | None:
        """``text`` when it is only greetings, thanks, "ok" and the like; None for a question.

        A message of emoji or symbols alone (no letters, no digits, no question mark) is small talk
        too: "👍". ``aside(words, thanked)`` says whether the words left beside the small talk ask
        nothing ("thanks, I will share it with my colleagues"; ``thanked``: the message thanks);
        without it, only digits may be left.
        A short message that is a misspelt phrase ("thnks", "grcias") counts as that phrase.
        """
        simple = simplify(text)
        if not simple:
            stripped = "".join(text.split())
            if stripped and not any(c.isalnum() or c in "?¿" for c in stripped):
                return SmallTalk("ok", None)
            return None
        if self._small_talk is None:
            return None
        said = [self.small_talk_phrases[m.group(0)] for m in self._small_talk.finditer(simple)]
        kinds = [kind for kind, _ in said]
        if not kinds:
            return self._misspelt_small_talk(simple)
        rest = [w for w in self._small_talk.sub(" ", simple).split() if not w.isdigit()]
        # "testing 123" is small talk; so is a thanks with an aside that asks nothing.
        thanked = "thanks" in kinds
        if rest and (aside is None or len(rest) > _ASIDE_WORDS or not aside(rest, thanked)):
            return None
        language = _one_language(spoken for _, spoken in said)
        # "hello, thanks a lot": thanks is what calls for an answer.
        for kind in ("thanks", "bye", "greeting", "test", "ok"):
            if kind in kinds:
                return SmallTalk(kind, language)
        return SmallTalk(kinds[0], language)  # pragma: no cover - every kind is listed above

    def _misspelt_small_talk(self, simple: str) -> SmallTalk | None:
        """A message of one or two words within a typo of a small-talk phrase: "thnks", "merciii"."""
        simple = _STRETCHED.sub(r"\1", simple)  # "merciiii", "okkkk"
        if len(simple.split()) > 2:
            return None
        if simple in self.small_talk_phrases:
            phrase = simple
        elif len(simple) < _TYPO_LENGTH:
            return None
        else:
            found = process.extractOne(
                simple,
                list(self.small_talk_phrases),
                scorer=fuzz.ratio,
                score_cutoff=_TYPO_SIMILARITY,
            )
            if found is None:
                return None
            phrase = found[0]
        kind, spoken = self.small_talk_phrases[phrase]
        return SmallTalk(kind, _one_language([spoken]))

    def mentions(self, text: str) -> list[str]:
        """Instruments or bodies ``text`` seems to name, in its own words (capitalised names), but
        a State's own institutions (``domestic``: "the High Court", "the Conseil des ministres")."""
        found = [m for m in _NAMED_AFTER.finditer(text) if m.group(0)[0].isupper()]
        found += list(_NAMED_BEFORE.finditer(text))
        return [m.group(0) for m in found if not self._domestic_at(text, m.start(), m.end())]

    def listed(self, name: str) -> bool:
        """Whether ``name`` (a mention) is one of the list's own instruments or bodies, which the
        list declines or, next to the words of its ``in_scope_with``, keeps in scope."""
        return self._outside is not None and self._outside.search(_scope_text(name)) is not None

    def _domestic_at(self, text: str, start: int, end: int) -> bool:
        """Whether the name found at ``start:end`` is one of ``domestic``, read with the words
        after it too: Spanish and French put the adjective last ("La Corte Suprema")."""
        if self._domestic is None:
            return False
        name = _scope_text(text[start:end])
        window = _scope_text(text[start : end + _DOMESTIC_AFTER])
        # A domestic name that begins inside this one, not a later name in the words after it.
        return any(m.start() < len(name) for m in self._domestic.finditer(window))

    def vague_words(self) -> list[str]:
        return [w for words in self.vague.values() for w in words]

    def domain_words(self) -> list[str]:
        return [w for words in self.domain.values() for w in words]


_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")


def _scope_text(text: str) -> str:
    """Folded words with numbers apart from letters: "HRC59" names the HRC."""
    return _LETTER_DIGIT.sub(" ", simplify(text))


def load_scope(directory: Path) -> tuple[Scope, list[Problem]]:
    """Read ``directory/scope.yaml``; a missing file is an empty scope list (no problem)."""
    path = directory / SCOPE_FILE
    if not path.exists():
        return Scope(), []
    loader = _Loader(display_path(path))
    data, problems = read_yaml(path)
    loader.problems += problems
    if data is None:
        return Scope(), loader.problems
    if not isinstance(data, LineDict):
        loader.problem(1, "expected a mapping at the top of the file")
        return Scope(), loader.problems
    scope = Scope(
        covers=loader.phrases(data, "covers", nested=True),
        outside=loader.outside(data),
        pointers=loader.pointers(data),
        small_talk_phrases=loader.small_talk(data),
        vague=loader.by_language(data, "vague"),
        domain=loader.by_language(data, "domain"),
        domestic=loader.phrases(data, "domestic", nested=True),
    )
    return scope, loader.problems


class _Loader:
    def __init__(self, name: str):
        self.name = name
        self.problems: list[Problem] = []

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.name, line, message))

    def texts(self, value: object, line: int, what: str) -> list[str]:
        """A list of texts, simplified as the desk reads questions; a problem if it is not one."""
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            self.problem(line, f"{what} must be a list of texts")
            return []
        out = []
        for index, raw in enumerate(value):
            where = value.item_line(index) if isinstance(value, LineList) else line
            if isinstance(raw, bool):
                # YAML 1.1 reads an unquoted yes, no, on or off as true or false.
                self.problem(where, f"{what}: write yes, no, on and off in quotes ('yes')")
                continue
            simple = simplify(str(raw))
            if not simple:
                self.problem(where, f"{what}: {raw!r} has no letters or digits")
                continue
            out.append(simple)
        return out

    def phrases(self, data: LineDict, key: str, *, nested: bool = False) -> list[str]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, LineList):
            self.problem(data.key_line(key), f"'{key}' must be a list")
            return []
        out: list[str] = []
        for index, item in enumerate(value):
            line = value.item_line(index)
            out += self.texts(item if nested else [item], line, f"'{key}'")
        return out

    def outside(self, data: LineDict) -> list[Outside]:
        items = data.get("outside")
        if items is None:
            return []
        if not isinstance(items, LineList):
            self.problem(data.key_line("outside"), "'outside' must be a list")
            return []
        seen: set[str] = set()
        out = []
        for index, item in enumerate(items):
            line = items.item_line(index)
            if not isinstance(item, LineDict) or not isinstance(item.get("id"), str):
                self.problem(line, "an 'outside' item needs an 'id'")
                continue
            item_id = item["id"]
            if item_id in seen:
                self.problem(item.line, f"duplicate id {item_id!r}")
                continue
            seen.add(item_id)
            kind = item.get("kind", "other")
            if kind not in ("treaty", "other"):
                self.problem(item.key_line("kind"), f"{item_id}: kind must be treaty or other")
            names = item.get("names")
            if not isinstance(names, LineDict) or not names:
                self.problem(item.line, f"{item_id}: 'names' needs en, fr and es lists")
                continue
            found: list[str] = []
            for language, value in names.items():
                if language not in LANGUAGES:
                    self.problem(
                        names.key_line(language), f"{item_id}: unknown language {language!r}"
                    )
                    continue
                found += self.texts(value, names.key_line(language), f"{item_id}: names")
            missing = [lang for lang in LANGUAGES if lang not in names]
            if missing:
                self.problem(names.line, f"{item_id}: names missing for {', '.join(missing)}")
            excuse = item.get("in_scope_with", [])
            out.append(
                Outside(
                    id=item_id,
                    name=str(item.get("name") or item_id),
                    kind=str(kind),
                    names=tuple(dict.fromkeys(found)),
                    in_scope_with=tuple(
                        self.texts(
                            excuse, item.key_line("in_scope_with"), f"{item_id}: in_scope_with"
                        )
                    ),
                )
            )
        return out

    def pointers(self, data: LineDict) -> list[Pointer]:
        items = data.get("pointers")
        if items is None:
            return []
        if not isinstance(items, LineDict):
            self.problem(data.key_line("pointers"), "'pointers' must be a mapping of pointer ids")
            return []
        out = []
        for pointer_id, item in items.items():
            if not isinstance(item, LineDict):
                self.problem(
                    items.key_line(pointer_id), f"pointer {pointer_id}: expected a mapping"
                )
                continue
            texts = {}
            for language in LANGUAGES:
                text = item.get(language)
                if isinstance(text, str) and text.strip():
                    texts[language] = " ".join(text.split())
                else:
                    self.problem(item.line, f"pointer {pointer_id}: missing its {language} text")
            kinds = self.texts(item.get("kinds", []), item.key_line("kinds"), "kinds")
            when = self.texts(item.get("when", []), item.key_line("when"), "when")
            out.append(Pointer(str(pointer_id), frozenset(kinds), phrase_pattern(when), texts))
        return out

    def small_talk(self, data: LineDict) -> dict[str, tuple[str, frozenset[str]]]:
        kinds = data.get("smalltalk")
        if kinds is None:
            return {}
        if not isinstance(kinds, LineDict):
            self.problem(data.key_line("smalltalk"), "'smalltalk' must be a mapping of kinds")
            return {}
        spoken: dict[str, tuple[str, set[str]]] = {}
        for kind, languages in kinds.items():
            if kind not in SMALL_TALK_KINDS:
                self.problem(
                    kinds.key_line(kind),
                    f"unknown small-talk kind {kind!r} (one of {', '.join(SMALL_TALK_KINDS)})",
                )
                continue
            if not isinstance(languages, LineDict):
                self.problem(kinds.key_line(kind), f"{kind}: expected lists per language")
                continue
            for language, words in languages.items():
                if language not in (*LANGUAGES, ANY_LANGUAGE):
                    self.problem(
                        languages.key_line(language), f"{kind}: unknown language {language!r}"
                    )
                    continue
                for phrase in self.texts(words, languages.key_line(language), f"smalltalk {kind}"):
                    spoken.setdefault(phrase, (kind, set()))[1].add(language)
        return {phrase: (kind, frozenset(langs)) for phrase, (kind, langs) in spoken.items()}

    def by_language(self, data: LineDict, key: str) -> dict[str, list[str]]:
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, LineDict):
            self.problem(data.key_line(key), f"'{key}' must have en, fr and es lists")
            return {}
        for language in value:
            if language not in LANGUAGES:
                self.problem(value.key_line(language), f"{key}: unknown language {language!r}")
        return {
            language: self.texts(words, value.key_line(language), key)
            for language, words in value.items()
            if language in LANGUAGES
        }
