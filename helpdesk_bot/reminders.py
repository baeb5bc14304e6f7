"""Deadline reminders an official asks for: 90 and 30 days before each deadline of their State
that the register holds or the treaty computes (the initial or next report, the NPM).

The reminders are rows (``deadline_reminders``), so they survive restarts; a daily job sends
those due. A State changed in the profile cancels the reminders made for the old one; /forget
cancels them and leaves the rows without the official, so the statistics still count them.

Example::

    planned = plan(base.states["VUT"], today=date(2026, 12, 1))  # [] : the 2012 report is past
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from . import status
from .knowledge import KnowledgeBase
from .models import DeadlineReminder, Official
from .states import State

DAYS_BEFORE = (90, 30)


@dataclass(frozen=True)
class Planned:
    """One reminder to send: ``days_before`` days before ``deadline`` falls due on ``due``."""

    deadline: str  # initial_report | next_report | npm
    due: date
    remind_on: date
    days_before: int


@dataclass(frozen=True)
class DueReminder:
    """A reminder whose day has come, with where and how to send it."""

    id: int
    chat_id: int
    language: str
    state_code: str
    deadline: str
    due: date
    days_before: int


def plan(state: State | None, *, today: date) -> list[Planned]:
    """The reminders to send for ``state``'s deadlines ahead, on days not yet past."""
    if state is None:
        return []
    planned = []
    for deadline, due in status.upcoming(state, today=today):
        for days in DAYS_BEFORE:
            remind_on = due - timedelta(days=days)
            if remind_on >= today:
                planned.append(Planned(deadline, due, remind_on, days))
    return sorted(planned, key=lambda p: p.remind_on)


def subscribe(
    session: Session, official: Official, base: KnowledgeBase, *, today: date, now: datetime
) -> list[Planned]:
    """Replace the official's pending reminders with those of their State's deadlines ahead."""
    cancel(session, official.id, now=now)
    code = official.state_code or ""
    planned = plan(base.states.get(code), today=today)
    session.add_all(
        DeadlineReminder(
            official_id=official.id,
            state_code=code,
            deadline=p.deadline,
            due=p.due,
            days_before=p.days_before,
            remind_on=p.remind_on,
            created_at=now,
        )
        for p in planned
    )
    return planned


def _pending_of(official_id: int) -> list[ColumnElement[bool]]:
    """The official's reminders neither sent nor cancelled."""
    return [
        DeadlineReminder.official_id == official_id,
        DeadlineReminder.sent_at.is_(None),
        DeadlineReminder.cancelled_at.is_(None),
    ]


def cancel(session: Session, official_id: int, *, now: datetime) -> int:
    """Cancel the official's reminders not sent yet; how many."""
    result = session.execute(
        update(DeadlineReminder).where(*_pending_of(official_id)).values(cancelled_at=now)
    )
    return result.rowcount or 0


def pending(session: Session, official_id: int) -> list[Planned]:
    """The official's reminders still to be sent, soonest first."""
    rows = session.scalars(
        select(DeadlineReminder)
        .where(*_pending_of(official_id))
        .order_by(DeadlineReminder.remind_on)
    )
    return [Planned(r.deadline, r.due, r.remind_on, r.days_before) for r in rows]


def due(session: Session, *, today: date, now: datetime) -> list[DueReminder]:
    """Reminders whose day has come; those of a State the official no longer names are cancelled."""
    rows = session.execute(
        select(DeadlineReminder, Official)
        .join(Official, Official.id == DeadlineReminder.official_id)
        .where(
            DeadlineReminder.remind_on <= today,
            DeadlineReminder.sent_at.is_(None),
            DeadlineReminder.cancelled_at.is_(None),
        )
        .order_by(DeadlineReminder.remind_on, DeadlineReminder.id)
    ).all()
    found = []
    for reminder, official in rows:
        if official.state_code != reminder.state_code or official.chat_id is None:
            reminder.cancelled_at = now
            continue
        found.append(
            DueReminder(
                reminder.id,
                official.chat_id,
                official.language,
                reminder.state_code,
                reminder.deadline,
                reminder.due,
                reminder.days_before,
            )
        )
    return found
