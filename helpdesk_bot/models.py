"""The database schema: officials, their queries, tickets, referrals and feedback.

Queries and tickets copy the official's State, region and source at the time they are made, so the
statistics stay right after an official changes their profile or erases it with /forget.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both SQLite (which drops the zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_ref() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    pass


class Official(Base):
    """A government official who talks to the help desk (deleted on /forget)."""

    __tablename__ = "officials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A random reference copied onto queries: distinct officials can be counted after /forget
    # without any way back to the person.
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_ref)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), default="en")
    state_code: Mapped[str | None] = mapped_column(String(3))
    role: Mapped[str | None] = mapped_column(String(200))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


STATS_INDEXES: dict[str, tuple[str, ...]] = {
    "ix_queries_stats_outcome": ("outcome", "topic", "asked_at"),
    "ix_queries_stats_state": ("state_code", "region", "asked_at", "outcome", "ticket_id"),
    "ix_queries_stats_language": ("language", "channel", "via", "asked_at"),
    "ix_queries_stats_source": ("source", "asked_at"),
    "ix_queries_stats_entry": ("entry_id", "asked_at"),
    "ix_queries_stats_official": ("official_ref", "asked_at", "outcome", "ticket_id"),
}


class Query(Base):
    """One question an official asked (typed or chosen from suggestions): the M&E unit."""

    __tablename__ = "queries"
    __table_args__ = (
        Index("ix_queries_asked_at", "asked_at"),
        Index("ix_queries_official_asked", "official_id", "asked_at"),
        Index("ix_queries_update_id", "update_id", unique=True),
        # Statistics (stats.py): one covering index per family of breakdowns, grouped columns first,
        # so each GROUP BY reads an index in order, without a sort or a table lookup (migration 0002).
        *(Index(name, *columns) for name, columns in STATS_INDEXES.items()),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id", ondelete="SET NULL"))
    official_ref: Mapped[str | None] = mapped_column(String(32), index=True)
    # NULL once erased (/forget or the retention period); the counts stay.
    text: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    # answer | suggest | refer | decline | clarify | smalltalk | escalate; limited: over the rate
    # limit, kept in the log but not answered and never counted as a question
    outcome: Mapped[str] = mapped_column(String(10))
    entry_id: Mapped[str | None] = mapped_column(String(80))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    topic: Mapped[str | None] = mapped_column(String(40))
    partner_id: Mapped[str | None] = mapped_column(String(40))
    declined_by: Mapped[str | None] = mapped_column(String(80))  # scope item or rule (decline)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16), default="telegram")
    via: Mapped[str] = mapped_column(String(16), default="typed")  # typed | suggestion | edited
    state_code: Mapped[str | None] = mapped_column(String(3))
    region: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(64))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # pending | delivered | failed; withheld: over the rate limit, deliberately not answered
    delivery: Mapped[str] = mapped_column(String(12), default="pending")
    delivery_error: Mapped[str | None] = mapped_column(String(200))
    # The Telegram update the question came in: handled again after a crash, it is not logged twice.
    update_id: Mapped[int | None] = mapped_column(BigInteger)


class Ticket(Base):
    """A question passed to Secretariat staff; its number is shown to the official."""

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_status_opened", "status", "opened_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    official_id: Mapped[int | None] = mapped_column(
        ForeignKey("officials.id", ondelete="SET NULL"), index=True
    )
    official_ref: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16), default="escalation")
    # escalation | secretariat | not_helpful | none_of_these | declined | referral_no_help
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | closed
    resolution: Mapped[str | None] = mapped_column(String(16))
    # answered | out_of_scope | duplicate | referred
    assignee_id: Mapped[int | None] = mapped_column(BigInteger)
    assignee_name: Mapped[str | None] = mapped_column(String(200))
    partner_id: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(2), default="en")
    state_code: Mapped[str | None] = mapped_column(String(3))
    region: Mapped[str | None] = mapped_column(String(20))
    # What the bot tried: "entry-id:score, ..." for staff to see at a glance.
    tried: Mapped[str | None] = mapped_column(Text)
    staff_message_id: Mapped[int | None] = mapped_column(BigInteger)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    messages: Mapped[list[TicketMessage]] = relationship(
        back_populates="ticket", order_by="TicketMessage.id", cascade="all, delete-orphan"
    )


class TicketMessage(Base):
    """One message of a ticket's thread: the official's questions and the staff's replies."""

    __tablename__ = "ticket_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(10))  # official | staff | bot
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    author_name: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str | None] = mapped_column(Text)
    # A file sent with the message (a draft bill, a photo, a voice note): Telegram's file id,
    # which sends it on without downloading it; never forwarded (that would expose the sender).
    file_kind: Mapped[str | None] = mapped_column(String(10))  # document|photo|voice|audio|video
    file_id: Mapped[str | None] = mapped_column(String(200))
    # The copy of this message in the staff chat: a staff "reply" to it finds the ticket.
    staff_message_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivery: Mapped[str] = mapped_column(String(12), default="pending")
    delivery_error: Mapped[str | None] = mapped_column(String(200))

    ticket: Mapped[Ticket] = relationship(back_populates="messages")


class Referral(Base):
    """A hand-off to a partner organisation, tracked until the Secretariat closes it."""

    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_followup", "followup_sent_at", "followup_due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(40), index=True)
    query_id: Mapped[int | None] = mapped_column(ForeignKey("queries.id", ondelete="SET NULL"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id", ondelete="SET NULL"))
    official_ref: Mapped[str | None] = mapped_column(String(32))
    state_code: Mapped[str | None] = mapped_column(String(3))
    region: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2), default="en")
    created_by: Mapped[str] = mapped_column(String(10), default="bot")  # bot | staff
    reason: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | closed
    outcome: Mapped[str | None] = mapped_column(String(16))  # taken_up | not_needed | no_answer
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followup_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followup_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The referral's card in the staff chat (bot-made referrals): /forget edits it (migration 0004).
    staff_message_id: Mapped[int | None] = mapped_column(BigInteger)


class Feedback(Base):
    """ "Was this helpful?" on an answer, "did the referral help?" on a referral, "did the
    Secretariat's reply help?" on a closed ticket."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    query_id: Mapped[int | None] = mapped_column(ForeignKey("queries.id", ondelete="SET NULL"))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id", ondelete="SET NULL"))
    # "Did the Secretariat's reply help?", asked once when a ticket closes.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    official_ref: Mapped[str | None] = mapped_column(String(32))
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboxUpdate(Base):
    """A Telegram update as received, kept until handled: nothing confirmed to Telegram is lost.

    ``raw`` (the update's JSON, with the official's words) is erased when the update is handled;
    the bare row stays two days so that Telegram sending it again is recognised, then goes.
    """

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_handled_taken", "handled_at", "taken_at"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    sender_id: Mapped[int | None] = mapped_column(BigInteger, index=True)  # Telegram user id
    raw: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a process last began handling it: another process takes it back only when stale.
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Which process: "polling", or the webhook server's host and port. Restarted, it takes its
    # own rows back at once (another process's only when stale).
    taken_by: Mapped[str | None] = mapped_column(String(100))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeadlineReminder(Base):
    """A reminder an official asked for, some days before a deadline of their State (the
    initial report, the next report, the NPM). Kept after it is sent or cancelled, without the
    official (/forget), so the statistics can count reminders."""

    __tablename__ = "deadline_reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    official_id: Mapped[int | None] = mapped_column(
        ForeignKey("officials.id", ondelete="SET NULL"), index=True
    )
    state_code: Mapped[str] = mapped_column(String(3))
    deadline: Mapped[str] = mapped_column(String(16))  # initial_report | next_report | npm
    due: Mapped[date] = mapped_column(Date)
    days_before: Mapped[int] = mapped_column(Integer)
    remind_on: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
