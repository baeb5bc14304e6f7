"""Benchmark the matcher on tests/data/eval.yaml against a BM25 baseline, and time it.

Run: ``.venv/bin/python benchmarks/matcher.py [--entries 10000]``

Prints, for the matcher and for rank-bm25 over the same base: in-scope accuracy (right entry
answered), wrong answers, out-of-scope declined, suggest rate; then per-question latency p50/p95
on the shipped base and on a base scaled to N synthetic entries.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpdesk_bot.config import Settings  # noqa: E402
from helpdesk_bot.evaluation import EvalItem, Outcome, Report, evaluate, load_eval_set  # noqa: E402
from helpdesk_bot.knowledge import LANGUAGES, KnowledgeBase, load_knowledge  # noqa: E402
from helpdesk_bot.matcher import Matcher  # noqa: E402
from helpdesk_bot.text import simplify  # noqa: E402


class BM25Baseline:
    """rank-bm25 over every phrasing (folded words), best phrasing per entry, same three bands."""

    def __init__(self, base: KnowledgeBase):
        self.owners: list[str] = []
        corpus = []
        for entry in base.entries.values():
            for language in LANGUAGES:
                for question in entry.questions.get(language, []) + entry.keywords.get(
                    language, []
                ):
                    corpus.append(simplify(question).split())
                    self.owners.append(entry.id)
        self.bm25 = BM25Okapi(corpus)

    def scores(self, text: str) -> list[tuple[str, float]]:
        raw = self.bm25.get_scores(simplify(text).split())
        best: dict[str, float] = {}
        for owner, score in zip(self.owners, raw, strict=True):
            best[owner] = max(best.get(owner, 0.0), float(score))
        return sorted(best.items(), key=lambda item: -item[1])


def banded(ranked: list[tuple[str, float]], threshold: float, margin: float) -> Outcome:
    if not ranked or ranked[0][1] <= 0:
        return Outcome("escalate", None)
    ids = tuple(e for e, _ in ranked[:5])
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if ranked[0][1] >= threshold and ranked[0][1] - runner_up >= margin:
        return Outcome("answer", ranked[0][0], ids)
    return Outcome("suggest", None, ids)


def best_bm25_report(baseline: BM25Baseline, items: list[EvalItem]) -> tuple[Report, float, float]:
    """BM25 gets its own calibration: the best in-scope accuracy declining >= 90% out of scope."""
    ranked = {item.question: baseline.scores(item.question) for item in items}
    top = sorted({round(r[0][1], 1) for r in ranked.values() if r})
    best: tuple[Report, float, float] | None = None
    for threshold in np.quantile(top, np.linspace(0.0, 1.0, 41)):
        for margin in (0.0, 0.5, 1.0, 2.0, 3.0):
            report = evaluate(
                lambda i, t=threshold, m=margin: banded(ranked[i.question], t, m), items
            )
            if report.out_of_scope_declined >= 0.90 and (
                best is None or report.in_scope_accuracy > best[0].in_scope_accuracy
            ):
                best = (report, float(threshold), margin)
    assert best is not None
    return best


def synthetic_base(base: KnowledgeBase, size: int, seed: int = 7) -> KnowledgeBase:
    """``size`` entries: the shipped ones, then copies with shuffled, recombined phrasings."""
    rng = random.Random(seed)
    originals = list(base.entries.values())
    vocabulary = sorted(
        {w for e in originals for qs in e.questions.values() for q in qs for w in q.split()}
    )
    entries = dict(base.entries)
    while len(entries) < size:
        source = rng.choice(originals)
        questions = {}
        for language, qs in source.questions.items():
            made = []
            for q in qs:
                words = q.split()
                rng.shuffle(words)
                words[: rng.randint(1, 3)] = rng.sample(vocabulary, 3)
                made.append(" ".join(words))
            questions[language] = made
        new_id = f"synthetic-{len(entries)}"
        entries[new_id] = replace(source, id=new_id, questions=questions)
    return replace(base, entries=entries)


def latencies(matcher: Matcher, questions: list[str], repeat: int = 3) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        for question in questions:
            start = time.perf_counter()
            matcher.match(question)
            times.append((time.perf_counter() - start) * 1000)
    cuts = statistics.quantiles(times, n=100)
    return cuts[49], cuts[94]


def line(name: str, report: Report) -> str:
    return (
        f"{name:<10} in-scope accuracy {report.in_scope_accuracy:.3f}  "
        f"wrong answers {report.wrong_answer_rate:.3f}  "
        f"out-of-scope declined {report.out_of_scope_declined:.3f}  "
        f"suggest rate {report.suggest_rate:.3f}  "
        f"(right entry suggested {report.suggested_right})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--eval", type=Path, default=ROOT / "tests" / "data" / "eval.yaml")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()

    base, _ = load_knowledge(ROOT / "knowledge")
    items = load_eval_set(args.eval)
    settings = Settings()
    bands = {
        "answer_threshold": settings.answer_threshold,
        "suggest_threshold": settings.suggest_threshold,
        "answer_margin": settings.answer_margin,
    }
    start = time.perf_counter()
    matcher = Matcher(base, **bands)
    build_ms = (time.perf_counter() - start) * 1000

    def run(item: EvalItem) -> Outcome:
        match = matcher.match(item.question, language=item.language)
        ids = tuple(c.entry.id for c in match.candidates)
        return Outcome(match.outcome, match.entry.id if match.entry else None, ids)

    report = evaluate(run, items)
    bm25, threshold, margin = best_bm25_report(BM25Baseline(base), items)
    print(
        f"evaluation set: {report.in_scope} in scope, {report.out_of_scope} out of scope; "
        f"base: {len(base.entries)} entries"
    )
    print(f"bands: {bands}")
    print(line("matcher", report))
    print(line("bm25", bm25) + f"  [its best bands: threshold {threshold:.2f}, margin {margin}]")
    if args.show_misses:
        for item, got in report.misses:
            print(
                f"  miss: {got.outcome:8} {got.entry or '-':45} want {item.entry}: {item.question}"
            )

    questions = [item.question for item in items]
    p50, p95 = latencies(matcher, questions)
    print(
        f"latency, shipped base ({len(base.entries)} entries, index built in {build_ms:.0f} ms): "
        f"p50 {p50:.2f} ms  p95 {p95:.2f} ms"
    )
    big = synthetic_base(base, args.entries)
    start = time.perf_counter()
    big_matcher = Matcher(big, **bands)
    build_s = time.perf_counter() - start
    p50, p95 = latencies(big_matcher, questions, repeat=1)
    print(
        f"latency, {len(big.entries)} entries (index built in {build_s:.1f} s): "
        f"p50 {p50:.2f} ms  p95 {p95:.2f} ms"
    )


if __name__ == "__main__":
    main()
