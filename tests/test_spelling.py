"""The spelling model: character n-grams read typos, missing accents and word forms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import process
from rapidfuzz.distance import OSA

from helpdesk_bot.spelling import OneEdit, SpellingModel, is_word, word_grams

from .conftest import shipped_answerer


@pytest.fixture(scope="module")
def base():
    return shipped_answerer().base


@pytest.fixture(scope="module")
def model(base) -> SpellingModel:
    return SpellingModel(base)


def number(base, entry_id: str) -> int:
    return list(base.entries).index(entry_id)


def test_word_grams_are_three_to_five_letters_padded_with_spaces():
    assert word_grams("cat") == (" ca", "cat", "at ", " cat", "cat ", " cat ")
    assert word_grams("a") == (" a ",)


@pytest.mark.parametrize(
    ("question", "right", "other"),
    [
        ("instanbul protocol latest edition?", "investigations-istanbul-protocol", "opcat-spt"),
        ("protocolo de estanbul", "investigations-istanbul-protocol", "reporting-initial-deadline"),
        (
            "exclusion des aveux obtenus sous la torure",
            "investigations-exclusionary-rule-article-15",
            "ratification-routes",
        ),
    ],
)
def test_a_misspelt_question_is_likelier_under_its_entry(base, model, question, right, other):
    scores = model.scores(question, [number(base, right), number(base, other)])
    assert scores[0] > scores[1]


def test_accents_and_case_do_not_matter(base, model):
    shortlist = list(range(0, len(base.entries), 7))
    accented = model.scores("¿Cuándo vence el INFORME inicial?", shortlist)
    plain = model.scores("cuando vence el informe inicial", shortlist)
    assert np.allclose(accented, plain)


@settings(max_examples=50, deadline=None)
@given(text=st.text(max_size=200), picked=st.lists(st.integers(0, 10_000), max_size=12))
def test_an_entry_scores_the_same_whatever_else_is_shortlisted(base, model, text, picked):
    entries = [p % len(base.entries) for p in picked]
    scores = model.scores(text, entries)
    assert scores.shape == (len(entries),)
    assert np.all(np.isfinite(scores))
    for at, entry in enumerate(entries):
        assert scores[at] == pytest.approx(model.scores(text, [entry])[0])


def test_text_without_known_letters_scores_every_entry_alike(model):
    assert model.scores("ｶﾀｶﾅ 🙂", [0, 1, 2]).tolist() == [0.0, 0.0, 0.0]
    assert model.scores("", [0, 1]).tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("payant", True),  # French, though the base never uses it
        ("craignons", True),
        ("immunity", True),
        ("retirarnos", True),  # Spanish infinitive + pronoun, which dictionaries do not list
        ("adherirse", True),
        ("agaisnt", False),
        ("nationl", False),
        ("comittee", False),
    ],
)
def test_is_word_tells_a_word_from_a_typo(word, expected):
    assert is_word(word) is expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("nationl", "national"),  # a letter dropped
        ("nationall", "national"),  # one added
        ("natiomal", "national"),  # one changed
        ("nationla", "national"),  # two swapped
        ("ntaionl", None),  # two edits
        ("national", None),  # the word itself is no typo of it
        ("comite", "comité"),
    ],
)
def test_one_edit_finds_the_word_one_edit_away(typed, expected):
    assert OneEdit(["national", "nation", "comité"]).closest(typed) == expected


def test_one_edit_prefers_the_earlier_word():
    assert OneEdit(["cat", "car"]).closest("caz") == "cat"
    assert OneEdit(["car", "cat"]).closest("caz") == "car"


_LETTERS = st.text(alphabet="abcde", min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(words=st.lists(_LETTERS, min_size=1, max_size=30, unique=True), typed=_LETTERS)
def test_one_edit_agrees_with_a_search_of_every_word(words, typed):
    # The same answer as measuring the distance to every other word, first in order on a tie.
    others = [w for w in words if w != typed]
    found = process.extractOne(typed, others, scorer=OSA.distance, score_cutoff=1)
    expected = found[0] if found and found[1] == 1 else None
    assert OneEdit(words).closest(typed) == expected
