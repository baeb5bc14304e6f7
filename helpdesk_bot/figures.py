"""The M&E figures counted in the database: the query log, tickets, referrals and feedback of a period.

Every figure is a GROUP BY in SQL; Python only merges the few groups a query returns (never the
query rows), so a year of a million questions takes about a second on SQLite.

Example::

    with session_scope(sessions) as session:
        figures = compute(session, Period.of(date(2025, 1, 1), date(2025, 12, 31)), states=base.states)

Confidentiality: a count by State below 5 is written as "<5" unless ``exact=True`` (``--exact``).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Float, and_, case, func, literal, or_, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from .deadlines import years_after
from .knowledge import Entry
from .models import DeadlineReminder, Feedback, Query, Referral, Ticket
from .periods import Period
from .results_framework import MEASURES, Indicator
from .states import State, day_of

OUTCOMES = ("answer", "suggest", "refer", "decline", "clarify", "escalate")
SMALL_TALK = "smalltalk"  # greetings and thanks: logged, counted apart, never a question
# Messages over HELPDESK_RATE_LIMIT: logged, not answered, counted apart, never a question.
OVER_LIMIT = "limited"
NOT_QUESTIONS = (SMALL_TALK, OVER_LIMIT)
STATE_STATUSES = ("party", "signatory", "neither")
SUPPRESS_BELOW = 5
SUPPRESSED = "<5"
TOP_ENTRIES = 20
NONE = "(none)"  # not applicable: no entry, so no topic; no deep link
UNKNOWN = "(unknown)"  # not known: the official gave no State
REPORTING_TOPIC = "reporting"  # the topic of the entries on reporting to the Committee
NEWLY_PARTY_YEARS = 3  # a State is newly party within three years of its UNCAT deposit
ADVICE_NOTE = (
    "A State counts as advised when an official whose profile names it got an answer, a referral "
    "or a staff reply; profiles are self-declared."
)

Count = int | str  # a count, or "<5" once suppressed


# --- the figures ---------------------------------------------------------------------------------
@dataclass(kw_only=True)
class Figures:
    """Everything ``stats`` reports for one period, exact; suppression happens when written."""

    period: Period
    queries: int = 0
    officials: int = 0
    states: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)
    smalltalk: int = 0
    over_limit: int = 0
    declined_by: dict[str, int] = field(default_factory=dict)  # scope item or rule -> declines
    by_topic: dict[str, int] = field(default_factory=dict)
    by_entry: dict[str, int] = field(default_factory=dict)
    by_language: dict[str, int] = field(default_factory=dict)
    by_region: dict[str, int] = field(default_factory=dict)
    by_state: dict[str, int] = field(default_factory=dict)
    by_state_status: dict[str, int] = field(default_factory=dict)
    by_sids: dict[str, int] = field(default_factory=dict)
    by_source: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    by_via: dict[str, int] = field(default_factory=dict)
    by_month: dict[str, dict[str, int]] = field(default_factory=dict)
    by_month_topic: dict[str, dict[str, int]] = field(default_factory=dict)
    tickets: dict[str, Any] = field(default_factory=dict)
    referrals: dict[str, int] = field(default_factory=dict)
    referral_outcomes: dict[str, dict[str, int]] = field(default_factory=dict)
    feedback: dict[str, int] = field(default_factory=dict)
    feedback_by_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    satisfaction: dict[str, Any] = field(default_factory=dict)  # on the Secretariat's replies
    reminders: dict[str, int] = field(default_factory=dict)  # deadline reminders set and sent
    technical_advice: dict[str, int] = field(default_factory=dict)
    advised: dict[str, Any] = field(default_factory=dict)  # by treaty status, on reporting, overdue
    results_framework: list[dict[str, Any]] = field(default_factory=list)  # target, actual a year
    entry_questions: dict[str, str] = field(default_factory=dict)  # for the table, not exported

    def as_dict(self, *, exact: bool = False) -> dict[str, Any]:
        """The ``stats --format json`` document (DESIGN.md keys first, then the rest)."""
        return {
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "queries": self.queries,
            "officials": self.officials,
            "states": self.states,
            "by_outcome": self.by_outcome,
            "smalltalk": self.smalltalk,
            "over_limit": self.over_limit,
            "declined_by": self.declined_by,
            "by_topic": self.by_topic,
            "by_language": self.by_language,
            "by_region": self.by_region,
            "tickets": self.tickets,
            "results_framework": self.results_framework,
            "referrals": self.referrals,
            "feedback": self.feedback,
            "satisfaction": self.satisfaction,
            "reminders": self.reminders,
            "states_with_technical_advice": self.technical_advice.get("states", 0),
            "technical_advice": self.technical_advice,
            "advised": self.advised,
            "by_entry": self.by_entry,
            "by_state": suppress(self.by_state, exact=exact),
            "by_state_status": self.by_state_status,
            "by_sids": self.by_sids,
            "by_source": self.by_source,
            "by_channel": self.by_channel,
            "by_via": self.by_via,
            "by_month": self.by_month,
            "by_month_topic": self.by_month_topic,
            "referral_outcomes": self.referral_outcomes,
            "feedback_by_kind": self.feedback_by_kind,
            "suppressed_below": None if exact else SUPPRESS_BELOW,
        }


def suppress(counts: Mapping[str, int], *, exact: bool) -> dict[str, Count]:
    """Counts by State below 5 become "<5" (an official could be recognised from them).

    >>> suppress({"FJI": 3, "GHA": 12, "(unknown)": 2}, exact=False)
    {'FJI': '<5', 'GHA': 12, '(unknown)': 2}
    """
    if exact:
        return dict(counts)
    return {
        key: SUPPRESSED if key != UNKNOWN and 0 < n < SUPPRESS_BELOW else n
        for key, n in counts.items()
    }


def _hours(session: Session, later: Any, earlier: Any) -> ColumnElement[float]:
    """``later - earlier`` in hours, as a float, on both databases."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 3600.0
    return (func.julianday(later) - func.julianday(earlier)) * 24.0


def median_hours(
    session: Session, later: Any, earlier: Any, *where: Any, count: int | None = None
) -> float | None:
    """The median of ``later - earlier`` in hours over the tickets matching ``where``.

    PostgreSQL has ``percentile_cont``; SQLite has no median, so the middle one or two values are
    read with ORDER BY ... LIMIT/OFFSET (the database sorts, only <= 2 numbers come back).
    """
    hours = _hours(session, later, earlier)
    conditions = (*where, later.is_not(None))
    if session.get_bind().dialect.name == "postgresql":
        value = session.scalar(
            select(func.percentile_cont(0.5).within_group(hours)).where(*conditions)
        )
        return None if value is None else round(float(value), 2)
    n = count if count is not None else session.scalar(select(func.count()).where(*conditions))
    if n == 0:
        return None
    middle = session.scalars(
        select(hours.cast(Float))
        .where(*conditions)
        .order_by(hours)
        .limit(2 - n % 2)
        .offset((n - 1) // 2)
    ).all()
    return round(sum(middle) / len(middle), 2)


def _label(value: str | None, missing: str) -> str:
    return missing if value is None or value == "" else str(value)


def _ordered(counter: Mapping[str, int]) -> dict[str, int]:
    """Largest first, then by name: the order every breakdown is written in."""
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def compute(
    session: Session,
    period: Period,
    *,
    states: Mapping[str, State] | None = None,
    entries: Mapping[str, Entry] | None = None,
    indicators: Sequence[Indicator] = (),
) -> Figures:
    """Aggregate the query log, tickets, referrals and feedback of ``period``.

    ``states`` (the State register) maps State codes to their treaty status and SIDS flag;
    ``indicators`` (the results framework) get their target and actual per calendar year.
    """
    states = states or {}
    if session.get_bind().dialect.name == "sqlite":
        # SQLite only picks the covering indexes once it has statistics about them; this is
        # SQLite's own advice, cheap (sampled, and a no-op when they are fresh) and harmless.
        session.execute(text("PRAGMA analysis_limit=1000"))
        # It may write (ANALYZE); while the bot writes, SQLite refuses a reader the upgrade
        # ("database is locked"). The figures do not need it: the next call optimizes.
        with contextlib.suppress(OperationalError):
            session.execute(text("PRAGMA optimize=0x10002"))
    # Every breakdown counts questions; small talk and messages over the rate limit are counted
    # once, apart.
    asked = and_(period.within(Query.asked_at), Query.outcome.not_in(NOT_QUESTIONS))
    figures = Figures(period=period)

    # Month by month (a range each, read in index order), and the totals are the months' sums.
    by_outcome: Counter[str] = Counter({o: 0 for o in OUTCOMES})
    by_topic: Counter[str] = Counter()
    by_month: dict[str, dict[str, int]] = {}
    by_month_topic: dict[str, dict[str, int]] = {}
    for month, lower, upper in period.month_ranges():
        outcomes: Counter[str] = Counter({o: 0 for o in OUTCOMES})
        topics: Counter[str] = Counter()
        for outcome, topic, n in session.execute(
            select(Query.outcome, Query.topic, func.count())
            .where(Query.asked_at >= lower, Query.asked_at < upper)
            .group_by(Query.outcome, Query.topic)
        ):
            if outcome == SMALL_TALK:
                figures.smalltalk += n
                continue
            if outcome == OVER_LIMIT:
                figures.over_limit += n
                continue
            outcomes[outcome] += n
            topics[_label(topic, NONE)] += n
        by_month[month], by_month_topic[month] = dict(outcomes), _ordered(topics)
        by_outcome.update(outcomes)
        by_topic.update(topics)
    figures.queries = sum(by_outcome.values())
    figures.by_outcome = dict(by_outcome)
    figures.by_topic = _ordered(by_topic)
    figures.by_month = by_month
    figures.by_month_topic = by_month_topic
    officials = (
        select(Query.official_ref)
        .where(asked, Query.official_ref.is_not(None))
        .group_by(Query.official_ref)
        .subquery()
    )
    figures.officials = session.scalar(select(func.count()).select_from(officials)) or 0

    # State and region together (a State lies in one region); status and SIDS come from the register.
    by_state: Counter[str] = Counter()
    questions_by_code: Counter[str | None] = Counter()
    by_region: Counter[str] = Counter()
    by_status: Counter[str] = Counter({s: 0 for s in STATE_STATUSES})
    by_sids: Counter[str] = Counter({"sids": 0, "other": 0})
    for code, region, n in session.execute(
        select(Query.state_code, Query.region, func.count())
        .where(asked)
        .group_by(Query.state_code, Query.region)
    ):
        by_state[_label(code, UNKNOWN)] += n
        questions_by_code[code] += n
        by_region[_label(region, UNKNOWN)] += n
        state = states.get(code or "")
        by_status[state.uncat_status if state else UNKNOWN] += n
        by_sids[("sids" if state.sids else "other") if state else UNKNOWN] += n
    figures.by_state = _ordered(by_state)
    figures.states = sum(1 for code in by_state if code != UNKNOWN)
    figures.by_region = _ordered(by_region)
    figures.by_state_status = {k: v for k, v in by_status.items() if v or k != UNKNOWN}
    figures.by_sids = {k: v for k, v in by_sids.items() if v or k != UNKNOWN}

    by_language: Counter[str] = Counter()
    by_channel: Counter[str] = Counter()
    by_via: Counter[str] = Counter()
    for language, channel, via, n in session.execute(
        select(Query.language, Query.channel, Query.via, func.count())
        .where(asked)
        .group_by(Query.language, Query.channel, Query.via)
    ):
        by_language[_label(language, UNKNOWN)] += n
        by_channel[_label(channel, UNKNOWN)] += n
        by_via[_label(via, UNKNOWN)] += n
    figures.by_language = _ordered(by_language)
    figures.by_channel = _ordered(by_channel)
    figures.by_via = _ordered(by_via)

    figures.by_source = _ordered(
        {
            _label(source, NONE): n
            for source, n in session.execute(
                select(Query.source, func.count()).where(asked).group_by(Query.source)
            )
        }
    )
    figures.by_entry = {
        entry: n
        for entry, n in session.execute(
            select(Query.entry_id, func.count().label("n"))
            .where(asked, Query.entry_id.is_not(None))
            .group_by(Query.entry_id)
            .order_by(func.count().desc(), Query.entry_id)
            .limit(TOP_ENTRIES)
        )
    }
    if entries:
        figures.entry_questions = {
            e: entries[e].question("en") for e in figures.by_entry if e in entries
        }
    figures.declined_by = _ordered(
        {
            _label(trigger, UNKNOWN): n
            for trigger, n in session.execute(
                select(Query.declined_by, func.count())
                .where(asked, Query.outcome == "decline")
                .group_by(Query.declined_by)
            )
        }
    )
    advice = Advice.of(session, period, questions_by_code)
    figures.technical_advice = advice.technical_advice()
    figures.advised = advice.summary(states)
    if indicators:
        figures.results_framework = results_framework(
            session, period, indicators, states=states, known={period: advice}
        )
    figures.tickets = ticket_figures(session, period)
    figures.referrals, figures.referral_outcomes = referral_figures(session, period)
    figures.feedback, figures.feedback_by_kind = feedback_figures(session, period)
    figures.satisfaction = satisfaction_figures(session, period)
    figures.reminders = reminder_figures(session, period)
    return figures


def technical_advice(session: Session, period: Period) -> dict[str, int]:
    """The results-framework line: States (and officials, questions) that received advice.

    A question counts as advice when the bot answered it, referred it to a partner, or staff
    responded to its ticket (replied, answered it or referred it), whenever that happened.
    """
    return Advice.of(session, period).technical_advice()


def _advised() -> ColumnElement[bool]:
    """A question that got advice (with ``Ticket`` outer-joined on its ticket): see technical_advice."""
    return or_(
        Query.outcome.in_(("answer", "refer")),
        Ticket.first_response_at.is_not(None),
        Ticket.resolution.in_(("answered", "referred")),
    )


def newly_party(state: State, end: date) -> bool:
    """Whether ``state`` deposited its UNCAT instrument within three years before ``end`` (both
    days included), by the register's deposit date; an unknown date is never newly party, and a
    deposit known to the month only counts when the whole month lies within the three years.

    >>> from helpdesk_bot.states import TreatyAction
    >>> vanuatu = State("VUT", {"en": ["Vanuatu"]}, "oceania", "melanesia", True, True, True,
    ...     "party", "none", actions={"uncat": (TreatyAction("accession", "2011-07-12", "UNTC"),)})
    >>> newly_party(vanuatu, date(2014, 7, 12)), newly_party(vanuatu, date(2014, 7, 13))
    (True, False)
    """
    deposit = state.uncat_deposit() if state.uncat == "party" else None
    if deposit is None:
        return False
    since = years_after(end, -NEWLY_PARTY_YEARS)
    day = day_of(deposit[1])
    if day is not None:
        return since <= day <= end
    try:
        first = date.fromisoformat(f"{deposit[1]}-01")
    except ValueError:
        return False
    following = (first + timedelta(days=31)).replace(day=1)
    return since <= first and following - timedelta(days=1) <= end


@dataclass
class Advice:
    """Who the desk advised in a period, as (State, official) pairs: the results framework's base.

    ``pairs`` holds (State code, official ref, questions advised, of them on reporting) per pair,
    one GROUP BY in SQL; ``questions`` the questions per State code (every question, advised or not).
    """

    period: Period
    pairs: list[tuple[str | None, str | None, int, int]]
    questions: Mapping[str | None, int]

    @classmethod
    def of(
        cls, session: Session, period: Period, questions: Mapping[str | None, int] | None = None
    ) -> Advice:
        on_reporting = func.sum(case((Query.topic == REPORTING_TOPIC, 1), else_=0))
        pairs = [
            (code, ref, n, int(reporting or 0))
            for code, ref, n, reporting in session.execute(
                select(Query.state_code, Query.official_ref, func.count(), on_reporting)
                .select_from(Query)
                .outerjoin(Ticket, Ticket.id == Query.ticket_id)
                .where(period.within(Query.asked_at), _advised())
                .group_by(Query.state_code, Query.official_ref)
            )
        ]
        if questions is None:
            questions = dict(
                session.execute(
                    select(Query.state_code, func.count())
                    .where(period.within(Query.asked_at), Query.outcome.not_in(NOT_QUESTIONS))
                    .group_by(Query.state_code)
                ).all()
            )
        return cls(period, pairs, questions)

    def technical_advice(self) -> dict[str, int]:
        return {
            "states": len({code for code, *_ in self.pairs if code is not None}),
            "officials": len({ref for _, ref, *_ in self.pairs if ref is not None}),
            "queries": sum(n for *_, n, _ in self.pairs),
        }

    def summary(self, states: Mapping[str, State]) -> dict[str, Any]:
        """The ``advised`` figures: by treaty status, on reporting, from States overdue."""
        end = self.period.end
        by_status: dict[str, tuple[set[str], set[str]]] = {
            s: (set(), set()) for s in STATE_STATUSES
        }
        newly: tuple[set[str], set[str]] = (set(), set())
        sids: tuple[set[str], set[str]] = (set(), set())
        for code, ref, _n, reporting in self.pairs:
            state = states.get(code or "")
            codes, refs = by_status.setdefault(
                state.uncat_status if state else UNKNOWN, (set(), set())
            )
            if state is not None:
                codes.add(state.code)
            elif code:
                codes.add(code)  # a code the register no longer knows: a State, status unknown
            if ref is not None:
                refs.add(ref)
            if state is None or not reporting:
                continue
            for group, member in ((newly, newly_party(state, end)), (sids, state.sids)):
                if member:
                    group[0].add(state.code)
                    if ref is not None:
                        group[1].add(ref)
        overdue = {
            code: n
            for code, n in self.questions.items()
            if code in states and states[code].overdue_report() is not None
        }
        return {
            "note": ADVICE_NOTE,
            "by_status": {
                status: {"states": len(codes), "officials": len(refs)}
                for status, (codes, refs) in by_status.items()
                if codes or refs or status != UNKNOWN
            },
            "newly_party_since": years_after(end, -NEWLY_PARTY_YEARS).isoformat(),
            "on_reporting": {
                "newly_party": {"states": len(newly[0]), "officials": len(newly[1])},
                "sids": {"states": len(sids[0]), "officials": len(sids[1])},
                "newly_party_or_sids": {
                    "states": len(newly[0] | sids[0]),
                    "officials": len(newly[1] | sids[1]),
                },
            },
            "overdue_report": {"states": len(overdue), "questions": sum(overdue.values())},
        }

    def measures(self, states: Mapping[str, State]) -> dict[str, int]:
        """Every measure a results-framework indicator can name (results_framework.MEASURES)."""
        summary = self.summary(states)
        advice = self.technical_advice()
        by_status = summary["by_status"]
        values = {
            "states_advised": advice["states"],
            "officials_advised": advice["officials"],
            "states_advised_not_party": by_status["signatory"]["states"]
            + by_status["neither"]["states"],
            "states_supported_initial_report_new_or_sids": summary["on_reporting"][
                "newly_party_or_sids"
            ]["states"],
            "questions_from_overdue_states": summary["overdue_report"]["questions"],
        }
        assert set(values) == set(MEASURES)
        return values


def results_framework(
    session: Session,
    period: Period,
    indicators: Sequence[Indicator],
    *,
    states: Mapping[str, State],
    known: Mapping[Period, Advice] | None = None,
) -> list[dict[str, Any]]:
    """Target against actual for each indicator and each calendar year of ``period`` (a year cut
    by the period is counted within it: ``from`` and ``to`` say so), indicator by indicator."""
    measured: dict[int, tuple[Period, dict[str, int]]] = {}
    for year in range(period.start.year, period.end.year + 1):
        part = Period(max(period.start, date(year, 1, 1)), min(period.end, date(year, 12, 31)))
        advice = (known or {}).get(part) or Advice.of(session, part)
        measured[year] = (part, advice.measures(states))
    return [
        {
            "id": indicator.id,
            "indicator": indicator.id,
            "name": indicator.name("en"),
            "measure": indicator.measure,
            "year": year,
            "from": part.start.isoformat(),
            "to": part.end.isoformat(),
            "target": indicator.target_for(year),
            "actual": values[indicator.measure],
        }
        for indicator in indicators
        for year, (part, values) in measured.items()
    ]


def ticket_figures(session: Session, period: Period) -> dict[str, Any]:
    """Tickets opened in the period, and what became of them: opened = closed + open."""
    opened = period.within(Ticket.opened_at)
    by_kind: Counter[str] = Counter()
    by_resolution: Counter[str] = Counter()
    status_count: Counter[str] = Counter()
    responded = closed_at = 0  # how many durations each median is taken over
    for kind, status, resolution, n, with_response, with_close in session.execute(
        select(
            Ticket.kind,
            Ticket.status,
            Ticket.resolution,
            func.count(),
            func.count(Ticket.first_response_at),
            func.count(Ticket.closed_at),
        )
        .where(opened)
        .group_by(Ticket.kind, Ticket.status, Ticket.resolution)
    ):
        by_kind[kind] += n
        status_count[status] += n
        responded += with_response
        closed_at += with_close if status == "closed" else 0
        if status == "closed":
            by_resolution[_label(resolution, NONE)] += n
    total = sum(status_count.values())
    resolution = median_hours(
        session,
        Ticket.closed_at,
        Ticket.opened_at,
        opened,
        Ticket.status == "closed",
        count=closed_at,
    )
    return {
        "opened": total,
        "closed": status_count["closed"],
        "open": total - status_count["closed"],
        "median_first_response_hours": median_hours(
            session, Ticket.first_response_at, Ticket.opened_at, opened, count=responded
        ),
        "median_close_hours": resolution,
        # The same figure under the name the results framework uses, beside the first response.
        "median_resolution_hours": resolution,
        "by_kind": _ordered(by_kind),
        "by_resolution": _ordered(by_resolution),
    }


def referral_figures(
    session: Session, period: Period
) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Referrals made in the period per partner, and how each ended (or "open")."""
    ending = case(
        (Referral.status == "open", literal("open")),
        else_=func.coalesce(Referral.outcome, literal("closed")),
    )
    per_partner: Counter[str] = Counter()
    outcomes: dict[str, Counter[str]] = {}
    for partner, end, n in session.execute(
        select(Referral.partner_id, ending, func.count())
        .where(period.within(Referral.created_at))
        .group_by(Referral.partner_id, ending)
    ):
        per_partner[partner] += n
        outcomes.setdefault(partner, Counter())[end] += n
    ordered = _ordered(per_partner)
    return ordered, {p: _ordered(outcomes[p]) for p in ordered}


def feedback_figures(
    session: Session, period: Period
) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """ "Was this helpful?" answers given in the period: on answers and on referrals."""
    kind = case((Feedback.referral_id.is_not(None), literal("referrals")), else_=literal("answers"))
    totals = {"helpful": 0, "not_helpful": 0}
    by_kind = {k: {"helpful": 0, "not_helpful": 0} for k in ("answers", "referrals")}
    for what, helpful, n in session.execute(
        select(kind, Feedback.helpful, func.count())
        .where(period.within(Feedback.created_at), Feedback.ticket_id.is_(None))
        .group_by(kind, Feedback.helpful)
    ):
        key = "helpful" if helpful else "not_helpful"
        totals[key] += n
        by_kind[what][key] += n
    return totals, by_kind


def satisfaction_figures(session: Session, period: Period) -> dict[str, Any]:
    """ "Did the Secretariat's reply help?" on closed tickets: in all, and month by month."""
    totals = {"helpful": 0, "not_helpful": 0}
    by_month = {month: {"helpful": 0, "not_helpful": 0} for month in period.months()}
    for month, lower, upper in period.month_ranges():
        for helpful, n in session.execute(
            select(Feedback.helpful, func.count())
            .where(
                Feedback.ticket_id.is_not(None),
                Feedback.created_at >= lower,
                Feedback.created_at < upper,
            )
            .group_by(Feedback.helpful)
        ):
            key = "helpful" if helpful else "not_helpful"
            totals[key] += n
            by_month[month][key] += n
    return {**totals, "by_month": by_month}


def reminder_figures(session: Session, period: Period) -> dict[str, int]:
    """Deadline reminders officials asked for in the period, and those sent in it."""
    asked = session.scalar(select(func.count()).where(period.within(DeadlineReminder.created_at)))
    sent = session.scalar(select(func.count()).where(period.within(DeadlineReminder.sent_at)))
    officials = session.scalar(
        select(func.count(func.distinct(DeadlineReminder.official_id))).where(
            period.within(DeadlineReminder.created_at)
        )
    )
    return {"set": asked or 0, "sent": sent or 0, "officials": officials or 0}
