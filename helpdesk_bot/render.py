"""The M&E figures written out: plain-text table, CSV, JSON, xlsx, the PNG chart, the staff headline.

Example::

    print(render_table(figures))          # helpdesk-bot stats
    Path("stats.png").write_bytes(render_chart(figures))
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from .db import session_scope
from .figures import (
    ADVICE_NOTE,
    NONE,
    OUTCOMES,
    SUPPRESS_BELOW,
    SUPPRESSED,
    TOP_ENTRIES,
    Figures,
    compute,
    suppress,
)
from .files import private_file
from .knowledge import State
from .periods import Period


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
        *_advice_sections(figures.advised),
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
            "Deadline reminders",
            [
                (
                    "set (90 and 30 days before a deadline count as two)",
                    figures.reminders.get("set", 0),
                ),
                ("sent", figures.reminders.get("sent", 0)),
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


def _advice_sections(advised: Mapping[str, Any]) -> list[tuple[str, list[tuple[str, Any]]]]:
    """Who was advised: by treaty status, on reporting, from States whose report is overdue."""
    reporting = advised.get("on_reporting", {})
    newly, sids = reporting.get("newly_party", {}), reporting.get("sids", {})
    overdue = advised.get("overdue_report", {})
    return [
        (
            "Advised by treaty status (UNCAT)",
            [
                (f"{status}: {what}", n)
                for status, counts in advised.get("by_status", {}).items()
                for what, n in (("States", counts["states"]), ("officials", counts["officials"]))
            ],
        ),
        (
            "Advised on reporting",
            [
                (
                    f"newly party States (deposit from {advised.get('newly_party_since')})",
                    newly.get("states", 0),
                ),
                ("officials of newly party States", newly.get("officials", 0)),
                ("Small Island Developing States", sids.get("states", 0)),
                ("officials of Small Island Developing States", sids.get("officials", 0)),
            ],
        ),
        (
            "Report overdue",
            [
                ("questions from States whose report is overdue", overdue.get("questions", 0)),
                ("States whose report is overdue that asked", overdue.get("states", 0)),
            ],
        ),
    ]


FRAMEWORK_SHEET = "Results framework"


def _framework_lines(figures: Figures) -> list[str]:
    """Target against actual per year, indicator by indicator, for the plain-text table."""
    lines = [f"{FRAMEWORK_SHEET} (yearly target; actual per calendar year within the period)"]
    if not figures.results_framework:
        return [*lines, "  -"]
    lines.append("  " + "  ".join(f"{h:>8}" for h in ("year", "target", "actual")) + "  indicator")
    partial = False
    for row in figures.results_framework:
        year = str(row["year"])
        if (row["from"][5:], row["to"][5:]) != ("01-01", "12-31"):
            year, partial = f"{year}*", True
        cells = (year, row["target"], row["actual"])
        lines.append("  " + "  ".join(f"{_cell(v):>8}" for v in cells) + f"  {row['name']}")
    if partial:
        lines.append("  * part of the year only: the period does not cover all of it")
    return lines


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
    lines.extend(_framework_lines(figures))
    lines.append("")
    lines.append("Per month")
    header = ["month", *OUTCOMES, "total"]
    lines.append("  " + "  ".join(f"{h:>8}" for h in header))
    for month, counts in figures.by_month.items():
        row = [month, *(counts.get(o, 0) for o in OUTCOMES), sum(counts.values())]
        lines.append("  " + "  ".join(f"{_cell(v):>8}" for v in row))
    lines.append("")
    lines.append(ADVICE_NOTE)
    if not exact:
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
    for row in figures.results_framework:
        for what in ("target", "actual"):
            writer.writerow([FRAMEWORK_SHEET, f"{row['year']} {row['id']} {what}", row[what]])
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
    _framework_sheet(book.create_sheet(FRAMEWORK_SHEET), figures, bold)
    book.save(private_file(path))


def _framework_sheet(ws: Any, figures: Figures, bold: Any) -> None:
    """Target against actual per year, and one native Excel bar chart per indicator."""
    from openpyxl.chart import BarChart, Reference, Series

    ws.append(["indicator", "name", "year", "from", "to", "target", "actual"])
    for c in ws[1]:
        c.font = bold
    rows = figures.results_framework
    for row in rows:
        ws.append([row[k] for k in ("id", "name", "year", "from", "to", "target", "actual")])
    ws.column_dimensions["A"].width = max([12, *(len(r["id"]) + 2 for r in rows)])
    ws.column_dimensions["B"].width = min(60, max([12, *(len(r["name"]) + 2 for r in rows)]))
    ws.append([])
    if not rows:
        ws.append(["No indicators: see knowledge/monitoring/results-framework.yaml."])
    ws.append([ADVICE_NOTE])
    first = 2  # the sheet row of the indicator's first year
    for number, indicator in enumerate(dict.fromkeys(r["id"] for r in rows)):
        last = first + sum(1 for r in rows if r["id"] == indicator) - 1
        chart = BarChart()
        chart.type = "col"
        chart.grouping = "clustered"
        chart.title = ws.cell(row=first, column=2).value
        chart.y_axis.title = "target and actual"
        chart.x_axis.title = "year"
        for column, title in ((6, "target"), (7, "actual")):
            values = Reference(ws, min_col=column, min_row=first, max_row=last)
            chart.series.append(Series(values, title=title))
        chart.set_categories(Reference(ws, min_col=3, min_row=first, max_row=last))
        chart.height, chart.width = 7.5, 15
        ws.add_chart(chart, f"I{2 + 16 * number}")
        first = last + 1


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
