"""The console desk: what an official would see, through the same desk."""

import io

import pytest
from sqlalchemy import select

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
    topics = console.handle("/topics")
    assert all(t.titles["fr"] in topics for t in desk.base.topics.values())
    console.suggestions = [next(iter(desk.base.entries))]
    chosen = console.handle("1")
    assert next(iter(desk.base.entries.values())).answers["fr"][:40] in chosen


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
