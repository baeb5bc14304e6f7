"""The console desk: what an official would see, through the same desk."""

import io

import pytest
from sqlalchemy import select

from helpdesk_bot import texts
from helpdesk_bot.console import ConsoleDesk, format_queue, format_ticket
from helpdesk_bot.models import Query


def talk(desk, *lines):
    out = io.StringIO()
    ConsoleDesk(desk).loop(io.StringIO("\n".join(lines) + "\n"), out)
    return out.getvalue()


def test_question_answered_and_logged_as_console(desk):
    entry = next(
        e
        for e in desk.base.entries.values()
        if desk.answer(e.questions["en"][0]).outcome == "answer"
    )
    out = talk(desk, entry.questions["en"][0], "/quit")
    assert entry.answers["en"][:60] in out
    with desk.sessions() as session:
        (query,) = session.scalars(select(Query)).all()
    assert query.channel == "console" and query.entry_id == entry.id


def test_commands_and_suggestion_choice(desk):
    console = ConsoleDesk(desk)
    assert "/secretariat" in console.handle("/help")
    assert console.handle("/language fr") == "Language: fr"
    assert "Usage" in console.handle("/language de")
    assert "Unknown command" in console.handle("/nothing")
    candidates = [t.titles["fr"] for t in desk.base.topics.values()]
    candidates += [k for e in desk.base.entries.values() for k in e.keywords.get("fr", [])]
    suggest = next(
        text for text in candidates if desk.answer(text, language="fr").outcome == "suggest"
    )
    offered = console.handle(suggest)
    first = desk.answer(suggest, language="fr").suggestions[0]
    assert f"1. {first.question('fr')}" in offered
    chosen = console.handle("1")
    assert first.answers["fr"][:40] in chosen


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_an_answer_numbers_what_to_read_next(desk, lang):
    console = ConsoleDesk(desk)
    console.handle(f"/language {lang}")
    entry = desk.base.entries["reporting-initial-deadline"]
    answer = console.handle(entry.questions[lang][0])
    related = [desk.base.entries[i] for i in entry.related]
    assert texts.say("read_next_numbered", lang) in answer
    assert f"1. {related[0].question(lang)}" in answer
    assert related[1].answers[lang][:40] in console.handle("2")
    with desk.sessions() as session:
        assert [q.entry_id for q in session.scalars(select(Query))] == [entry.id, related[1].id]


def test_topics_then_an_entry_by_number(desk):
    console = ConsoleDesk(desk)
    console.handle("/language es")
    base = desk.base
    shown = [t for t in base.topics.values() if base.entries_by_topic(t.id)]
    topics = console.handle("/topics")
    assert f"2. {shown[1].titles['es']}" in topics
    entries = console.handle("2")
    found = base.entries_by_topic(shown[1].id)
    assert f"1. {found[0].question('es')}" in entries
    answer = console.handle("1")
    assert found[0].answers["es"][:40] in answer
    with desk.sessions() as session:
        assert [q.entry_id for q in session.scalars(select(Query))] == [found[0].id]


def test_a_number_with_nothing_numbered_on_screen_is_a_question(desk):
    console = ConsoleDesk(desk)
    console.handle("19")
    with desk.sessions() as session:
        assert [q.text for q in session.scalars(select(Query))] == ["19"]


def test_secretariat_and_queue_views(desk):
    console = ConsoleDesk(desk)
    reply = console.handle("/secretariat Please help with our report")
    assert "#1" in reply
    queue = format_queue(desk.tickets(), desk.base)
    assert queue.startswith("#1 [open]") and "Please help with our report" in queue
    desk.staff_reply(1, "Certainly.", staff_id=9001, staff_name="Sam")
    thread = format_ticket(desk.ticket(1), desk.base)
    assert "official: Please help with our report" in thread and "staff (Sam): Certainly." in thread
    assert format_queue([], desk.base) == "No tickets in the queue."
    assert "UNCAT:" not in thread  # no State given: no status line


def test_a_ticket_view_says_where_the_officials_state_stands(desk):
    console = ConsoleDesk(desk)
    console.handle("/state Cabo Verde")
    console.handle("/secretariat We never sent our initial report")
    thread = format_ticket(desk.ticket(1), desk.base)
    # The register's source: acceded 4 June 1992; initial report due 3 July 1993, not received
    # when the Committee adopted its observations on 5 December 2016.
    assert "UNCAT: party (accession 4 June 1992)" in thread
    assert "initial report due 3 July 1993: not received as of 5 December 2016" in thread


@pytest.mark.parametrize(
    ("lang", "label"), [("en", "  Tool: "), ("fr", "  Outil : "), ("es", "  Herramienta: ")]
)
def test_tools_under_an_answer_are_labelled_in_the_officials_language(desk, lang, label):
    console = ConsoleDesk(desk)
    console.handle(f"/language {lang}")
    replies = (
        desk.answer(e.questions[lang][0], language=lang)
        for e in desk.base.entries.values()
        if e.tools
    )
    reply = next(r for r in replies if r.outcome == "answer" and r.tools)
    assert label in console.show(reply)


def test_state_sets_the_state_and_shows_its_card(desk):
    console = ConsoleDesk(desk)
    assert console.handle("/state") == texts.say("state_not_set", "en") + "\n/state NAME"
    card = console.handle("/state Cap-Vert")  # any language, as /start finds it
    assert "Cabo Verde" in card
    assert "4 July 1992" in card  # in force 30 days after the 4 June 1992 accession
    assert console.handle("/state") == card
    assert "No State in the register matches" in console.handle("/state Atlantis")


def test_profile_as_the_answers_say_it_sets_the_state_too(desk):
    # Answers invite officials to "tell me your State with /profile": at the terminal too.
    console = ConsoleDesk(desk)
    card = console.handle("/profile Fiji")
    assert "Fiji" in card
    assert console.handle("/state") == card
