"""The desk: every question a log row, tickets opened and joined, staff replies, /forget."""

import dataclasses
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from helpdesk_bot import texts
from helpdesk_bot.answering import QUESTION_OUTCOMES
from helpdesk_bot.config import Settings
from helpdesk_bot.db import connect, upgrade
from helpdesk_bot.desk import Asker, Desk, DeskError, clean_text, working_days_between
from helpdesk_bot.models import Feedback, Official, Query, Ticket, TicketMessage

# In the domain, yet nothing in the base answers it: a ticket for the Secretariat.
GIBBERISH = "What did the prison inspector say about our detention centre last week?"
OFFICIAL = Asker(telegram_id=111, chat_id=111, name="Ana", language_code="es")


def answerable(desk: Desk, language: str = "en"):
    """An entry whose own first question the desk answers outright (not referred)."""
    for entry in desk.base.entries.values():
        question = entry.questions[language][0]
        reply = desk.answer(question, language=language)
        if reply.outcome == "answer" and reply.entry.id == entry.id:
            return entry, question
    raise AssertionError("no entry is answered from its own question")


def with_settings(desk: Desk, **changes) -> Desk:
    """The same base and database under other settings."""
    return Desk(
        dataclasses.replace(desk.settings, **changes),
        base=desk.base,
        referrals=desk.referrals,
        sessions=desk.sessions,
    )


def rows(desk, model):
    with desk.sessions() as session:
        return list(session.scalars(select(model).order_by(model.id)))


def test_answer_is_logged_before_reply(desk):
    entry, question = answerable(desk)
    reply = desk.ask(OFFICIAL, question)
    assert reply.outcome == "answer" and reply.entry.id == entry.id
    assert entry.answers[reply.language] in reply.text
    (query,) = rows(desk, Query)
    assert query.id == reply.query_id
    assert (query.text, query.outcome, query.entry_id, query.topic) == (
        question,
        "answer",
        entry.id,
        entry.topic,
    )
    assert query.delivery == "pending"
    desk.mark_delivery(reply.query_id, delivered=True)
    assert rows(desk, Query)[0].delivery == "delivered"


def test_official_created_with_telegram_language_guess(desk):
    official = desk.profile(OFFICIAL)
    assert official.language == "es" and official.telegram_id == 111
    assert desk.profile(Asker(telegram_id=5, language_code="de")).language == "en"


def test_escalation_opens_then_joins_ticket(desk):
    first = desk.ask(OFFICIAL, GIBBERISH)
    assert first.outcome == "escalate" and first.ticket_is_new
    assert f"{first.ticket_id}" in first.text
    second = desk.ask(OFFICIAL, GIBBERISH + " again")
    assert second.ticket_id == first.ticket_id and not second.ticket_is_new
    (ticket,) = rows(desk, Ticket)
    assert [m.text for m in rows(desk, TicketMessage)] == [GIBBERISH, GIBBERISH + " again"]
    assert [q.ticket_id for q in rows(desk, Query)] == [ticket.id, ticket.id]
    # an answerable question is still answered at once while the ticket is open
    _, question = answerable(desk)
    assert desk.ask(OFFICIAL, question).outcome == "answer"


def test_closed_ticket_is_not_reopened(desk):
    first = desk.ask(OFFICIAL, GIBBERISH)
    relay = desk.close(first.ticket_id, resolution="answered", staff_id=9001)
    assert relay.chat_id == 111 and str(first.ticket_id) in relay.text
    again = desk.ask(OFFICIAL, GIBBERISH)
    assert again.ticket_is_new and again.ticket_id != first.ticket_id
    with pytest.raises(DeskError, match="already closed"):
        desk.close(first.ticket_id, resolution="answered", staff_id=9001)


def test_staff_reply_sets_first_response_once(desk):
    reply = desk.ask(OFFICIAL, GIBBERISH)
    relay = desk.staff_reply(
        reply.ticket_id, "Here is our advice.", staff_id=9001, staff_name="Sam"
    )
    assert relay.chat_id == 111 and "Here is our advice." in relay.text and "Secretar" in relay.text
    first = desk.ticket(reply.ticket_id).first_response_at
    desk.staff_reply(reply.ticket_id, "And more.", staff_id=9002)
    ticket = desk.ticket(reply.ticket_id)
    assert ticket.first_response_at == first
    assert ticket.assignee_id == 9001
    assert [m.author for m in ticket.messages] == ["official", "staff", "staff"]


def test_staff_message_ids_find_the_ticket(desk):
    reply = desk.ask(OFFICIAL, GIBBERISH)
    desk.record_staff_message(reply.ticket_id, 500, card=True)
    desk.ask(OFFICIAL, GIBBERISH + " more")
    desk.record_staff_message(reply.ticket_id, 501)
    assert desk.ticket_for_staff_message(500) == reply.ticket_id
    assert desk.ticket_for_staff_message(501) == reply.ticket_id
    assert desk.ticket_for_staff_message(999) is None


def test_secretariat_message_is_a_query_and_a_ticket(desk):
    reply = desk.to_secretariat(OFFICIAL, "Please call me about our report")
    assert reply.outcome == "escalate" and reply.ticket_id
    (query,) = rows(desk, Query)
    assert query.outcome == "escalate" and query.via == "secretariat"
    assert rows(desk, Ticket)[0].kind == "secretariat"
    assert desk.to_secretariat(OFFICIAL, "   ").outcome == "empty"
    assert len(rows(desk, Query)) == 1


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Necesitamos una visita de la CTI el próximo año", "es"),
        ("Pourriez-vous nous appeler au sujet de notre rapport ?", "fr"),
        ("urgente", "en"),  # too short to overrule the official's app language
    ],
)
def test_a_secretariat_message_is_answered_in_its_own_language(desk, message, expected):
    reply = desk.to_secretariat(Asker(telegram_id=112, chat_id=112, language_code="en"), message)
    assert reply.language == expected
    assert reply.text == texts.say("ticket_opened", expected, number=reply.ticket_id)


def test_chosen_suggestion_is_a_query(desk):
    entry = next(iter(desk.base.entries.values()))
    reply = desk.choose(OFFICIAL, entry.id)
    assert reply.entry is entry
    (query,) = rows(desk, Query)
    assert query.via == "suggestion" and query.entry_id == entry.id


def test_not_helpful_passed_on(desk):
    _, question = answerable(desk)
    reply = desk.ask(OFFICIAL, question)
    desk.feedback(OFFICIAL, query_id=reply.query_id, helpful=False)
    passed = desk.pass_on(OFFICIAL, reply.query_id)
    assert passed.ticket_id and passed.ticket_is_new
    assert rows(desk, Ticket)[0].kind == "not_helpful"
    assert len(rows(desk, Query)) == 1  # passing on is not a new question
    (feedback,) = rows(desk, Feedback)
    assert feedback.helpful is False and feedback.query_id == reply.query_id
    with pytest.raises(DeskError):
        desk.pass_on(Asker(telegram_id=222), reply.query_id)


def test_rate_limit(desk, settings):
    limited = with_settings(desk, rate_limit_per_minute=3)
    outcomes = [limited.ask(OFFICIAL, GIBBERISH).outcome for _ in range(5)]
    assert outcomes == ["escalate"] * 3 + ["limited"] * 2
    assert [q.outcome for q in rows(desk, Query)] == ["escalate"] * 3 + ["limited"] * 2
    assert limited.ask(Asker(telegram_id=333), GIBBERISH).outcome == "escalate"


def test_forget_erases_personal_data_keeps_counts(desk):
    desk.update_profile(OFFICIAL, state_code="FJI", role="Ministry of Justice", consent=True)
    _, question = answerable(desk)
    desk.ask(OFFICIAL, question)
    desk.ask(OFFICIAL, GIBBERISH)
    assert desk.forget(OFFICIAL) is not None
    assert rows(desk, Official) == []
    queries = rows(desk, Query)
    assert len(queries) == 2
    assert all(q.text is None and q.official_id is None for q in queries)
    assert all(q.state_code == "FJI" for q in queries)  # the counts by State stay
    assert all(m.text is None for m in rows(desk, TicketMessage))
    with desk.sessions() as session:
        everything = " ".join(
            str(v) for q in session.scalars(select(Query)) for v in vars(q).values()
        )
    assert "Ministry" not in everything and GIBBERISH not in everything
    assert desk.forget(OFFICIAL) is None


def test_profile_updates_are_checked(desk):
    with pytest.raises(DeskError, match="unknown State"):
        desk.update_profile(OFFICIAL, state_code="XXX")
    with pytest.raises(DeskError, match="unknown language"):
        desk.update_profile(OFFICIAL, language="de")
    official = desk.update_profile(OFFICIAL, language="fr", state_code="GHA", source="seminar-2026")
    assert (official.language, official.state_code, official.source) == (
        "fr",
        "GHA",
        "seminar-2026",
    )


def test_query_copies_state_region_source(desk):
    desk.update_profile(OFFICIAL, state_code="FJI", source="newsletter")
    desk.ask(OFFICIAL, GIBBERISH)
    (query,) = rows(desk, Query)
    assert (query.state_code, query.region, query.source) == (
        "FJI",
        desk.base.states["FJI"].region,
        "newsletter",
    )


def test_draft_faq_from_closed_ticket(desk, tmp_path):
    reply = desk.ask(OFFICIAL, GIBBERISH)
    desk.staff_reply(reply.ticket_id, "Our answer.", staff_id=9001)
    with pytest.raises(DeskError, match="still open"):
        desk.draft_faq(reply.ticket_id, drafts_dir=tmp_path)
    desk.close(reply.ticket_id, resolution="answered", staff_id=9001)
    path = desk.draft_faq(reply.ticket_id, drafts_dir=tmp_path)
    text = path.read_text()
    assert GIBBERISH in text and "Our answer." in text and "not served" in text
    # Twice: the first draft, perhaps edited since, is kept; the new one gets its own name.
    path.write_text(text + "# edited by staff\n")
    again = desk.draft_faq(reply.ticket_id, drafts_dir=tmp_path)
    assert again.name == f"ticket-{reply.ticket_id}-2.yaml"
    assert path.read_text().endswith("# edited by staff\n")
    assert desk.draft_faq(reply.ticket_id, drafts_dir=tmp_path).name.endswith("-3.yaml")


def test_reminders_after_working_days(desk):
    reply = desk.ask(OFFICIAL, GIBBERISH)
    opened = desk.ticket(reply.ticket_id).opened_at
    assert desk.due_reminders(now=opened + timedelta(hours=1)) == []
    later = opened + timedelta(days=5)
    assert [t.id for t in desk.due_reminders(now=later)] == [reply.ticket_id]
    desk.mark_reminded(reply.ticket_id)
    assert desk.due_reminders(now=later) == []


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        ("2026-11-23T09:00", "2026-11-25T09:00", 2.0),  # Monday to Wednesday
        ("2026-11-27T12:00", "2026-11-30T12:00", 1.0),  # Friday noon to Monday noon
        ("2026-11-28T00:00", "2026-11-30T00:00", 0.0),  # a weekend
    ],
)
def test_working_days(start, end, days):
    parse = lambda s: datetime.fromisoformat(s).replace(tzinfo=UTC)  # noqa: E731
    assert working_days_between(parse(start), parse(end)) == pytest.approx(days)


@pytest.mark.parametrize(
    "text", ["", "   ", "\x00\x01", "🙂", "a\u202eb", "word " * 2000, "Ратификация конвенции 批准"]
)
def test_odd_input_gives_valid_reply(desk, text):
    reply = desk.ask(OFFICIAL, text)
    assert reply.outcome in {*QUESTION_OUTCOMES, "smalltalk", "empty"}
    assert reply.text
    assert len(clean_text(text)) <= 4096


def test_reload_keeps_running_base_on_error(desk, settings, tmp_path):
    import shutil

    broken = tmp_path / "knowledge"
    shutil.copytree(settings.knowledge_dir, broken)
    (broken / "opcat.yaml").write_text("topic: opcat\nentries: [\n")
    before = desk.base
    broken_desk = with_settings(desk, knowledge_dir=broken)
    problems = broken_desk.reload()
    assert problems and any("opcat.yaml" in str(p) for p in problems)
    assert broken_desk.base is before
    assert desk.reload() == [] and len(desk.base.entries) == len(before.entries)


def test_queries_count(desk):
    for i in range(3):
        desk.ask(Asker(telegram_id=1000 + i), GIBBERISH)
    with desk.sessions() as session:
        assert session.scalar(select(func.count(Query.id))) == 3
        assert session.scalar(select(func.count(Ticket.id))) == 3


def test_retention_erases_old_text_keeps_counts(desk, settings):
    keeping = with_settings(desk, retention_months=6)
    old = keeping.ask(OFFICIAL, GIBBERISH + " old")
    keeping.close(old.ticket_id, resolution="answered", staff_id=9001)
    keeping.ask(OFFICIAL, GIBBERISH + " new")
    with desk.sessions.begin() as session:
        session.get(Query, old.query_id).asked_at = datetime.now(UTC) - timedelta(days=200)
        ticket = session.get(Ticket, old.ticket_id)
        ticket.closed_at = datetime.now(UTC) - timedelta(days=199)
        for message in ticket.messages:
            message.created_at = datetime.now(UTC) - timedelta(days=200)
    assert keeping.apply_retention() == 1
    texts = [q.text for q in rows(desk, Query)]
    assert texts == [None, GIBBERISH + " new"]
    assert [m.text for m in rows(desk, TicketMessage)] == [None, GIBBERISH + " new"]
    assert desk.apply_retention() == 0  # no retention configured: nothing erased


def seen(desk) -> tuple[datetime, int]:
    (official,) = rows(desk, Official)
    return official.last_seen_at, official.chat_id


def set_last_seen(desk, when: datetime) -> None:
    with desk.sessions() as session, session.begin():
        session.execute(Official.__table__.update().values(last_seen_at=when))


def test_last_seen_rewritten_only_when_stale_or_the_chat_moved(desk):
    """A question from a known official is one INSERT; their row changes only when it must."""
    desk.ask(OFFICIAL, GIBBERISH)
    recent = datetime.now(UTC) - timedelta(minutes=2)
    set_last_seen(desk, recent)
    desk.ask(OFFICIAL, "how do we ratify?")
    assert seen(desk) == (recent, OFFICIAL.chat_id)  # seen two minutes ago: left alone

    stale = datetime.now(UTC) - timedelta(hours=2)
    set_last_seen(desk, stale)
    desk.ask(OFFICIAL, "how do we ratify?")
    last_seen, _ = seen(desk)
    assert last_seen > datetime.now(UTC) - timedelta(minutes=1)

    set_last_seen(desk, recent)
    desk.ask(dataclasses.replace(OFFICIAL, chat_id=999), "how do we ratify?")
    last_seen, chat_id = seen(desk)
    assert chat_id == 999 and last_seen > recent
    assert len(rows(desk, Query)) == 4


def test_joined_question_carries_the_ticket_card(desk):
    """The staff chat threads a joined question under the card without reloading the ticket."""
    first = desk.ask(OFFICIAL, GIBBERISH)
    assert first.ticket_is_new and first.ticket_card_id is None
    desk.record_staff_message(first.ticket_id, 5001, card=True)
    second = desk.ask(OFFICIAL, GIBBERISH + " again")
    assert (second.ticket_id, second.ticket_is_new, second.ticket_card_id) == (
        first.ticket_id,
        False,
        5001,
    )
    desk.record_staff_message(second.ticket_id, 5002)
    messages = rows(desk, TicketMessage)
    assert [m.staff_message_id for m in messages] == [5001, 5002]
    assert rows(desk, Ticket)[0].staff_message_id == 5001


def test_threads_one_on_sqlite_a_pool_on_postgresql(desk, settings):
    """SQLite takes one writer at a time, so the bot gives the desk one thread; PostgreSQL a pool."""
    sqlite = settings.database_url.startswith("sqlite")
    assert desk.threads == (1 if sqlite else settings.db_pool_size)


@pytest.mark.postgres
def test_first_contact_raced_by_another_process_uses_its_row(postgres_url):
    """Two bot processes get an official's first question at once: the one that loses the race for
    the new row reads the winner's, and both questions are logged against it."""
    from helpdesk_bot import officials
    from tests.conftest import KNOWLEDGE, REFERRALS, truncate_all

    engine = connect(postgres_url)
    upgrade(engine)
    truncate_all(engine)
    engine.dispose()
    shared = Settings.from_values(
        {
            "HELPDESK_DATABASE_URL": postgres_url,
            "HELPDESK_KNOWLEDGE_DIR": str(KNOWLEDGE),
            "HELPDESK_REFERRALS_DIR": str(REFERRALS),
        }
    )
    first, second = Desk.from_settings(shared), Desk.from_settings(shared)
    asker = Asker(telegram_id=8801, chat_id=8801, name="Ana", language_code="fr")
    replies = []
    try:
        with first.sessions() as session, session.begin():
            winner = officials.asking(session, asker)  # inserted, not yet committed
            racing = threading.Thread(
                target=lambda: replies.append(second.ask(asker, "Comment ratifier la Convention ?"))
            )
            racing.start()
            time.sleep(0.5)  # the second insert now waits on the first's unique telegram_id
        racing.join(timeout=10)
        assert replies, "the second process's question failed"
        with second.sessions() as session:
            officials = session.scalars(select(Official)).all()
            logged = session.scalars(select(Query)).all()
        assert [o.id for o in officials] == [winner.id]
        assert [q.official_id for q in logged] == [winner.id]
        assert replies[0].language == "fr"
    finally:
        for desk in (first, second):
            desk.sessions.kw["bind"].dispose()


def test_nul_and_control_characters_never_reach_the_database(desk):
    named = Asker(telegram_id=444, chat_id=444, name="Ana\x00 \x07Pérez", language_code="es")
    reply = desk.ask(named, "Hello\x00, how do we ratify the Convention against Torture?")
    assert reply.query_id is not None
    assert desk.profile(named).name == "Ana Pérez"
    opened = desk.to_secretariat(named, "Please call\x00 me")
    relay = desk.staff_reply(
        opened.ticket_id, "Yes\x00, we will.\nBest\x1b regards", staff_id=9001, staff_name="Sam\x00"
    )
    assert relay.text.endswith("Yes, we will.\nBest regards")
    with desk.sessions() as session:
        texts_stored = [m.text for m in session.scalars(select(TicketMessage))]
        names = [m.author_name for m in session.scalars(select(TicketMessage))]
    assert all("\x00" not in t for t in texts_stored) and "Sam" in names


def test_a_button_pressed_again_has_its_effect_once(desk):
    _, question = answerable(desk)
    reply = desk.ask(OFFICIAL, question)
    for helpful in [True] * 20 + [False] * 20:
        desk.feedback(OFFICIAL, query_id=reply.query_id, helpful=helpful)
    (feedback,) = rows(desk, Feedback)
    assert feedback.helpful is False  # one rating per answer, and the last press wins
    first = desk.pass_on(OFFICIAL, reply.query_id)
    again = [desk.pass_on(OFFICIAL, reply.query_id) for _ in range(10)]
    assert first.ticket_id is not None and first.ticket_is_new
    assert all(a.ticket_id is None and f"{first.ticket_id}" in a.text for a in again)
    assert len(rows(desk, TicketMessage)) == 1  # one hand-off: staff see it once
    assert len(rows(desk, Query)) == 1


def test_the_rate_limit_counts_suggestions_and_the_secretariat_too(desk):
    limited = with_settings(desk, rate_limit_per_minute=3)
    entries = list(desk.base.entries.values())[:4]
    outcomes = [limited.choose(OFFICIAL, entry.id).outcome for entry in entries]
    outcomes.append(limited.to_secretariat(OFFICIAL, "Please call me").outcome)
    assert outcomes == ["answer"] * 3 + ["limited", "limited"]
    assert [q.outcome for q in rows(desk, Query)] == ["answer"] * 3 + ["limited"] * 2
    assert rows(desk, Ticket) == []


def test_every_ticket_kind_fits_its_column():
    """SQLite would store a longer kind; PostgreSQL refuses it and the hand-off is lost."""
    from helpdesk_bot.desk import PASS_ON_KINDS
    from helpdesk_bot.models import Ticket
    from helpdesk_bot.telegram.cards import KIND_LABELS

    width = Ticket.__table__.c.kind.type.length
    kinds = {*PASS_ON_KINDS.values(), *KIND_LABELS, "escalation", "secretariat", "not_helpful"}
    assert all(len(kind) <= width for kind in kinds), sorted(kinds, key=len)[-1]
