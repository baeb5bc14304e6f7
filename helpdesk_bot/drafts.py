"""FAQ drafts made from closed tickets (knowledge/drafts/ticket-N.yaml), without the people in them.

A draft is the seed of an entry that every official will read, so it keeps the substance of the
question and of the staff answer and leaves out who wrote them: salutations ("Dear Ana,"), sign-offs
("Best regards, Claire") and the official's and staff member's names. /forget removes the drafts
of the official's tickets altogether.

Example::

    impersonal("Dear Ana,\\nArticle 20 allows a reservation.\\nBest regards,\\nClaire", ["Ana", "Claire"])
    # -> "Article 20 allows a reservation."
    write_draft(folder, 12, language="en", question="...", answer="...")
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from .files import open_private, private_folder
from .text import letter_body

log = logging.getLogger(__name__)


# Name parts shorter than this are too likely to be ordinary words ("Al", "Le").
MIN_NAME_PART = 3


def impersonal(text: str, names: Iterable[str | None] = ()) -> str:
    """``text`` without its salutation, its sign-off and signature, and the given people's names."""
    kept = letter_body(text)
    for part in _name_parts(names):
        kept = re.sub(rf"(?<!\w){re.escape(part)}(?!\w)", "", kept)
    # Names taken out leave doubled spaces and orphaned commas behind.
    kept = re.sub(r"[ \t]+([,.;:!?])", r"\1", kept)
    kept = re.sub(r"[ \t]{2,}", " ", kept)
    kept = re.sub(r"^[ \t,]+", "", kept, flags=re.MULTILINE)
    return kept.strip()


def _name_parts(names: Iterable[str | None]) -> list[str]:
    """Full names and their parts, longest first (so "Ana María" goes before "Ana")."""
    parts: set[str] = set()
    for name in names:
        if not name or not name.strip():
            continue
        parts.add(name.strip())
        parts.update(p for p in name.split() if len(p) >= MIN_NAME_PART)
    return sorted(parts, key=len, reverse=True)


def draft_paths(folder: Path, number: int) -> list[Path]:
    """The drafts made from ticket ``number``: ``ticket-N.yaml`` and any ``ticket-N-*.yaml``."""
    if not folder.is_dir():
        return []
    found = [folder / f"ticket-{number}.yaml", *folder.glob(f"ticket-{number}-*.yaml")]
    return [path for path in found if path.is_file()]


def remove_drafts(folder: Path, numbers: Iterable[int]) -> list[Path]:
    """Delete the drafts of these tickets (/forget); a file that cannot be deleted is logged."""
    removed = []
    for number in numbers:
        for path in draft_paths(folder, number):
            try:
                path.unlink()
            except OSError as exc:
                log.warning("draft %s of an erased official not removed: %s", path, exc.strerror)
                continue
            removed.append(path)
    return removed


def write_draft(folder: Path, number: int, *, language: str, question: str, answer: str) -> Path:
    """Write the draft entry for ticket ``number`` (owner-only) and return its path.

    A draft already made from the ticket (perhaps edited since) is never overwritten: the new one
    is ``ticket-N-2.yaml``, ``ticket-N-3.yaml``...
    """
    private_folder(folder)
    path = folder / f"ticket-{number}.yaml"
    again = 1
    while path.exists():
        again += 1
        path = folder / f"ticket-{number}-{again}.yaml"
    draft = {
        "topic": None,
        "entries": [
            {
                "id": f"draft-ticket-{number}",
                "source": "to check: Secretariat reply",
                "reviewed": None,
                language: {"questions": [question], "answer": answer},
            }
        ],
    }
    header = (
        f"# Draft from ticket #{number}; not served. To publish: choose the topic, add the other\n"
        "# languages and four phrasings each, set source and reviewed, move the entry into the\n"
        "# topic's file, then run `helpdesk-bot validate`.\n"
    )
    with open_private(path, "w", encoding="utf-8") as out:
        out.write(header + yaml.safe_dump(draft, allow_unicode=True, sort_keys=False))
    return path
