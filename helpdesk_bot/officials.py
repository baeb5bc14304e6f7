"""Officials: found or created as they ask, their profile, /forget and their feedback.

Functions take the caller's unit of work (a SQLAlchemy Session); the Desk opens it.

One way to find the official behind a message (a question, /secretariat, a file, "ask the
Secretariat"): :func:`asking`, which reads them as an :data:`OfficialRow` (Core: a question is
one SELECT and one INSERT), the only form the question and ticket modules take. Changing the
official (their profile, /forget, feedback, reminders) loads the ORM object with
:func:`find_or_create`.

Example::

    with desk._session() as session:
        official = officials.asking(session, Asker(telegram_id=7, chat_id=7))
        official.id, official.ref, official.language
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, Row, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import reminders as deadline_reminders
from . import tickets
from .answering import clean_text
from .errors import DeskError
from .knowledge import LANGUAGES, KnowledgeBase, language_of
from .models import (
    DeadlineReminder,
    Feedback,
    InboxUpdate,
    Official,
    Query,
    Referral,
    Ticket,
    TicketMessage,
    utcnow,
)

log = logging.getLogger(__name__)

# How stale an official's "last seen" may get before a question rewrites it.
LAST_SEEN_EVERY = timedelta(minutes=10)
# What a profile may change (update_profile).
PROFILE_FIELDS = {"language", "state_code", "role", "source", "consent", "name"}
_OFFICIAL = select(
    Official.id,
    Official.ref,
    Official.telegram_id,
    Official.chat_id,
    Official.language,
    Official.state_code,
    Official.source,
    Official.last_seen_at,
)
_KNOWN_OFFICIAL = _OFFICIAL.where(Official.telegram_id == bindparam("telegram_id"))
_OFFICIAL_BY_ID = _OFFICIAL.where(Official.id == bindparam("official_id"))
_INSERT_OFFICIAL = insert(Official.__table__)
# The official behind a message, as the question and ticket modules read them: the columns of
# _OFFICIAL by name (official.id, official.ref, official.language, ...), as read when the
# message came (last_seen_at and chat_id before this message's update).
OfficialRow = Row[
    tuple[int, str, int | None, int | None, str, str | None, str | None, datetime | None]
]


@dataclass(frozen=True)
class Asker:
    """Who is asking, as a channel knows them."""

    telegram_id: int | None = None
    chat_id: int | None = None
    official_id: int | None = None  # channels without Telegram ids (the console) keep this
    name: str | None = None
    language_code: str | None = None  # Telegram's guess, used until the official chooses


@dataclass(frozen=True)
class Erasure:
    """What /forget leaves to the channel: the staff-chat cards to edit (and the drafts removed)."""

    cards: list[tickets.StaffCard]
    drafts: list[Path]


# --- finding an official -------------------------------------------------------------------------
def asking(session: Session, asker: Asker) -> OfficialRow:
    """The official behind a message (a question, /secretariat, a file): known, else created.

    Example: ``officials.asking(session, Asker(telegram_id=7, chat_id=7)).language``
    """
    return known(session, asker) or _new(session, asker)


def known(session: Session, asker: Asker) -> OfficialRow | None:
    """The official's row as plain columns, or None on first contact (or without a Telegram id).

    Every question looks the official up: a Core SELECT costs a fraction of loading an ORM
    object, and ``last_seen_at`` is rewritten only when it is stale or the chat changed, so a
    question is one INSERT rather than an UPDATE and an INSERT.
    """
    if asker.official_id is not None or asker.telegram_id is None:
        return None
    official = session.execute(_KNOWN_OFFICIAL, {"telegram_id": asker.telegram_id}).first()
    if official is None:
        return None
    now = utcnow()
    moved = asker.chat_id is not None and asker.chat_id != official.chat_id
    if moved or official.last_seen_at is None or now - official.last_seen_at > LAST_SEEN_EVERY:
        session.execute(
            update(Official)
            .where(Official.id == official.id)
            .values(
                last_seen_at=now,
                chat_id=asker.chat_id if asker.chat_id is not None else official.chat_id,
            )
        )
    return official


def _new(session: Session, asker: Asker) -> OfficialRow:
    """First contact: the official's row, inserted with Core (the ORM's find-or-create cost
    twice a known official's whole question). The console's official (known by the id it
    keeps, not by a Telegram id) is found or created by :func:`find_or_create`, then read as
    every official is."""
    if asker.official_id is not None or asker.telegram_id is None:
        official = find_or_create(session, asker)
        session.flush()
        official_id = official.id
        return session.execute(_OFFICIAL_BY_ID, {"official_id": official_id}).one()
    values = {
        "telegram_id": asker.telegram_id,
        "chat_id": asker.chat_id,
        "name": _name(asker),
        "language": language_of(asker.language_code),
    }
    if session.get_bind().dialect.name == "sqlite":  # one writer at a time: no other process races
        session.execute(_INSERT_OFFICIAL, values)
    else:
        try:
            with session.begin_nested():
                session.execute(_INSERT_OFFICIAL, values)
        except IntegrityError:
            pass  # another bot process inserted them meanwhile: theirs is read below
    return session.execute(_KNOWN_OFFICIAL, {"telegram_id": asker.telegram_id}).one()


def find_or_create(session: Session, asker: Asker) -> Official:
    """The official as an ORM object, created on first contact; "last seen" now."""
    official = session.get(Official, asker.official_id) if asker.official_id else None
    if official is None and asker.telegram_id is not None:
        official = session.scalars(
            select(Official).where(Official.telegram_id == asker.telegram_id)
        ).first()
    if official is None:
        official = Official(
            telegram_id=asker.telegram_id,
            chat_id=asker.chat_id,
            name=_name(asker),
            language=language_of(asker.language_code),
        )
        official = _add(session, official)
    else:
        official.last_seen_at = utcnow()
        if asker.chat_id is not None:
            official.chat_id = asker.chat_id
    return official


def _add(session: Session, official: Official) -> Official:
    """Insert a first-time official; if another bot process inserted them meanwhile, use that row."""
    if session.get_bind().dialect.name == "sqlite":  # one writer at a time: no such race
        session.add(official)
        session.flush()
        return official
    try:
        with session.begin_nested():
            session.add(official)
            session.flush()
        return official
    except IntegrityError:
        return session.scalars(
            select(Official).where(Official.telegram_id == official.telegram_id)
        ).one()


def _name(asker: Asker) -> str | None:
    """The official's Telegram name as stored: printable, at most 200 characters."""
    return clean_text(asker.name or "")[:200] or None


# --- the profile ---------------------------------------------------------------------------------
def profile(session: Session, asker: Asker) -> Official:
    """The official's profile (created on first contact); a detached snapshot."""
    official = find_or_create(session, asker)
    session.flush()
    session.expunge(official)
    return official


def check_changes(changes: dict[str, object], base: KnowledgeBase) -> None:
    """DeskError unless every change is to a known field, language and State.

    Example: ``check_changes({"language": "fr", "state_code": "GHA"}, base)``
    """
    if unknown := set(changes) - PROFILE_FIELDS:
        raise DeskError(f"cannot change {', '.join(sorted(unknown))}")
    if "language" in changes and changes["language"] not in LANGUAGES:
        raise DeskError(f"unknown language {changes['language']!r}")
    code = changes.get("state_code")
    if code is not None and code not in base.states:
        raise DeskError(f"unknown State {code!r}")


def update_profile(session: Session, asker: Asker, changes: dict[str, object]) -> Official:
    """Apply changes (checked by ``check_changes``); the profile, a detached snapshot."""
    official = find_or_create(session, asker)
    for key, value in changes.items():
        if key in {"role", "source", "name"} and isinstance(value, str):
            value = clean_text(value)[: 200 if key != "source" else 64] or None
        setattr(official, key, value)
    if changes.get("consent"):
        official.consent_at = utcnow()
    session.flush()
    session.expunge(official)
    return official


# --- /forget -------------------------------------------------------------------------------------
def forget(
    session: Session, asker: Asker, *, staff_chat: int | None
) -> tuple[list[tickets.StaffCard], list[int]] | None:
    """Erase the official's profile and the text of their messages; the counts stay.

    Returns the staff-chat cards about them (to edit) and their tickets' numbers (their FAQ
    drafts go too), or None when the desk holds nothing about them.
    """
    official = session.scalars(
        select(Official).where(Official.telegram_id == asker.telegram_id)
    ).first()
    if official is None:
        return None
    found = session.execute(
        select(Ticket.id, Ticket.staff_message_id).where(Ticket.official_id == official.id)
    ).all()
    ticket_ids = [ticket.id for ticket in found]
    cards = tickets.staff_cards(session, official, found, chat=staff_chat)
    session.execute(
        update(Query)
        .where(Query.official_id == official.id)
        .values(official_id=None, text=None, source=None)
    )
    session.execute(
        update(TicketMessage)
        .where(TicketMessage.ticket_id.in_(ticket_ids))
        .values(text=None, author_id=None, author_name=None, file_id=None)
    )
    session.execute(
        update(Ticket).where(Ticket.official_id == official.id).values(official_id=None, tried=None)
    )
    session.execute(
        update(Referral).where(Referral.official_id == official.id).values(official_id=None)
    )
    # Reminders: cancelled, and kept without the official so the statistics count them.
    deadline_reminders.cancel(session, official.id, now=utcnow())
    session.execute(
        update(DeadlineReminder)
        .where(DeadlineReminder.official_id == official.id)
        .values(official_id=None)
    )
    # Their updates as received. One still being handled (this very /forget among them)
    # keeps its row until it is handled, but loses its text now: the write-ahead log is
    # emptied afterwards, and the text (their name is in every update) must not outlive it.
    session.execute(
        delete(InboxUpdate).where(
            InboxUpdate.sender_id == asker.telegram_id, InboxUpdate.handled_at.is_not(None)
        )
    )
    session.execute(
        update(InboxUpdate).where(InboxUpdate.sender_id == asker.telegram_id).values(raw=None)
    )
    session.delete(official)
    return cards, ticket_ids


def empty_write_ahead_log(engine: Engine) -> None:
    """Copy SQLite's write-ahead log into the database file and truncate it (secure_delete,
    set on every connection, has zeroed the erased text there). Nothing to do on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    if busy:
        # A reader held an older snapshot: the next erasure or SQLite's own checkpoint
        # will copy the log; the erasure itself is done.
        log.warning("after an erasure the SQLite write-ahead log could not be emptied yet")


# --- feedback ------------------------------------------------------------------------------------
def feedback(
    session: Session,
    asker: Asker,
    *,
    query_id: int | None,
    referral_id: int | None,
    ticket_id: int | None,
    helpful: bool,
) -> int | None:
    """Record a rating (see ``Desk.feedback``); the query the official can pass on, if any."""
    asked = query_id
    official = find_or_create(session, asker)
    if query_id is not None:
        query = session.get(Query, query_id)
        if query is None or query.official_id != official.id:
            raise DeskError(f"no query {query_id} for this official")
    if referral_id is not None:
        referral = session.get(Referral, referral_id)
        if referral is None or referral.official_id != official.id:
            raise DeskError(f"no referral {referral_id} for this official")
        asked = referral.query_id
    if ticket_id is not None:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or ticket.official_id != official.id:
            raise DeskError(f"no ticket {ticket_id} for this official")
    # One rating per answer, referral or ticket: pressing again changes it, never adds one.
    given = session.scalars(
        select(Feedback).where(
            Feedback.official_ref == official.ref,
            # == None is SQL's IS NULL.
            Feedback.query_id == query_id,
            Feedback.referral_id == referral_id,
            Feedback.ticket_id == ticket_id,
        )
    ).first()
    if given is not None:
        given.helpful = helpful
        return asked
    session.add(
        Feedback(
            query_id=query_id,
            referral_id=referral_id,
            ticket_id=ticket_id,
            official_ref=official.ref,
            helpful=helpful,
        )
    )
    return asked
