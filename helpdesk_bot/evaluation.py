"""Scoring the desk's answers on a labelled evaluation set (tests/data/eval-*.yaml).

The set comes in two parts: ``eval-calibration.yaml``, on which the bands and every threshold are
fitted (benchmarks/calibrate.py), and ``eval-test.yaml``, which they never see and on which the
figures are reported (benchmarks/matcher.py, tests/test_matcher.py).

Example::

    items = load_eval_set(Path("tests/data/eval-test.yaml"))
    report = evaluate(run, items)
    report.in_scope_accuracy, report.near_domain_declined
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .answering import Answerer
from .knowledge import LANGUAGES


@dataclass(frozen=True)
class EvalItem:
    question: str
    language: str
    entry: str | None  # None: out of scope, the matcher must decline
    also: tuple[str, ...] = ()  # other entries that answer it just as well (duplicates in the base)
    expect: str | None = None  # for entry None: decline | smalltalk | clarify (else: not answered)

    def accepts(self, entry_id: str | None) -> bool:
        return entry_id is not None and (entry_id == self.entry or entry_id in self.also)


@dataclass(frozen=True)
class Outcome:
    """The part of a match the evaluation needs (any matcher can produce it)."""

    outcome: str
    entry: str | None
    candidates: tuple[str, ...] = ()


@dataclass
class Report:
    in_scope: int = 0
    out_of_scope: int = 0
    answered_right: int = 0
    answered_wrong: int = 0
    suggested_right: int = 0  # in scope, not answered, right entry among the suggestions
    suggested: int = 0
    declined: int = 0  # out of scope and not answered
    in_scope_declined: int = 0  # in scope, yet declined as out of scope: the worst kind of miss
    near_domain: int = 0  # expect decline: another instrument or body, an unrelated subject
    near_domain_declined: int = 0  # ... and the outcome was decline
    small_talk: int = 0
    small_talk_right: int = 0  # outcome smalltalk
    small_talk_escalated: int = 0  # a ticket for a "thanks": must stay 0
    vague: int = 0
    vague_clarified: int = 0  # outcome clarify
    misses: list[tuple[EvalItem, Outcome]] = field(default_factory=list)

    @property
    def near_domain_decline_rate(self) -> float:
        """Share of questions about other instruments and bodies given the decline outcome."""
        return self.near_domain_declined / self.near_domain if self.near_domain else 0.0

    @property
    def small_talk_rate(self) -> float:
        return self.small_talk_right / self.small_talk if self.small_talk else 0.0

    @property
    def in_scope_accuracy(self) -> float:
        """Share of in-scope questions answered with the right entry."""
        return self.answered_right / self.in_scope if self.in_scope else 0.0

    @property
    def out_of_scope_declined(self) -> float:
        return self.declined / self.out_of_scope if self.out_of_scope else 0.0

    @property
    def suggest_rate(self) -> float:
        total = self.in_scope + self.out_of_scope
        return self.suggested / total if total else 0.0

    @property
    def wrong_answer_rate(self) -> float:
        """Share of in-scope questions answered confidently with the wrong entry."""
        return self.answered_wrong / self.in_scope if self.in_scope else 0.0


def load_eval_set(path: Path) -> list[EvalItem]:
    """Read ``items: [{question, language, entry, expect}]``; ValueError names the bad item."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    items = []
    for number, raw in enumerate(data.get("items") or [], start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("question"), str):
            raise ValueError(f"{path}: item {number} needs a 'question' text")
        language = raw.get("language", "en")
        if language not in LANGUAGES:
            raise ValueError(f"{path}: item {number} has unknown language {language!r}")
        entry = raw.get("entry")
        ids = (
            [str(e) for e in entry]
            if isinstance(entry, list)
            else []
            if entry is None
            else [str(entry)]
        )
        expect = raw.get("expect")
        if expect is not None and (ids or expect not in EXPECTATIONS):
            raise ValueError(
                f"{path}: item {number}: 'expect' is one of {', '.join(EXPECTATIONS)}, "
                "for items without an entry"
            )
        items.append(
            EvalItem(raw["question"], language, ids[0] if ids else None, tuple(ids[1:]), expect)
        )
    return items


EXPECTATIONS = ("decline", "smalltalk", "clarify")


def evaluate(match: Callable[[EvalItem], Outcome], items: Sequence[EvalItem]) -> Report:
    """Run ``match`` on every item and count the outcomes."""
    report = Report()
    for item in items:
        got = match(item)
        if got.outcome == "suggest":
            report.suggested += 1
        if item.entry is None:
            report.out_of_scope += 1
            right = got.outcome != "answer"
            if right:
                report.declined += 1
            if item.expect == "decline":
                report.near_domain += 1
                report.near_domain_declined += got.outcome == "decline"
                right = got.outcome == "decline"
            elif item.expect == "smalltalk":
                report.small_talk += 1
                report.small_talk_right += got.outcome == "smalltalk"
                report.small_talk_escalated += got.outcome == "escalate"
                right = got.outcome == "smalltalk"
            elif item.expect == "clarify":
                report.vague += 1
                report.vague_clarified += got.outcome == "clarify"
                right = got.outcome == "clarify"
            if not right:
                report.misses.append((item, got))
            continue
        report.in_scope += 1
        report.in_scope_declined += got.outcome == "decline"
        if got.outcome == "answer" and item.accepts(got.entry):
            report.answered_right += 1
            continue
        if got.outcome == "answer":
            report.answered_wrong += 1
        elif got.outcome == "suggest" and any(item.accepts(c) for c in got.candidates[:3]):
            report.suggested_right += 1
        report.misses.append((item, got))
    return report


def answering(answerer: Answerer) -> Callable[[EvalItem], Outcome]:
    """``evaluate``'s function for the desk's own answers (scope checks, bands, referrals)."""

    def run(item: EvalItem) -> Outcome:
        reply = answerer.answer(item.question, language=item.language)
        entry = reply.entry.id if reply.entry and reply.outcome == "answer" else None
        return Outcome(reply.outcome, entry, tuple(e for e, _ in reply.candidates))

    return run
