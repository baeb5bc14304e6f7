"""The catalogues of what the desk says (helpdesk_bot/catalogue/*.yaml): the same keys and the
same placeholders in English, French and Spanish, so a translator's edit cannot break a reply."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml

from helpdesk_bot import texts


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(texts.TEXTS))
def test_every_text_is_in_three_languages_with_the_same_placeholders(key):
    variants = texts.TEXTS[key]
    assert sorted(variants) == sorted(texts.LANGUAGES), key
    assert all(v.strip() for v in variants.values()), key
    english = placeholders(variants["en"])
    for language in ("fr", "es"):
        assert placeholders(variants[language]) == english, (key, language)


def test_a_catalogue_missing_a_text_is_seen(tmp_path: Path):
    for language in texts.LANGUAGES:
        (tmp_path / f"{language}.yaml").write_text(
            (texts.CATALOGUE / f"{language}.yaml").read_text(encoding="utf-8"), encoding="utf-8"
        )
    spanish = yaml.safe_load((tmp_path / "es.yaml").read_text(encoding="utf-8"))
    del spanish["ticket_opened"]
    (tmp_path / "es.yaml").write_text(yaml.safe_dump(spanish, allow_unicode=True), encoding="utf-8")
    loaded = texts.load(tmp_path)
    assert sorted(loaded["ticket_opened"]) == ["en", "fr"]  # what the test above catches
    assert loaded["welcome"] == texts.TEXTS["welcome"]


def test_say_fills_the_placeholders_in_the_officials_language():
    assert "12" in texts.say("ticket_opened", "fr", number=12)
    assert texts.say("ticket_opened", "fr", number=12) != texts.say(
        "ticket_opened", "en", number=12
    )
