"""The knowledge base: topics, FAQ entries, the CTI tool catalogue, the State register, synonyms.

One loader serves the bot, ``validate`` and ``/reload``: it never raises on bad YAML, it returns
the problems, each as ``file:line: message``.

Example::

    base, problems = load_knowledge(Path("knowledge"))
    base.entries["ratification-routes"].answers["fr"]
    base.find_state("Fidji").code   # -> "FJI"

The State register's classes and checks are in :mod:`helpdesk_bot.states`.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

# The State register lives in states.py; its names stay importable from here.
from .states import (  # noqa: F401
    AT_SIGNATURE,
    DEPOSITS,
    REGIONS,
    REPORT_KINDS,
    TREATIES,
    TREATY_ACTIONS,
    TREATY_STATUSES,
    WITHDRAWS,
    RegisterReader,
    Report,
    ReportDue,
    State,
    TreatyAction,
    Unidentified,
    day_of,
)
from .yamlfile import LineDict, LineList, Problem, display_path, language_texts, read_yaml

LANGUAGES = ("en", "fr", "es")


def language_of(code: str | None) -> str:
    """The desk's language for Telegram's ``language_code`` (``"fr-CA"`` -> ``"fr"``), else English.

    Example: ``language_of("es-419")`` -> ``"es"``; ``language_of("de")`` -> ``"en"``
    """
    guess = (code or "en")[:2].lower()
    return guess if guess in LANGUAGES else "en"


MAX_ANSWER_CHARS = 900
MIN_QUESTIONS = 4
REVIEW_AFTER = timedelta(days=365)
RESERVED_FILES = {"topics.yaml", "tools.yaml", "states.yaml", "synonyms.yaml", "scope.yaml"}
# What of the asker's State an entry's answer depends on (the entry's optional ``state_aspect``):
# the answer then ends with a paragraph for the official's State (status.state_paragraph).
STATE_ASPECTS = ("deadlines", "party", "declarations", "opcat", "route")


@dataclass(frozen=True)
class Topic:
    id: str
    titles: dict[str, str]


@dataclass(frozen=True)
class Entry:
    """One FAQ entry: the same answer in three languages, with the ways officials ask for it."""

    id: str
    topic: str
    source: str
    reviewed: date | None
    questions: dict[str, list[str]]
    answers: dict[str, str]
    keywords: dict[str, list[str]] = field(default_factory=dict)
    related: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    file: str = ""
    line: int = 0
    # For facts that change (office-holders, the latest accession): check again by this date.
    review_by: date | None = None
    # What of the asker's State the answer depends on (one of STATE_ASPECTS), or None.
    state_aspect: str | None = None

    def question(self, language: str) -> str:
        """The entry's headline question in ``language`` (its first phrasing)."""
        return (self.questions.get(language) or self.questions["en"])[0]

    def phrasings(self) -> list[str]:
        """Every phrasing of the entry, all languages together."""
        return [question for questions in self.questions.values() for question in questions]


@dataclass(frozen=True)
class Tool:
    id: str
    kind: str
    number: str | None
    year: int | None
    titles: dict[str, str]
    summaries: dict[str, str]
    topics: list[str]
    languages: list[str]
    url: str  # the English page (or the only one)
    urls: dict[str, str] = field(default_factory=dict)  # per language, where CTI publishes one

    def link(self, language: str) -> str:
        """The tool's page in ``language`` where there is one, else the English page."""
        return self.urls.get(language) or self.url


# Entries offered to read next under an answer: a short keyboard.
RELATED_SHOWN = 3


@dataclass
class KnowledgeBase:
    """Everything loaded from ``knowledge/``; immutable once built, replaced whole on reload."""

    topics: dict[str, Topic] = field(default_factory=dict)
    entries: dict[str, Entry] = field(default_factory=dict)
    tools: dict[str, Tool] = field(default_factory=dict)
    states: dict[str, State] = field(default_factory=dict)
    synonyms: list[list[str]] = field(default_factory=list)
    states_as_of: date | None = None
    unidentified: dict[str, Unidentified] = field(default_factory=dict)  # per treaty
    digest: str = ""

    def entries_by_topic(self, topic: str) -> list[Entry]:
        return [e for e in self.entries.values() if e.topic == topic]

    def read_next(self, entry: Entry) -> list[Entry]:
        """The first RELATED_SHOWN entries ``entry`` names as worth reading next that the base has:
        what an answer offers one tap away. For the initial report's deadline: the due-date
        calculation, the periodic cycle, the initial report's content."""
        found = [self.entries[i] for i in entry.related if i in self.entries and i != entry.id]
        return found[:RELATED_SHOWN]

    def exact_state(self, text: str) -> State | None:
        """The one State ``text`` names exactly (a name or variant in any language, accents and
        case aside), or None: "kiribati" -> Kiribati, but "Guinea" is not "Guinea-Bissau"."""
        wanted = fold(text)
        codes = {code for (code, _), name in self._state_names.items() if name == wanted}
        return self.states[codes.pop()] if len(codes) == 1 else None

    def find_state(self, text: str, *, limit: int = 3, score_cutoff: float = 70) -> list[State]:
        """States whose name (any language, any variant) best matches ``text``, best first;
        ``score_cutoff`` 0 for the nearest whatever the distance."""
        from rapidfuzz import fuzz, process

        wanted = fold(text)
        if not wanted:
            return []
        choices = self._state_names
        exact = list(
            {
                code: self.states[code] for (code, _), name in choices.items() if name == wanted
            }.values()
        )
        if exact or wanted.upper() in self.states:
            return exact or [self.states[wanted.upper()]]
        found: list[State] = []
        # With a dict of choices rapidfuzz yields (name, score, key); the key holds the State code.
        for _name, _score, (code, _) in process.extract(
            wanted, choices, scorer=fuzz.WRatio, limit=limit * 8, score_cutoff=score_cutoff
        ):
            state = self.states[code]
            if state not in found:
                found.append(state)
        return found[:limit]

    @functools.cached_property
    def _state_names(self) -> dict[tuple[str, int], str]:
        """Every name and variant of every State, folded once: {(code, n): name}."""
        return {
            (code, i): fold(name)
            for code, state in self.states.items()
            for i, name in enumerate(state.all_names)
        }


def fold(text: str) -> str:
    """Lower case, accents removed, spaces collapsed: 'Côte d’Ivoire ' -> "cote d'ivoire"."""
    return " ".join(fold_chars(text).split())


def fold_chars(text: str) -> str:
    """:func:`fold` without collapsing spaces: every character folded on its own."""
    if text.isascii():
        # NFKD leaves ASCII alone and casefold is lower there: no table look-up per character.
        return text.lower()
    return text.translate(_FOLD_TABLE)


def fold_char(char: str) -> str:
    """What :func:`fold` makes of one character: ’ to ', NFKD, combining marks out, casefold.

    Folding a text is folding each of its characters: NFKD decomposes character by character
    (its canonical reordering only moves combining marks, which are dropped) and casefold has no
    context, so a translate table of this function gives exactly the whole-text steps.
    """
    text = unicodedata.normalize("NFKD", "'" if char == "’" else char)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


class CharTable(dict[int, str]):
    """A ``str.translate`` table computed per character on first use, kept up to ``limit``.

    The bound keeps a flood of distinct code points (there are 1.1 million) from growing it for
    ever; past it a character is still converted, just not kept.
    """

    def __init__(self, convert: Callable[[str], str], limit: int = 1 << 16):
        super().__init__()
        self.convert = convert
        self.limit = limit

    def __missing__(self, code: int) -> str:
        converted = self.convert(chr(code))
        if len(self) < self.limit:
            self[code] = converted
        return converted


_FOLD_TABLE = CharTable(fold_char)


class KnowledgeError(Exception):
    """The knowledge base has errors; ``problems`` holds every one."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.is_error]
        super().__init__(f"{len(errors)} error(s) in the knowledge base; first: {errors[0]}")


def due_for_review(base: KnowledgeBase, *, today: date | None = None) -> list[tuple[date, Entry]]:
    """Entries due for a person to check again, oldest first: past their ``review_by``, or
    reviewed over a year ago (``helpdesk-bot validate --stale``, staff ``/stale``)."""
    today = today or date.today()
    due = []
    for entry in base.entries.values():
        dates = [entry.review_by] if entry.review_by else []
        if entry.reviewed is not None:
            dates.append(entry.reviewed + REVIEW_AFTER)
        if dates and min(dates) <= today:
            due.append((min(dates), entry))
    return sorted(due, key=lambda pair: (pair[0], pair[1].id))


def load_knowledge(
    directory: Path, *, today: date | None = None
) -> tuple[KnowledgeBase, list[Problem]]:
    """Load and check ``directory``; returns the base (possibly partial) and every problem."""
    loader = _Loader(directory, today or date.today())
    return loader.load(), sorted(loader.problems)


def load_knowledge_or_raise(directory: Path) -> KnowledgeBase:
    """Load ``directory`` or raise :class:`KnowledgeError` if it has any error (warnings pass)."""
    base, problems = load_knowledge(directory)
    if any(p.is_error for p in problems):
        raise KnowledgeError(problems)
    return base


def load_states(directory: Path) -> dict[str, State]:
    """Only the State register (``states.yaml``), for the statistics; problems are for ``validate``."""
    loader = _Loader(directory, date.today())
    loader.load_states()
    return loader.base.states


def load_register(
    directory: Path, *, today: date | None = None
) -> tuple[KnowledgeBase, list[Problem]]:
    """Only the State register, with its problems: what ``validate`` says of ``states.yaml``."""
    loader = _Loader(directory, today or date.today())
    loader.load_states()
    return loader.base, sorted(loader.problems)


class _Loader:
    def __init__(self, directory: Path, today: date):
        self.directory = directory
        self.today = today
        self.problems: list[Problem] = []
        self.base = KnowledgeBase()
        self.hasher = hashlib.sha256()

    def problem(self, file: str, line: int, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(file, line, message, severity))

    def read(self, path: Path) -> LineDict | None:
        self.hasher.update(path.name.encode())
        with contextlib.suppress(OSError):
            self.hasher.update(path.read_bytes())
        data, problems = read_yaml(path)
        self.problems.extend(problems)
        if problems:
            return None
        if not isinstance(data, LineDict):
            self.problem(display_path(path), 1, "expected a mapping at the top of the file")
            return None
        return data

    def load(self) -> KnowledgeBase:
        if not self.directory.is_dir():
            self.problem(display_path(self.directory), 1, "the knowledge folder does not exist")
            return self.base
        self.load_topics()
        self.load_tools()
        self.load_states()
        self.load_synonyms()
        for path in sorted(self.directory.glob("*.yaml")):
            if path.name not in RESERVED_FILES:
                self.load_entries(path)
        if not self.base.entries:
            self.problem(display_path(self.directory), 1, "no FAQ entries found")
        self.check_links()
        self.base.digest = self.hasher.hexdigest()[:16]
        return self.base

    # --- topics -------------------------------------------------------------------------------
    def load_topics(self) -> None:
        path = self.directory / "topics.yaml"
        name = display_path(path)
        if not path.exists():
            self.problem(name, 1, "missing topics.yaml")
            return
        data = self.read(path)
        if data is None:
            return
        items = data.get("topics")
        if not isinstance(items, LineList):
            self.problem(name, data.line, "expected a list under 'topics'")
            return
        for item in items:
            if not isinstance(item, LineDict) or not isinstance(item.get("id"), str):
                self.problem(name, getattr(item, "line", items.line), "a topic needs an 'id'")
                continue
            if item["id"] in self.base.topics:
                self.problem(name, item.line, f"duplicate topic id {item['id']!r}")
                continue
            titles = self.texts(name, item, "title")
            self.base.topics[item["id"]] = Topic(item["id"], titles)

    def texts(self, name: str, item: LineDict, key: str) -> dict[str, str]:
        """A {en, fr, es} mapping of strings; reports each missing language."""
        texts, problems = language_texts(name, item, key, LANGUAGES)
        self.problems.extend(problems)
        return texts

    # --- FAQ entries --------------------------------------------------------------------------
    def load_entries(self, path: Path) -> None:
        name = display_path(path)
        data = self.read(path)
        if data is None:
            return
        topic = data.get("topic")
        if topic not in self.base.topics:
            self.problem(name, data.key_line("topic"), f"unknown topic {topic!r} (see topics.yaml)")
        entries = data.get("entries")
        if not isinstance(entries, LineList):
            self.problem(name, data.line, "expected a list under 'entries'")
            return
        for item in entries:
            if isinstance(item, LineDict):
                self.load_entry(name, str(topic), item)
            else:
                self.problem(name, entries.line, "each entry must be a mapping")

    def load_entry(self, name: str, topic: str, item: LineDict) -> None:
        entry_id = item.get("id")
        if not isinstance(entry_id, str) or not entry_id.strip():
            self.problem(name, item.line, "entry without an 'id'")
            return
        if entry_id in self.base.entries:
            first = self.base.entries[entry_id]
            self.problem(
                name,
                item.key_line("id"),
                f"duplicate id {entry_id!r} (first at {first.file}:{first.line})",
            )
            return
        if item.get("topic", topic) != topic:
            self.problem(
                name,
                item.key_line("topic"),
                f"entry topic {item.get('topic')!r} differs from the file's topic",
            )
        source = item.get("source")
        if not isinstance(source, str) or not source.strip():
            self.problem(name, item.line, f"{entry_id}: missing 'source'")
            source = ""
        reviewed = item.get("reviewed")
        if not isinstance(reviewed, date):
            self.problem(
                name,
                item.key_line("reviewed"),
                f"{entry_id}: 'reviewed' must be a date (YYYY-MM-DD)",
            )
            reviewed = None
        elif self.today - reviewed > REVIEW_AFTER:
            self.problem(
                name,
                item.key_line("reviewed"),
                f"{entry_id}: reviewed {reviewed}, over a year ago",
                "warning",
            )
        review_by = item.get("review_by")
        if review_by is not None and not isinstance(review_by, date):
            self.problem(
                name, item.key_line("review_by"), f"{entry_id}: 'review_by' must be a date"
            )
            review_by = None
        elif review_by is not None and review_by < self.today:
            self.problem(
                name,
                item.key_line("review_by"),
                f"{entry_id}: due for review since {review_by} (answers say when it was checked)",
                "warning",
            )
        questions: dict[str, list[str]] = {}
        answers: dict[str, str] = {}
        for language in LANGUAGES:
            block = item.get(language)
            if not isinstance(block, LineDict):
                self.problem(name, item.line, f"{entry_id}: missing language {language!r}")
                continue
            qs = block.get("questions")
            if not isinstance(qs, LineList) or not all(
                isinstance(q, str) and q.strip() for q in qs
            ):
                self.problem(
                    name, block.line, f"{entry_id}: {language} 'questions' must be a list of texts"
                )
                qs = LineList()
            elif len(qs) < MIN_QUESTIONS:
                self.problem(
                    name,
                    qs.line,
                    f"{entry_id}: {language} has {len(qs)} questions, at least {MIN_QUESTIONS} needed",
                )
            questions[language] = [" ".join(q.split()) for q in qs]
            for index, question in enumerate(questions[language]):
                self.check_question(name, qs.item_line(index), entry_id, language, question)
            answer = block.get("answer")
            if not isinstance(answer, str) or not answer.strip():
                self.problem(name, block.line, f"{entry_id}: {language} 'answer' is missing")
                continue
            answer = answer.strip()
            if len(answer) > MAX_ANSWER_CHARS:
                self.problem(
                    name,
                    block.key_line("answer"),
                    f"{entry_id}: {language} answer is {len(answer)} characters, at most {MAX_ANSWER_CHARS}",
                )
            self.check_figures(name, block.key_line("answer"), entry_id, language, answer)
            answers[language] = answer
        keywords: dict[str, list[str]] = {}
        raw_keywords = item.get("keywords") or {}
        if not isinstance(raw_keywords, dict):
            self.problem(
                name,
                item.key_line("keywords"),
                f"{entry_id}: 'keywords' must map en/fr/es to lists",
            )
        else:
            for language, words in raw_keywords.items():
                if language not in LANGUAGES or not isinstance(words, list):
                    self.problem(
                        name,
                        item.key_line("keywords"),
                        f"{entry_id}: keywords for {language!r} must be a list under en, fr or es",
                    )
                    continue
                keywords[language] = [str(w) for w in words]
        related = self.id_list(name, item, "related", entry_id)
        tools = self.id_list(name, item, "tools", entry_id)
        state_aspect = item.get("state_aspect")
        if state_aspect is not None and state_aspect not in STATE_ASPECTS:
            self.problem(
                name,
                item.key_line("state_aspect"),
                f"{entry_id}: unknown state_aspect {state_aspect!r} "
                f"(known: {', '.join(STATE_ASPECTS)})",
            )
            state_aspect = None
        self.base.entries[entry_id] = Entry(
            id=entry_id,
            topic=topic,
            source=" ".join(source.split()),
            reviewed=reviewed,
            questions=questions,
            answers=answers,
            keywords=keywords,
            related=related,
            tools=tools,
            file=name,
            line=item.line,
            review_by=review_by,
            state_aspect=state_aspect,
        )

    def check_figures(
        self, name: str, line: int, entry_id: str, language: str, answer: str
    ) -> None:
        """Counts come from the State register: a placeholder, never a number typed in."""
        from .register import PLACEHOLDERS, placeholders_in, typed_counts

        for unknown in sorted(set(placeholders_in(answer)) - set(PLACEHOLDERS)):
            self.problem(
                name,
                line,
                f"{entry_id}: {language} answer: unknown placeholder {{{unknown}}} "
                f"(known: {', '.join(PLACEHOLDERS)})",
            )
        for typed in typed_counts(answer):
            self.problem(
                name,
                line,
                f"{entry_id}: {language} answer types a count of parties ({typed!r}): write "
                "{uncat_parties} or {opcat_parties}, filled from states.yaml",
            )

    def id_list(self, name: str, item: LineDict, key: str, entry_id: str) -> list[str]:
        value = item.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(name, item.key_line(key), f"{entry_id}: '{key}' must be a list of ids")
            return []
        return list(value)

    _seen_questions: dict[tuple[str, str], tuple[str, str, int]]

    def check_question(
        self, name: str, line: int, entry_id: str, language: str, question: str
    ) -> None:
        if not hasattr(self, "_seen_questions"):
            self._seen_questions = {}
        key = (language, fold(question).rstrip("?.! "))
        if key in self._seen_questions:
            other, file, other_line = self._seen_questions[key]
            where = (
                "in the same entry"
                if other == entry_id
                else f"also in {other} ({file}:{other_line})"
            )
            self.problem(
                name, line, f"{entry_id}: duplicate {language} question {question!r}, {where}"
            )
        else:
            self._seen_questions[key] = (entry_id, name, line)

    def check_links(self) -> None:
        for entry in self.base.entries.values():
            for related in entry.related:
                if related not in self.base.entries:
                    self.problem(
                        entry.file,
                        entry.line,
                        f"{entry.id}: related entry {related!r} does not exist",
                    )
            for tool in entry.tools:
                if self.base.tools and tool not in self.base.tools:
                    self.problem(
                        entry.file, entry.line, f"{entry.id}: tool {tool!r} is not in tools.yaml"
                    )

    # --- tools --------------------------------------------------------------------------------
    def load_tools(self) -> None:
        path = self.directory / "tools.yaml"
        if not path.exists():
            self.problem(display_path(path), 1, "missing tools.yaml (the CTI tool catalogue)")
            return
        name = display_path(path)
        data = self.read(path)
        if data is None:
            return
        items = data.get("tools")
        if not isinstance(items, LineList):
            self.problem(name, data.line, "expected a list under 'tools'")
            return
        for item in items:
            if not isinstance(item, LineDict) or not isinstance(item.get("id"), str):
                self.problem(name, getattr(item, "line", items.line), "a tool needs an 'id'")
                continue
            tool_id = item["id"]
            if tool_id in self.base.tools:
                self.problem(name, item.line, f"duplicate tool id {tool_id!r}")
                continue
            topics = item.get("topics") or []
            for topic in topics:
                if topic not in self.base.topics:
                    self.problem(
                        name, item.key_line("topics"), f"{tool_id}: unknown topic {topic!r}"
                    )
            url = item.get("url")
            urls: dict[str, str] = {}
            if isinstance(url, dict):  # {en: ..., fr: ...}: a page per language
                urls = {k: v for k, v in url.items() if k in LANGUAGES and isinstance(v, str)}
                url = urls.get("en")
            if not isinstance(url, str) or not all(
                u.startswith(("https://", "http://")) for u in [url, *urls.values()]
            ):
                self.problem(
                    name,
                    item.key_line("url"),
                    f"{tool_id}: 'url' must be a web address (or one per language, en required)",
                )
                url = ""
            year = item.get("year")
            self.base.tools[tool_id] = Tool(
                id=tool_id,
                kind=str(item.get("kind") or ""),
                number=None if item.get("number") is None else str(item["number"]),
                year=year if isinstance(year, int) else None,
                titles=self.texts(name, item, "title"),
                summaries=self.texts(name, item, "summary"),
                topics=list(topics),
                languages=[str(x) for x in item.get("languages") or []],
                url=url,
                urls=urls,
            )

    # --- states -------------------------------------------------------------------------------
    def load_states(self) -> None:
        path = self.directory / "states.yaml"
        if not path.exists():
            self.problem(display_path(path), 1, "missing states.yaml (the State register)")
            return
        data = self.read(path)
        if data is None:
            return
        reader = RegisterReader(display_path(path), self.problem, LANGUAGES)
        reader.load(data)
        self.base.states = reader.states
        self.base.states_as_of = reader.as_of
        self.base.unidentified = reader.unidentified

    # --- synonyms -----------------------------------------------------------------------------
    def load_synonyms(self) -> None:
        path = self.directory / "synonyms.yaml"
        if not path.exists():
            return
        name = display_path(path)
        data = self.read(path)
        if data is None:
            return
        groups = data.get("synonyms")
        if not isinstance(groups, LineList):
            self.problem(name, data.line, "expected a list of synonym groups under 'synonyms'")
            return
        for index, group in enumerate(groups):
            if (
                not isinstance(group, list)
                or len(group) < 2
                or not all(isinstance(w, str) for w in group)
            ):
                self.problem(
                    name, groups.item_line(index), "a synonym group is a list of two or more texts"
                )
                continue
            self.base.synonyms.append([str(w) for w in group])
