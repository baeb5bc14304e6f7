"""The knowledge base: topics, FAQ entries, the CTI tool catalogue, the State register, synonyms.

One loader serves the bot, ``validate`` and ``/reload``: it never raises on bad YAML, it returns
the problems, each as ``file:line: message``.

Example::

    base, problems = load_knowledge(Path("knowledge"))
    base.entries["ratification-routes"].answers["fr"]
    base.find_state("Fidji").code   # -> "FJI"
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

from . import deadlines
from .yamlfile import LineDict, LineList, Problem, display_path, language_texts, read_yaml

LANGUAGES = ("en", "fr", "es")


def _is_action_date(text: str) -> bool:
    """YYYY-MM-DD or YYYY-MM, a real day or month: "2024-12-05", "2026-02"."""
    parts = text.split("-")
    if len(parts) not in (2, 3) or len(parts[0]) != 4 or not all(p.isdigit() for p in parts):
        return False
    try:
        date(int(parts[0]), int(parts[1]), int(parts[2]) if len(parts) == 3 else 1)
    except ValueError:
        return False
    return len(parts[1]) == 2 and (len(parts) == 2 or len(parts[2]) == 2)


def day_of(text: str | None) -> date | None:
    """The day a register date names, or None for a month alone: "2011-07-12" -> 2011-07-12."""
    if not text or len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _after(when: str, as_of: date) -> bool:
    """Whether register date ``when`` (a day, or a month) is later than ``as_of``."""
    day = day_of(when)
    return day > as_of if day else when > as_of.isoformat()[:7]


def _same_or_after(later: str, earlier: str) -> bool:
    """Whether register date ``later`` is not before ``earlier``, compared at the coarser of the
    two precisions ("2008-12" is not before "2008-12-12")."""
    size = min(len(later), len(earlier))
    return later[:size] >= earlier[:size]


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
REGIONS = ("africa", "americas", "asia", "europe", "oceania")
TREATY_STATUSES = ("party", "signatory", "none")
TREATIES = ("uncat", "opcat")
DEPOSITS = ("ratification", "accession", "succession")  # the instruments that make a State party
# What a State can do on each treaty. UNCAT: art. 28(1) reservation (no art. 20 inquiry) and its
# withdrawal (art. 28(2)); art. 21 and 22 declarations and their withdrawal; art. 30(2) declaration
# (not bound by art. 30(1)) and its withdrawal (art. 30(3)). OPCAT: art. 24 postponement of Part III
# or Part IV, made on ratification.
TREATY_ACTIONS = {
    "uncat": (
        "signature",
        *DEPOSITS,
        "reservation_art28",
        "withdrawal_art28",
        "declaration_art21",
        "withdrawal_art21",
        "declaration_art22",
        "withdrawal_art22",
        "declaration_art30",
        "withdrawal_art30",
    ),
    "opcat": ("signature", "ratification", "accession", "declaration_art24"),
}
# Each withdrawal and what it withdraws.
WITHDRAWS = {
    "withdrawal_art28": "reservation_art28",
    "withdrawal_art21": "declaration_art21",
    "withdrawal_art22": "declaration_art22",
    "withdrawal_art30": "declaration_art30",
}
# Made at signature, ratification or accession only (UNCAT art. 28(1) and 30(2)); a signatory may
# have made them. Every other declaration needs a party.
AT_SIGNATURE = ("reservation_art28", "declaration_art30")
REPORT_KINDS = ("initial", "periodic")
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


@dataclass(frozen=True)
class TreatyAction:
    """One step a State took on a treaty, with its date and where it is recorded."""

    action: str  # one of TREATY_ACTIONS[treaty]: signature, ratification, declaration_art22, ...
    date: str  # YYYY-MM-DD, or YYYY-MM where only the month is sourced
    source: str
    in_force: str | None = None  # a deposit's entry into force, where a source states it
    part: str | None = None  # OPCAT art. 24: "III" or "IV"
    line: int = field(default=0, compare=False, repr=False)  # in states.yaml


@dataclass(frozen=True)
class Report:
    """A report the State submitted to the Committee against Torture (UNCAT art. 19)."""

    kind: str  # initial | periodic
    source: str
    number: int | None = None  # periodic reports: 2 for the second, ...
    symbol: str | None = None  # "CAT/C/GHA/1"
    submitted: str | None = None  # the date the UN received it, where sourced
    considered: str | None = None  # the first day of the Committee's dialogue, where sourced
    line: int = field(default=0, compare=False, repr=False)  # in states.yaml


@dataclass(frozen=True)
class ReportDue:
    """The next report the Committee expects, with the date it set (or the Convention's)."""

    kind: str  # initial | periodic
    date: str
    source: str
    number: int | None = None
    # The source says the report had still not been received on this date (so it is overdue).
    not_received: str | None = None
    line: int = field(default=0, compare=False, repr=False)  # in states.yaml


@dataclass(frozen=True)
class Unidentified:
    """Parties a published total counts that the register cannot name (so counts stay right)."""

    parties: int
    source: str


@dataclass(frozen=True)
class State:
    """One State of the register: names, groups, treaty status and the sourced treaty facts.

    The helpers answer from sourced actions only and return None where the register does not
    know (the desk then points to the UN Treaty Collection). Example, Vanuatu (accession
    deposited on 12 July 2011)::

        state.uncat_deposit()          # ("accession", "2011-07-12")
        state.uncat_in_force()         # date(2011, 8, 11)
        state.initial_report_due()     # date(2012, 8, 11)
        state.declarations_in_force()  # (): no reservation or declaration recorded
        state.opcat_art24_part         # None
    """

    code: str
    names: dict[str, list[str]]
    region: str
    subregion: str
    un_member: bool
    sids: bool
    commonwealth: bool
    uncat: str
    opcat: str
    actions: dict[str, tuple[TreatyAction, ...]] = field(
        default_factory=dict
    )  # per treaty, by date
    reports: tuple[Report, ...] = ()  # to the Committee against Torture, oldest first
    next_report_due: ReportDue | None = None

    def name(self, language: str) -> str:
        return (self.names.get(language) or self.names["en"])[0]

    @property
    def uncat_status(self) -> str:
        """party | signatory | neither, as the statistics report it."""
        return "neither" if self.uncat == "none" else self.uncat

    def deposit(self, treaty: str) -> TreatyAction | None:
        """The instrument that made the State party to ``treaty`` (ratification, accession or
        succession), if the register records it."""
        return next((a for a in self.actions.get(treaty, ()) if a.action in DEPOSITS), None)

    def uncat_deposit(self) -> tuple[str, str] | None:
        """(kind, date) of the UNCAT instrument: ("accession", "2011-07-12")."""
        action = self.deposit("uncat")
        return (action.action, action.date) if action else None

    def in_force(self, treaty: str) -> date | None:
        """When ``treaty`` entered into force for the State: as a source states it, else the
        thirtieth day after a deposit whose day is known (never a guess from a month)."""
        return _in_force(self.deposit(treaty), treaty)

    def uncat_in_force(self) -> date | None:
        return self.in_force("uncat")

    def initial_report_due(self) -> date | None:
        """UNCAT art. 19(1): one year after entry into force, where that date is known."""
        in_force = self.uncat_in_force()
        return deadlines.initial_report_due(in_force) if in_force else None

    def declarations_in_force(self) -> tuple[TreatyAction, ...]:
        """UNCAT reservations and declarations made and not withdrawn since (art. 21, 22, 28, 30)."""
        made = [a for a in self.actions.get("uncat", ()) if a.action in WITHDRAWS.values()]
        withdrawn = {
            WITHDRAWS[a.action]: a.date
            for a in self.actions.get("uncat", ())
            if a.action in WITHDRAWS
        }
        return tuple(a for a in made if a.action not in withdrawn or withdrawn[a.action] < a.date)

    @property
    def opcat_art24_part(self) -> str | None:
        """The OPCAT Part ("III" or "IV") an art. 24 declaration postponed, if any."""
        return next(
            (a.part for a in self.actions.get("opcat", ()) if a.action == "declaration_art24"),
            None,
        )

    def overdue_report(self) -> ReportDue | None:
        """The report a source states was due and not received (never inferred from silence)."""
        due = self.next_report_due
        return due if due and due.not_received else None


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

    def exact_state(self, text: str) -> State | None:
        """The one State ``text`` names exactly (a name or variant in any language, accents and
        case aside), or None: "kiribati" -> Kiribati, but "Guinea" is not "Guinea-Bissau"."""
        wanted = fold(text)
        codes = {code for (code, _), name in self._state_names.items() if name == wanted}
        return self.states[codes.pop()] if len(codes) == 1 else None

    def find_state(self, text: str, *, limit: int = 3) -> list[State]:
        """States whose name (any language, any variant) best matches ``text``, best first."""
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
            wanted, choices, scorer=fuzz.WRatio, limit=limit * 4, score_cutoff=70
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
            for i, name in enumerate(n for names in state.names.values() for n in names)
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


def _empty_mapping(line: int) -> LineDict:
    """A mapping with nothing in it, for ``uncat: party`` written as the status alone."""
    empty = LineDict()
    empty.line, empty.key_lines = line, {}
    return empty


def _text_date(value: object) -> str | None:
    """A YAML date or text as the register writes it: date(2011, 7, 12) -> "2011-07-12"."""
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def _in_force(deposit: TreatyAction | None, treaty: str) -> date | None:
    """The entry into force a source states for ``deposit``, else the one its day gives."""
    if deposit is None:
        return None
    if deposit.in_force:
        return day_of(deposit.in_force)
    deposited = day_of(deposit.date)
    return deadlines.entry_into_force(deposited, treaty=treaty) if deposited else None


@dataclass
class _Treaty:
    """What the loader read for one treaty of one State, before it builds the State."""

    status: str
    line: int
    actions: tuple[TreatyAction, ...] = ()
    reports: tuple[Report, ...] = ()
    due: ReportDue | None = None


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
        name = display_path(path)
        data = self.read(path)
        if data is None:
            return
        as_of = data.get("as_of")
        if not isinstance(as_of, date):
            self.problem(
                name, data.key_line("as_of"), "'as_of' must be the date the status was compiled"
            )
        else:
            self.base.states_as_of = as_of
        items = data.get("states")
        if not isinstance(items, LineList):
            self.problem(name, data.line, "expected a list under 'states'")
            return
        for item in items:
            code = item.get("code") if isinstance(item, LineDict) else None
            if not isinstance(code, str) or len(code) != 3 or not code.isupper():
                self.problem(
                    name, getattr(item, "line", items.line), "a State needs a 3-letter ISO 'code'"
                )
                continue
            if code in self.base.states:
                self.problem(name, item.line, f"duplicate State code {code!r}")
                continue
            names = item.get("names")
            parsed: dict[str, list[str]] = {}
            for language in LANGUAGES:
                value = names.get(language) if isinstance(names, dict) else None
                if isinstance(value, str):
                    value = [value]
                if not isinstance(value, list) or not value:
                    self.problem(name, item.line, f"{code}: missing {language} name")
                    value = []
                parsed[language] = [str(v) for v in value]
            if not parsed["en"]:
                continue
            region = item.get("region")
            if region not in REGIONS:
                self.problem(
                    name,
                    item.key_line("region"),
                    f"{code}: region must be one of {', '.join(REGIONS)}",
                )
            treaties = {t: self.treaty_status(name, item, t, code) for t in TREATIES}
            self.check_treaties(name, item, code, treaties)
            uncat = treaties["uncat"]
            self.base.states[code] = State(
                code=code,
                names=parsed,
                region=str(region),
                subregion=str(item.get("subregion") or ""),
                un_member=bool(item.get("un_member", True)),
                sids=bool(item.get("sids", False)),
                commonwealth=bool(item.get("commonwealth", False)),
                uncat=uncat.status,
                opcat=treaties["opcat"].status,
                actions={t: v.actions for t, v in treaties.items() if v.actions},
                reports=uncat.reports,
                next_report_due=uncat.due,
            )
        self.load_unidentified(name, data)

    def treaty_status(self, name: str, item: LineDict, treaty: str, code: str) -> _Treaty:
        """``uncat: party``, or ``uncat: {status: party, actions: [{action, date, source}]}``;
        under ``uncat`` also ``reports`` and ``next_report_due``."""
        value = item.get(treaty)
        line = item.key_line(treaty)
        block = value if isinstance(value, LineDict) else _empty_mapping(line)
        if isinstance(value, LineDict):
            line = value.key_line("status")
            value = value.get("status")
        if value not in TREATY_STATUSES:
            self.problem(name, line, f"{code}: '{treaty}' must be party, signatory or none")
        result = _Treaty(str(value), line)
        for key in sorted(set(block) - {"status", "actions", "reports", "next_report_due"}):
            self.problem(name, block.key_line(key), f"{code}: unknown key {key!r} under {treaty}")
        raw_actions = block.get("actions", [])
        if not isinstance(raw_actions, list):
            self.problem(
                name, block.key_line("actions"), f"{code}: {treaty} actions must be a list"
            )
            raw_actions = []
        actions = []
        for index, raw in enumerate(raw_actions):
            at = raw_actions.item_line(index) if isinstance(raw_actions, LineList) else line
            action = self.treaty_action(name, at, code, treaty, raw)
            if action is not None:
                actions.append(action)
        result.actions = tuple(sorted(actions, key=lambda a: a.date))
        if treaty == "uncat":
            result.reports = self.reports(name, block, code)
            result.due = self.report_due(name, block, code)
        elif "reports" in block or "next_report_due" in block:
            key = "reports" if "reports" in block else "next_report_due"
            self.problem(name, block.key_line(key), f"{code}: reports belong under uncat")
        return result

    def treaty_action(
        self, name: str, at: int, code: str, treaty: str, raw: object
    ) -> TreatyAction | None:
        """One ``{action, date, source}`` item, or None (with the problem reported)."""
        if not isinstance(raw, dict):
            self.problem(name, at, f"{code}: a {treaty} action needs action, date and source")
            return None
        known = TREATY_ACTIONS[treaty]
        action, source = raw.get("action"), raw.get("source")
        when, in_force = _text_date(raw.get("date")), _text_date(raw.get("in_force"))
        part = raw.get("part")
        if action not in known:
            self.problem(name, at, f"{code}: {treaty} action must be one of {', '.join(known)}")
        elif not _is_action_date(when):
            self.problem(name, at, f"{code}: {treaty} {action} date must be YYYY-MM-DD or YYYY-MM")
        elif not isinstance(source, str) or not source.strip():
            self.problem(name, at, f"{code}: {treaty} {action} needs a 'source'")
        elif in_force is not None and (action not in DEPOSITS or day_of(in_force) is None):
            self.problem(
                name, at, f"{code}: 'in_force' (YYYY-MM-DD) belongs to a ratification or accession"
            )
        elif (action == "declaration_art24") != (part is not None) or part not in (
            None,
            "III",
            "IV",
        ):
            self.problem(
                name,
                at,
                f"{code}: an art. 24 declaration names its 'part': III or IV (and only it)",
            )
        else:
            return TreatyAction(
                str(action), when, " ".join(source.split()), in_force, part, line=at
            )
        return None

    def reports(self, name: str, block: LineDict, code: str) -> tuple[Report, ...]:
        """``reports: [{kind, number, symbol, submitted, considered, source}]`` under uncat."""
        raw = block.get("reports")
        if raw is None:
            return ()
        if not isinstance(raw, LineList):
            self.problem(name, block.key_line("reports"), f"{code}: 'reports' must be a list")
            return ()
        found = []
        for index, item in enumerate(raw):
            at = raw.item_line(index)
            report = self.report(name, at, code, item, "report")
            if report is not None:
                found.append(report)
        return tuple(found)

    def report(self, name: str, at: int, code: str, item: object, what: str) -> Report | None:
        if not isinstance(item, dict):
            self.problem(name, at, f"{code}: a {what} needs kind, source and dates")
            return None
        kind, number, source = item.get("kind"), item.get("number"), item.get("source")
        symbol = item.get("symbol")
        dates = {k: _text_date(item.get(k)) for k in ("submitted", "considered")}
        if kind not in REPORT_KINDS:
            self.problem(name, at, f"{code}: a {what}'s kind is initial or periodic")
        elif (kind == "periodic") != (number is not None) or (
            number is not None and (not isinstance(number, int) or number < 2)
        ):
            self.problem(name, at, f"{code}: a periodic {what} has a 'number' (2 or more), only it")
        elif not isinstance(source, str) or not source.strip():
            self.problem(name, at, f"{code}: a {what} needs a 'source'")
        elif symbol is not None and not str(symbol).startswith("CAT/C/"):
            self.problem(name, at, f"{code}: a report's symbol starts with CAT/C/")
        elif any(d is not None and not _is_action_date(d) for d in dates.values()):
            self.problem(name, at, f"{code}: {what} dates must be YYYY-MM-DD or YYYY-MM")
        elif what == "report" and symbol is None and dates["submitted"] is None:
            self.problem(name, at, f"{code}: a report needs its 'symbol' or 'submitted' date")
        else:
            return Report(
                str(kind),
                " ".join(source.split()),
                number,
                None if symbol is None else str(symbol),
                dates["submitted"],
                dates["considered"],
                line=at,
            )
        return None

    def report_due(self, name: str, block: LineDict, code: str) -> ReportDue | None:
        """``next_report_due: {kind, number, date, source, not_received}`` under uncat."""
        raw = block.get("next_report_due")
        if raw is None:
            return None
        at = block.key_line("next_report_due")
        when = _text_date(raw.get("date")) if isinstance(raw, dict) else None
        not_received = _text_date(raw.get("not_received")) if isinstance(raw, dict) else None
        report = self.report(name, at, code, raw, "report due")
        if report is None:
            return None
        if day_of(when) is None or (not_received is not None and day_of(not_received) is None):
            self.problem(name, at, f"{code}: next_report_due dates must be YYYY-MM-DD")
            return None
        return ReportDue(
            report.kind, str(when), report.source, report.number, not_received, line=at
        )

    def check_treaties(
        self, name: str, item: LineDict, code: str, treaties: dict[str, _Treaty]
    ) -> None:
        """What the statuses, actions and reports say must agree (file:line for each problem)."""
        as_of = self.base.states_as_of
        for treaty, found in treaties.items():
            status, actions = found.status, found.actions
            kinds = [a.action for a in actions]
            deposits = [a for a in actions if a.action in DEPOSITS]
            signatures = [a for a in actions if a.action == "signature"]
            for action in actions:
                if as_of and _after(action.date, as_of):
                    self.problem(
                        name,
                        action.line,
                        f"{code}: {treaty} {action.action} on {action.date} is after the "
                        f"register's as_of ({as_of})",
                    )
            if status == "none" and actions:
                self.problem(
                    name, actions[0].line, f"{code}: {treaty} is 'none' but actions are recorded"
                )
            if status == "party" and actions and len(deposits) != 1:
                self.problem(
                    name,
                    found.line,
                    f"{code}: a {treaty} party has exactly one ratification, accession or "
                    f"succession ({len(deposits)} recorded)",
                )
            if status == "signatory" and actions and (deposits or not signatures):
                self.problem(
                    name,
                    found.line,
                    f"{code}: a {treaty} signatory has a signature and no ratification or accession",
                )
            if len(signatures) > 1:
                self.problem(name, signatures[1].line, f"{code}: {treaty} signed twice")
            if deposits and signatures and not _same_or_after(deposits[0].date, signatures[0].date):
                self.problem(
                    name, deposits[0].line, f"{code}: {treaty} deposit comes before its signature"
                )
            for deposit in deposits:
                self.check_in_force(name, code, treaty, deposit)
            if kinds.count("declaration_art24") > 1:
                self.problem(name, found.line, f"{code}: one art. 24 declaration at most")
            for action in actions:
                self.check_declaration(name, code, treaty, status, action, actions)
        self.check_opcat_after_uncat(name, code, treaties)
        self.check_reports(name, item, code, treaties["uncat"])

    def check_in_force(self, name: str, code: str, treaty: str, deposit: TreatyAction) -> None:
        """A written entry into force is the thirtieth day after the deposit (or the treaty's own
        date for the first twenty States): UNCAT art. 27, OPCAT art. 28."""
        in_force = day_of(deposit.in_force)
        if in_force is None:
            return
        deposited = day_of(deposit.date)
        if deposited is not None:
            expected = deadlines.entry_into_force(deposited, treaty=treaty)
            agrees = expected == in_force
        else:  # a month only: some day of that month, thirty days earlier, must give it
            agrees = (in_force - deadlines.IN_FORCE_AFTER).isoformat()[:7] == deposit.date or (
                in_force == deadlines.TREATY_IN_FORCE[treaty]
                and deposit.date <= (in_force - deadlines.IN_FORCE_AFTER).isoformat()[:7]
            )
            expected = f"30 days after a day of {deposit.date}"
        if not agrees:
            self.problem(
                name,
                deposit.line,
                f"{code}: {treaty} in force on {in_force} does not follow from the "
                f"{deposit.action} of {deposit.date} (expected {expected})",
            )

    def check_declaration(
        self,
        name: str,
        code: str,
        treaty: str,
        status: str,
        action: TreatyAction,
        actions: tuple[TreatyAction, ...],
    ) -> None:
        """Declarations need party status (art. 28/30 ones may come at signature); a withdrawal
        needs what it withdraws; an art. 24 declaration comes with the OPCAT instrument or later."""
        kind = action.action
        if kind == "signature" or kind in DEPOSITS:
            return
        allowed = ("party", "signatory") if kind in AT_SIGNATURE else ("party",)
        if status not in allowed:
            self.problem(
                name,
                action.line,
                f"{code}: {treaty} {kind} needs {' or '.join(allowed)} status, not {status!r}",
            )
        instruments = [a for a in actions if a.action == "signature" or a.action in DEPOSITS]
        if (
            kind in AT_SIGNATURE
            and instruments
            and not any(
                _same_or_after(action.date, a.date) and _same_or_after(a.date, action.date)
                for a in instruments
            )
        ):
            self.problem(
                name,
                action.line,
                f"{code}: {kind} is made at signature, ratification or accession: its date "
                f"{action.date} matches none of them",
            )
        if kind in WITHDRAWS and not any(
            a.action == WITHDRAWS[kind] and _same_or_after(action.date, a.date) for a in actions
        ):
            self.problem(name, action.line, f"{code}: {kind} without an earlier {WITHDRAWS[kind]}")
        deposit = next((a for a in actions if a.action in DEPOSITS), None)
        if (
            kind == "declaration_art24"
            and deposit
            and not _same_or_after(action.date, deposit.date)
        ):
            self.problem(
                name, action.line, f"{code}: the art. 24 declaration comes before the OPCAT deposit"
            )

    def check_opcat_after_uncat(self, name: str, code: str, treaties: dict[str, _Treaty]) -> None:
        """Only a State that signed UNCAT can sign OPCAT (art. 27(1)); only a UNCAT party can
        ratify or accede to it (art. 27(2), (3)), on or after its own UNCAT deposit."""
        uncat, opcat = treaties["uncat"], treaties["opcat"]
        needs = {"party": ("party",), "signatory": ("party", "signatory")}.get(opcat.status, ())
        if needs and uncat.status not in needs:
            self.problem(
                name,
                opcat.line,
                f"{code}: OPCAT {opcat.status} needs UNCAT {' or '.join(needs)}, not {uncat.status!r}",
            )
        joined = [a for a in uncat.actions if a.action in DEPOSITS]
        for action in opcat.actions:
            if (
                action.action in DEPOSITS
                and joined
                and not _same_or_after(action.date, joined[0].date)
            ):
                self.problem(
                    name,
                    action.line,
                    f"{code}: OPCAT {action.action} on {action.date} comes before the UNCAT "
                    f"{joined[0].action} on {joined[0].date}",
                )

    def check_reports(self, name: str, item: LineDict, code: str, uncat: _Treaty) -> None:
        """Reports and the next due date belong to a UNCAT party, come after its deposit and not
        after the register's as_of; the initial report is due one year after entry into force
        (art. 19(1)); a report is overdue only if no submission is recorded by that date."""
        block = item.get("uncat")
        if not isinstance(block, LineDict) or not (uncat.reports or uncat.due):
            return
        if uncat.status != "party":
            line = block.key_line("reports" if uncat.reports else "next_report_due")
            self.problem(name, line, f"{code}: reports to the Committee need UNCAT party status")
            return
        as_of = self.base.states_as_of
        deposit = next((a for a in uncat.actions if a.action in DEPOSITS), None)
        initial = [r for r in uncat.reports if r.kind == "initial"]
        if len(initial) > 1:
            self.problem(name, initial[1].line, f"{code}: one initial report at most")
        for report in uncat.reports:
            for when in (report.submitted, report.considered):
                if when and as_of and _after(when, as_of):
                    self.problem(
                        name, report.line, f"{code}: report date {when} is after as_of ({as_of})"
                    )
                if when and deposit and not _same_or_after(when, deposit.date):
                    self.problem(
                        name,
                        report.line,
                        f"{code}: report date {when} comes before the UNCAT {deposit.action}",
                    )
            dates = (report.considered, report.submitted)
            if all(dates) and not _same_or_after(*dates):
                self.problem(
                    name, report.line, f"{code}: a report is considered after its submission"
                )
        due = uncat.due
        if due is None:
            return
        in_force = _in_force(deposit, "uncat")
        expected = deadlines.initial_report_due(in_force) if in_force else None
        if due.kind == "initial" and expected and day_of(due.date) != expected:
            self.problem(
                name,
                due.line,
                f"{code}: the initial report is due on {expected}, one year after entry into "
                f"force (art. 19(1)), not {due.date}",
            )
        if not due.not_received:
            return
        if due.not_received <= due.date or (as_of and _after(due.not_received, as_of)):
            self.problem(
                name,
                due.line,
                f"{code}: 'not_received' is a date after the due date and not after as_of",
            )
        for report in uncat.reports:
            same = report.kind == due.kind and report.number == due.number
            if same and report.submitted and _same_or_after(due.not_received, report.submitted):
                self.problem(
                    name,
                    due.line,
                    f"{code}: the report due on {due.date} is recorded as submitted on "
                    f"{report.submitted}",
                )

    def load_unidentified(self, name: str, data: LineDict) -> None:
        """Parties a published total counts that no State item is marked for."""
        value = data.get("unidentified_parties")
        if value is None:
            return
        if not isinstance(value, LineDict):
            self.problem(name, data.key_line("unidentified_parties"), "expected uncat/opcat items")
            return
        for treaty, item in value.items():
            line = value.key_line(treaty)
            if treaty not in TREATIES or not isinstance(item, LineDict):
                self.problem(name, line, f"unidentified_parties: {treaty!r} is not uncat or opcat")
                continue
            count, source = item.get("parties"), item.get("source")
            if not isinstance(count, int) or count < 0 or isinstance(count, bool):
                self.problem(
                    name, line, f"unidentified_parties {treaty}: 'parties' must be a count"
                )
            elif not isinstance(source, str) or not source.strip():
                self.problem(name, line, f"unidentified_parties {treaty}: needs a 'source'")
            else:
                self.base.unidentified[treaty] = Unidentified(count, " ".join(source.split()))

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
