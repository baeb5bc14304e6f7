"""The treaty dates of a State, on worked examples and on the edges of months and years."""

from datetime import date

import pytest

from helpdesk_bot.deadlines import (
    entry_into_force,
    has_passed,
    initial_report_due,
    npm_due,
    years_after,
)


@pytest.mark.parametrize(
    ("deposit", "in_force"),
    [
        (date(2011, 7, 12), date(2011, 8, 11)),  # Vanuatu's UNCAT deposit (UN Treaty Collection)
        (date(2025, 1, 31), date(2025, 3, 2)),  # across a short February
        (date(2024, 1, 31), date(2024, 3, 1)),  # ... of a leap year
        (date(2025, 12, 15), date(2026, 1, 14)),  # across the new year
        (date(2025, 2, 28), date(2025, 3, 30)),
    ],
)
def test_a_treaty_enters_into_force_on_the_thirtieth_day_after_deposit(deposit, in_force):
    assert entry_into_force(deposit) == in_force


@pytest.mark.parametrize(
    ("in_force", "due"),
    [
        (date(2011, 8, 11), date(2012, 8, 10)),  # Vanuatu
        # The Committee's own dates: Cabo Verde (CAT/C/CPV/CO/1, para. 2), Antigua and Barbuda
        # (CAT/C/ATG/CO/1, para. 2), Seychelles (CAT/C/SYC/CO/1).
        (date(1992, 7, 4), date(1993, 7, 3)),
        (date(1993, 8, 18), date(1994, 8, 17)),
        (date(1992, 6, 4), date(1993, 6, 3)),
        (date(2024, 2, 29), date(2025, 2, 28)),  # no 29 February in 2025
        (date(2024, 3, 1), date(2025, 2, 28)),
        (date(2024, 1, 1), date(2024, 12, 31)),
    ],
)
def test_the_initial_report_is_due_on_the_last_day_of_the_year_after_entry_into_force(
    in_force, due
):
    assert initial_report_due(in_force) == due


def test_the_npm_is_due_one_year_after_entry_into_force_unless_postponed():
    assert npm_due(date(2020, 3, 1)) == date(2021, 3, 1)
    # An art. 24 declaration's own terms decide: nothing is computed, nothing guessed.
    assert npm_due(date(2020, 3, 1), postponed=True) is None


def test_years_after_keeps_the_day_where_it_exists():
    assert years_after(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert years_after(date(2023, 3, 31), 1) == date(2024, 3, 31)


@pytest.mark.parametrize(
    ("due", "today", "passed"),
    [
        (date(2026, 12, 1), date(2026, 12, 1), False),  # due today: not yet overdue
        (date(2026, 11, 30), date(2026, 12, 1), True),
        (date(2027, 1, 1), date(2026, 12, 1), False),
    ],
)
def test_whether_a_date_has_passed(due, today, passed):
    assert has_passed(due, today=today) is passed


@pytest.mark.parametrize(
    ("deposit", "treaty", "in_force"),
    [
        # UK FCO Treaty Record (UNCAT): deposits before the Convention itself was in force
        (date(1986, 9, 24), "uncat", date(1987, 6, 26)),  # Argentina
        (date(1987, 4, 1), "uncat", date(1987, 6, 26)),  # Afghanistan
        (date(1987, 7, 29), "uncat", date(1987, 8, 28)),  # Austria, after it: thirty days
        # Dutch Treaty Series (OPCAT): Argentina before 22 June 2006, Armenia after it
        (date(2004, 11, 15), "opcat", date(2006, 6, 22)),
        (date(2006, 9, 14), "opcat", date(2006, 10, 14)),
        (date(2006, 5, 23), "opcat", date(2006, 6, 22)),  # Bolivia: the twentieth deposit
    ],
)
def test_the_first_twenty_states_are_bound_from_the_treatys_own_date(deposit, treaty, in_force):
    assert entry_into_force(deposit, treaty=treaty) == in_force


def test_without_a_treaty_the_thirty_days_alone_count():
    assert entry_into_force(date(1986, 9, 24)) == date(1986, 10, 24)


@pytest.mark.parametrize(
    ("lang", "in_force", "due"),
    [
        ("en", "11 August 2011", "10 August 2012"),
        ("fr", "11 août 2011", "10 août 2012"),
        ("es", "11 de agosto de 2011", "10 de agosto de 2012"),
    ],
)
def test_the_knowledge_bases_worked_example_counts_as_the_desk_does(
    shipped_desk, lang, in_force, due
):
    # The entry that teaches officials to count shows Vanuatu's dates; the State answers count
    # with deadlines.py. The two must agree, or an official sees two ways of counting.
    assert entry_into_force(date(2011, 7, 12)) == date(2011, 8, 11)
    assert initial_report_due(date(2011, 8, 11)) == date(2012, 8, 10)
    entry = shipped_desk.answerer.base.entries["reporting-due-date-calculation"]
    answer = " ".join(entry.answers[lang].split())
    assert in_force in answer and due in answer
