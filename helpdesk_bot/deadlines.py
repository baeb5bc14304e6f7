"""A State's treaty dates, from the treaty texts: pure functions, no database, no Telegram.

UNCAT art. 27(2) and OPCAT art. 28(2): a treaty enters into force for a State on the thirtieth day
after it deposits its instrument; for the first twenty States, which deposited before the treaty itself
was in force, on the treaty's own date (UNCAT 26 June 1987, art. 27(1); OPCAT 22 June 2006, art. 28(1)). UNCAT art. 19(1): the initial report is due within one year after
entry into force (the Committee's due date is the last day of that year). OPCAT art. 17: the national preventive mechanism (NPM) within one year of entry
into force. A date the Committee set itself (a periodic report's) always wins over a computed one,
and where the treaty leaves the date to a State's own declaration (an OPCAT art. 24 postponement)
nothing is computed: the declaration's terms decide, and the desk points to the UN Treaty
Collection instead of guessing.

Example::

    in_force = entry_into_force(date(2011, 7, 12))   # Vanuatu deposited UNCAT: 2011-08-11
    initial_report_due(in_force)                     # 2012-08-10, the year's last day
    has_passed(initial_report_due(in_force), today=date(2026, 12, 1))   # True
"""

from __future__ import annotations

from datetime import date, timedelta

IN_FORCE_AFTER = timedelta(days=30)
# The day each treaty itself entered into force, the thirtieth day after the twentieth deposit.
TREATY_IN_FORCE = {"uncat": date(1987, 6, 26), "opcat": date(2006, 6, 22)}


def entry_into_force(deposit: date, *, treaty: str | None = None) -> date:
    """The thirtieth day after the instrument's deposit (UNCAT art. 27(2), OPCAT art. 28(2)); with
    ``treaty`` ("uncat" or "opcat"), never before the treaty itself was in force (art. 27(1),
    art. 28(1)): a State among the first twenty was bound from the treaty's own date.

    >>> entry_into_force(date(2011, 7, 12))  # Vanuatu, as the UN Treaty Collection records it
    datetime.date(2011, 8, 11)
    >>> entry_into_force(date(1986, 9, 24), treaty="uncat")  # Argentina, among the first twenty
    datetime.date(1987, 6, 26)
    """
    in_force = deposit + IN_FORCE_AFTER
    start = TREATY_IN_FORCE.get(treaty or "")
    return max(in_force, start) if start else in_force


def years_after(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February becomes 28 February in a common year
    (the deadline falls within the year, never after it).

    >>> years_after(date(2024, 2, 29), 1)
    datetime.date(2025, 2, 28)
    """
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, and the later year is not a leap year
        return day.replace(year=day.year + years, day=28)


def initial_report_due(in_force: date) -> date:
    """UNCAT art. 19(1): the initial report, within one year after entry into force, so on the
    last day of that year, as the Committee counts it: in force 4 July 1992, due 3 July 1993
    (Cabo Verde, CAT/C/CPV/CO/1, para. 2; likewise Antigua and Barbuda, CAT/C/ATG/CO/1, and
    Seychelles, CAT/C/SYC/CO/1).

    >>> initial_report_due(date(2011, 8, 11))  # Vanuatu
    datetime.date(2012, 8, 10)
    >>> initial_report_due(date(2024, 2, 29)), initial_report_due(date(2024, 3, 1))
    (datetime.date(2025, 2, 28), datetime.date(2025, 2, 28))
    """
    return years_after(in_force - timedelta(days=1), 1)


def npm_due(in_force: date, *, postponed: bool = False) -> date | None:
    """OPCAT art. 17: the NPM within one year of entry into force; None when the State made an
    art. 24 declaration postponing Part IV, whose own terms (up to three years, and any extension
    the Committee against Torture granted) decide the date.

    >>> npm_due(date(2020, 3, 1)), npm_due(date(2020, 3, 1), postponed=True)
    (datetime.date(2021, 3, 1), None)
    """
    return None if postponed else years_after(in_force, 1)


def has_passed(due: date, *, today: date) -> bool:
    """Whether ``due`` is behind us: a date due today has not passed yet.

    >>> has_passed(date(2026, 12, 1), today=date(2026, 12, 1))
    False
    """
    return due < today
