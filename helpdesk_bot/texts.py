"""What the help desk says, in English, French and Spanish: one catalogue per language
(``helpdesk_bot/catalogue/en.yaml``, ``fr.yaml``, ``es.yaml``), data a translator edits, read once.

Plain text with ``{placeholders}``; the Telegram layer escapes and formats. Keys ``staff_*`` are
the staff chat's texts (telegram/cards.py ``say``; those with tags are HTML, their values escaped by
the code), ``status_*`` status.py's. Example::

    say("ticket_opened", "fr", number=12)
"""

from __future__ import annotations

from pathlib import Path

import yaml

CATALOGUE = Path(__file__).with_name("catalogue")
LANGUAGES = ("en", "fr", "es")
# libyaml's loader when installed (it is with PyYAML's wheels): the catalogues load in a few ms.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(folder: Path = CATALOGUE) -> dict[str, dict[str, str]]:
    """Every text by key, then language: ``{"ticket_opened": {"en": ..., "fr": ..., "es": ...}}``."""
    texts: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        catalogue = yaml.load((folder / f"{language}.yaml").read_text(encoding="utf-8"), _LOADER)
        for key, text in catalogue.items():
            texts.setdefault(key, {})[language] = text
    return texts


TEXTS: dict[str, dict[str, str]] = load()


def say(key: str, language: str, /, **values: object) -> str:
    """The text ``key`` in ``language`` (English if missing), with ``values`` filled in."""
    variants = TEXTS[key]
    return (variants.get(language) or variants["en"]).format(**values)
