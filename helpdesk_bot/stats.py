"""``helpdesk-bot stats``: the M&E figures (figures.py) written as a table, JSON, CSV or xlsx
(render.py), or the gap report (gaps.py); the names of those modules are re-exported here.

Example::

    with session_scope(sessions) as session:
        figures = compute(session, Period.of(date(2025, 1, 1), date(2025, 12, 31)), states=base.states)
    print(render_table(figures))          # helpdesk-bot stats
    Path("stats.png").write_bytes(render_chart(figures))

Confidentiality: a count by State below 5 is written as "<5" unless ``exact=True`` (``--exact``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from .config import Settings
from .db import as_database_failure, check_schema, connect, make_sessionmaker, session_scope
from .figures import (
    ADVICE_NOTE,
    NEWLY_PARTY_YEARS,
    NONE,
    NOT_QUESTIONS,
    OUTCOMES,
    OVER_LIMIT,
    SMALL_TALK,
    STATE_STATUSES,
    SUPPRESS_BELOW,
    SUPPRESSED,
    TOP_ENTRIES,
    UNKNOWN,
    Advice,
    Count,
    Figures,
    compute,
    feedback_figures,
    median_hours,
    newly_party,
    referral_figures,
    results_framework,
    satisfaction_figures,
    suppress,
    technical_advice,
    ticket_figures,
)
from .files import open_private
from .gaps import GAP_MAX_TEXTS, GAP_SIMILARITY, GapGroup, gap_report, render_gaps
from .knowledge import load_knowledge, load_states
from .periods import Period, StatsError
from .render import (
    FRAMEWORK_SHEET,
    OUTCOME_COLOURS,
    headline,
    render_chart,
    render_csv,
    render_json,
    render_table,
    write_xlsx,
)
from .results_framework import MEASURES, Indicator, load_framework

__all__ = [
    "ADVICE_NOTE",
    "FORMATS",
    "FRAMEWORK_SHEET",
    "GAP_MAX_TEXTS",
    "GAP_SIMILARITY",
    "MEASURES",
    "NEWLY_PARTY_YEARS",
    "NONE",
    "NOT_QUESTIONS",
    "OUTCOMES",
    "OUTCOME_COLOURS",
    "OVER_LIMIT",
    "SMALL_TALK",
    "STATE_STATUSES",
    "SUPPRESSED",
    "SUPPRESS_BELOW",
    "TOP_ENTRIES",
    "UNKNOWN",
    "Advice",
    "Count",
    "Figures",
    "GapGroup",
    "Indicator",
    "Period",
    "StatsError",
    "compute",
    "feedback_figures",
    "gap_report",
    "headline",
    "load_framework",
    "median_hours",
    "newly_party",
    "referral_figures",
    "render_chart",
    "render_csv",
    "render_gaps",
    "render_json",
    "render_table",
    "results_framework",
    "run_stats",
    "satisfaction_figures",
    "suppress",
    "technical_advice",
    "ticket_figures",
    "write_xlsx",
]

FORMATS = ("table", "json", "csv", "xlsx")


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


def figures_of(desk: Any, period: Any) -> Any:
    """The figures of ``period`` from a running desk's database (staff's /stats), in one read.

    Example: ``headline(figures_of(desk, parse_period("last month")))``
    """
    # A read of the desk's database, so a failure is the desk's DatabaseFailure, as for its calls.
    with as_database_failure(), session_scope(desk.sessions) as session:
        return compute(session, period, states=desk.base.states, entries=desk.base.entries)


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
    indicators, problems = ([], []) if args.gaps else load_framework(directory)
    for problem in problems:
        print(f"helpdesk-bot stats: {problem}", file=sys.stderr)
    engine = connect(settings.database_url)
    try:
        check_schema(engine)
        with session_scope(make_sessionmaker(engine)) as session:
            if args.gaps:
                report = render_gaps(gap_report(session, period), period, format=fmt)
                figures = None
            else:
                figures = compute(
                    session, period, states=states, entries=entries, indicators=indicators
                )
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
