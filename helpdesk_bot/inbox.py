"""The inbox: Telegram updates stored before Telegram is told they arrived, taken back after a crash.

Functions take the caller's session (the Desk opens the unit of work).

Example::

    with desk._session() as session:
        fresh = inbox.take_in(session, [Arrival(1, 7, "{...}")], taker="bot-1")
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import InboxUpdate, utcnow

# Telegram sends an unconfirmed update again for up to 24 hours: a handled row is kept (without
# its text) twice that long, so a second delivery is recognised and not handled again.
INBOX_KEEP_HANDLED = timedelta(days=2)


@dataclass(frozen=True)
class Arrival:
    """A Telegram update as it arrived, for the inbox."""

    update_id: int
    sender_id: int | None  # the Telegram user it came from: /forget finds their rows
    raw: str  # the update's JSON


def take_in(session: Session, arrivals: list[Arrival], *, taker: str | None) -> list[int]:
    """Store updates in the inbox; the ids it did not hold already (see ``Desk.take_in``)."""
    now = utcnow()
    rows = [
        {
            "update_id": a.update_id,
            "sender_id": a.sender_id,
            "raw": a.raw,
            "received_at": now,
            "taken_at": now,
            "taken_by": taker,
        }
        for a in arrivals
    ]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(InboxUpdate.__table__)
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(InboxUpdate.__table__.c.update_id)
    )
    stored = set(session.execute(statement, rows).scalars())
    return [a.update_id for a in arrivals if a.update_id in stored]


def take_back(
    session: Session,
    *,
    untouched_for: timedelta,
    leave: set[int] | frozenset[int],
    taker: str | None,
) -> list[tuple[int, str]]:
    """Unhandled updates untouched for ``untouched_for`` (or last taken by ``taker``), oldest
    first, as (update_id, raw JSON), taken for another try (see ``Desk.take_back``).

    Taking one moves its ``taken_at`` to now only if no other process did so meanwhile, so
    two processes sharing the database never take the same update.
    """
    now = utcnow()
    inbox = InboxUpdate.__table__
    taken: list[tuple[int, str]] = []
    candidates = session.execute(
        select(inbox.c.update_id, inbox.c.raw, inbox.c.taken_at)
        .where(
            inbox.c.handled_at.is_(None),
            (inbox.c.taken_at <= now - untouched_for) | (inbox.c.taken_by == taker),
        )
        .order_by(inbox.c.update_id)
    ).all()
    for row in candidates:
        if row.update_id in leave or row.raw is None:
            continue
        won = session.execute(
            update(inbox)
            .where(
                inbox.c.update_id == row.update_id,
                inbox.c.taken_at == row.taken_at,
                inbox.c.handled_at.is_(None),
            )
            .values(taken_at=now, taken_by=taker)
        ).rowcount
        if won:
            taken.append((row.update_id, row.raw))
    return taken


def mark_handled(session: Session, update_ids: list[int]) -> None:
    """The updates' handlers finished: their rows lose the text they carried."""
    inbox = InboxUpdate.__table__
    session.execute(
        update(inbox).where(inbox.c.update_id.in_(update_ids)).values(handled_at=utcnow(), raw=None)
    )


def purge(session: Session, *, now: datetime | None = None) -> int:
    """Delete the rows handled more than INBOX_KEEP_HANDLED ago, and those /forget emptied that
    a crash left unhandled; how many went."""
    cutoff = (now or utcnow()) - INBOX_KEEP_HANDLED
    inbox = InboxUpdate.__table__
    return session.execute(
        delete(inbox).where(
            (inbox.c.handled_at < cutoff) | (inbox.c.raw.is_(None) & (inbox.c.received_at < cutoff))
        )
    ).rowcount
