"""`helpdesk-bot stats`: every figure of a known query log against a hand-computed expectation,
on SQLite and (when configured) PostgreSQL; suppression, formats, chart, gap report, headline."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from helpdesk_bot import stats
from helpdesk_bot.db import DatabaseError, connect, make_sessionmaker, session_scope
from helpdesk_bot.models import DeadlineReminder, Feedback, Query, Referral, Ticket
from helpdesk_bot.states import State

Y = 2025


def at(month: int, day: int, hour: int = 12, minute: int = 0, year: int = Y) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def state(code: str, region: str, *, sids: bool, uncat: str) -> State:
    return State(
        code=code,
        names={"en": [code], "fr": [code], "es": [code]},
        region=region,
        subregion="",
        un_member=True,
        sids=sids,
        commonwealth=False,
        uncat=uncat,
        opcat="none",
    )


# A register for the test only (the statuses are not facts about these States).
REGISTER = {
    "GHA": state("GHA", "africa", sids=False, uncat="party"),
    "FJI": state("FJI", "oceania", sids=True, uncat="party"),
    "BRN": state("BRN", "asia", sids=False, uncat="signatory"),
    "TUV": state("TUV", "oceania", sids=True, uncat="none"),
}
STATES_YAML = """as_of: 2025-01-01
states:
  - {code: GHA, names: {en: Ghana, fr: Ghana, es: Ghana}, region: africa, uncat: party, opcat: party}
  - {code: FJI, names: {en: Fiji, fr: Fidji, es: Fiyi}, region: oceania, sids: true, uncat: party, opcat: none}
  - {code: BRN, names: {en: Brunei, fr: Brunei, es: Brunei}, region: asia, uncat: signatory, opcat: none}
  - {code: TUV, names: {en: Tuvalu, fr: Tuvalu, es: Tuvalu}, region: oceania, sids: true, uncat: none, opcat: none}
"""

GAP_REPORT = "How do we submit our initial report to the Committee?"
GAP_REPORT_2 = "how to submit the initial report to the committee"
GAP_REPORT_3 = "Can we submit our initial report to the Committee late?"
GAP_SPT = "Quel est le calendrier des visites du SPT ?"
GAP_LAW = "¿Qué apoyo ofrece la CTI para la legislación nacional?"
GAP_DECLINED = "When is our report to the Committee on the Rights of the Child due?"


def q(number, when, ref, outcome, *, state=None, region=None, language="en", topic=None,
      entry=None, partner=None, ticket=None, channel="telegram", via="typed", source=None,
      text=None, declined_by=None):  # fmt: skip
    return Query(
        id=number,
        official_ref=ref,
        text=text or f"question {number}",
        language=language,
        outcome=outcome,
        entry_id=entry,
        score=80.0,
        topic=topic,
        partner_id=partner,
        declined_by=declined_by,
        ticket_id=ticket,
        channel=channel,
        via=via,
        state_code=state,
        region=region,
        source=source,
        asked_at=when,
    )


def load_known_log(sessions) -> None:
    """The log every expectation below is computed from by hand (see the comments)."""
    gha = {"state": "GHA", "region": "africa"}
    fji = {"state": "FJI", "region": "oceania"}
    brn = {"state": "BRN", "region": "asia"}
    tuv = {"state": "TUV", "region": "oceania"}
    rat = {"topic": "ratification", "entry": "ratification-routes"}
    rep = {"topic": "reporting", "entry": "reporting-initial"}
    with session_scope(sessions) as session:
        session.add_all(
            [
                # T0 was opened last year: outside the 2025 cohort although closed in 2025.
                Ticket(id=10, opened_at=at(12, 20, year=2024), closed_at=at(1, 5), status="closed",
                       resolution="answered", first_response_at=at(12, 21, year=2024)),
                # T1: first response after 2 h, closed after 10 h.
                Ticket(id=1, opened_at=at(2, 20, 10), first_response_at=at(2, 20, 12),
                       closed_at=at(2, 20, 20), status="closed", resolution="answered"),
                # T2: first response after 6 h, still open.
                Ticket(id=2, opened_at=at(3, 5, 9), first_response_at=at(3, 5, 15)),
                # T3: /secretariat, no response yet.
                Ticket(id=3, kind="secretariat", opened_at=at(3, 9)),
                # T4: closed as out of scope after 30 h without a reply (no first response).
                Ticket(id=4, opened_at=at(7, 7, 8), closed_at=at(7, 8, 14), status="closed",
                       resolution="out_of_scope"),
            ]
        )  # fmt: skip
        session.flush()
        session.add_all(
            [
                q(1, at(1, 10), "a", "answer", **gha, **rat, source="workshop-2025"),
                q(
                    2,
                    at(1, 15),
                    "a",
                    "answer",
                    **gha,
                    **rat,
                    source="workshop-2025",
                    via="suggestion",
                ),
                q(3, at(2, 3), "b", "suggest", **gha, language="fr"),
                q(4, at(2, 20, 10), "b", "escalate", **gha, language="fr", ticket=1, text=GAP_SPT),
                q(5, at(3, 1), "c", "refer", **fji, partner="apt"),
                q(6, at(3, 5, 9), "c", "escalate", **fji, ticket=2, text=GAP_REPORT),
                q(
                    7,
                    at(3, 9),
                    "d",
                    "escalate",
                    language="es",
                    ticket=3,
                    via="secretariat",
                    text=GAP_LAW,
                ),
                q(8, at(4, 1), "e", "answer", **gha, **rep, channel="console"),
                q(9, at(4, 2), "e", "answer", **gha, **rep, channel="console", text=GAP_REPORT_2),
                q(10, at(4, 3), "f", "answer", **brn, **rat),
                q(11, at(6, 30, 23, 59), "f", "answer", **brn, **rat),  # last minute of June
                q(12, at(12, 31, 23, 59, year=2024), "a", "answer", **gha, **rat),  # outside
                q(13, at(1, 1, 0, 0, year=2026), "a", "answer", **gha, **rat),  # outside
                q(14, at(7, 7, 8), "g", "escalate", **tuv, ticket=4, text=GAP_REPORT_3),
                q(15, at(8, 10), "g", "decline", **tuv, declined_by="crc", text=GAP_DECLINED),
                q(16, at(8, 11), "h", "smalltalk", **gha, text="hello"),  # h only said hello
                q(17, at(9, 1), "a", "clarify", **gha, text="we need help"),
                q(18, at(9, 2), "a", "smalltalk", **gha, text="merci"),
                # h's flood over the rate limit: kept, never a question, h still no official.
                q(19, at(9, 3), "h", "limited", **gha, via="secretariat", source="flood"),
                q(20, at(9, 3, 0, 1), "h", "limited", **gha, via="secretariat", source="flood"),
            ]
        )
        session.flush()
        session.add_all(
            [
                Referral(id=1, partner_id="apt", query_id=5, status="closed", outcome="taken_up",
                         created_at=at(3, 1)),
                Referral(id=2, partner_id="omct", created_by="staff", created_at=at(5, 5)),
                Referral(id=3, partner_id="apt", created_at=at(8, 1)),
                Referral(id=4, partner_id="apt", created_at=at(11, 1, year=2024)),  # outside
            ]
        )  # fmt: skip
        session.flush()
        session.add_all(
            [
                Feedback(query_id=1, helpful=True, created_at=at(1, 10)),
                Feedback(query_id=8, helpful=True, created_at=at(4, 1)),
                Feedback(query_id=9, helpful=False, created_at=at(4, 2)),
                Feedback(referral_id=1, helpful=True, created_at=at(3, 20)),
                Feedback(query_id=12, helpful=False, created_at=at(12, 31, year=2024)),  # outside
                # Officials' ratings of the Secretariat's replies, once their ticket closed.
                Feedback(ticket_id=1, helpful=True, created_at=at(2, 21)),
                Feedback(ticket_id=4, helpful=False, created_at=at(7, 9)),
                Feedback(ticket_id=10, helpful=True, created_at=at(12, 30, year=2024)),  # outside
            ]
        )
        # Deadline reminders (no official: as after /forget, still counted): two asked for in
        # 2025, one of them sent in 2025; one asked for in 2024 and sent in 2025.
        reminder = {"state_code": "GHA", "deadline": "next_report", "due": date(2026, 1, 30)}
        session.add_all(
            [
                DeadlineReminder(**reminder, days_before=90, remind_on=date(2025, 11, 1),
                                 created_at=at(6, 1), sent_at=at(11, 1)),
                DeadlineReminder(**reminder, days_before=30, remind_on=date(2025, 12, 31),
                                 created_at=at(6, 1), cancelled_at=at(7, 1)),
                DeadlineReminder(**reminder, days_before=90, remind_on=date(2025, 2, 1),
                                 created_at=at(12, 1, year=2024), sent_at=at(2, 1)),
            ]
        )  # fmt: skip


MONTHS = [f"{Y}-{m:02d}" for m in range(1, 13)]


def expected_month(**counts: int) -> dict[str, int]:
    return {o: counts.get(o, 0) for o in stats.OUTCOMES}


EXPECTED = {
    "from": "2025-01-01",
    "to": "2025-12-31",
    "queries": 14,  # 1-11, 14, 15 and 17; small talk (16, 18) is not a question
    "officials": 7,  # a b c d e f g; h only said hello
    "states": 4,  # GHA FJI BRN TUV
    "by_outcome": {
        "answer": 6,
        "suggest": 1,
        "refer": 1,
        "decline": 1,
        "clarify": 1,
        "escalate": 4,
    },
    "smalltalk": 2,
    "over_limit": 2,  # 19, 20
    "declined_by": {"crc": 1},
    "by_topic": {"(none)": 8, "ratification": 4, "reporting": 2},
    "by_language": {"en": 11, "fr": 2, "es": 1},
    "by_region": {"africa": 7, "oceania": 4, "asia": 2, "(unknown)": 1},
    "tickets": {
        "opened": 4,  # T1-T4
        "closed": 2,  # T1, T4
        "open": 2,
        "median_first_response_hours": 4.0,  # median of 2 and 6
        "median_close_hours": 20.0,  # median of 10 and 30
        "median_resolution_hours": 20.0,  # the same, as the results framework names it
        "by_kind": {"escalation": 3, "secretariat": 1},
        "by_resolution": {"answered": 1, "out_of_scope": 1},
    },
    "referrals": {"apt": 2, "omct": 1},
    "feedback": {"helpful": 3, "not_helpful": 1},  # the bot's answers and referrals only
    "satisfaction": {
        "helpful": 1,
        "not_helpful": 1,
        "by_month": {
            m: {"helpful": int(m == "2025-02"), "not_helpful": int(m == "2025-07")} for m in MONTHS
        },
    },
    "reminders": {"set": 2, "sent": 2, "officials": 0},  # sent: one asked for in 2024
    # answered or referred (1 2 5 8 9 10 11) + ticket with a response (4 via T1, 6 via T2)
    "states_with_technical_advice": 3,  # GHA FJI BRN; TUV's only question got no advice
    "technical_advice": {"states": 3, "officials": 5, "queries": 9},
    # Advised: a (1, 2), b (4: T1 answered), c (5 referred, 6: T2 replied), e (8, 9), f (10, 11);
    # GHA and FJI are parties, BRN a signatory; e's reporting questions are from GHA, neither newly
    # party (no deposit in this register) nor a SIDS; no State here has an overdue report.
    "advised": {
        "note": stats.ADVICE_NOTE,
        "by_status": {
            "party": {"states": 2, "officials": 4},
            "signatory": {"states": 1, "officials": 1},
            "neither": {"states": 0, "officials": 0},
        },
        "newly_party_since": "2022-12-31",
        "on_reporting": {
            "newly_party": {"states": 0, "officials": 0},
            "sids": {"states": 0, "officials": 0},
            "newly_party_or_sids": {"states": 0, "officials": 0},
        },
        "overdue_report": {"states": 0, "questions": 0},
    },
    "results_framework": [],  # no indicators given
    "by_entry": {"ratification-routes": 4, "reporting-initial": 2},
    "by_state": {"GHA": 7, "BRN": 2, "FJI": 2, "TUV": 2, "(unknown)": 1},
    "by_state_status": {"party": 9, "signatory": 2, "neither": 2, "(unknown)": 1},
    "by_sids": {"sids": 4, "other": 9, "(unknown)": 1},
    "by_source": {"(none)": 12, "workshop-2025": 2},
    "by_channel": {"telegram": 12, "console": 2},
    "by_via": {"typed": 12, "secretariat": 1, "suggestion": 1},
    "by_month": {
        m: expected_month(
            **{
                "2025-01": {"answer": 2},
                "2025-02": {"suggest": 1, "escalate": 1},
                "2025-03": {"refer": 1, "escalate": 2},
                "2025-04": {"answer": 3},
                "2025-06": {"answer": 1},
                "2025-07": {"escalate": 1},
                "2025-08": {"decline": 1},
                "2025-09": {"clarify": 1},
            }.get(m, {})
        )
        for m in MONTHS
    },
    "by_month_topic": {
        m: {
            "2025-01": {"ratification": 2},
            "2025-02": {"(none)": 2},
            "2025-03": {"(none)": 3},
            "2025-04": {"reporting": 2, "ratification": 1},
            "2025-06": {"ratification": 1},
            "2025-07": {"(none)": 1},
            "2025-08": {"(none)": 1},
            "2025-09": {"(none)": 1},
        }.get(m, {})
        for m in MONTHS
    },
    "referral_outcomes": {"apt": {"open": 1, "taken_up": 1}, "omct": {"open": 1}},
    "feedback_by_kind": {
        "answers": {"helpful": 2, "not_helpful": 1},
        "referrals": {"helpful": 1, "not_helpful": 0},
    },
    "suppressed_below": None,
}
SUPPRESSED_BY_STATE = {"GHA": 7, "BRN": "<5", "FJI": "<5", "(unknown)": 1, "TUV": "<5"}
YEAR = stats.Period(date(Y, 1, 1), date(Y, 12, 31))


@pytest.fixture
def known(database_url):
    engine = connect(database_url)
    sessions = make_sessionmaker(engine)
    load_known_log(sessions)
    yield sessions
    engine.dispose()


@pytest.fixture
def figures(known) -> stats.Figures:
    with session_scope(known) as session:
        return stats.compute(session, YEAR, states=REGISTER)


def test_every_figure_matches_the_hand_count(figures):
    assert figures.as_dict(exact=True) == EXPECTED


def test_the_numbers_add_up_to_the_query_log(figures):
    total = figures.queries
    for breakdown in (
        figures.by_outcome, figures.by_topic, figures.by_language, figures.by_region,
        figures.by_state, figures.by_state_status, figures.by_sids, figures.by_source,
        figures.by_channel, figures.by_via,
    ):  # fmt: skip
        assert sum(breakdown.values()) == total
    assert sum(sum(m.values()) for m in figures.by_month.values()) == total
    assert sum(sum(m.values()) for m in figures.by_month_topic.values()) == total
    assert figures.tickets["opened"] == figures.tickets["closed"] + figures.tickets["open"]


def test_counts_by_state_below_five_are_suppressed_unless_exact(figures):
    document = figures.as_dict()
    assert document["by_state"] == SUPPRESSED_BY_STATE
    assert document["suppressed_below"] == 5
    assert figures.as_dict(exact=True)["by_state"]["FJI"] == 2


def test_a_shorter_period_counts_only_its_days(known):
    with session_scope(known) as session:
        march = stats.compute(session, stats.Period(date(Y, 3, 5), date(Y, 4, 1)), states=REGISTER)
    # 6 (5 Mar), 7 (9 Mar), 8 (1 Apr); 5 (1 Mar) is before, 9 (2 Apr) after
    assert march.queries == 3
    assert march.by_outcome == {
        "answer": 1,
        "suggest": 0,
        "refer": 0,
        "decline": 0,
        "clarify": 0,
        "escalate": 2,
    }
    assert list(march.by_month) == ["2025-03", "2025-04"]
    assert march.by_month["2025-04"]["answer"] == 1
    assert march.tickets["opened"] == 2  # T2, T3
    assert march.tickets["median_first_response_hours"] == 6.0  # only T2 has one
    assert march.tickets["median_close_hours"] is None


def test_an_empty_log_gives_zeros_not_errors(database_url):
    engine = connect(database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        empty = stats.compute(session, YEAR, states=REGISTER)
    engine.dispose()
    assert empty.queries == empty.officials == empty.states == 0
    assert empty.by_outcome == dict.fromkeys(stats.OUTCOMES, 0)
    assert empty.tickets["median_first_response_hours"] is None
    assert stats.render_chart(empty).startswith(b"\x89PNG")
    assert "Questions: 0 from 0 officials in 0 States" in stats.headline(empty)


@pytest.mark.parametrize(
    ("hours", "median"),
    [([5], 5.0), ([1, 4], 2.5), ([9, 1, 3], 3.0), ([1, 2, 3, 100], 2.5)],
)
def test_median_hours_to_first_response(database_url, hours, median):
    engine = connect(database_url)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as session:
        for h in hours:
            session.add(Ticket(opened_at=at(5, 1), first_response_at=at(5, 1) + timedelta(hours=h)))
        session.add(Ticket(opened_at=at(5, 2)))  # no response: not part of the median
    with session_scope(sessions) as session:
        assert stats.ticket_figures(session, YEAR)["median_first_response_hours"] == median
    engine.dispose()


@pytest.mark.parametrize(
    ("date_from", "date_to", "start", "end"),
    [
        (None, None, date(2026, 1, 1), date(2026, 5, 17)),
        (date(2026, 2, 1), None, date(2026, 2, 1), date(2026, 5, 17)),
        (date(2026, 9, 1), None, date(2026, 9, 1), date(2026, 12, 31)),
        (date(2024, 3, 1), None, date(2024, 3, 1), date(2024, 12, 31)),
        (None, date(2023, 6, 30), date(2023, 1, 1), date(2023, 6, 30)),
        (date(2024, 2, 29), date(2024, 2, 29), date(2024, 2, 29), date(2024, 2, 29)),
    ],
)
def test_period_defaults_to_this_year_until_today(date_from, date_to, start, end):
    period = stats.Period.of(date_from, date_to, today=date(2026, 5, 17))
    assert (period.start, period.end) == (start, end)


def test_period_months_are_clipped_to_the_period():
    period = stats.Period(date(2024, 11, 15), date(2025, 1, 10))
    assert [(m, lo.date(), hi.date()) for m, lo, hi in period.month_ranges()] == [
        ("2024-11", date(2024, 11, 15), date(2024, 12, 1)),
        ("2024-12", date(2024, 12, 1), date(2025, 1, 1)),
        ("2025-01", date(2025, 1, 1), date(2025, 1, 11)),
    ]


def test_from_after_to_is_refused():
    with pytest.raises(stats.StatsError, match="after"):
        stats.Period.of(date(2025, 5, 1), date(2025, 4, 1))


def test_gap_report_groups_similar_questions_largest_first(known):
    with session_scope(known) as session:
        groups = stats.gap_report(session, YEAR)
    # The three ways of asking about the initial report (6 and 14 escalated, 9 not helpful)
    # form one group; the French and Spanish questions stand alone, and so does the declined one
    # (the Secretariat checks it was right to decline it).
    assert [(g.questions, g.escalated, g.declined, g.not_helpful) for g in groups] == [
        (3, 2, 0, 1),
        (1, 1, 0, 0),  # GAP_SPT ("Quel ...": ties in alphabetical order)
        (1, 0, 1, 0),  # GAP_DECLINED ("When ...")
        (1, 1, 0, 0),  # GAP_LAW ("¿Qué ...")
    ]
    assert set(groups[0].examples) == {GAP_REPORT, GAP_REPORT_2, GAP_REPORT_3}
    assert {g.examples[0] for g in groups[1:]} == {GAP_SPT, GAP_LAW, GAP_DECLINED}
    assert groups[0].languages == {"en": 3}


def test_headline_for_staff(figures):
    text = stats.headline(figures)
    assert "Questions: 14 from 7 officials in 4 States" in text
    assert (
        "6 answered, 1 suggestions, 1 referred, 1 declined, 1 asked to clarify, 4 escalated; "
        "2 small talk" in text
    )
    assert "States that received technical advice: 3" in text
    assert "Tickets: 4 opened, 2 still open; median first response 4.0 h" in text


def test_headline_from_a_sessionmaker_queries_the_database(known):
    assert "Questions: 14 from 7 officials" in stats.headline(known, period=YEAR)


# --- the command ---------------------------------------------------------------------------------
@pytest.fixture
def stats_settings(settings, known, tmp_path):
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "states.yaml").write_text(STATES_YAML, encoding="utf-8")
    return replace(settings, knowledge_dir=knowledge)


def args(**overrides) -> SimpleNamespace:
    values = {
        "date_from": date(Y, 1, 1), "date_to": date(Y, 12, 31), "format": "table", "out": None,
        "chart": None, "exact": False, "gaps": False,
    }  # fmt: skip
    values.update(overrides)
    return SimpleNamespace(**values)


def test_json_output_keeps_the_design_contract(stats_settings, capsys):
    assert stats.run_stats(stats_settings, args(format="json")) == 0
    document = json.loads(capsys.readouterr().out)
    contract = {"from", "to", "queries", "officials", "states", "by_outcome", "by_topic",
                "by_language", "by_region", "tickets", "referrals", "feedback"}  # fmt: skip
    assert contract <= set(document)
    assert set(document["tickets"]) >= {"opened", "closed", "open", "median_first_response_hours"}
    assert set(document["feedback"]) == {"helpful", "not_helpful"}
    # The register read from states.yaml gives the same breakdowns as the one above.
    assert document == EXPECTED | {"by_state": SUPPRESSED_BY_STATE, "suppressed_below": 5}


def test_exact_shows_small_counts(stats_settings, capsys):
    assert stats.run_stats(stats_settings, args(format="json", exact=True)) == 0
    assert json.loads(capsys.readouterr().out)["by_state"]["TUV"] == 2


def test_csv_is_suppressed_and_adds_up(stats_settings, tmp_path):
    out = tmp_path / "stats.csv"
    assert stats.run_stats(stats_settings, args(format="csv", out=out)) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    by_state = {r["key"]: r["value"] for r in rows if r["breakdown"] == "State"}
    assert by_state == {k: str(v) for k, v in SUPPRESSED_BY_STATE.items()}
    outcomes = {r["key"]: int(r["value"]) for r in rows if r["breakdown"] == "Outcome"}
    assert outcomes == EXPECTED["by_outcome"]
    monthly = [int(r["value"]) for r in rows if r["breakdown"] == "Per month by outcome"]
    assert sum(monthly) == 14


def test_table_output(stats_settings, capsys):
    assert stats.run_stats(stats_settings, args()) == 0
    out = capsys.readouterr().out
    assert "States that received technical advice" in out
    assert "  FJI" in out and "<5" in out
    assert "median hours to first response" in out


def test_xlsx_has_one_sheet_per_breakdown(stats_settings, tmp_path):
    out = tmp_path / "stats.xlsx"
    assert stats.run_stats(stats_settings, args(format="xlsx", out=out)) == 0
    book = load_workbook(out, read_only=True)
    for name in ("Summary", "Outcome", "Topic", "Language", "Region", "State", "State status",
                 "Small Island Developing States", "Source", "Tickets", "Referrals", "Feedback",
                 "Per month"):  # fmt: skip
        assert name in book.sheetnames
    states = {row[0]: row[1] for row in book["State"].iter_rows(min_row=2, values_only=True)}
    assert states == SUPPRESSED_BY_STATE
    months = list(book["Per month"].iter_rows(min_row=2, values_only=True))
    assert months[2] == ("2025-03", 0, 0, 1, 0, 0, 2, 3)
    book.close()


def test_xlsx_needs_an_output_file(stats_settings, capsys):
    assert stats.run_stats(stats_settings, args(format="xlsx")) == 2
    assert "--out" in capsys.readouterr().err


def test_chart_is_a_png(stats_settings, tmp_path, capsys):
    chart = tmp_path / "stats.png"
    assert stats.run_stats(stats_settings, args(chart=chart)) == 0
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_gap_report_command(stats_settings, capsys):
    assert stats.run_stats(stats_settings, args(gaps=True, format="json")) == 0
    groups = json.loads(capsys.readouterr().out)["groups"]
    assert [g["questions"] for g in groups] == [3, 1, 1, 1]


def test_bad_period_is_a_usage_error(stats_settings, capsys):
    code = stats.run_stats(stats_settings, args(date_from=date(Y, 5, 1), date_to=date(Y, 4, 1)))
    assert code == 2
    err = capsys.readouterr().err
    assert "after" in err and len(err.strip().splitlines()) == 1


def test_unwritable_output_is_one_line(stats_settings, tmp_path, capsys):
    code = stats.run_stats(stats_settings, args(out=tmp_path / "missing" / "stats.txt"))
    assert code == 2
    assert "cannot write" in capsys.readouterr().err


def test_an_unmigrated_database_is_a_database_error(settings, tmp_path):
    empty = replace(settings, database_url=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with pytest.raises(DatabaseError, match="db upgrade"):
        stats.run_stats(empty, args())
