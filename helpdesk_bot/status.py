"""What the register says of one State, as an official reads it: pure functions, no database,
no Telegram.

An FAQ entry whose answer depends on the asker's State carries a ``state_aspect`` (deadlines,
party, declarations, opcat, route); the answer then ends with :func:`state_paragraph` for the
official's State, or, when the official has not named one, :func:`offer_line`. :func:`status_card`
is the State at a glance (``/profile``, ``/state``).

Every date shown is one the register holds, or one the treaty computes from a day the register
holds (entry into force, art. 27(2); initial report, art. 19(1); NPM, OPCAT art. 17). Nothing is
computed from a month alone, and a report is called overdue only where a source says it had not
been received. Sentences put the State's name after a label ("État : Côte d'Ivoire"), so French
and Spanish need no grammatical gender. Example, Vanuatu::

    state_paragraph(base.states["VUT"], "deadlines", base, "en", today=date(2026, 3, 1))
    # "Your State: Vanuatu (our register, as of 1 March 2026).
    #  Instrument of accession deposited: 12 July 2011. In force for this State: 11 August 2011 ..."
"""

from __future__ import annotations

from datetime import date

from . import deadlines, texts
from .knowledge import STATE_ASPECTS, KnowledgeBase
from .register import format_date
from .states import WITHDRAWS, Report, ReportDue, State, TreatyAction

__all__ = ["STATE_ASPECTS", "offer_line", "state_paragraph", "status_card"]

# The texts are in the desk's catalogues (helpdesk_bot/catalogue/*.yaml: data, not code), each
# key prefixed "status_" there.
PREFIX = "status_"


def _say(key: str, language: str, **values: str) -> str:
    return texts.say(PREFIX + key, language, **values)


def _list(items: list[str], language: str) -> str:
    """Items of a sentence: "a; b", in French "a ; b"."""
    return (" ; " if language == "fr" else "; ").join(items)


def _date(value: date | str, language: str) -> str:
    return format_date(value, language)


def _lang(language: str) -> str:
    return language if language in ("en", "fr", "es") else "en"


# --- the facts, one sentence each ---------------------------------------------------------------
def _header(state: State, base: KnowledgeBase, language: str, key: str = "header") -> str:
    as_of = _date(base.states_as_of, language) if base.states_as_of else "?"
    return _say(key, language, name=state.name(language), as_of=as_of)


def _signature(state: State, treaty: str) -> TreatyAction | None:
    return next((a for a in state.actions.get(treaty, ()) if a.action == "signature"), None)


def _instrument(state: State, treaty: str, language: str) -> list[str]:
    """Signature and deposit as the register records them, with the entry into force."""
    lines = []
    signature = _signature(state, treaty)
    if signature is not None:
        lines.append(_say("signed", language, date=_date(signature.date, language)))
    deposit = state.deposit(treaty)
    if deposit is not None:
        kind = _say(f"kind_{deposit.action}", language)
        lines.append(_say("deposited", language, kind=kind, date=_date(deposit.date, language)))
        in_force = state.in_force(treaty)
        if in_force is not None:
            key = "in_force" if treaty == "uncat" else "opcat_in_force"
            lines.append(_say(key, language, date=_date(in_force, language)))
    return lines


def _uncat_dates(state: State, language: str) -> list[str]:
    """Deposit, entry into force, initial report due, or why the register gives none."""
    lines = _instrument(state, "uncat", language)
    if state.uncat != "party":
        return lines
    if state.deposit("uncat") is None:
        lines.append(_say("no_deposit", language))
    elif state.uncat_in_force() is None:
        lines.append(_say("month_only", language))
    else:
        due = state.initial_report_due()
        if due is not None:
            lines.append(_say("initial_due", language, date=_date(due, language)))
    return lines


def _report_name(report: Report | ReportDue, language: str) -> str:
    if report.kind == "initial":
        return _say("report_initial", language)
    return _say("report_periodic", language, number=str(report.number))


def _report(report: Report, language: str) -> str:
    details = []
    if report.symbol:
        details.append(report.symbol)
    if report.submitted:
        key = "received" if len(report.submitted) == 10 else "received_month"
        details.append(_say(key, language, date=_date(report.submitted, language)))
    if report.considered:
        details.append(_say("considered", language, date=_date(report.considered, language)))
    return f"{_report_name(report, language)} ({', '.join(details)})"


def _reports(state: State, language: str) -> list[str]:
    """The reports the register knows, the next due date only where the Committee's is recorded,
    and "not yet received" only where a source says so."""
    lines = []
    if state.reports:
        listed = _list([_report(r, language) for r in state.reports], language)
        lines.append(_say("reports", language, reports=listed))
    else:
        lines.append(_say("no_reports", language))
    due = state.next_report_due
    if due is None:
        if state.reports:  # past the initial report: the Committee sets the next date
            lines.append(_say("no_next_due", language))
        return lines
    lines.append(
        _say(
            "next_due",
            language,
            report=_report_name(due, language),
            date=_date(due.date, language),
        )
    )
    overdue = state.overdue_report()
    if overdue is not None and overdue.not_received:
        lines.append(_say("overdue", language, date=_date(overdue.not_received, language)))
    return lines


def _status_lines(state: State, language: str) -> list[str]:
    return [_say(f"uncat_{state.uncat}", language), _say(f"opcat_{state.opcat}", language)]


def _declarations(state: State, language: str) -> list[str]:
    made = state.declarations_in_force()
    lines = []
    if made:
        items = _list(
            [
                _say(
                    "made_on", language, what=_say(a.action, language), date=_date(a.date, language)
                )
                for a in made
            ],
            language,
        )
        lines.append(_say("declarations", language, items=items))
    else:
        lines.append(_say("no_declarations", language))
    withdrawn = [a for a in state.actions.get("uncat", ()) if a.action in WITHDRAWS]
    if withdrawn:
        items = _list(
            [
                _say(
                    "made_on",
                    language,
                    what=_say(WITHDRAWS[a.action], language),
                    date=_date(a.date, language),
                )
                for a in withdrawn
            ],
            language,
        )
        lines.append(_say("withdrawn", language, items=items))
    if state.uncat != "party":
        lines.append(_say("declarations_not_party", language))
    return lines


def _npm_due(state: State) -> date | None:
    """OPCAT art. 17, shifted by an art. 24 Part IV declaration (then no date: its terms decide)."""
    in_force = state.in_force("opcat")
    if state.opcat != "party" or in_force is None:
        return None
    return deadlines.npm_due(in_force, postponed=state.opcat_art24_part == "IV")


def _opcat(state: State, language: str) -> list[str]:
    lines = [_say(f"opcat_{state.opcat}", language)]
    if state.uncat != "party":
        return [*lines, _say("opcat_needs_uncat", language)]
    lines += _instrument(state, "opcat", language)
    if state.opcat == "party":
        part = state.opcat_art24_part
        if part in ("III", "IV"):
            lines.append(_say(f"art24_{part}", language))
        if state.in_force("opcat") is None:
            lines.append(_say("opcat_no_date", language))
        npm = _npm_due(state)
        if npm is not None:
            lines.append(_say("npm_due", language, date=_date(npm, language)))
    else:
        lines.append(_say("opcat_join", language))
    return lines


def _route(state: State, language: str) -> list[str]:
    if state.uncat == "party":
        return [_say("route_party", language), *_uncat_dates(state, language)]
    lines = _instrument(state, "uncat", language)
    lines.append(_say(f"route_{state.uncat}", language))
    lines.append(_say("route_then", language))
    return lines


def state_paragraph(
    state: State,
    aspect: str,
    base: KnowledgeBase,
    language: str,
    *,
    today: date,
    named: bool = False,
) -> str | None:
    """A short paragraph for the official's ``state`` on ``aspect`` (one of STATE_ASPECTS), in
    ``language``, with the register's as-of date and the UN Treaty Collection to check; None for
    an unknown aspect. A State not yet party asked about deadlines gets the way to join.
    ``named``: a State the question names, not the official's own ("Tuvalu", not "Your State").

    ``today`` decides nothing the register does not hold: it is there so that a date can be
    compared with today (for now only the status card's next deadline uses it).
    """
    del today  # the paragraph states dates; the card says which is next
    language = _lang(language)
    if aspect not in STATE_ASPECTS:
        return None
    lines = [_header(state, base, language, "header_named" if named else "header")]
    check = "check_uncat"
    if aspect == "deadlines":
        if state.uncat == "party":
            lines += _uncat_dates(state, language)
            lines += _reports(state, language)
        else:
            lines.append(_say("not_party_deadlines", language))
            lines += _route(state, language)
    elif aspect == "party":
        lines.append(_say(f"uncat_{state.uncat}", language))
        lines += _uncat_dates(state, language)
        lines.append(_say(f"opcat_{state.opcat}", language))
        if state.opcat != "none":
            lines += _instrument(state, "opcat", language)
    elif aspect == "declarations":
        lines.append(_say(f"uncat_{state.uncat}", language))
        lines += _declarations(state, language)
    elif aspect == "opcat":
        lines += _opcat(state, language)
        check = "check_opcat"
    elif aspect == "route":
        lines += _route(state, language)
    lines.append(_say(check, language))
    return " ".join(lines)


def upcoming(state: State, *, today: date) -> list[tuple[str, date]]:
    """The deadlines still ahead, nearest first, among those the register holds or the treaty
    computes from its dates: ``("next_report" | "initial_report" | "npm", due)``.

    Example: ``upcoming(base.states["LCA"], today=date(2026, 12, 1))`` -> ``[]`` (month only)
    """
    found: list[tuple[str, date]] = []
    due = state.next_report_due
    if due is not None:
        found.append(("next_report", date.fromisoformat(due.date)))
    initial = state.initial_report_due()
    if due is None and initial is not None and not any(r.kind == "initial" for r in state.reports):
        found.append(("initial_report", initial))
    npm = _npm_due(state)
    if npm is not None:
        found.append(("npm", npm))
    ahead = [pair for pair in found if not deadlines.has_passed(pair[1], today=today)]
    return sorted(ahead, key=lambda pair: pair[1])


def deadline_name(state: State, kind: str, language: str) -> str:
    """What falls due, in words: "the initial report", "the 2nd periodic report", "the NPM"."""
    if kind == "next_report" and state.next_report_due is not None:
        return _report_name(state.next_report_due, language)
    if kind == "initial_report":
        return _say("report_initial", language)
    return _say("what_npm", language)


def _next_deadline(state: State, language: str, today: date) -> tuple[date, str] | None:
    """The nearest deadline ahead, with its name."""
    ahead = upcoming(state, today=today)
    if not ahead:
        return None
    kind, day = ahead[0]
    return day, deadline_name(state, kind, language)


def _offers(state: State, base: KnowledgeBase, language: str) -> list[str]:
    """What CTI can offer next, from where the State stands: a tool, a partner, the Secretariat."""
    lines = [_say("offer_title", language)]
    tool_ids: list[str] = []
    if state.uncat != "party":
        tool_ids.append("ratification-tool")
    else:
        lines.append(_say("offer_reporting", language))
        tool_ids.append("article-by-article")
    for tool_id in tool_ids:
        tool = base.tools.get(tool_id)
        if tool is not None:
            title = tool.titles.get(language) or tool.titles.get("en", tool_id)
            lines.append(_say("offer_tool", language, title=title, url=tool.link(language)))
    if (state.uncat == "party" and state.opcat != "party") or state.opcat_art24_part == "IV":
        lines.append(_say("offer_apt", language))
    lines.append(_say("offer_secretariat", language))
    return lines


def status_card(state: State, base: KnowledgeBase, language: str, *, today: date) -> str:
    """The State at a glance: UNCAT and OPCAT status with dates, reservations and declarations,
    reports, the next deadline, and what CTI can offer next; plain text, one fact a line."""
    language = _lang(language)
    lines = [_header(state, base, language, "card_title"), ""]
    lines.append(_say(f"uncat_{state.uncat}", language))
    lines += _uncat_dates(state, language)
    if state.uncat == "party":
        lines += _reports(state, language)
    if state.uncat != "none":
        lines += _declarations(state, language)
    lines += _opcat(state, language)
    nearest = _next_deadline(state, language, today)
    if nearest is None:
        lines.append(_say("no_next_deadline", language))
    else:
        day, what = nearest
        lines.append(_say("next_deadline", language, what=what, date=_date(day, language)))
    lines.append(_say("check_both", language))
    lines.append("")
    lines += _offers(state, base, language)
    return "\n".join(lines)


def offer_line(language: str) -> str:
    """One line offering to set the official's State, for answers that depend on it."""
    return _say("offer_profile", _lang(language))


def staff_line(state: State, *, today: date) -> str:
    """The State's treaty status in one line of English for the staff's ticket card: triage sees
    where the State stands without looking it up. A report is called not received only where the
    register's source says so.

    Example: ``staff_line(base.states["VUT"], today=date(2026, 12, 1))``
    -> "UNCAT: party (accession 12 July 2011) · OPCAT: not party · next: initial report, ..."
    """
    names = {"party": "party", "signatory": "signatory", "none": "not party"}
    parts = []
    for treaty, label in (("uncat", "UNCAT"), ("opcat", "OPCAT")):
        status = state.uncat if treaty == "uncat" else state.opcat
        part = f"{label}: {names.get(status, status)}"
        deposit = state.deposit(treaty)
        if deposit is not None:
            part += f" ({deposit.action} {_date(deposit.date, 'en')})"
        if treaty == "opcat" and state.opcat_art24_part:
            part += f", art. 24 declaration (Part {state.opcat_art24_part})"
        parts.append(part)
    overdue = state.overdue_report()
    if overdue is not None and overdue.not_received:
        parts.append(
            f"{_report_name(overdue, 'en')} due {_date(overdue.date, 'en')}: not received as of "
            f"{_date(overdue.not_received, 'en')}"
        )
    else:
        nearest = _next_deadline(state, "en", today)
        if nearest is not None:
            parts.append(f"next: {nearest[1]}, {_date(nearest[0], 'en')}")
    return " · ".join(parts)
