"""Figures from the State register, as answers quote them: counts of parties, the latest accession,
and the register's as-of date beside them.

An answer in ``knowledge/*.yaml`` never types a count: it writes a placeholder that the desk fills
from ``knowledge/states.yaml`` when it answers, so a new ratification changes every answer at once.

Example::

    fill("As of {register_date}, our register counts {uncat_parties} States parties.", base, "en")
    # -> "As of 1 March 2026, our register counts 176 States parties."
"""

from __future__ import annotations

import re
from datetime import date

from .knowledge import KnowledgeBase
from .states import DEPOSITS, TREATIES, TreatyAction

# Placeholders an answer may use, and what each stands for.
PLACEHOLDERS = {
    "register_date": "the date the register's treaty status was last checked (as_of)",
    "uncat_parties": "States parties to UNCAT",
    "uncat_signatories": "States that signed UNCAT and have not ratified it",
    "uncat_non_parties": "States in the register not party to UNCAT",
    "uncat_latest_accession": "the most recent UNCAT ratification or accession the register records",
    "opcat_parties": "States parties to OPCAT",
    "opcat_signatories": "States that signed OPCAT and have not ratified it",
    # The register records the dates of some States only: "latest" means latest recorded.
    "opcat_latest_accession": "the most recent OPCAT ratification or accession the register records",
}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# A count of parties typed into an answer: a number from 100 to 199 (not part of a document
# symbol or a date) within a few words of "parties" in any of the three languages.
_TYPED_COUNT = re.compile(
    r"(?<![\w/.-])1\d\d(?![\w/.-])(?:\W+\w+){0,4}?\W+(?:parties|partes|parte)\b"
    r"|\b(?:parties|partes)\b(?:\W+\w+){0,3}?\W+(?<![/.-])1\d\d(?![\w/.-])",
    re.IGNORECASE,
)
MONTHS = {
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
}


def placeholders_in(text: str) -> list[str]:
    """The placeholders ``text`` uses: ``placeholders_in("{uncat_parties} States")``."""
    return _PLACEHOLDER.findall(text)


def typed_counts(text: str) -> list[str]:
    """Counts of parties typed as numbers (``validate`` flags them: use a placeholder)."""
    return [m.group(0) for m in _TYPED_COUNT.finditer(text)]


def format_date(value: date | str, language: str) -> str:
    """``2026-03-01`` -> "1 March 2026" / "1er mars 2026" / "1 de marzo de 2026"; a month alone
    ("2026-02") -> "February 2026" / "février 2026" / "febrero de 2026"."""
    if isinstance(value, date):
        year, month, day = value.year, value.month, value.day
    else:
        parts = [int(p) for p in value.split("-")]
        year, month, day = parts[0], parts[1], parts[2] if len(parts) == 3 else None
    name = MONTHS.get(language, MONTHS["en"]).split()[month - 1]
    if language == "fr":
        return f"{'1er' if day == 1 else day} {name} {year}" if day else f"{name} {year}"
    if language == "es":
        return f"{day} de {name} de {year}" if day else f"{name} de {year}"
    return f"{day} {name} {year}" if day else f"{name} {year}"


def figures(base: KnowledgeBase, language: str) -> dict[str, str]:
    """Every placeholder's text in ``language``, computed from the register now."""
    states = base.states.values()
    values: dict[str, str] = {
        "register_date": format_date(base.states_as_of, language) if base.states_as_of else "?"
    }
    for treaty in TREATIES:
        unidentified = base.unidentified.get(treaty)
        parties = sum(getattr(s, treaty) == "party" for s in states)
        parties += unidentified.parties if unidentified else 0
        values[f"{treaty}_parties"] = str(parties)
        values[f"{treaty}_signatories"] = str(
            sum(getattr(s, treaty) == "signatory" for s in states)
        )
        values[f"{treaty}_non_parties"] = str(len(base.states) - parties)
        values[f"{treaty}_latest_accession"] = _latest(base, treaty, language)
    return values


def _latest(base: KnowledgeBase, treaty: str, language: str) -> str:
    joined: list[tuple[TreatyAction, str]] = [
        (action, state.name(language))
        for state in base.states.values()
        for action in state.actions.get(treaty, ())
        if action.action in DEPOSITS
    ]
    if not joined:
        return "?"
    action, name = max(joined, key=lambda pair: pair[0].date)
    return f"{name} ({format_date(action.date, language)})"


def fill(text: str, base: KnowledgeBase, language: str) -> str:
    """``text`` with every placeholder replaced by the register's figure."""
    if "{" not in text:
        return text
    values = figures(base, language)
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
