"""The State register: each State's names, groups, treaty actions and reports, loaded and checked
from ``knowledge/states.yaml`` by :class:`RegisterReader` (each problem as ``file:line: message``).

:mod:`helpdesk_bot.knowledge` reads the file, keeps the result in its base and re-exports every
name here. Example: ``base.states["VUT"].uncat_in_force()`` -> ``date(2011, 8, 11)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from . import deadlines
from .yamlfile import LineDict, LineList

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
ART24_PARTS = (None, "III", "IV")  # an OPCAT action's 'part': only art. 24 names one


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
    # per treaty, by date
    actions: dict[str, tuple[TreatyAction, ...]] = field(default_factory=dict)
    reports: tuple[Report, ...] = ()  # to the Committee against Torture, oldest first
    next_report_due: ReportDue | None = None

    def name(self, language: str) -> str:
        return (self.names.get(language) or self.names["en"])[0]

    @property
    def all_names(self) -> list[str]:
        """Every name and variant, in every language: Fiji, Republic of Fiji, Fidji, ... Fiyi."""
        return [name for names in self.names.values() for name in names]

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


class RegisterReader:
    """Reads the mapping of ``states.yaml`` (file name ``name``): the States, the as-of date and
    the parties no State item names; every problem goes to ``problem(file, line, message)``."""

    def __init__(self, name: str, problem: Callable[..., None], languages: tuple[str, ...]):
        self.name = name
        self.problem = problem
        self.languages = languages
        self.states: dict[str, State] = {}
        self.as_of: date | None = None
        self.unidentified: dict[str, Unidentified] = {}  # per treaty

    def load(self, data: LineDict) -> None:
        name = self.name
        as_of = data.get("as_of")
        if not isinstance(as_of, date):
            self.problem(
                name, data.key_line("as_of"), "'as_of' must be the date the status was compiled"
            )
        else:
            self.as_of = as_of
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
            if code in self.states:
                self.problem(name, item.line, f"duplicate State code {code!r}")
                continue
            names = item.get("names")
            parsed: dict[str, list[str]] = {}
            for language in self.languages:
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
            self.states[code] = State(
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
        elif (action == "declaration_art24") != (part is not None) or part not in ART24_PARTS:
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
        as_of = self.as_of
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
        as_of = self.as_of
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
                self.unidentified[treaty] = Unidentified(count, " ".join(source.split()))
