"""Property tests: whatever Unicode an official types, the desk gives a valid reply.

Hypothesis generates arbitrary text (control characters, surrogates' neighbours, right-to-left
marks, emoji, very long strings); the desk and the matcher must never raise and always answer.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from helpdesk_bot.answering import QUESTION_OUTCOMES
from helpdesk_bot.desk import MAX_QUESTION_CHARS, Asker
from helpdesk_bot.knowledge import LANGUAGES
from helpdesk_bot.models import Query

OUTCOMES = {*QUESTION_OUTCOMES, "smalltalk"}
# Any code point Python can hold in a str except lone surrogates (Telegram sends valid UTF-8).
questions = st.text(
    alphabet=st.characters(exclude_categories=("Cs",)), min_size=0, max_size=5000
) | st.sampled_from(["", " ", "\x00", "\u202e", "?" * 5000, "ratify " * 800, "🙂" * 10])
languages = st.sampled_from([None, *LANGUAGES, "xx"])
FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_valid(reply) -> None:
    assert reply.language in LANGUAGES
    assert isinstance(reply.text, str) and reply.text.strip()
    assert 0 <= reply.score <= 100
    if reply.outcome == "answer":
        assert reply.entry is not None
    if reply.outcome == "suggest":
        assert 0 < len(reply.suggestions) <= 3
    if reply.outcome == "refer":
        assert reply.partner is not None
    if reply.outcome == "decline":
        assert reply.declined_by and reply.partner is None and reply.entry is None
    if reply.outcome == "smalltalk":
        assert reply.small_talk and reply.ticket_id is None


@FEW
@given(question=questions, language=languages)
def test_answer_always_replies(shipped_desk, question, language):
    reply = shipped_desk.answer(question, language=language)
    assert reply.outcome in OUTCOMES
    assert_valid(reply)


@FEW
@given(question=questions, language=st.sampled_from(LANGUAGES))
def test_matcher_always_classifies(shipped_desk, question, language):
    match = shipped_desk.matcher.match(question, language=language)
    assert match.outcome in {"answer", "suggest", "escalate"}
    assert match.language in LANGUAGES
    assert 0 <= match.score <= 100


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(question=questions, official=st.integers(min_value=1, max_value=2**40))
def test_ask_on_a_real_database_replies_and_logs_a_clean_row(desk, question, official):
    """Every ask() gives a reply; every logged row holds printable text within Telegram's limit."""
    with desk.sessions() as session:
        before = session.scalar(select(func.count(Query.id)))
    reply = desk.ask(Asker(telegram_id=official, chat_id=official), question)
    assert_valid(reply)
    with desk.sessions() as session:
        after = session.scalar(select(func.count(Query.id)))
        if reply.outcome == "empty":
            assert after == before  # nothing to answer: nothing logged
            return
        if reply.outcome == "limited":
            assert after == before + 1  # kept in the log, marked over the limit
            return
        assert reply.outcome in OUTCOMES and after == before + 1
        row = session.get(Query, reply.query_id)
        assert row.text and len(row.text) <= MAX_QUESTION_CHARS
        assert all(c.isprintable() or c in "\n\t" for c in row.text)
        if reply.outcome == "escalate":
            assert reply.ticket_id is not None and row.ticket_id == reply.ticket_id
