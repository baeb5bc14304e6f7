"""The gap report: questions the knowledge base could not serve, grouped by similarity.

Example::

    with session_scope(sessions) as session:
        print(render_gaps(gap_report(session, period), period))   # helpdesk-bot stats --gaps
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import case, false, func, or_, select
from sqlalchemy.orm import Session

from .figures import _ordered
from .knowledge import fold
from .models import Feedback, Query
from .periods import Period

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
