"""The M&E figures: the query log aggregated in the database, written as a table, JSON, CSV or xlsx.

Every figure is a GROUP BY in SQL; Python only merges the few groups a query returns (never the
query rows), so a year of a million questions takes about a second on SQLite.

Example::

    with session_scope(sessions) as session:
        figures = compute(session, Period.of(date(2025, 1, 1), date(2025, 12, 31)), states=base.states)
    print(render_table(figures))          # helpdesk-bot stats
    Path("stats.png").write_bytes(render_chart(figures))

Confidentiality: a count by State below 5 is written as "<5" unless ``exact=True`` (``--exact``).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Float, and_, case, false, func, literal, or_, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from .config import Settings
from .db import check_schema, connect, make_sessionmaker, session_scope
from .files import open_private, private_file
from .knowledge import Entry, State, fold, load_knowledge, load_states
from .models import Feedback, Query, Referral, Ticket
from .periods import Period, StatsError

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
FORMATS = ("table", "json", "csv", "xlsx")

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
    technical_advice: dict[str, int] = field(default_factory=dict)
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
            "referrals": self.referrals,
            "feedback": self.feedback,
            "satisfaction": self.satisfaction,
            "states_with_technical_advice": self.technical_advice.get("states", 0),
            "technical_advice": self.technical_advice,
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
) -> Figures:
    """Aggregate the query log, tickets, referrals and feedback of ``period``.

    ``states`` (the State register) maps State codes to their treaty status and SIDS flag.
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
    by_region: Counter[str] = Counter()
    by_status: Counter[str] = Counter({s: 0 for s in STATE_STATUSES})
    by_sids: Counter[str] = Counter({"sids": 0, "other": 0})
    for code, region, n in session.execute(
        select(Query.state_code, Query.region, func.count())
        .where(asked)
        .group_by(Query.state_code, Query.region)
    ):
        by_state[_label(code, UNKNOWN)] += n
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
    figures.technical_advice = technical_advice(session, period)
    figures.tickets = ticket_figures(session, period)
    figures.referrals, figures.referral_outcomes = referral_figures(session, period)
    figures.feedback, figures.feedback_by_kind = feedback_figures(session, period)
    figures.satisfaction = satisfaction_figures(session, period)
    return figures


def technical_advice(session: Session, period: Period) -> dict[str, int]:
    """The results-framework line: States (and officials, questions) that received advice.

    A question counts as advice when the bot answered it, referred it to a partner, or staff
    responded to its ticket (replied, answered it or referred it), whenever that happened.
    """
    advised = or_(
        Query.outcome.in_(("answer", "refer")),
        Ticket.first_response_at.is_not(None),
        Ticket.resolution.in_(("answered", "referred")),
    )
    where = (period.within(Query.asked_at), advised)
    per_state = session.execute(
        select(Query.state_code, func.count())
        .select_from(Query)
        .outerjoin(Ticket, Ticket.id == Query.ticket_id)
        .where(*where)
        .group_by(Query.state_code)
    ).all()
    officials = (
        select(Query.official_ref)
        .select_from(Query)
        .outerjoin(Ticket, Ticket.id == Query.ticket_id)
        .where(*where, Query.official_ref.is_not(None))
        .group_by(Query.official_ref)
        .subquery()
    )
    return {
        "states": sum(1 for code, _ in per_state if code is not None),
        "officials": session.scalar(select(func.count()).select_from(officials)) or 0,
        "queries": sum(n for _, n in per_state),
    }


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


# --- the gap report ------------------------------------------------------------------------------
GAP_SIMILARITY = (
    70  # rapidfuzz token_sort_ratio on folded text; tuned on paraphrases of one question
)
GAP_MAX_TEXTS = 3000  # the most frequent distinct questions clustered (pairwise cost grows as n²)


@dataclass
class GapGroup:
    """Questions the knowledge base could not serve, similar enough to need one new entry."""

    questions: int
    escalated: int
    declined: int  # out of scope by the desk's rules: was it right not to answer?
    not_helpful: int
    languages: dict[str, int]
    examples: list[str]


def gap_report(
    session: Session, period: Period, *, similarity: float = GAP_SIMILARITY
) -> list[GapGroup]:
    """Escalated, declined and "not helpful" questions of ``period``, grouped by similarity,
    largest first (a declined question that should have been answered shows here).

    The database groups identical texts; only the distinct texts are clustered here.
    """
    from rapidfuzz import fuzz, process

    unhelpful = select(Feedback.query_id).where(
        Feedback.helpful == false(), Feedback.query_id.is_not(None)
    )
    is_escalated = case((Query.outcome == "escalate", 1), else_=0)
    is_declined = case((Query.outcome == "decline", 1), else_=0)
    rows = session.execute(
        select(
            Query.text,
            Query.language,
            func.count(),
            func.sum(is_escalated),
            func.sum(is_declined),
        )
        .where(
            period.within(Query.asked_at),
            Query.text.is_not(None),
            or_(Query.outcome.in_(("escalate", "decline")), Query.id.in_(unhelpful)),
        )
        .group_by(Query.text, Query.language)
        .order_by(func.count().desc(), Query.text)
        .limit(GAP_MAX_TEXTS)
    ).all()
    folded = [fold(row[0]) for row in rows]
    unassigned = dict(enumerate(folded))
    groups: list[GapGroup] = []
    for seed in range(len(rows)):
        if seed not in unassigned:
            continue
        del unassigned[seed]
        members = [seed] + [
            index
            for _choice, _score, index in process.extract(
                folded[seed],
                unassigned,
                scorer=fuzz.token_sort_ratio,
                score_cutoff=similarity,
                limit=None,
            )
        ]
        for index in members[1:]:
            del unassigned[index]
        members.sort()  # most frequent text first: it names the group
        languages: Counter[str] = Counter()
        for index in members:
            languages[rows[index][1]] += rows[index][2]
        questions = sum(rows[i][2] for i in members)
        escalated = sum(int(rows[i][3] or 0) for i in members)
        declined = sum(int(rows[i][4] or 0) for i in members)
        groups.append(
            GapGroup(
                questions=questions,
                escalated=escalated,
                declined=declined,
                not_helpful=questions - escalated - declined,
                languages=_ordered(languages),
                examples=[rows[i][0] for i in members[:5]],
            )
        )
    groups.sort(key=lambda g: (-g.questions, g.examples[0]))
    return groups


def render_gaps(groups: list[GapGroup], period: Period, *, format: str = "table") -> str:
    """The gap report as text (table), JSON or CSV."""
    if format == "json":
        payload = {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "groups": [g.__dict__ for g in groups],
        }
        return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(
            ["group", "questions", "escalated", "declined", "not_helpful", "languages", "example"]
        )
        for number, g in enumerate(groups, 1):
            langs = " ".join(f"{k}:{v}" for k, v in g.languages.items())
            for example in g.examples:
                writer.writerow(
                    [number, g.questions, g.escalated, g.declined, g.not_helpful, langs, example]
                )
        return buffer.getvalue()
    lines = [
        f"Gap report {period.start} to {period.end}: questions escalated, declined or found not helpful"
    ]
    if not groups:
        lines.append("  none in this period")
    for number, g in enumerate(groups, 1):
        langs = ", ".join(f"{k} {v}" for k, v in g.languages.items())
        lines.append(
            f"{number:>3}. {g.questions} question(s): {g.escalated} escalated, "
            f"{g.declined} declined, {g.not_helpful} not helpful ({langs})"
        )
        lines.extend(f"       - {example}" for example in g.examples)
    return "\n".join(lines) + "\n"


# --- writers -------------------------------------------------------------------------------------
def _sections(figures: Figures, *, exact: bool) -> list[tuple[str, list[tuple[str, Any]]]]:
    """Every one-dimensional breakdown as (title, rows): shared by the table, CSV and xlsx."""
    t = figures.tickets
    entries = [
        (f"{e}  {figures.entry_questions[e]}" if e in figures.entry_questions else e, n)
        for e, n in figures.by_entry.items()
    ]
    return [
        (
            "Summary",
            [
                ("from", figures.period.start.isoformat()),
                ("to", figures.period.end.isoformat()),
                ("queries", figures.queries),
                ("officials", figures.officials),
                ("States", figures.states),
                ("small talk (greetings, thanks: not questions)", figures.smalltalk),
                ("over the rate limit (kept, not answered: not questions)", figures.over_limit),
                (
                    "States that received technical advice",
                    figures.technical_advice.get("states", 0),
                ),
                (
                    "officials who received technical advice",
                    figures.technical_advice.get("officials", 0),
                ),
                (
                    "questions that received technical advice",
                    figures.technical_advice.get("queries", 0),
                ),
            ],
        ),
        ("Outcome", list(figures.by_outcome.items())),
        ("Declined by", list(figures.declined_by.items())),
        ("Topic", list(figures.by_topic.items())),
        (f"Entry (top {TOP_ENTRIES})", entries),
        ("Language", list(figures.by_language.items())),
        ("Region", list(figures.by_region.items())),
        ("State", list(suppress(figures.by_state, exact=exact).items())),
        ("State status (UNCAT)", list(figures.by_state_status.items())),
        ("Small Island Developing States", list(figures.by_sids.items())),
        ("Source", list(figures.by_source.items())),
        ("Channel", list(figures.by_channel.items())),
        ("Asked as", list(figures.by_via.items())),
        (
            "Tickets",
            [
                ("opened", t.get("opened", 0)),
                ("closed", t.get("closed", 0)),
                ("open", t.get("open", 0)),
                ("median hours to first response", t.get("median_first_response_hours")),
                ("median hours to close", t.get("median_close_hours")),
                *[(f"kind: {k}", v) for k, v in t.get("by_kind", {}).items()],
                *[(f"resolution: {k}", v) for k, v in t.get("by_resolution", {}).items()],
            ],
        ),
        ("Referrals", list(figures.referrals.items())),
        (
            "Referral outcomes",
            [
                (f"{partner}: {end}", n)
                for partner, ends in figures.referral_outcomes.items()
                for end, n in ends.items()
            ],
        ),
        (
            "Satisfaction with the Secretariat's replies",
            [
                ("helpful", figures.satisfaction.get("helpful", 0)),
                ("not helpful", figures.satisfaction.get("not_helpful", 0)),
                *[
                    (f"{month}: {key.replace('_', ' ')}", n)
                    for month, counts in figures.satisfaction.get("by_month", {}).items()
                    for key, n in counts.items()
                    if n
                ],
            ],
        ),
        (
            "Feedback",
            [
                *figures.feedback.items(),
                *[
                    (f"{kind}: {key}", n)
                    for kind, counts in figures.feedback_by_kind.items()
                    for key, n in counts.items()
                ],
            ],
        ),
    ]


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render_table(figures: Figures, *, exact: bool = False) -> str:
    """The figures as aligned plain text, one section per breakdown."""
    lines: list[str] = []
    for title, rows in _sections(figures, exact=exact):
        lines.append(title)
        if not rows:
            lines.append("  -")
        width = max((len(str(k)) for k, _ in rows), default=0)
        lines.extend(f"  {k!s:<{width}}  {_cell(v):>9}" for k, v in rows)
        lines.append("")
    lines.append("Per month")
    header = ["month", *OUTCOMES, "total"]
    lines.append("  " + "  ".join(f"{h:>8}" for h in header))
    for month, counts in figures.by_month.items():
        row = [month, *(counts.get(o, 0) for o in OUTCOMES), sum(counts.values())]
        lines.append("  " + "  ".join(f"{_cell(v):>8}" for v in row))
    if not exact:
        lines.append("")
        lines.append(
            f'Counts by State below {SUPPRESS_BELOW} are shown as "{SUPPRESSED}" (--exact to show them).'
        )
    return "\n".join(lines) + "\n"


def render_csv(figures: Figures, *, exact: bool = False) -> str:
    """Long format, one figure a line: breakdown,key,value (per month: breakdown,month/outcome)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["breakdown", "key", "value"])
    for title, rows in _sections(figures, exact=exact):
        for key, value in rows:
            writer.writerow([title, key, "" if value is None else value])
    for month, counts in figures.by_month.items():
        for outcome, n in counts.items():
            writer.writerow(["Per month by outcome", f"{month} {outcome}", n])
    for month, counts in figures.by_month_topic.items():
        for topic, n in counts.items():
            writer.writerow(["Per month by topic", f"{month} {topic}", n])
    return buffer.getvalue()


def render_json(figures: Figures, *, exact: bool = False) -> str:
    return json.dumps(figures.as_dict(exact=exact), ensure_ascii=False, indent=2) + "\n"


def write_xlsx(figures: Figures, path: Path, *, exact: bool = False) -> None:
    """One sheet per breakdown, for the Secretariat's spreadsheets."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], rows: Iterable[Iterable[Any]]) -> None:
        ws = book.create_sheet(title[:31])
        ws.append(header)
        for c in ws[1]:
            c.font = bold
        for row in rows:
            ws.append(list(row))
        ws.column_dimensions["A"].width = max(
            12,
            min(
                60,
                max((len(str(r[0].value or "")) for r in ws.iter_rows(max_col=1)), default=12) + 2,
            ),
        )

    for title, rows in _sections(figures, exact=exact):
        sheet(title.replace("(UNCAT)", "").strip(), ["item", "count"], rows)
    sheet(
        "Per month",
        ["month", *OUTCOMES, "total"],
        (
            [m, *(c.get(o, 0) for o in OUTCOMES), sum(c.values())]
            for m, c in figures.by_month.items()
        ),
    )
    topics = list(figures.by_topic)
    sheet(
        "Per month by topic",
        ["month", *topics],
        ([m, *(c.get(t, 0) for t in topics)] for m, c in figures.by_month_topic.items()),
    )
    if not exact:
        book["Summary"].append([])
        book["Summary"].append(
            [f'Counts by State below {SUPPRESS_BELOW} are shown as "{SUPPRESSED}".']
        )
    book.save(private_file(path))


# --- chart ---------------------------------------------------------------------------------------
OUTCOME_COLOURS = {
    "answer": "#2e7d32",
    "suggest": "#f9a825",
    "refer": "#1565c0",
    "decline": "#6d4c41",
    "clarify": "#8e24aa",
    "escalate": "#c62828",
}


def render_chart(figures: Figures, *, top_topics: int = 8) -> bytes:
    """A PNG: queries per month stacked by outcome (top) and by topic (bottom)."""
    import matplotlib

    matplotlib.use("Agg")  # no screen on a server; also safe inside the bot's threads
    from matplotlib.figure import Figure

    months = list(figures.by_month)
    fig = Figure(figsize=(10, 8), dpi=100, layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    x = range(len(months))
    base = [0] * len(months)
    for outcome in OUTCOMES:
        values = [figures.by_month[m].get(outcome, 0) for m in months]
        top.bar(x, values, bottom=base, label=outcome, color=OUTCOME_COLOURS[outcome])
        base = [b + v for b, v in zip(base, values, strict=True)]
    top.set_title(f"Questions per month by outcome, {figures.period.start} to {figures.period.end}")
    top.set_ylabel("questions")
    top.legend(loc="upper left", fontsize="small")
    named = [t for t in figures.by_topic if t != NONE][:top_topics]
    series = [*named, "other", NONE]
    base = [0] * len(months)
    for topic in series:
        if topic == "other":
            values = [
                sum(
                    n
                    for t, n in figures.by_month_topic.get(m, {}).items()
                    if t not in named and t != NONE
                )
                for m in months
            ]
        else:
            values = [figures.by_month_topic.get(m, {}).get(topic, 0) for m in months]
        if not any(values):
            continue
        label = "no entry (suggest/escalate)" if topic == NONE else topic
        bottom.bar(x, values, bottom=base, label=label)
        base = [b + v for b, v in zip(base, values, strict=True)]
    bottom.set_title("Questions per month by topic")
    bottom.set_ylabel("questions")
    bottom.set_xticks(list(x), months, rotation=45, ha="right")
    if bottom.get_legend_handles_labels()[0]:
        bottom.legend(loc="upper left", fontsize="small")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


# --- the staff summary ---------------------------------------------------------------------------
def headline(
    source: Session | sessionmaker[Session] | Figures,
    *,
    period: Period | None = None,
    states: Mapping[str, State] | None = None,
) -> str:
    """A few lines for staff (/stats in Telegram): questions, officials, States, outcomes, tickets.

    ``source`` is a session, a sessionmaker, or figures already computed (then nothing is queried).
    """
    if isinstance(source, Figures):
        figures = source
    elif isinstance(source, Session):
        figures = compute(source, period or Period.of(None, None), states=states)
    else:
        with session_scope(source) as session:
            figures = compute(session, period or Period.of(None, None), states=states)
    o, t = figures.by_outcome, figures.tickets
    response = t.get("median_first_response_hours")
    resolved = t.get("median_resolution_hours")
    liked = figures.satisfaction
    return "\n".join(
        [
            f"{figures.period.start} to {figures.period.end}",
            f"Questions: {figures.queries:,} from {figures.officials:,} officials in {figures.states:,} States",
            f"Outcomes: {o.get('answer', 0):,} answered, {o.get('suggest', 0):,} suggestions, "
            f"{o.get('refer', 0):,} referred, {o.get('decline', 0):,} declined, "
            f"{o.get('clarify', 0):,} asked to clarify, {o.get('escalate', 0):,} escalated; "
            f"{figures.smalltalk:,} small talk",
            f"States that received technical advice: {figures.technical_advice.get('states', 0):,}",
            f"Tickets: {t.get('opened', 0):,} opened, {t.get('open', 0):,} still open; median first "
            f"response {'-' if response is None else f'{response:.1f} h'}, resolution "
            f"{'-' if resolved is None else f'{resolved:.1f} h'}",
            f"Replies that helped (officials' rating): {liked.get('helpful', 0):,} yes, "
            f"{liked.get('not_helpful', 0):,} no",
        ]
    )


# --- the command ---------------------------------------------------------------------------------
def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        with open_private(out, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)


def _error(message: str) -> int:
    print(f"helpdesk-bot stats: {message}", file=sys.stderr)
    return 2


def run_stats(settings: Settings, args: Any) -> int:
    """``helpdesk-bot stats``: the figures (or, with --gaps, the gap report); returns the exit code."""
    try:
        period = Period.of(args.date_from, args.date_to)
    except StatsError as exc:
        return _error(str(exc))
    fmt = args.format or "table"
    if fmt not in FORMATS:
        return _error(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "xlsx" and args.out is None:
        return _error("--format xlsx writes a file: give --out FILE.xlsx")
    if args.gaps and fmt == "xlsx":
        return _error("the gap report is written as table, json or csv")
    # The register gives State status and SIDS; entries only name the top entries in the table.
    # Problems in the YAML are for `validate` to report, not a reason to withhold the figures.
    directory = Path(settings.knowledge_dir)
    entries = load_knowledge(directory)[0].entries if fmt == "table" and not args.gaps else {}
    states = load_states(directory)
    engine = connect(settings.database_url)
    try:
        check_schema(engine)
        with session_scope(make_sessionmaker(engine)) as session:
            if args.gaps:
                report = render_gaps(gap_report(session, period), period, format=fmt)
                figures = None
            else:
                figures = compute(session, period, states=states, entries=entries)
    finally:
        engine.dispose()
    try:
        if figures is None:
            _write(report, args.out)
            return 0
        if fmt == "xlsx":
            write_xlsx(figures, args.out, exact=args.exact)
        else:
            render = {"table": render_table, "json": render_json, "csv": render_csv}[fmt]
            _write(render(figures, exact=args.exact), args.out)
        if getattr(args, "chart", None) is not None:
            with open_private(args.chart, "wb") as chart:
                chart.write(render_chart(figures))
    except OSError as exc:
        return _error(f"cannot write {exc.filename or args.out}: {exc.strerror or exc}")
    return 0
