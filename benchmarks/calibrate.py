"""Fit the matching bands on the calibration part of the evaluation set, and only there.

Run: ``.venv/bin/python benchmarks/calibrate.py``

The bands are fitted on tests/data/eval-calibration-bands.yaml: calibration questions nobody wrote
the knowledge base's phrasings from, so the fit sees how the desk does on questions it was not
written for (on eval-calibration.yaml, which the phrasings were written from, almost every point
of the grid looks perfect).

A grid over the answer threshold, the margin over the runner-up, the share of the question's
content words the answering entry must use, the lead (a runner-up this far behind answers), the
floor from which the lead answers and, with ``--related-margins``, the margin over a runner-up the
answer offers one tap away (the suggest threshold stays where questions with at least one rare
shared term land). A point qualifies when, on
those questions, wrong answers stay within 2 % of in-scope questions and at
least 95 % of out-of-scope questions are not answered. Among those, every point within one
point of the best in-scope accuracy is as good as the best (a few hundred questions: the last
point of accuracy there is noise),
and the most cautious of them wins: the one that answers the fewest calibration questions. The
test part is never read here:
benchmarks/matcher.py reports it with the bands chosen, which go into helpdesk_bot/config.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpdesk_bot.answering import Answerer  # noqa: E402
from helpdesk_bot.config import Settings  # noqa: E402
from helpdesk_bot.desk import load_base  # noqa: E402
from helpdesk_bot.evaluation import Report, answering, evaluate, load_eval_set  # noqa: E402

MAX_WRONG = 0.02
MIN_NOT_ANSWERED = 0.95
AS_GOOD = 0.01  # in-scope accuracy this close to the best counts as the best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--eval", type=Path, default=ROOT / "tests" / "data" / "eval-calibration-bands.yaml"
    )
    parser.add_argument("--thresholds", default="24:34", help="answer thresholds, FROM:TO")
    parser.add_argument("--margins", default="6:14", help="margins, FROM:TO")
    parser.add_argument(
        "--content-shares", default="0.2,0.3,0.4", help="content shares, comma-separated"
    )
    parser.add_argument(
        "--leads", default="0,0.3,0.4,0.5", help="answer leads (runner-up / best), comma-separated"
    )
    parser.add_argument(
        "--lead-floors", default="17,21,25", help="scores the lead answers from, comma-separated"
    )
    parser.add_argument(
        "--related-margins",
        default="",
        help="margins over a runner-up the answer offers one tap away, comma-separated "
        "(default: the margin)",
    )
    args = parser.parse_args()

    base, referrals, scope = load_base(Settings())
    items = load_eval_set(args.eval)
    answerer = Answerer(base, referrals, scope)
    matcher = answerer.matcher
    low, high = (int(x) for x in args.thresholds.split(":"))
    m_low, m_high = (int(x) for x in args.margins.split(":"))
    shares = [float(x) for x in args.content_shares.split(",")]
    leads = [float(x) for x in args.leads.split(",")]
    floors = [float(x) for x in args.lead_floors.split(",")]
    related = [float(x) for x in args.related_margins.split(",")] if args.related_margins else []
    grid = [
        (t, m, c, lead, floor, r)
        for t in range(low, high + 1)
        for m in range(m_low, m_high + 1)
        for c in shares
        for lead in leads
        for floor in floors
        for r in (related or [float(m)])
    ]
    print(f"calibration set: {len(items)} questions; {len(grid)} points of the grid")
    start = time.perf_counter()
    rows = []
    for done, (threshold, margin, share, lead, floor, linked) in enumerate(grid, 1):
        matcher.answer_threshold, matcher.answer_margin = float(threshold), float(margin)
        matcher.min_content_share, matcher.answer_lead = share, lead
        matcher.answer_lead_floor, matcher.answer_related_margin = floor, linked
        report = evaluate(answering(answerer), items)
        rows.append(Point(threshold, margin, share, lead, floor, linked, report))
        if done % 200 == 0 or done == len(grid):
            print(f"  {done}/{len(grid)} points, {time.perf_counter() - start:.0f} s", flush=True)
    fits = [
        p
        for p in rows
        if p.report.wrong_answer_rate <= MAX_WRONG
        and p.report.out_of_scope_declined >= MIN_NOT_ANSWERED
    ]
    pool = fits or rows
    top = max(p.report.in_scope_accuracy for p in pool)
    # Of the points as good as the best, the most cautious: the fewest answers, then the highest
    # threshold, margin, content share, floor and linked margin, the lowest lead.
    best = min(
        (p for p in pool if p.report.in_scope_accuracy >= top - AS_GOOD),
        key=lambda p: (
            answered(p.report),
            -p.threshold,
            -p.margin,
            -p.share,
            p.lead,
            -p.floor,
            -p.linked,
        ),
    )
    threshold, margin, share, lead, floor, linked, report = best
    verdict = "meets" if fits else "NO point meets"
    print(
        f"{verdict} wrong <= {MAX_WRONG} and out of scope not answered >= {MIN_NOT_ANSWERED}; "
        f"best: answer threshold {threshold}, margin {margin}, content share {share}, "
        f"lead {lead} from {floor}, margin over a linked runner-up {linked}: "
        f"in scope right {report.in_scope_accuracy:.3f}, wrong {report.wrong_answer_rate:.3f}, "
        f"out of scope not answered {report.out_of_scope_declined:.3f}, "
        f"near-domain declined {report.near_domain_decline_rate:.3f}"
    )
    for t, m, c, lead, floor, linked, r in sorted(rows, key=lambda p: -p.report.in_scope_accuracy)[
        :8
    ]:
        print(
            f"  {t:>3} / {m} / {c} / {lead} from {floor} / linked {linked}: "
            f"right {r.in_scope_accuracy:.3f}  "
            f"wrong {r.wrong_answer_rate:.3f}  not answered out of scope "
            f"{r.out_of_scope_declined:.3f}"
        )


class Point(NamedTuple):
    """One point of the grid and how the desk did there."""

    threshold: int
    margin: int
    share: float
    lead: float
    floor: float
    linked: float  # the margin over a runner-up offered under the answer
    report: Report


def answered(report: Report) -> int:
    """Questions given a confident answer, right or wrong, in scope or not."""
    return report.answered_right + report.answered_wrong + report.out_of_scope - report.declined


if __name__ == "__main__":
    main()
