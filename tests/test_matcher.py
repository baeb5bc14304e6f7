"""The matcher: normalisation, synonyms, bands, bad input, and the accuracy floors on the test part
of the evaluation set (tests/data/eval-test.yaml; the bands are fitted on eval-calibration.yaml)."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from helpdesk_bot.evaluation import answering, evaluate, load_eval_set
from helpdesk_bot.knowledge import LANGUAGES, CharTable, fold, load_knowledge
from helpdesk_bot.matcher import (
    Match,
    Matcher,
    cited_articles,
    cited_comments,
    source_articles,
)
from helpdesk_bot.text import Normaliser, asks, is_intent, letter_body, simplify, stem

ROOT = Path(__file__).resolve().parent.parent
EVAL_CALIBRATION = ROOT / "tests" / "data" / "eval-calibration.yaml"
EVAL_BANDS = ROOT / "tests" / "data" / "eval-calibration-bands.yaml"
EVAL_TEST = ROOT / "tests" / "data" / "eval-test.yaml"
EVAL_SETS = (EVAL_CALIBRATION, EVAL_BANDS, EVAL_TEST)

# The floors the test suite holds the shipped base and the desk's answers to, on the test part
# (benchmarks/matcher.py prints the measured figures and the targets). In scope: the right
# entry *answered*; out of scope: not answered; near-domain: declined.
# Floors below what was measured on the test part (2026-12-01, the lead rule from 19: 0.885 right,
# 0.023 wrong, 0.986 not answered, 0.952 near-domain declined, one in-scope question declined):
# regression guards, not the targets (>= 0.93 right, <= 0.02 wrong, >= 0.95 declined),
# which the benchmark prints with its verdict.
IN_SCOPE_FLOOR = 0.85
WRONG_CEILING = 0.03
OUT_OF_SCOPE_FLOOR = 0.95
NEAR_DOMAIN_FLOOR = 0.90


@pytest.fixture(scope="module")
def shipped_base():
    base, problems = load_knowledge(ROOT / "knowledge")
    assert base.entries, problems
    return base


@pytest.fixture(scope="module")
def matcher(shipped_base) -> Matcher:
    return Matcher(shipped_base)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dear Sir, could you please tell me what the LOIPR is? Thanks", ["q_what", "loipr"]),
        ("Convención contra la Tortura", ["uncat"]),
        ("CONVENTION CONTRE LA TORTURE", ["uncat"]),
        ("the national preventive mechanism", ["npm"]),
        ("Mécanisme national de prévention", ["npm"]),
        ("first report", ["initial_report"]),
        ("what is the", ["q_what"]),
        ("Bonjour, comment allez-vous ?", []),
        ("ratifications", ["ratif"]),
        ("article 19", ["articl", "19"]),
    ],
)
def test_terms(text, expected):
    synonyms = [
        [
            "uncat",
            "convention against torture",
            "convention contre la torture",
            "convención contra la tortura",
        ],
        ["npm", "national preventive mechanism", "mécanisme national de prévention"],
        ["initial report", "first report", "rapport initial"],
        ["loipr", "list of issues prior to reporting"],
    ]
    assert Normaliser(synonyms).terms(text) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("ratification", "ratif"),
        ("ratify", "ratif"),
        ("ratifie", "ratif"),
        ("ratificado", "ratif"),
        ("ratificación", "ratificación"),
        ("npm", "npm"),
        ("2017", "2017"),
    ],
)
def test_stem(word, expected):
    # Stemming runs on folded text; an unfolded accent stops at the accented letter.
    assert stem(word) == expected


@pytest.mark.parametrize(
    ("text", "intents"),
    [
        ("How do we ratify the Convention?", ["q_how"]),
        ("Que doit faire notre pays pour ratifier la Convention ?", ["q_how"]),
        ("¿Qué tiene que hacer nuestro país para ratificar?", ["q_how"]),
        ("steps to ratify the CAT", ["q_how"]),
        ("Which States have not yet ratified?", ["q_which", "neg_not_yet"]),
        ("Quels États n'ont pas encore ratifié ?", ["q_which", "neg_not_yet"]),
        ("¿Qué Estados aún no han ratificado?", ["q_which", "neg_not_yet"]),
        ("How many States are parties?", ["q_howmany"]),
        ("Combien de temps dure le dialogue ?", ["q_howlong"]),
        ("combien d'États", ["q_howmany"]),
        ("¿Cada cuánto hay que informar?", ["q_howoften"]),
        ("Quand le rapport est-il dû ?", ["q_when"]),
        ("¿Quién redacta el informe?", ["q_who"]),
        ("Où déposer l'instrument ?", ["q_where"]),
        ("ratifier ou adhérer", []),
        ("Can we make a reservation?", ["q_can"]),
        ("principio de no devolución", []),
    ],
)
def test_intent_tokens(shipped_base, text, intents):
    # Question words and negations survive normalisation as one token per intent, alike in
    # the three languages; "ou" (or) is not "où" (where), "no devolución" is not a negation.
    terms = Normaliser(shipped_base.synonyms).terms(text)
    assert [t for t in terms if is_intent(t)] == intents


@pytest.mark.parametrize(
    "pair",
    [
        ("ratify", "ratifier", "ratifié", "ratification", "ratificar", "ratificado"),
        ("accede", "accession", "adhérer", "adhesión", "acceder", "adherir"),
    ],
)
def test_one_lemma_one_term_across_languages(shipped_base, pair):
    norm = Normaliser(shipped_base.synonyms)
    assert len({tuple(norm.terms(word)) for word in pair}) == 1


def test_intent_alone_is_not_a_question(matcher):
    assert matcher.match("how many? when? where?").outcome == "escalate"


def test_every_phrasing_of_the_base_is_answered_with_its_own_entry(shipped_base, matcher):
    # An official who types a question of the base word for word must get that entry.
    wrong = []
    for entry in shipped_base.entries.values():
        for language, questions in entry.questions.items():
            for question in questions:
                match = matcher.match(question, language=language)
                if match.outcome != "answer" or match.entry.id != entry.id:
                    wrong.append((entry.id, question, match.outcome, match.candidates[:2]))
    assert wrong == []


def test_phrasings_do_not_rely_on_the_exact_copy_rule(shipped_base):
    # Without the word-for-word rule, the scoring alone still ranks each phrasing's own entry
    # first: the rule settles ties, it does not hide a ranking that confuses entries.
    matcher = Matcher(shipped_base)
    matcher.index.exact.clear()
    misplaced = [
        (entry.id, question)
        for entry in shipped_base.entries.values()
        for language, questions in entry.questions.items()
        for question in questions
        if matcher.match(question, language=language).candidates[0].entry.id != entry.id
    ]
    assert misplaced == []


def test_the_bound_never_leaves_out_an_entry_that_would_rank(shipped_base, matcher, monkeypatch):
    # The matcher scores phrasing by phrasing only the entries whose bound can reach the shortlist;
    # scoring every entry so must rank every question of the bands part the same (questions the
    # base was not written from: rankings of every shape, long letters among them).
    questions = [item.question for item in load_eval_set(EVAL_BANDS)]
    pruned = [matcher.match(q).candidates for q in questions]
    every = Matcher(shipped_base)
    monkeypatch.setattr("helpdesk_bot.matcher._FIRST_SCORED", len(shipped_base.entries))
    differ = [
        (q, a[:2], b[:2])
        for q, a, b in zip(
            questions, pruned, [every.match(q).candidates for q in questions], strict=True
        )
        if [(c.entry.id, c.score) for c in a if c.score]
        != [(c.entry.id, c.score) for c in b if c.score]
    ]
    assert differ == []


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("Que doit faire notre pays pour ratifier la Convention ?", "ratification-routes"),
        (
            "Quels États n'ont pas encore ratifié la Convention contre la torture ?",
            "ratification-non-parties",
        ),
        (
            "how many States have ratified the Convention against Torture?",
            "ratification-states-parties",
        ),
    ],
)
def test_question_words_tell_entries_apart(matcher, text, entry):
    match = matcher.match(text)
    assert (match.outcome, match.entry.id) == ("answer", entry)


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("Is Tuvalu a party to the Convention against Torture?", "ratification-are-we-party"),
        (
            "La République centrafricaine est-elle partie à la Convention contre la torture ?",
            "ratification-are-we-party",
        ),
        ("¿Ha ratificado Guatemala el Protocolo Facultativo?", "opcat-are-we-party"),
    ],
)
def test_a_states_name_is_no_word_the_base_lacks(matcher, text, entry):
    """Asking about a State by name is asking "are we a party?": the name, which no phrasing
    uses, does not count against the entry as an unknown word would."""
    match = matcher.match(text)
    assert (match.outcome, match.entry.id) == ("answer", entry)


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        (
            "hola, quisiera saber cuántos Estados han ratificado la Convención contra la Tortura",
            "ratification-states-parties",
        ),
        ("Combien d'États ont ratifié l'OPCAT ?", "opcat-parties-number"),
    ],
)
def test_the_treaty_named_tells_the_counts_apart(matcher, text, entry):
    """The two counts of parties cite the same treaty register; the treaty their phrasings name
    tells them apart, so the one the official names is answered, not offered beside the other."""
    match = matcher.match(text)
    assert (match.outcome, match.entry.id) == ("answer", entry)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Can we make reservations when we ratify?", "en"),
        ("How many States are parties?", "en"),
        ("When does it enter into force for us?", "en"),
        ("¿Cuántos Estados son parte?", "es"),
        ("Pouvons-nous faire des réserves ?", "fr"),
    ],
)
def test_a_question_naming_no_treaty_is_about_the_convention(matcher, text, language):
    """The desk is the Convention's: a question naming neither treaty nor the Protocol's bodies
    (the SPT, an NPM) gets the Convention's answer, however alike the Protocol's entry reads;
    named, the Protocol's entry leads."""
    match = matcher.match(text, language=language)
    assert match.outcome == "answer" and match.entry.topic != "opcat", match.candidates
    protocol = matcher.match(text.replace("?", " (OPCAT)?"), language=language)
    assert protocol.candidates[0].entry.topic == "opcat", protocol.candidates


@pytest.mark.parametrize(
    ("text", "respelled"),
    [
        (
            "by when must we estabish the nationl mechanism",
            "by when must we establish the national mechanism",
        ),
        ("Convention agaisnt torture", "Convention against torture"),
        # A word of a language is no typo, however near a word of the base ("payant": paying).
        ("Le soutien est-il payant ?", "Le soutien est-il payant ?"),
        ("Wie spät ist es in Genf?", "Wie spät ist es in Genf?"),
    ],
)
def test_a_typo_is_read_as_the_word_of_the_base_one_letter_away(matcher, text, respelled):
    assert matcher.respell(text) == respelled


def test_a_runner_up_offered_under_the_answer_needs_a_smaller_lead(matcher):
    """The official sees an entry's related entries one tap away from its answer."""
    assert matcher.answer_related_margin < matcher.answer_margin
    score = matcher.answer_threshold + 5
    runner_up = score - (matcher.answer_related_margin + matcher.answer_margin) / 2
    assert not matcher.confident(score, runner_up, lambda: 1.0)
    assert matcher.confident(score, runner_up, lambda: 1.0, linked=True)
    assert not matcher.confident(score, runner_up, lambda: 0.0, linked=True)


def test_the_smaller_lead_holds_only_for_a_runner_up_offered_under_the_answer(shipped_base):
    """The runner-up must be among the entries the answer offers; the runner-up naming the
    answer among its own related entries puts nothing one tap away."""
    text = "word limit for reports to the Committee"
    bands = {"answer_threshold": 0.0, "suggest_threshold": 0.0}
    first, second = Matcher(shipped_base, **bands, answer_margin=0.0).match(text).candidates[:2]

    def outcome(first_offers: list[str], second_offers: list[str]) -> str:
        entries = dict(shipped_base.entries)
        entries[first.entry.id] = dataclasses.replace(first.entry, related=first_offers)
        entries[second.entry.id] = dataclasses.replace(second.entry, related=second_offers)
        base = dataclasses.replace(shipped_base, entries=entries)
        # No lead at all over an offered runner-up; more than the gap over any other.
        matcher = Matcher(base, **bands, answer_margin=100.0, answer_related_margin=0.0)
        return matcher.match(text).outcome

    assert outcome([second.entry.id], []) == "answer"
    assert outcome([], [first.entry.id]) == "suggest"


@pytest.mark.parametrize(
    ("common", "rare", "question"),
    [
        ("guys", "quokkas", "what is the CTI, {}?"),
        ("gens", "zanzibars", "les {} de la CTI, c'est qui ?"),
        ("gente", "zanzibarte", "¿qué es la CTI, {}?"),
    ],
)
def test_a_frequent_word_the_base_lacks_weighs_less_than_a_rare_one(
    matcher, common, rare, question
):
    """Neither word is the base's; the one the language uses all the time is context, so the
    entry explains more of a question holding it."""
    index = matcher.index
    (common_term,), (rare_term,) = matcher.normaliser.terms(common), matcher.normaliser.terms(rare)
    assert common_term not in index.term_ids and rare_term not in index.term_ids
    assert index.unknown(common_term) < index.unknown(rare_term)
    entry = index.entry_of["cti-about"]
    shares = [
        matcher.content_share(matcher.normaliser.terms(question.format(word)), entry)
        for word in (common, rare)
    ]
    assert shares[0] > shares[1]


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("by when must we estabish the nationl preventive mechanism", "opcat-npm-deadline"),
        ("how oftn do we need to report to CAT", "reporting-periodic-cycle"),
        ("can we do the reveiw by video conferance", "review-video-conference"),
    ],
)
def test_a_question_with_typos_gets_its_entry(matcher, text, entry):
    """A typo breaks a synonym ("nationl preventive mechanism" is no NPM) or a question word
    ("oftn"); read as the base's word, the question is the entry's again."""
    match = matcher.match(text)
    assert (match.outcome, match.entry and match.entry.id) == ("answer", entry), match.candidates


def test_shipped_synonyms_make_languages_meet(shipped_base):
    norm = Normaliser(shipped_base.synonyms)
    assert norm.terms("Convention against Torture") == norm.terms("Convención contra la Tortura")
    assert norm.terms("MNP") == norm.terms("national preventive mechanism")
    assert norm.terms("premier rapport") == norm.terms("initial report")
    # Every report after the initial one is periodic (art. 19(1)).
    assert norm.terms("deuxième rapport") == norm.terms("segundo informe")
    assert norm.terms("second report") == norm.terms("periodic report")


@pytest.mark.parametrize(
    ("word", "other_language"),
    [("loi", "list of issues")],  # French for "law", never the English abbreviation LOI
)
def test_shipped_synonyms_keep_words_of_other_languages_apart(shipped_base, word, other_language):
    norm = Normaliser(shipped_base.synonyms)
    assert not set(norm.terms(f"notre {word} pénale")) & set(norm.terms(other_language))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "😀",
        "torture " * 600,
        ("report deadline " * 300)[:4096],
        "Как ратифицировать UNCAT 条约 اتفاقية",
        "\x00\x01\x02 LOIPR \x1b[31m \u200b\u202e",
        "?!.,;:",
        "a" * 4096,
    ],
)
def test_bad_input_gives_a_valid_match(matcher, text):
    match = matcher.match(text, language="fr")
    assert isinstance(match, Match)
    assert match.outcome in {"answer", "suggest", "escalate"}
    assert match.language in {"en", "fr", "es"}
    assert 0 <= match.score <= 100
    assert (match.entry is not None) == (match.outcome == "answer")


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=300))
def test_any_text_gives_a_valid_match(matcher, text):
    match = matcher.match(text, language="es")
    assert match.outcome in {"answer", "suggest", "escalate"}
    assert 0 <= match.score <= 100


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("LOIPR", "reporting-simplified-procedure"),
        ("when is our initial report due to the Committee?", "reporting-initial-deadline"),
        ("¿Qué es el Subcomité para la Prevención de la Tortura?", "opcat-spt"),
        # Not the difference between UNCAT and OPCAT, which shares the words "difference" and
        # "torture".
        (
            "what is the difference between torture and ill-treatment",
            "criminalisation-cidt-article-16",
        ),
        ("¿Cuál es la diferencia entre tortura y malos tratos?", "criminalisation-cidt-article-16"),
    ],
)
def test_answer_band(matcher, text, entry):
    match = matcher.match(text)
    assert (match.outcome, match.entry.id) == ("answer", entry)
    assert match.score >= matcher.answer_threshold
    assert match.candidates[0].entry.id == entry


@pytest.mark.parametrize(
    "text", ["What is the capital of France?", "What is the fee for our visa?"]
)
def test_generic_words_never_reach_the_answer_band(matcher, text):
    match = matcher.match(text)
    assert match.outcome != "answer"
    assert match.score < matcher.answer_threshold


@pytest.mark.parametrize(
    "text",
    [
        # "Deadline" is a word of the desk's subject (reports, NPMs), and "how long does it take"
        # is how officials ask about entry into force: the matcher alone reaches the answer band
        # for these. The desk declines them: the scope list names visas (tests/test_scope.py).
        "What is the deadline for our visa?",
        "How long does it take to get a visa?",
    ],
)
def test_questions_about_visas_are_never_answered(shipped_desk, text):
    assert shipped_desk.answer(text).outcome == "decline"


@pytest.mark.parametrize("text", ["what is the", "hi", "Hola, ¿qué tal?", "merci, au revoir"])
def test_small_talk_is_escalated(matcher, text):
    match = matcher.match(text)
    assert match.outcome == "escalate"
    assert match.entry is None and match.suggestions == []


def test_suggest_band_offers_three_entries(shipped_base):
    # With the answer band out of reach, a plausible question becomes a choice of three.
    strict = Matcher(
        shipped_base, answer_threshold=100.0, suggest_threshold=20.0, answer_margin=100.0
    )
    match = strict.match("report to the Committee against Torture")
    assert match.outcome == "suggest"
    assert match.entry is None
    assert len(match.suggestions) == 3
    assert match.suggestions == [c.entry for c in match.candidates[:3]]


def test_margin_turns_a_close_call_into_a_suggestion(shipped_base):
    text = "word limit for reports to the Committee"
    bands = {"answer_threshold": 0.0, "suggest_threshold": 0.0}
    loose = Matcher(shipped_base, **bands, answer_margin=0.0, answer_related_margin=0.0)
    first, second = loose.match(text).candidates[:2]
    gap = first.score - second.score
    # Both margins: the word-limit entries link to one another.
    tight = Matcher(shipped_base, **bands, answer_margin=gap + 0.1, answer_related_margin=gap + 0.1)
    assert loose.match(text).outcome == "answer"
    assert tight.match(text).outcome == "suggest"


@pytest.mark.parametrize(
    ("text", "chosen", "expected"),
    [
        ("Délai rapport initial", "en", "fr"),
        ("plazo informe inicial", "en", "es"),
        ("initial report deadline", "es", "en"),
        ("OPCAT", "fr", "fr"),
    ],
)
def test_language_of_terse_questions_comes_from_the_base(matcher, text, chosen, expected):
    assert matcher.match(text, language=chosen).language == expected


def test_accuracy_floors_on_the_test_part(shipped_desk):
    report = evaluate(answering(shipped_desk.answerer), load_eval_set(EVAL_TEST))
    assert report.in_scope >= 300 and report.near_domain >= 120 and report.small_talk >= 3
    assert report.in_scope_accuracy >= IN_SCOPE_FLOOR, report.misses[:10]
    assert report.wrong_answer_rate <= WRONG_CEILING, report.misses[:10]
    assert report.out_of_scope_declined >= OUT_OF_SCOPE_FLOOR, report.misses[:10]
    assert report.near_domain_decline_rate >= NEAR_DOMAIN_FLOOR, report.misses[:10]
    assert report.small_talk_escalated == 0
    assert report.in_scope_declined <= 2, report.misses[:10]


def test_the_evaluation_set_is_large_and_its_parts_apart(shipped_base):
    calibration = load_eval_set(EVAL_CALIBRATION) + load_eval_set(EVAL_BANDS)
    test = load_eval_set(EVAL_TEST)
    both = calibration + test
    assert sum(item.expect == "decline" for item in both) >= 150
    assert sum(item.entry is not None for item in both) >= 346  # 246 before, 100 more
    assert len({item.question for item in both}) == len(both)
    # No test question is a near-copy of a calibration one: the same words, give or take a few
    # letters or their order.
    seen = [simplify(item.question) for item in calibration]
    for item in test:
        text = simplify(item.question)
        for scorer in (fuzz.ratio, fuzz.token_sort_ratio):
            close = process.extractOne(text, seen, scorer=scorer, score_cutoff=85)
            assert close is None, (item.question, close)


def test_no_phrasing_of_the_base_is_a_near_copy_of_a_test_question(shipped_base):
    # The test part is held out: a phrasing that copies one of its questions, give or take a few
    # letters or their order, would have the desk graded on its own copy. Only the base's phrasing
    # is reported, never the held-out question.
    held_out = [simplify(item.question) for item in load_eval_set(EVAL_TEST)]
    copies = [
        question
        for entry in shipped_base.entries.values()
        for questions in entry.questions.values()
        for question in questions
        if any(
            process.extractOne(simplify(question), held_out, scorer=scorer, score_cutoff=85)
            for scorer in (fuzz.ratio, fuzz.token_sort_ratio)
        )
    ]
    assert copies == []


def test_evaluation_labels_exist_in_the_shipped_base(shipped_base):
    unknown = {
        label
        for path in EVAL_SETS
        for item in load_eval_set(path)
        for label in ((item.entry, *item.also) if item.entry else ())
        if label not in shipped_base.entries
    }
    assert not unknown


# --- folding: what it means, on any string ------------------------------------------------------
# Folding is Unicode's compatibility decomposition without combining marks, casefolded, with
# control and format characters as spaces: written out plainly below, the definition any string
# (every code point, the base, the evaluation set, arbitrary text) must fold like.


def reference_fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


def reference_strip_controls(text: str) -> str:
    return "".join(" " if unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"} else c for c in text)


def reference_simplify(text: str) -> str:
    folded = reference_fold(reference_strip_controls(text[:2000]).replace("'", " "))
    return " ".join(re.split(r"[^0-9a-z]+", folded)).strip()


def assert_folds_like_reference(text: str) -> None:
    assert fold(text) == reference_fold(text)
    assert simplify(text) == reference_simplify(text)


TRICKY = [
    ("Straße ẞ", "strasse ss"),
    ("ﬁnance ﬂow ﬃ Ǆ Ĳ", "finance flow ffi dz ij"),
    ("İstanbul", "istanbul"),
    ("ΣΊΣΥΦΟΣ σς", "σισυφοσ σσ"),
    ("Côte d’Ivoire ", "cote d'ivoire"),
    ("e\u0301 a\u0308 n\u0303", "e a n"),
    ("\u0301\u0300 leading marks", "leading marks"),
    ("\u00a0no\u00a0break\u202fnarrow\u3000wide\u2007figure", "no break narrow wide figure"),
    ("ＦＵＬＬ ｗｉｄｔｈ", "full width"),
    ("x² ½ ① ℃ ™ Ⅻ", "x2 1⁄2 1 °c tm xii"),
    ("Å K µ ſ ŉ ǰ", "a k μ s ʼn j"),
    ("한 日本語 ｶﾀｶﾅ", "\u1112\u1161\u11ab 日本語 カタカナ"),  # Hangul into its jamo
    ("العربية עברית Русский Ёё हिन्दी", "العربية עברית русскии ее हिनदी"),
    ("zero\u200bwidth\u200djoin\ufeffer", "zero\u200bwidth\u200djoin\ufeffer"),
    ("line\u2028sep\u2029para\x85nel\x0bvt\x1ffs\tt", "line sep para nel vt fs t"),
    ("\x00\x7f\x80 \u202e rtl \U000e0041", "\x00\x7f\x80 \u202e rtl \U000e0041"),
    ("🙂👍🏽👨‍👩‍👧 🇫🇷", "🙂👍🏽👨‍👩‍👧 🇫🇷"),
    ("\ud800 lone \udfff", "\ud800 lone \udfff"),
    ("ÉTATS-UNIS l’État qu'est-ce", "etats-unis l'etat qu'est-ce"),
]


@pytest.mark.parametrize(("text", "folded"), TRICKY)
def test_fold_of_tricky_unicode(text, folded):
    assert fold(text) == folded
    assert_folds_like_reference(text)


def test_folding_equals_the_reference_on_every_code_point():
    # Runs of 61 consecutive code points (a prime, so runs start at every residue of common
    # block sizes): each character folded alone and next to its neighbours, combining marks
    # included, across all of Unicode, surrogates too.
    for start in range(0, 0x110000, 61):
        run = "".join(chr(c) for c in range(start, min(start + 61, 0x110000)))
        assert fold(run) == reference_fold(run), hex(start)
        assert simplify(run) == reference_simplify(run), hex(start)


def test_folding_equals_the_reference_on_the_base_and_the_evaluation_set(shipped_base):
    texts = [item.question for path in EVAL_SETS for item in load_eval_set(path)]
    for entry in shipped_base.entries.values():
        for language in LANGUAGES:
            texts += entry.questions.get(language, []) + entry.keywords.get(language, [])
            texts.append(entry.answers.get(language, ""))
    texts += [
        n for state in shipped_base.states.values() for ns in state.names.values() for n in ns
    ]
    assert len(texts) > 2000
    for text in texts:
        assert_folds_like_reference(text)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300) | st.text(st.characters(codec="latin-1"), max_size=100))
def test_folding_equals_the_reference_on_any_text(text):
    assert_folds_like_reference(text)
    accented = unicodedata.normalize("NFD", text)  # the same text with its accents apart
    assert fold(accented) == reference_fold(accented)


def test_char_table_keeps_at_most_its_limit():
    table = CharTable(str.upper, limit=3)
    assert "abcdef".translate(table) == "ABCDEF"
    assert len(table) == 3
    assert "fedcba".translate(table) == "FEDCBA"


@pytest.mark.parametrize(
    ("source", "articles"),
    [
        ("UNCAT art. 20–22, 28, 30", {("UNCAT", n) for n in (20, 21, 22, 28, 30)}),
        ("OPCAT art. 28(2), 17; treaties.un.org (IV, 9.b)", {("OPCAT", 28), ("OPCAT", 17)}),
        ("CTI 6/2019; UNCAT art. 3, 5–9", {("UNCAT", n) for n in (3, 5, 6, 7, 8, 9)}),
        ("CTI, https://cti2024.org/en/cti-tools/", set()),
    ],
)
def test_the_articles_an_entry_rests_on_come_from_its_source(source, articles):
    assert source_articles(source) == articles


@pytest.mark.parametrize(
    ("question", "cited"),
    [
        ("Can we make a reservation to article 22 when we ratify?", (None, {22})),
        ("OPCAT art. 24: how long can we postpone?", ("OPCAT", {24})),
        ("¿Qué exige el artículo 16 de la Convención contra la Tortura?", ("UNCAT", {16})),
        ("art 3 UNCAT and refugees", ("UNCAT", {3})),
        # French and Spanish law name article 1 "premier", "primero".
        (
            "Les fins énumérées à l'article premier de la Convention contre la torture",
            ("UNCAT", {1}),
        ),
        ("¿Qué dice el artículo primero?", (None, {1})),
        ("How do we ratify?", None),
    ],
)
def test_the_articles_a_question_cites(question, cited):
    found = cited_articles(question)
    assert (found if found is None else (found[0], set(found[1]))) == cited


@pytest.mark.parametrize(
    ("question", "cited"),
    [
        ("What does General Comment No. 3 say?", {3}),
        ("observation générale n° 2 et état d'urgence", {2}),
        ("¿Qué dice la Observación general n.º 4?", {4}),
        ("comentario general 4 del CAT", {4}),
        ("GC4 and deportation", {4}),
        ("Does the Committee publish general comments?", set()),
        ("general comment on article 3", set()),
    ],
)
def test_the_general_comments_a_question_cites(question, cited):
    assert cited_comments(question) == cited


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("general comment 3", "investigations-forms-of-reparation-general-comment-3"),
        ("observation generale 3", "investigations-forms-of-reparation-general-comment-3"),
        ("observación general 4", "non-refoulement-general-comment-4"),
        ("general comment no. 4", "non-refoulement-general-comment-4"),
    ],
)
def test_a_cited_general_comment_ranks_its_own_entry_first(matcher, question, entry):
    # The numbers alone tell the two entries apart: "3" is also non-refoulement's article.
    assert matcher.match(question, language="en").candidates[0].entry.id == entry


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        # delay, postergar, différer: one word for the matcher, the one the article 24 entry uses.
        ("Can we delay creating the NPM?", "opcat-postponement"),
        ("¿Se puede postergar el MNP?", "opcat-postponement"),
        ("Peut-on différer la mise en place du MNP ?", "opcat-postponement"),
        ("Pouvons-nous reporter la création du MNP ?", "opcat-postponement"),
        # "sans", "sin", "without" are no stop words: a review without a report is not the review.
        ("examen sans rapport", "review-without-report"),
        (
            "Le Comité peut-il nous examiner sans que nous ayons envoyé de rapport ?",
            "review-without-report",
        ),
        ("¿Nos pueden examinar sin haber enviado el informe?", "review-without-report"),
    ],
)
def test_questions_in_the_officials_own_words(shipped_desk, question, entry):
    reply = shipped_desk.answer(question, language="en")
    assert (reply.outcome, reply.entry.id if reply.entry else None) == ("answer", entry), (
        reply.candidates
    )


def test_a_short_word_the_base_lacks_costs_less_than_a_long_one(matcher):
    # "wen", "hw", "pls": most often a short word mistyped, not a subject the base lacks.
    asked = "{} is our initial report due to the committee?"
    typo = matcher.match(asked.format("wen"))
    unknown = matcher.match(asked.format("zanzibarian"))
    assert typo.entry is not None and typo.entry.id == "reporting-initial-deadline"
    assert typo.score - unknown.score >= 5, (typo.score, unknown.score)


def test_an_entry_on_other_articles_loses_against_the_cited_one(matcher):
    ranked = matcher.match("Can we make a reservation to article 22 when we ratify?").candidates
    sources = [c.entry.source for c in ranked]
    # Every entry ranked above the first one resting on UNCAT art. 22 rests on no article at all.
    first = next(
        i for i, c in enumerate(ranked) if ("UNCAT", 22) in source_articles(c.entry.source)
    )
    assert all(not source_articles(s) for s in sources[:first]), sources


@pytest.mark.parametrize(
    ("letter", "body"),
    [
        ("Dear Ana,\nHow do we ratify?\nBest regards,\nClaire", "How do we ratify?"),
        (
            "Madame, Monsieur,\nQuel est le délai du rapport initial ?\nCordialement,\nDirection",
            "Quel est le délai du rapport initial ?",
        ),
        (
            "Estimada CTI:\n¿Cómo retiramos la reserva?\nSaludos cordiales,\nAsesoría Jurídica",
            "¿Cómo retiramos la reserva?",
        ),
        ("Hello, how do we ratify the Convention?", "How do we ratify the Convention?"),
        (
            "Thanks to the Optional Protocol, we have an NPM.",
            "Thanks to the Optional Protocol, we have an NPM.",
        ),
    ],
)
def test_a_letter_is_read_without_its_salutation_and_signature(letter, body):
    assert letter_body(letter) == body


@pytest.mark.parametrize(
    ("letter", "body"),
    [
        (
            "Dear CTI,\nI hope this message finds you well. Our report is late. What should we do?"
            "\nKind regards,\nMaria",
            "Our report is late. What should we do?",
        ),
        (
            "Bonjour,\nJ'espère que vous allez bien.\nComment ratifier la Convention ? "
            "Merci d'avance pour votre aide.",
            "Comment ratifier la Convention ?",
        ),
        (
            "Estimados:\nEspero que se encuentren bien. ¿Cómo retiramos la reserva?",
            "¿Cómo retiramos la reserva?",
        ),
        # A courtesy followed by the question itself is the question.
        (
            "Thank you in advance for your advice on article 22 declarations and their effects.",
            "Thank you in advance for your advice on article 22 declarations and their effects.",
        ),
    ],
)
def test_a_letter_is_read_without_its_courtesies(letter, body):
    """ "I hope this message finds you well" is no part of what a letter asks: left in, it
    weighs against every entry as words the base has never seen."""
    assert letter_body(letter) == body


@pytest.mark.parametrize(
    ("sentence", "asking"),
    [
        ("How do we ratify?", True),
        ("¿Cómo ratificamos", True),
        ("The Attorney General asks whether the confession can be used.", True),
        ("Le ministre souhaiterait savoir où déposer l'instrument.", True),
        ("El ministro quisiera saber dónde se deposita el instrumento.", True),
        ("We are finalising our periodic report.", False),
        ("Nous finalisons notre rapport.", False),
    ],
)
def test_a_sentence_asks_with_a_question_mark_or_indirectly(sentence, asking):
    assert asks(sentence) is asking


LETTERS_WITHOUT_A_QUESTION_MARK = {
    "en": "We are finalising our periodic report to the Human Rights Committee, and our national "
    "human rights institution has asked about the training of police officers and prison "
    "conditions. A separate matter came up this week in Cabinet. The Minister would like to know "
    "where our instrument of accession to the Convention against Torture has to be deposited.",
    "fr": "Nous finalisons notre rapport au Comité des droits de l'homme, et notre institution "
    "nationale des droits de l'homme nous interroge sur la formation des policiers et les "
    "conditions de détention. Une autre question s'est posée cette semaine en Conseil des "
    "ministres. Le ministre souhaiterait savoir où notre instrument d'adhésion à la Convention "
    "contre la torture doit être déposé.",
    "es": "Estamos terminando nuestro informe al Comité de Derechos Humanos, y nuestra institución "
    "nacional de derechos humanos pregunta por la formación de la policía y las condiciones de "
    "detención. Esta semana surgió otra cuestión en el Consejo de Ministros. El ministro quisiera "
    "saber dónde debe depositarse nuestro instrumento de adhesión a la Convención contra la "
    "Tortura.",
}


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_a_letter_asking_without_a_question_mark_is_answered_by_that_sentence(matcher, lang):
    # The whole letter is mostly about other things; its last sentence asks, in so many words.
    found = matcher.match(LETTERS_WITHOUT_A_QUESTION_MARK[lang], language="en")
    assert (found.outcome, found.entry.id if found.entry else None) == (
        "answer",
        "ratification-deposit",
    ), found.candidates
    assert found.language == lang


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_an_email_is_answered_by_the_sentence_that_asks(matcher, shipped_base, lang):
    entry = shipped_base.entries["ratification-routes"]
    question = next(q for q in entry.questions[lang] if "?" in q)
    context = {
        "en": "I have just joined the legal unit of the Ministry of Foreign Affairs, and the "
        "Permanent Secretary has asked me to prepare a short briefing for Cabinet next month.",
        "fr": "Je viens de rejoindre la direction juridique du ministère des Affaires étrangères, "
        "et le Secrétaire général me demande une note pour le Conseil des ministres.",
        "es": "Acabo de incorporarme a la asesoría jurídica de la Cancillería y el Viceministro me "
        "pidió preparar una nota breve para el Consejo de Ministros del mes próximo.",
    }[lang]
    letter = f"{context}\nThe Minister also wants to know about our budget.\n{question}"
    found = matcher.match(letter, language=lang)
    assert (found.outcome, found.entry) == ("answer", entry)
    assert found.language == lang
