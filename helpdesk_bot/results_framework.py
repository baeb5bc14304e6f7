"""The CTI strategy's results framework: the indicators the desk measures, read from YAML with targets.

The Secretariat edits ``knowledge/monitoring/results-framework.yaml``; each indicator names one of
the measures below (the code counts them, in figures.py) and a yearly target. ``stats`` shows the
target against the actual per calendar year. Problems are reported as ``file:line: message``.

Example::

    indicators, problems = load_framework(Path("knowledge"))
    indicators[0].measure, indicators[0].target_for(2026)    # ("states_advised", 10)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .knowledge import LANGUAGES
from .yamlfile import LineDict, LineList, Problem, display_path, read_yaml

FRAMEWORK_FILE = Path("monitoring") / "results-framework.yaml"  # inside the knowledge folder

# What an indicator can count. A State is "advised" in a year when an official whose (self-declared)
# profile names it asked a question that year and got an answer, a referral or a staff reply.
MEASURES = {
    "states_advised": "States advised",
    "officials_advised": "officials advised",
    "states_advised_not_party": "States not party to UNCAT (signatories and others) advised",
    "states_supported_initial_report_new_or_sids": (
        "newly party States (deposit within three years) and Small Island Developing States "
        "advised on reporting"
    ),
    "questions_from_overdue_states": "questions from States whose report the register shows overdue",
}
FIELDS = {"id", "name", "measure", "target", "targets"}
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Indicator:
    """One line of the results framework: what the desk counts for it and the yearly target."""

    id: str
    names: dict[str, str]  # en always; fr and es where the Secretariat wrote them
    measure: str  # one of MEASURES
    target: int  # a year
    targets: dict[int, int] = field(default_factory=dict)  # a different target for some years
    line: int = field(default=0, compare=False, repr=False)

    def name(self, language: str = "en") -> str:
        return self.names.get(language) or self.names["en"]

    def target_for(self, year: int) -> int:
        return self.targets.get(year, self.target)


def _count(value: object) -> int | None:
    """A whole number of zero or more (YAML ``true`` is not one), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def load_framework(knowledge_dir: Path) -> tuple[list[Indicator], list[Problem]]:
    """The indicators of ``knowledge_dir``'s results framework, and every problem found.

    A missing file is no problem (no indicators); an indicator with a problem is left out, the
    others are kept, so ``stats`` still shows them.
    """
    path = Path(knowledge_dir) / FRAMEWORK_FILE
    if not path.exists():
        return [], []
    name = display_path(path)
    data, problems = read_yaml(path)
    if problems:
        return [], problems
    if not isinstance(data, LineDict):
        return [], [Problem(name, 1, "expected a mapping with 'indicators' at the top of the file")]
    items = data.get("indicators")
    if not isinstance(items, LineList):
        return [], [
            Problem(name, data.key_line("indicators"), "expected a list under 'indicators'")
        ]
    indicators: list[Indicator] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        line = items.item_line(index)
        if not isinstance(item, LineDict):
            problems.append(Problem(name, line, "each indicator must be a mapping"))
            continue
        found = _indicator(name, item, problems)
        if found is None:
            continue
        if found.id in seen:
            problems.append(
                Problem(
                    name,
                    item.key_line("id"),
                    f"duplicate indicator id {found.id!r} (first at line {seen[found.id]})",
                )
            )
            continue
        seen[found.id] = found.line
        indicators.append(found)
    return indicators, sorted(problems)


def _indicator(name: str, item: LineDict, problems: list[Problem]) -> Indicator | None:
    before = len(problems)

    def problem(key: str, message: str) -> None:
        problems.append(Problem(name, item.key_line(key), message))

    for key in item:
        if key not in FIELDS:
            problem(key, f"unknown field {key!r} (expected {', '.join(sorted(FIELDS))})")
    ident = item.get("id")
    if not isinstance(ident, str) or not ID_PATTERN.match(ident):
        problem("id", "an indicator needs an 'id' in lowercase words joined by '-'")
        ident = "?"
    who = f"indicator {ident!r}"
    names: dict[str, str] = {}
    value = item.get("name")
    if isinstance(value, LineDict):
        for language, text in value.items():
            if language not in LANGUAGES:
                problems.append(
                    Problem(
                        name,
                        value.key_line(language),
                        f"{who}: name in {language!r}: the languages are {', '.join(LANGUAGES)}",
                    )
                )
            elif isinstance(text, str) and text.strip():
                names[language] = " ".join(text.split())
            else:
                problems.append(
                    Problem(name, value.key_line(language), f"{who}: empty {language} name")
                )
        if "en" not in value:
            problem("name", f"{who}: 'name' needs an en text")
    else:
        problem(
            "name", f"{who}: 'name' needs an en text (fr and es optional), e.g. name: {{en: ...}}"
        )
    measure = item.get("measure")
    if measure not in MEASURES:
        problem(
            "measure",
            f"{who}: unknown measure {measure!r}; the desk can count {', '.join(MEASURES)}",
        )
    target = _count(item.get("target"))
    if target is None:
        problem("target", f"{who}: 'target' must be a whole number of zero or more (a year)")
    targets: dict[int, int] = {}
    by_year = item.get("targets")
    if by_year is not None:
        if not isinstance(by_year, LineDict):
            problem("targets", f"{who}: 'targets' maps years to targets, e.g. {{2027: 12}}")
        else:
            for year, value in by_year.items():
                count = _count(value)
                if not isinstance(year, int) or not 2000 <= year <= 2100 or count is None:
                    problems.append(
                        Problem(
                            name,
                            by_year.key_line(year),
                            f"{who}: 'targets' maps a year (e.g. 2027) to a whole number",
                        )
                    )
                else:
                    targets[year] = count
    if len(problems) > before:
        return None
    assert isinstance(ident, str) and isinstance(measure, str) and target is not None
    return Indicator(ident, names, measure, target, targets, line=item.line)
