"""The period the figures cover, and the ways staff name one.

Example::

    Period.of(date(2025, 1, 1), None)                          # 2025, to today or 31 December
    parse_period("last month", today=date(2026, 5, 17))        # April 2026
    parse_period("T1 2026", today=date(2026, 5, 17))           # French for Q1 2026
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_
from sqlalchemy.sql.elements import ColumnElement

from .config import FIRST_DATE, LAST_DATE
from .knowledge import fold


class StatsError(Exception):
    """A usage problem with the stats options (exit code 2)."""


# --- the period ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """Whole UTC days from ``start`` to ``end``, both included."""

    start: date
    end: date

    @classmethod
    def of(
        cls, date_from: date | None, date_to: date | None, *, today: date | None = None
    ) -> Period:
        """Fill what is missing: from 1 January, to today (or 31 December of another year).

        >>> Period.of(date(2024, 3, 1), None, today=date(2026, 5, 17))
        Period(start=datetime.date(2024, 3, 1), end=datetime.date(2024, 12, 31))
        """
        for given in (date_from, date_to):
            if given is not None and not FIRST_DATE <= given <= LAST_DATE:
                raise StatsError(f"{given} is out of range ({FIRST_DATE} to {LAST_DATE})")
        today = today or date.today()
        start = date_from or date((date_to or today).year, 1, 1)
        year_end = date(start.year, 12, 31)
        end = date_to or (min(year_end, today) if start <= today else year_end)
        if start > end:
            raise StatsError(f"--from {start} is after --to {end}")
        return cls(start, end)

    @property
    def lower(self) -> datetime:
        return datetime.combine(self.start, time(), tzinfo=UTC)

    @property
    def upper(self) -> datetime:
        """The first instant after the period (exclusive bound)."""
        return datetime.combine(self.end + timedelta(days=1), time(), tzinfo=UTC)

    def months(self) -> list[str]:
        """Every month the period touches, as YYYY-MM, so empty months show as zero."""
        out, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    def month_ranges(self) -> list[tuple[str, datetime, datetime]]:
        """(YYYY-MM, first instant, first instant after) for each month, clipped to the period."""
        out = []
        for month in self.months():
            year, number = int(month[:4]), int(month[5:])
            first = datetime(year, number, 1, tzinfo=UTC)
            after = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
            out.append((month, max(first, self.lower), min(after, self.upper)))
        return out

    def within(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.lower, column < self.upper)


# --- what staff type -----------------------------------------------------------------------------
PERIOD_EXAMPLES = "2026, 2026-03, Q1, Q1 2025, last month, this year, 2026-01-01 2026-03-31"

# Relative periods in the three languages, after folding (accents off, lower case).
_RELATIVE = {
    "this month": ("month", 0),
    "last month": ("month", -1),
    "this year": ("year", 0),
    "last year": ("year", -1),
    "ce mois": ("month", 0),
    "ce mois-ci": ("month", 0),
    "mois dernier": ("month", -1),
    "le mois dernier": ("month", -1),
    "cette annee": ("year", 0),
    "annee derniere": ("year", -1),
    "l'annee derniere": ("year", -1),
    "este mes": ("month", 0),
    "mes pasado": ("month", -1),
    "el mes pasado": ("month", -1),
    "este ano": ("year", 0),
    "ano pasado": ("year", -1),
    "el ano pasado": ("year", -1),
}
_MONTHS = {
    name: number
    for names in (
        "january february march april may june july august september october november december",
        "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre",
        "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    )
    for number, name in enumerate(names.split(), start=1)
}
_MONTHS |= {name[:3]: number for name, number in list(_MONTHS.items()) if name[:3] != "mar"}
_MONTHS["mar"] = 3  # "mar" is March in English and French; "marzo" is also March
# Quarters: Q1 (English), T1 (trimestre, French and Spanish), either side of the year.
_QUARTER = re.compile(r"^(?:(\d{4})[-\s]?)?[qt]([1-4])(?:[-\s]?(\d{4}))?$")
_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_period(text: str, *, today: date | None = None) -> Period:
    """The period in what staff typed after /stats; StatsError names what is accepted.

    >>> parse_period("2025-03", today=date(2026, 5, 17))
    Period(start=datetime.date(2025, 3, 1), end=datetime.date(2025, 3, 31))
    >>> parse_period("Q2", today=date(2026, 5, 17))
    Period(start=datetime.date(2026, 4, 1), end=datetime.date(2026, 5, 17))
    """
    today = today or date.today()
    words = fold(text).replace("’", "'")
    if not words:
        return Period.of(None, None, today=today)
    try:
        period = _named_period(words, today)
    except ValueError as exc:  # a month 13, 29 February of a common year, a year 0000
        raise StatsError(f"{text.strip()!r} is not a date ({exc})") from None
    if period is None:
        raise StatsError(f"{text.strip()!r} is not a period I know")
    for day in (period.start, period.end):
        if not FIRST_DATE <= day <= LAST_DATE:
            raise StatsError(f"{day} is out of range ({FIRST_DATE} to {LAST_DATE})")
    if period.start > today:
        raise StatsError(f"{period.start} is in the future")
    return Period(period.start, min(period.end, today))


def _named_period(words: str, today: date) -> Period | None:
    """The period ``words`` (folded) names, or None; ValueError for an impossible date."""
    if words in _RELATIVE:
        unit, shift = _RELATIVE[words]
        if unit == "year":
            return _year(today.year + shift)
        year, month = divmod(today.year * 12 + today.month - 1 + shift, 12)
        return _month(year, month + 1)
    if _YEAR.match(words):
        return _year(int(words))
    if found := _MONTH.match(words):
        return _month(int(found[1]), int(found[2]))
    if found := _QUARTER.match(words):
        if found[1] and found[3]:
            return None
        year = int(found[1] or found[3] or today.year)
        first = 3 * int(found[2]) - 2
        return Period(date(year, first, 1), _month(year, first + 2).end)
    parts = words.split()
    if parts and parts[0] in _MONTHS and len(parts) <= 2:
        if len(parts) == 2 and not _YEAR.match(parts[1]):
            return None
        return _month(int(parts[1]) if len(parts) == 2 else today.year, _MONTHS[parts[0]])
    if 1 <= len(parts) <= 2 and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", p) for p in parts):
        days = [date.fromisoformat(p) for p in parts]
        return Period.of(days[0], days[1] if len(days) == 2 else None, today=today)
    return None


def _year(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31))


def _month(year: int, month: int) -> Period:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period(first, following - timedelta(days=1))
