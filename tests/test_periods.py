"""The periods staff name after /stats, in English, French and Spanish."""

from datetime import date

import pytest

from helpdesk_bot.periods import Period, StatsError, parse_period

TODAY = date(2026, 5, 17)


@pytest.mark.parametrize(
    ("typed", "start", "end"),
    [
        ("", date(2026, 1, 1), TODAY),
        ("2025", date(2025, 1, 1), date(2025, 12, 31)),
        ("2026", date(2026, 1, 1), TODAY),
        ("2026-03", date(2026, 3, 1), date(2026, 3, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("Q2", date(2026, 4, 1), TODAY),
        ("q4 2025", date(2025, 10, 1), date(2025, 12, 31)),
        ("2025-Q3", date(2025, 7, 1), date(2025, 9, 30)),
        ("T1 2025", date(2025, 1, 1), date(2025, 3, 31)),
        ("last month", date(2026, 4, 1), date(2026, 4, 30)),
        ("Last Month", date(2026, 4, 1), date(2026, 4, 30)),
        ("this month", date(2026, 5, 1), TODAY),
        ("this year", date(2026, 1, 1), TODAY),
        ("last year", date(2025, 1, 1), date(2025, 12, 31)),
        ("le mois dernier", date(2026, 4, 1), date(2026, 4, 30)),
        ("cette année", date(2026, 1, 1), TODAY),
        ("l’année dernière", date(2025, 1, 1), date(2025, 12, 31)),
        ("el mes pasado", date(2026, 4, 1), date(2026, 4, 30)),
        ("este año", date(2026, 1, 1), TODAY),
        ("el año pasado", date(2025, 1, 1), date(2025, 12, 31)),
        ("March 2025", date(2025, 3, 1), date(2025, 3, 31)),
        ("mars 2025", date(2025, 3, 1), date(2025, 3, 31)),
        ("décembre 2025", date(2025, 12, 1), date(2025, 12, 31)),
        ("marzo", date(2026, 3, 1), date(2026, 3, 31)),
        ("2026-01-01 2026-03-31", date(2026, 1, 1), date(2026, 3, 31)),
        ("2025-11-15", date(2025, 11, 15), date(2025, 12, 31)),
    ],
)
def test_a_period_as_staff_type_it(typed, start, end):
    assert parse_period(typed, today=TODAY) == Period(start, end)


def test_last_month_in_january_is_december_of_the_year_before():
    assert parse_period("last month", today=date(2026, 1, 9)) == Period(
        date(2025, 12, 1), date(2025, 12, 31)
    )


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("31/12/2025", "not a period"),
        ("next week", "not a period"),
        ("2026-13", "not a date"),
        ("2025-02-29", "not a date"),
        ("2027", "in the future"),
        ("2026-01-01 9999-12-31", "out of range"),
        ("1900", "out of range"),
        ("2026-03-01 2026-01-01", "after"),
    ],
)
def test_what_is_not_a_period_is_named(typed, reason):
    with pytest.raises(StatsError, match=reason):
        parse_period(typed, today=TODAY)
