"""Scoring a matcher on a labelled evaluation set (tests/data/eval.yaml).

Example::

    items = load_eval_set(Path("tests/data/eval.yaml"))
    report = evaluate(matcher.match, items)
    report.in_scope_accuracy, report.out_of_scope_declined
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .knowledge import LANGUAGES


@dataclass(frozen=True)
class EvalItem:
    question: str
    language: str
    entry: str | None  # None: out of scope, the matcher must decline
    also: tuple[str, ...] = ()  # other entries that answer it just as well (duplicates in the base)

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
    misses: list[tuple[EvalItem, Outcome]] = field(default_factory=list)

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
    """Read ``items: [{question, language, entry}]``; raises ValueError naming the bad item."""
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
        items.append(EvalItem(raw["question"], language, ids[0] if ids else None, tuple(ids[1:])))
    return items


def evaluate(match: Callable[[EvalItem], Outcome], items: Sequence[EvalItem]) -> Report:
    """Run ``match`` on every item and count the outcomes."""
    report = Report()
    for item in items:
        got = match(item)
        if got.outcome == "suggest":
            report.suggested += 1
        if item.entry is None:
            report.out_of_scope += 1
            if got.outcome != "answer":
                report.declined += 1
            else:
                report.misses.append((item, got))
            continue
        report.in_scope += 1
        if got.outcome == "answer" and item.accepts(got.entry):
            report.answered_right += 1
            continue
        if got.outcome == "answer":
            report.answered_wrong += 1
        elif got.outcome == "suggest" and any(item.accepts(c) for c in got.candidates[:3]):
            report.suggested_right += 1
        report.misses.append((item, got))
    return report
