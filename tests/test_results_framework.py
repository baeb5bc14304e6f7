"""The results framework (issue 19): who the desk advised, by treaty status, on reporting and from
States whose report is overdue, counted on a small known history (SQLite, and PostgreSQL when
configured); the indicators' YAML and its file:line problems; target against actual per year in the
table, JSON, CSV and the xlsx sheet with its native Excel bar chart."""

from __future__ import annotations

import csv
import io
import json
import re
import textwrap
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from helpdesk_bot import stats
from helpdesk_bot.db import connect, make_sessionmaker, session_scope
from helpdesk_bot.models import Query, Ticket
from helpdesk_bot.results_framework import FRAMEWORK_FILE, Indicator, load_framework
from helpdesk_bot.states import ReportDue, State, TreatyAction
from tests.conftest import KNOWLEDGE


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def state(code, *, uncat="party", sids=False, deposit=None, overdue=False) -> State:
    actions = {"uncat": (TreatyAction("accession", deposit, "test"),)} if deposit else {}
    due = ReportDue("initial", "2020-01-01", "test", not_received="2024-01-01") if overdue else None
    return State(code=code, names={"en": [code]}, region="oceania", subregion="", un_member=True,
                 sids=sids, commonwealth=False, uncat=uncat, opcat="none", actions=actions,
                 next_report_due=due)  # fmt: skip


# A register for the test only: the codes and facts are made up.
REGISTER = {
    "PAR": state("PAR", deposit="2010-05-01"),  # party long ago
    "NEW": state("NEW", deposit="2023-06-15"),  # newly party at the end of 2025
    "OLD": state("OLD", deposit="2021-01-10"),  # newly party at the end of 2023, not of 2025
    "ISL": state("ISL", sids=True),  # a SIDS party; its deposit date is not in the register
    "OVD": state("OVD", overdue=True),  # a party whose initial report is overdue
    "SIG": state("SIG", uncat="signatory"),
    "NEI": state("NEI", uncat="none"),
}
REPORTING = {"topic": "reporting", "entry": "reporting-initial"}
RATIFY = {"topic": "ratification", "entry": "ratification-routes"}


def q(number, when, ref, outcome, code, *, ticket=None, topic=None, entry=None) -> Query:
    return Query(id=number, official_ref=ref, text=f"question {number}", language="en",
                 outcome=outcome, entry_id=entry, topic=topic, ticket_id=ticket, state_code=code,
                 asked_at=when)  # fmt: skip


def load_history(sessions) -> None:
    with session_scope(sessions) as session:
        session.add_all(
            [
                Ticket(id=1, opened_at=at(2025, 3, 1), first_response_at=at(2025, 3, 2)),
                Ticket(id=2, opened_at=at(2025, 4, 1)),  # never answered
                Ticket(id=3, opened_at=at(2025, 5, 1), first_response_at=at(2025, 5, 3)),
            ]
        )
        session.flush()
        session.add_all(
            [
                q(1, at(2023, 5, 1), "old1", "answer", "OLD", **REPORTING),  # 2023: OLD newly party
                q(2, at(2024, 12, 31, 23, 59), "p1", "answer", "PAR", **RATIFY),  # 2024
                q(3, at(2025, 1, 10), "p1", "answer", "PAR", **RATIFY),
                q(4, at(2025, 1, 11), "p2", "refer", "PAR"),
                q(5, at(2025, 2, 1), "n1", "answer", "NEW", **REPORTING),
                q(6, at(2025, 2, 2), "n1", "clarify", "NEW"),  # no advice
                q(7, at(2025, 3, 1), "s1", "escalate", "SIG", ticket=1),  # a staff reply
                q(8, at(2025, 4, 1), "ne1", "escalate", "NEI", ticket=2),  # no reply: not advised
                q(9, at(2025, 4, 2), "ne1", "answer", "NEI", **RATIFY),
                # ISL's question: answered from the reporting topic, found not helpful and passed
                # to the Secretariat, who replied.
                q(10, at(2025, 5, 1), "i1", "answer", "ISL", ticket=3, **REPORTING),
                q(11, at(2025, 6, 1), "o1", "answer", "OVD", **RATIFY),
                q(12, at(2025, 6, 2), "o1", "decline", "OVD"),  # asked, not advised
                q(13, at(2025, 7, 1), "old1", "answer", "OLD", **REPORTING),  # no longer newly
                q(14, at(2025, 8, 1), "u1", "answer", None, **RATIFY),  # no State in the profile
                q(15, at(2025, 9, 1), "u1", "smalltalk", None),
            ]
        )


@pytest.fixture
def history(database_url):
    engine = connect(database_url)
    sessions = make_sessionmaker(engine)
    load_history(sessions)
    yield sessions
    engine.dispose()


YEAR_2025 = stats.Period(date(2025, 1, 1), date(2025, 12, 31))
INDICATORS = [
    Indicator("technical-advice", {"en": "Technical advice"}, "states_advised", 10, {2025: 12}),
    Indicator("initial-reports", {"en": "Initial reports"}, "states_supported_initial_report_new_or_sids", 2),
]  # fmt: skip


def test_advice_by_treaty_status_on_reporting_and_overdue(history):
    with session_scope(history) as session:
        figures = stats.compute(session, YEAR_2025, states=REGISTER)
    assert figures.advised == {
        "note": stats.ADVICE_NOTE,
        "by_status": {
            # PAR (p1, p2), NEW (n1), ISL (i1), OVD (o1), OLD (old1)
            "party": {"states": 5, "officials": 6},
            "signatory": {"states": 1, "officials": 1},  # s1 got a staff reply
            "neither": {"states": 1, "officials": 1},  # ne1's answer, not the unanswered ticket
            "(unknown)": {"states": 0, "officials": 1},  # u1 named no State
        },
        "newly_party_since": "2022-12-31",
        "on_reporting": {
            "newly_party": {"states": 1, "officials": 1},  # NEW; OLD deposited before 2023
            "sids": {"states": 1, "officials": 1},  # ISL
            "newly_party_or_sids": {"states": 2, "officials": 2},
        },
        "overdue_report": {"states": 1, "questions": 2},  # OVD's answered and declined questions
    }
    assert figures.technical_advice == {"states": 7, "officials": 9, "queries": 9}
    assert "profiles are self-declared" in figures.as_dict()["advised"]["note"]


def test_target_against_actual_per_calendar_year(history):
    period = stats.Period(date(2023, 1, 1), date(2025, 12, 31))
    with session_scope(history) as session:
        figures = stats.compute(session, period, states=REGISTER, indicators=INDICATORS)
    rows = [(r["id"], r["year"], r["target"], r["actual"]) for r in figures.results_framework]
    assert rows == [
        ("technical-advice", 2023, 10, 1),  # OLD
        ("technical-advice", 2024, 10, 1),  # PAR, on the last minute of 2024
        ("technical-advice", 2025, 12, 7),  # the year's own target
        ("initial-reports", 2023, 2, 1),  # OLD, newly party at the end of 2023
        ("initial-reports", 2024, 2, 0),
        ("initial-reports", 2025, 2, 2),  # NEW and ISL
    ]
    first = figures.results_framework[0]
    assert first["indicator"] == "technical-advice" and first["name"] == "Technical advice"
    assert (first["from"], first["to"]) == ("2023-01-01", "2023-12-31")


def test_a_year_cut_by_the_period_is_counted_within_it(history):
    period = stats.Period(date(2025, 3, 1), date(2025, 6, 30))
    with session_scope(history) as session:
        figures = stats.compute(session, period, states=REGISTER, indicators=INDICATORS[:1])
    (row,) = figures.results_framework
    # SIG (1 Mar), NEI, ISL, OVD; PAR and NEW were advised before March
    assert (row["from"], row["to"], row["actual"]) == ("2025-03-01", "2025-06-30", 4)
    assert "2025*" in stats.render_table(figures)


def test_every_measure_is_counted(history):
    with session_scope(history) as session:
        measures = stats.Advice.of(session, YEAR_2025).measures(REGISTER)
    assert measures == {
        "states_advised": 7,
        "officials_advised": 9,
        "states_advised_not_party": 2,  # SIG, NEI
        "states_supported_initial_report_new_or_sids": 2,
        "questions_from_overdue_states": 2,
    }
    assert set(measures) == set(stats.MEASURES)


@pytest.mark.parametrize(
    ("deposit", "end", "newly"),
    [
        ("2022-12-31", date(2025, 12, 31), True),  # three years to the day
        ("2022-12-30", date(2025, 12, 31), False),
        ("2026-01-05", date(2025, 12, 31), False),  # after the period's end
        ("2021-02-28", date(2024, 2, 29), True),  # from 29 Feb: 28 Feb three years before
        ("2023-02", date(2025, 12, 31), True),  # the whole month lies within
        ("2022-12", date(2025, 12, 31), False),  # only its last day does: not known to be
        ("2025-12", date(2025, 12, 15), False),  # the month runs past the end
        (None, date(2025, 12, 31), False),  # the register does not know the deposit
    ],
)
def test_newly_party_within_three_years_of_the_deposit(deposit, end, newly):
    assert stats.newly_party(state("X", deposit=deposit), end) is newly


def test_a_signatory_is_never_newly_party():
    signed = replace(state("X", deposit="2024-01-01"), uncat="signatory")
    assert stats.newly_party(signed, date(2025, 12, 31)) is False


# --- the YAML ------------------------------------------------------------------------------------
def write_framework(folder, text: str):
    path = folder / FRAMEWORK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_shipped_framework_has_the_strategy_targets():
    indicators, problems = load_framework(KNOWLEDGE)
    assert problems == []
    assert [(i.id, i.measure, i.target) for i in indicators] == [
        ("technical-advice", "states_advised", 10),
        ("initial-report-support", "states_supported_initial_report_new_or_sids", 2),
    ]
    assert indicators[0].name("fr").startswith("Conseils techniques")


def test_a_missing_framework_is_no_indicators_and_no_problem(tmp_path):
    assert load_framework(tmp_path) == ([], [])


def test_problems_are_reported_at_their_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_framework(
        tmp_path / "knowledge",
        """\
        indicators:
          - id: good-one
            name: {en: Technical advice, fr: Conseils techniques}
            measure: states_advised
            target: 10
            targets: {2027: 12}
          - id: Bad Id
            name: {en: Something}
            measure: states_advised
            target: 1
          - id: no-name
            measure: states_advised
            target: 1
          - id: wrong-measure
            name: {en: Wrong}
            measure: ministries_visited
            target: 1
          - id: bad-target
            name: {en: Bad target, de: Ziel}
            measure: officials_advised
            target: -2
            taget: 3
          - id: good-one
            name: {en: Again}
            measure: states_advised
            target: 1
          - just a string
        """,
    )
    indicators, problems = load_framework(tmp_path / "knowledge")
    assert [(i.id, i.target_for(2026), i.target_for(2027)) for i in indicators] == [
        ("good-one", 10, 12)
    ]
    name = "knowledge/monitoring/results-framework.yaml"
    lines = [str(p) for p in problems]
    assert lines[0] == f"{name}:7: an indicator needs an 'id' in lowercase words joined by '-'"
    assert lines[1] == f"{name}:11: indicator 'no-name': 'name' needs an en text (fr and es optional), e.g. name: {{en: ...}}"  # fmt: skip
    assert lines[2].startswith(f"{name}:16: indicator 'wrong-measure': unknown measure 'ministries_visited'; the desk can count states_advised, ")  # fmt: skip
    assert (
        lines[3] == f"{name}:19: indicator 'bad-target': name in 'de': the languages are en, fr, es"
    )
    assert lines[4] == f"{name}:21: indicator 'bad-target': 'target' must be a whole number of zero or more (a year)"  # fmt: skip
    assert lines[5].startswith(f"{name}:22: unknown field 'taget'")
    assert lines[6] == f"{name}:23: duplicate indicator id 'good-one' (first at line 2)"
    assert lines[7] == f"{name}:27: each indicator must be a mapping"
    assert len(lines) == 8


def test_a_yaml_syntax_error_has_its_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_framework(tmp_path, "indicators:\n  - id: x\n    name: {en: [unclosed\n")
    indicators, problems = load_framework(tmp_path)
    assert indicators == []
    assert re.match(r"monitoring/results-framework\.yaml:\d+: invalid YAML", str(problems[0]))


def test_no_indicators_list_is_one_problem(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_framework(tmp_path, "# the framework\nindicator:\n  - id: x\n")
    assert [str(p) for p in load_framework(tmp_path)[1]] == [
        "monitoring/results-framework.yaml:2: expected a list under 'indicators'"
    ]


# --- the command ---------------------------------------------------------------------------------
STATES_YAML = """as_of: 2025-12-31
states:
  - {code: GHA, names: {en: Ghana, fr: Ghana, es: Ghana}, region: africa, uncat: party, opcat: party}
  - {code: BRN, names: {en: Brunei, fr: Brunei, es: Brunei}, region: asia, uncat: signatory, opcat: none}
"""
FRAMEWORK_YAML = """\
indicators:
  - id: technical-advice
    name: {en: Technical advice on the Convention provided to States}
    measure: states_advised
    target: 10
  - id: officials
    name: {en: Officials advised}
    measure: officials_advised
    target: 3
"""


@pytest.fixture
def command_settings(settings, database_url, tmp_path):
    engine = connect(database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        session.add_all(
            [
                q(1, at(2024, 6, 1), "a", "answer", "GHA", **RATIFY),
                q(2, at(2025, 1, 10), "a", "answer", "GHA", **RATIFY),
                q(3, at(2025, 2, 10), "b", "answer", "BRN", **RATIFY),
                q(4, at(2025, 3, 10), "c", "answer", "GHA", **REPORTING),
            ]
        )
    engine.dispose()
    knowledge = tmp_path / "framework-knowledge"
    knowledge.mkdir()
    (knowledge / "states.yaml").write_text(STATES_YAML, encoding="utf-8")
    write_framework(knowledge, FRAMEWORK_YAML)
    return replace(settings, knowledge_dir=knowledge)


def args(**overrides) -> SimpleNamespace:
    values = {"date_from": date(2024, 1, 1), "date_to": date(2025, 12, 31), "format": "table",
              "out": None, "chart": None, "exact": False, "gaps": False}  # fmt: skip
    return SimpleNamespace(**(values | overrides))


A = "http://schemas.openxmlformats.org/drawingml/2006/main"
C = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
EXPECTED_ROWS = [
    ("technical-advice", 2024, 10, 1),
    ("technical-advice", 2025, 10, 2),
    ("officials", 2024, 3, 1),
    ("officials", 2025, 3, 3),
]


def test_json_has_the_results_framework(command_settings, capsys):
    assert stats.run_stats(command_settings, args(format="json")) == 0
    out = capsys.readouterr()
    document = json.loads(out.out)
    rows = document["results_framework"]
    assert [(r["id"], r["year"], r["target"], r["actual"]) for r in rows] == EXPECTED_ROWS
    assert rows[0]["name"] == "Technical advice on the Convention provided to States"
    assert rows[0]["indicator"] == "technical-advice"
    assert "self-declared" in document["advised"]["note"]
    assert out.err == ""


def test_table_shows_target_against_actual_and_the_note(command_settings, capsys):
    assert stats.run_stats(command_settings, args()) == 0
    out = capsys.readouterr().out
    assert re.search(r"\n\s+2025\s+10\s+2  Technical advice on the Convention", out)
    assert re.search(r"\n\s+2025\s+3\s+3  Officials advised", out)
    assert "profiles are self-declared" in out
    assert re.search(r"party: States\s+1\n", out) and re.search(r"signatory: officials\s+1\n", out)


def test_csv_has_target_and_actual(command_settings, tmp_path):
    out = tmp_path / "stats.csv"
    assert stats.run_stats(command_settings, args(format="csv", out=out)) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    framework = {r["key"]: r["value"] for r in rows if r["breakdown"] == "Results framework"}
    assert framework["2025 technical-advice target"] == "10"
    assert framework["2025 officials actual"] == "3"


def test_xlsx_sheet_has_a_bar_chart_of_target_and_actual(command_settings, tmp_path):
    out = tmp_path / "stats.xlsx"
    assert stats.run_stats(command_settings, args(format="xlsx", out=out)) == 0
    book = load_workbook(out)
    sheet = book["Results framework"]
    cells = list(sheet.iter_rows(min_row=1, max_row=5, values_only=True))
    assert cells[0] == ("indicator", "name", "year", "from", "to", "target", "actual")
    assert [(r[0], r[2], r[5], r[6]) for r in cells[1:]] == EXPECTED_ROWS
    book.close()
    # The charts as Excel reads them (the DrawingML chart parts): one clustered column chart per
    # indicator, titled with its name, with two series (target, actual) over the years' cells.
    with zipfile.ZipFile(out) as archive:
        names = sorted(n for n in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        charts = [ElementTree.fromstring(archive.read(n)) for n in names]
    assert len(charts) == 2
    for chart, (first, last, title) in zip(
        charts,
        [
            (2, 3, "Technical advice on the Convention provided to States"),
            (4, 5, "Officials advised"),
        ],
        strict=True,
    ):
        bar = chart.find(".//c:barChart", C)
        assert bar is not None and bar.find("c:barDir", C).get("val") == "col"
        assert "".join(t.text for t in chart.find("c:chart/c:title", C).iter(f"{{{A}}}t")) == title
        series = bar.findall("c:ser", C)
        assert [s.find("c:tx//c:v", C).text for s in series] == ["target", "actual"]
        assert [s.find("c:val//c:f", C).text for s in series] == [
            f"'Results framework'!${column}${first}:${column}${last}" for column in "FG"
        ]
        assert {s.find("c:cat//c:f", C).text for s in series} == {
            f"'Results framework'!$C${first}:$C${last}"
        }


def test_a_broken_framework_is_reported_and_the_rest_shown(command_settings, capsys):
    write_framework(
        command_settings.knowledge_dir,
        FRAMEWORK_YAML.replace("measure: officials_advised", "measure: officials_pleased"),
    )
    assert stats.run_stats(command_settings, args(format="json")) == 0
    out = capsys.readouterr()
    assert [r["id"] for r in json.loads(out.out)["results_framework"]] == ["technical-advice"] * 2
    assert re.search(r"results-framework\.yaml:8: indicator 'officials': unknown measure", out.err)
