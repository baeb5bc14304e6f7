"""A State's own paragraph and status card, against the register's sourced facts (issue 19), in
English, French and Spanish; and the answers that carry them."""

from dataclasses import replace
from datetime import date

import pytest

from helpdesk_bot.answering import state_text
from helpdesk_bot.knowledge import ReportDue, load_knowledge
from helpdesk_bot.status import (
    STATE_ASPECTS,
    offer_line,
    staff_line,
    state_paragraph,
    status_card,
)

from .conftest import KNOWLEDGE, shipped_answerer

TODAY = date(2026, 3, 1)


@pytest.fixture(scope="module")
def base():
    loaded, _ = load_knowledge(KNOWLEDGE, today=TODAY)
    return loaded


def paragraph(base, code, aspect, language):
    return state_paragraph(base.states[code], aspect, base, language, today=TODAY)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            [
                "Your State: Vanuatu (our register, as of 1 March 2026).",
                "Instrument of accession deposited: 12 July 2011.",
                "In force for this State: 11 August 2011",
                "Initial report due: 10 August 2012",
            ],
        ),
        (
            "fr",
            [
                "Votre État : Vanuatu (selon notre registre, à jour au 1er mars 2026).",
                "Instrument d'adhésion déposé : 12 juillet 2011.",
                "Entrée en vigueur pour cet État : 11 août 2011",
                "Rapport initial attendu : 10 août 2012",
            ],
        ),
        (
            "es",
            [
                "Su Estado: Vanuatu (según nuestro registro, actualizado al 1 de marzo de 2026).",
                "Instrumento de adhesión depositado: 12 de julio de 2011.",
                "Entrada en vigor para este Estado: 11 de agosto de 2011",
                "Informe inicial previsto: 10 de agosto de 2012",
            ],
        ),
    ],
)
def test_vanuatu_deadlines_from_its_accession(base, language, expected):
    text = paragraph(base, "VUT", "deadlines", language)
    positions = [text.index(part) for part in expected]
    assert positions == sorted(positions)  # deposit, then in force, then the report
    assert "treaties.un.org" in text
    # No report is recorded, and no source says one was missed: never "overdue".
    assert not any(w in text.lower() for w in ("overdue", "retard", "atrasad"))


@pytest.mark.parametrize(
    ("language", "parts"),
    [
        (
            "en",
            [
                "Instrument of ratification deposited: 14 March 2016.",
                "In force for this State: 13 April 2016",
                "Initial report due: 12 April 2017",
            ],
        ),
        (
            "fr",
            [
                "Instrument de ratification déposé : 14 mars 2016.",
                "Entrée en vigueur pour cet État : 13 avril 2016",
                "Rapport initial attendu : 12 avril 2017",
            ],
        ),
        (
            "es",
            [
                "Instrumento de ratificación depositado: 14 de marzo de 2016.",
                "Entrada en vigor para este Estado: 13 de abril de 2016",
                "Informe inicial previsto: 12 de abril de 2017",
            ],
        ),
    ],
)
def test_fiji_deadlines_from_its_ratification(base, language, parts):
    # Ratification deposited 14 March 2016 (the register's source gives no in-force date):
    # the thirtieth day after is 13 April 2016 (art. 27(2)), the initial report a year later.
    text = paragraph(base, "FJI", "deadlines", language)
    for part in parts:
        assert part in text, part


def test_fiji_reservations_as_the_register_records_them(base):
    en = paragraph(base, "FJI", "declarations", "en")
    assert "reservation under art. 28(1)" in en and "declaration under art. 30(2)" in en
    assert "art. 22 (individual" not in en  # not recorded, so not claimed
    fr = paragraph(base, "FJI", "declarations", "fr")
    assert "État : Fidji" in fr and "réserve de l'art. 28(1)" in fr and "14 mars 2016" in fr
    es = paragraph(base, "FJI", "declarations", "es")
    assert "Estado: Fiji" in es  # the first Spanish name in the register
    assert "reserva del art. 28(1)" in es


@pytest.mark.parametrize(
    ("code", "language", "signed", "route"),
    [
        ("HTI", "en", "Signature: 16 August 2013.", "instrument of ratification"),
        ("HTI", "fr", "Signature : 16 août 2013.", "instrument de ratification"),
        ("PLW", "es", "Firma: 20 de septiembre de 2011.", "instrumento de ratificación"),
    ],
)
def test_a_signatory_asking_about_deadlines_gets_the_ratification_path(
    base, code, language, signed, route
):
    text = paragraph(base, code, "deadlines", language)
    assert signed in text and route in text
    assert "art. 25" in text
    # Not party: no entry into force, no report date of its own.
    for absent in (
        "In force for this State",
        "Entrée en vigueur pour cet État",
        "Initial report due",
    ):
        assert absent not in text
    assert "Rapport initial attendu :" not in text and "Informe inicial previsto:" not in text


def test_a_state_neither_signed_nor_party_can_accede(base):
    none = next(s for s in base.states.values() if s.uncat == "none")
    text = state_paragraph(none, "route", base, "en", today=TODAY)
    assert "accede in one step" in text and "art. 26" in text
    assert "Signature:" not in text


def test_a_party_asking_about_the_route_is_told_it_is_party(base):
    text = paragraph(base, "VUT", "route", "en")
    assert "already party" in text and "12 July 2011" in text
    assert "accede in one step" not in text


def test_australia_opcat_part_iv_declaration_gives_no_npm_date(base):
    for language, words in (
        ("en", ["Art. 24 declaration postponing Part IV", "21 December 2017", "IV.9.b"]),
        ("fr", ["Déclaration de l'art. 24 ajournant la partie IV", "21 décembre 2017"]),
        ("es", ["Declaración del art. 24 que aplaza la parte IV", "21 de diciembre de 2017"]),
    ):
        text = paragraph(base, "AUS", "opcat", language)
        for word in words:
            assert word in text, (language, word)
        # npm_due with the Part IV postponement: no date, never 20 January 2019.
        assert "2019" not in text
        assert "National preventive mechanism due" not in text


def test_an_opcat_party_without_a_declaration_gets_its_npm_date(base):
    text = paragraph(base, "CHE", "opcat", "en")  # ratification 24 Sep 2009, in force 24 Oct 2009
    assert "National preventive mechanism due: 24 October 2010" in text


def test_a_deposit_known_only_by_its_month_gives_no_date(base):
    state = base.states["LCA"]  # Saint Lucia: accession February 2026, the day not sourced
    for language in ("en", "fr", "es"):
        text = state_paragraph(state, "deadlines", base, language, today=TODAY)
        assert "2026" in text
        for absent in (
            "In force for this State",
            "Entrée en vigueur pour cet",
            "Entrada en vigor para",
        ):
            assert absent not in text
        assert "2027" not in text  # no initial report date computed from a month


def test_a_party_without_a_deposit_date_gets_no_date(base):
    text = paragraph(base, "DNK", "deadlines", "en")  # Denmark: reports, no deposit recorded
    assert "does not have the date of the instrument" in text
    assert "In force for this State" not in text and "Initial report due" not in text
    assert "CAT/C/DNK/8" in text and "9 December 2019" in text


def test_overdue_only_where_a_source_says_not_received_and_constructively(base):
    ghana = base.states["GHA"]
    due = ReportDue("periodic", "2015-06-03", "test source", number=2)
    silent = state_paragraph(
        replace(ghana, next_report_due=due), "deadlines", base, "en", today=TODAY
    )
    assert "3 June 2015" in silent and "not yet received" not in silent
    missed = replace(ghana, next_report_due=replace(due, not_received="2019-01-01"))
    for language, words in (
        ("en", ["had not yet received it", "OHCHR", "/secretariat"]),
        ("fr", ["ne l'avait pas encore reçu", "HCDH"]),
        ("es", ["aún no lo había recibido", "ACNUDH"]),
    ):
        text = state_paragraph(missed, "deadlines", base, language, today=TODAY)
        for word in words:
            assert word in text, (language, word)
        assert "shame" not in text.lower()


def test_every_aspect_in_every_language_names_the_date_and_the_treaty_collection(base):
    for code in ("VUT", "HTI", "AUS", "DNK", "LCA"):
        for aspect in STATE_ASPECTS:
            for language, as_of in (
                ("en", "1 March 2026"),
                ("fr", "1er mars 2026"),
                ("es", "1 de marzo de 2026"),
            ):
                text = paragraph(base, code, aspect, language)
                assert as_of in text and "treaties.un.org" in text, (code, aspect, language)
    assert state_paragraph(base.states["VUT"], "weather", base, "en", today=TODAY) is None


def test_status_card_of_a_recent_accession_shows_the_next_deadline(base):
    dominica = base.states["DMA"]  # accession 5 December 2024
    card = status_card(dominica, base, "en", today=date(2025, 6, 1))
    assert "State: Dominica." in card
    assert "In force for this State: 4 January 2025" in card
    assert "Next deadline: initial report, 3 January 2026." in card
    assert "/secretariat" in card and "reporting/" in card
    later = status_card(dominica, base, "en", today=TODAY)
    assert "Next deadline: none that the register can give." in later


def test_status_card_in_three_languages(base):
    fiji = base.states["FJI"]
    fr = status_card(fiji, base, "fr", today=TODAY)
    assert fr.startswith("État : Fidji.")
    assert "Convention contre la torture : État partie." in fr
    assert "Protocole facultatif (OPCAT) : pas partie." in fr
    assert "APT" in fr  # OPCAT not joined: the partner on it
    es = status_card(base.states["HTI"], base, "es", today=TODAY)
    assert "Estado signatario" in es
    assert "Herramienta de ratificación de la UNCAT" in es  # the tool from tools.yaml
    en = status_card(base.states["AUS"], base, "en", today=TODAY)
    assert "Part IV" in en and "IV.9.b" in en
    assert "Next deadline: none that the register can give." in en


def test_offer_line_and_answers_that_depend_on_the_state(base):
    assert "/profile" in offer_line("en") and "/profile" in offer_line("fr")
    assert "/profile" in offer_line("es") and offer_line("de") == offer_line("en")
    deadline = base.entries["reporting-initial-deadline"]
    assert deadline.state_aspect == "deadlines"
    assert state_text(deadline, "en", base, None) == offer_line("en")
    with_state = state_text(deadline, "en", base, base.states["VUT"], today=TODAY)
    assert "10 August 2012" in with_state
    plain = base.entries["criminalisation-definition-article-1"]
    assert plain.state_aspect is None
    assert state_text(plain, "en", base, base.states["VUT"]) == ""


def test_the_answerer_appends_the_paragraph_or_the_offer(base):
    answerer = shipped_answerer()
    question = "When is our initial report to the Committee against Torture due?"
    alone = answerer.answer(question, language="en")
    assert alone.entry.id == "reporting-initial-deadline"
    assert alone.text.endswith(offer_line("en"))
    vanuatu = answerer.answer(question, language="en", state=base.states["VUT"])
    assert "Initial report due: 10 August 2012" in vanuatu.text
    assert offer_line("en") not in vanuatu.text
    assert vanuatu.to_json()["state"] == "VUT"
    other = answerer.answer("What is the definition of torture in article 1?", language="en")
    assert offer_line("en") not in other.text


def test_the_staff_line_says_where_the_state_stands_and_a_missed_report_only_when_sourced(base):
    vanuatu = staff_line(base.states["VUT"], today=TODAY)
    assert vanuatu.startswith("UNCAT: party (accession 12 July 2011) · OPCAT: not party")
    # Vanuatu's initial report fell due on 10 August 2012; no source says it was not received.
    assert "not received" not in vanuatu
    assert "Part IV" in staff_line(base.states["AUS"], today=TODAY)
    assert staff_line(base.states["HTI"], today=TODAY).startswith("UNCAT: signatory")
    ghana = base.states["GHA"]
    due = ReportDue("periodic", "2015-06-03", "test source", number=2)
    assert "not received" not in staff_line(replace(ghana, next_report_due=due), today=TODAY)
    missed = replace(ghana, next_report_due=replace(due, not_received="2019-01-01"))
    assert "due 3 June 2015: not received as of 1 January 2019" in staff_line(missed, today=TODAY)


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("Is Fiji a party to UNCAT?", "FJI"),
        ("Le Cap-Vert est-il partie à la Convention ?", "CPV"),
        ("¿Vanuatu es parte en la Convención contra la Tortura?", "VUT"),
        ("Is Guinea-Bissau a party to the Convention?", "GNB"),
        ("Are we a party to the Convention against Torture?", None),
        ("Are Fiji and Vanuatu parties to the Convention?", None),  # two States: neither
    ],
)
def test_the_state_a_question_names_is_found_in_any_language(question, code):
    named = shipped_answerer().state_named(question)
    assert (named.code if named else None) == code


def test_a_named_state_gets_its_paragraph_over_the_askers_profile(base):
    answerer = shipped_answerer()
    reply = answerer.answer("Is Fiji a party to UNCAT?", language="en", state=base.states["VUT"])
    assert reply.entry.id == "ratification-are-we-party"
    assert "Fiji" in reply.text and "Vanuatu" not in reply.text
    assert "Your State" not in reply.text  # Fiji is the State asked about, not the asker's
    assert reply.to_json()["state"] == "VUT"  # the profile is still the official's own
