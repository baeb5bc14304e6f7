"""Deadline reminders (issue 19): planned from the register, kept in the database, sent by the
bot's job, stopped by the official, a changed State or /forget, counted in the statistics."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
import yaml
from sqlalchemy import select

from helpdesk_bot import texts
from helpdesk_bot.desk import Asker, Desk
from helpdesk_bot.models import DeadlineReminder
from helpdesk_bot.register import format_date
from helpdesk_bot.reminders import plan
from helpdesk_bot.status import deadline_name
from tests.botapi import user
from tests.conftest import knowledge_view, running_application
from tests.test_triage import eventually, run_job

OFFICIAL = 6101
ASKER = Asker(telegram_id=OFFICIAL, chat_id=OFFICIAL)
# Vanuatu deposited its accession on 12 July 2011 (the register's source): in force 11 August
# 2011, initial report due 10 August 2012 (the last day of the year after).
VANUATU_INITIAL_REPORT = date(2012, 8, 10)


def test_ninety_and_thirty_days_before_each_deadline_not_yet_past(shipped_desk):
    vanuatu = shipped_desk.base.states["VUT"]
    planned = plan(vanuatu, today=date(2011, 8, 1))
    assert [(p.deadline, p.due, p.remind_on, p.days_before) for p in planned] == [
        ("initial_report", VANUATU_INITIAL_REPORT, date(2012, 5, 12), 90),
        ("initial_report", VANUATU_INITIAL_REPORT, date(2012, 7, 11), 30),
    ]
    # Fifty days before: the 90-day reminder's day is past, the 30-day one is not.
    assert [p.days_before for p in plan(vanuatu, today=date(2012, 6, 21))] == [30]
    assert plan(vanuatu, today=date(2012, 8, 11)) == []  # the deadline is past
    # Only the month of Saint Lucia's accession is sourced: no date to remind of.
    assert plan(shipped_desk.base.states["LCA"], today=date(2026, 3, 1)) == []
    assert plan(None, today=date(2026, 3, 1)) == []


def _reminders(desk: Desk) -> list[DeadlineReminder]:
    with desk.sessions() as session:
        return list(session.scalars(select(DeadlineReminder).order_by(DeadlineReminder.id)))


def test_reminders_are_kept_sent_once_and_stopped(desk):
    desk.update_profile(ASKER, state_code="VUT")
    assert len(desk.set_deadline_reminders(ASKER, today=date(2011, 8, 1))) == 2
    assert [p.remind_on for p in desk.pending_deadline_reminders(ASKER)] == [
        date(2012, 5, 12),
        date(2012, 7, 11),
    ]
    # Asking again replaces them: never two of the same.
    desk.set_deadline_reminders(ASKER, today=date(2011, 8, 1))
    assert len(desk.pending_deadline_reminders(ASKER)) == 2

    (first,) = desk.due_deadline_reminders(today=date(2012, 5, 12))
    assert (first.chat_id, first.state_code, first.deadline, first.days_before) == (
        OFFICIAL,
        "VUT",
        "initial_report",
        90,
    )
    desk.mark_deadline_reminder(first.id, sent=True)
    assert desk.due_deadline_reminders(today=date(2012, 5, 12)) == []
    assert [r.days_before for r in desk.due_deadline_reminders(today=date(2012, 8, 1))] == [30]

    assert desk.stop_deadline_reminders(ASKER) == 1
    assert desk.due_deadline_reminders(today=date(2012, 8, 1)) == []
    assert desk.pending_deadline_reminders(ASKER) == []


def test_a_changed_state_cancels_the_old_states_reminders(desk):
    desk.update_profile(ASKER, state_code="VUT")
    desk.set_deadline_reminders(ASKER, today=date(2011, 8, 1))
    desk.update_profile(ASKER, state_code="FJI")
    assert desk.due_deadline_reminders(today=date(2012, 8, 1)) == []
    assert all(r.cancelled_at is not None for r in _reminders(desk))


def test_forget_cancels_the_reminders_and_keeps_them_without_the_official(desk):
    desk.update_profile(ASKER, state_code="VUT")
    desk.set_deadline_reminders(ASKER, today=date(2011, 8, 1))
    assert desk.forget(ASKER) is not None
    rows = _reminders(desk)
    assert len(rows) == 2  # still counted in the statistics
    assert all(r.official_id is None and r.cancelled_at is not None for r in rows)
    assert desk.due_deadline_reminders(today=date(2012, 8, 1)) == []


def test_the_running_bot_sends_a_due_reminder_once(botapi, running_bot, desk):
    desk.update_profile(ASKER, state_code="VUT", language="fr")
    # Asked for in 2011: both days are long past, so both are due now.
    desk.set_deadline_reminders(ASKER, today=date(2011, 8, 1))
    since = botapi.mark()
    run_job(running_bot, "deadlines")
    sent = botapi.wait_for("sendMessage", lambda c: c.chat_id == OFFICIAL, since=since, count=2)
    expected = texts.say(
        "deadline_reminder",
        "fr",
        what=deadline_name(desk.base.states["VUT"], "initial_report", "fr"),
        state="Vanuatu",
        due=format_date(VANUATU_INITIAL_REPORT, "fr"),
        as_of=format_date(desk.base.states_as_of, "fr"),
    )
    assert sent.result["text"] == expected
    eventually_sent = [r for r in _reminders(desk) if r.sent_at is not None]
    for _ in range(100):
        if len(eventually_sent) == 2:
            break
        botapi.wait_idle(quiet=0.1)
        eventually_sent = [r for r in _reminders(desk) if r.sent_at is not None]
    assert len(eventually_sent) == 2
    since = botapi.mark()
    run_job(running_bot, "deadlines")
    botapi.wait_idle()
    assert not botapi.calls_to("sendMessage", since=since, chat_id=OFFICIAL)


@pytest.mark.parametrize(
    ("kind", "fault"),
    [
        ("blocked", {"status": 403}),
        ("gone", {"status": 400, "description": "Bad Request: chat not found"}),
        ("bad_request", {"status": 400, "description": "Bad Request: message is too long"}),
    ],
)
def test_a_reminder_the_official_cannot_get_is_cancelled_any_other_is_tried_again(
    botapi, running_bot, desk, kind, fault
):
    """The job decides on the failure's kind: a blocked bot or a vanished chat cancels the
    reminder (never sent again); a refused message leaves it due for the next run."""
    desk.update_profile(ASKER, state_code="VUT")
    desk.set_deadline_reminders(ASKER, today=date(2011, 8, 1))  # both due now
    botapi.fail("sendMessage", chat_id=OFFICIAL, times=2, **fault)
    since = botapi.mark()
    run_job(running_bot, "deadlines")
    refused = eventually(
        lambda: len(botapi.calls_to("sendMessage", since=since, chat_id=OFFICIAL)) == 2
    )
    assert refused
    botapi.wait_idle()
    if kind in {"blocked", "gone"}:
        assert eventually(lambda: all(r.cancelled_at is not None for r in _reminders(desk)))
        assert all(r.sent_at is None for r in _reminders(desk))
        since = botapi.mark()
        run_job(running_bot, "deadlines")
        botapi.wait_idle()
        assert not botapi.calls_to("sendMessage", since=since, chat_id=OFFICIAL)
    else:
        assert all(r.cancelled_at is None and r.sent_at is None for r in _reminders(desk))
        since = botapi.mark()
        run_job(running_bot, "deadlines")
        botapi.wait_for("sendMessage", lambda c: c.chat_id == OFFICIAL, since=since, count=2)
        assert eventually(lambda: all(r.sent_at is not None for r in _reminders(desk)))


@pytest.fixture
def register_with_a_deadline_ahead(settings, tmp_path):
    """The shipped knowledge, with a Committee's date for Ghana's next report two years ahead
    (made up for the test: the shipped register has no deadline still ahead)."""
    view = knowledge_view(tmp_path)
    states = view / "states.yaml"
    data = yaml.safe_load(states.read_text(encoding="utf-8"))
    ghana = next(s for s in data["states"] if s["code"] == "GHA")
    ahead = date(datetime.now(UTC).year + 2, 6, 30)
    ghana["uncat"]["next_report_due"] = {
        "kind": "periodic",
        "number": 2,
        "date": ahead,
        "source": "made up for a test",
    }
    states.unlink()
    states.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dataclasses.replace(settings, knowledge_dir=view), ahead


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_an_official_sets_and_stops_reminders_from_the_status_card(
    botapi, register_with_a_deadline_ahead, lang
):
    settings, ahead = register_with_a_deadline_ahead
    desk = Desk.from_settings(dataclasses.replace(settings, telegram_token=botapi.token,
                                                  telegram_api_url=botapi.base_url))  # fmt: skip
    desk.update_profile(ASKER, state_code="GHA", language=lang)
    for _running in running_application(desk.settings, desk):
        botapi.push_message(user(OFFICIAL, lang), text="/state")
        card = botapi.wait_for("sendMessage", lambda c: c.chat_id == OFFICIAL)
        assert format_date(ahead, lang) in card.result["text"]
        labels = [b["text"] for b in card.buttons]
        assert texts.say("button_reminders_set", lang) in labels
        since = botapi.mark()
        botapi.press(user(OFFICIAL, lang), card, texts.say("button_reminders_set", lang))
        done = botapi.wait_for("sendMessage", lambda c: c.chat_id == OFFICIAL, since=since)
        assert done.result["text"].startswith(texts.say("reminders_set", lang))
        assert format_date(ahead, lang) in done.result["text"]
        assert len(desk.pending_deadline_reminders(ASKER)) == 2
        since = botapi.mark()
        botapi.press(user(OFFICIAL, lang), done, texts.say("button_reminders_stop", lang))
        stopped = botapi.wait_for("sendMessage", lambda c: c.chat_id == OFFICIAL, since=since)
        assert stopped.result["text"] == texts.say("reminders_stopped", lang)
        assert desk.pending_deadline_reminders(ASKER) == []
    desk.sessions.kw["bind"].dispose()
