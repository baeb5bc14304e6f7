"""The texts of status.py, in the desk's catalogues (helpdesk_bot/catalogue/*.yaml) under keys
prefixed "status_": every key status.py builds is there. That each is in English, French and
Spanish with the same placeholders, tests/test_texts.py checks for every key of the catalogues."""

import pytest

from helpdesk_bot import status, texts
from helpdesk_bot.states import DEPOSITS, WITHDRAWS

# The keys status.py builds from the register's values (f"uncat_{state.uncat}", a.action, ...).
BUILT = [
    *(
        f"{treaty}_{value}"
        for treaty in ("uncat", "opcat")
        for value in ("party", "signatory", "none")
    ),
    *(f"kind_{deposit}" for deposit in DEPOSITS),
    *(f"route_{value}" for value in ("party", "signatory", "none")),
    "art24_III",
    "art24_IV",
    *WITHDRAWS.values(),
]


def test_status_reads_its_texts_from_the_catalogues() -> None:
    keys = [key for key in texts.TEXTS if key.startswith(status.PREFIX)]
    assert len(keys) >= 50
    assert status.offer_line("fr") == texts.TEXTS["status_offer_profile"]["fr"]


@pytest.mark.parametrize("key", BUILT)
def test_every_key_status_builds_is_in_the_catalogues(key: str) -> None:
    assert sorted(texts.TEXTS[status.PREFIX + key]) == sorted(texts.LANGUAGES), key


def test_a_language_without_texts_reads_english() -> None:
    assert status.offer_line("de") == texts.TEXTS["status_offer_profile"]["en"]
