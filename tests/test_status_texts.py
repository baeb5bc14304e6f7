"""The texts of status.py (helpdesk_bot/status_texts.yaml): each in English, French and Spanish,
with the same placeholders in the three."""

import string
from pathlib import Path

import pytest
import yaml

import helpdesk_bot
from helpdesk_bot.status import T

TEXTS = Path(helpdesk_bot.__file__).with_name("status_texts.yaml")


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_the_file_is_what_status_reads() -> None:
    assert yaml.safe_load(TEXTS.read_text(encoding="utf-8")) == T
    assert T and all(isinstance(key, str) for key in T)


@pytest.mark.parametrize("key", sorted(T))
def test_every_text_has_three_languages_with_the_same_placeholders(key: str) -> None:
    texts = T[key]
    assert sorted(texts) == ["en", "es", "fr"], key
    assert all(isinstance(text, str) and text.strip() for text in texts.values()), key
    assert placeholders(texts["fr"]) == placeholders(texts["en"]) == placeholders(texts["es"]), key


def test_placeholders_are_read_as_format_fields() -> None:
    assert placeholders("État : {name} (au {as_of}).") == {"name", "as_of"}
    assert placeholders("no field") == set()
