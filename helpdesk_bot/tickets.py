"""Tickets: an official's messages to the Secretariat, and what staff do with them.

Opening or joining a ticket, staff replies relayed to the official, claiming and taking over,
closing, referring to a partner, reminders and follow-ups for staff, the staff-chat cards, and
"Turn into FAQ". Functions take the caller's unit of work (a SQLAlchemy Session);
the Desk opens it.

Example::

    with desk._session() as session:
        relay = tickets.close(session, 12, resolution="answered", staff_id=42)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Row, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from . import drafts, referral_records, texts
from .answering import Answerer, Reply, clean_message, clean_text
from .errors import DeskError
from .knowledge import KnowledgeBase
from .models import Official, Query, Referral, Ticket, TicketMessage, utcnow
from .questions import asked_by
from .referrals import Partner, ReferralDirectory, Routing

if TYPE_CHECKING:
    from .officials import OfficialRow

# The ticket kind of a question passed on, by what the bot had replied.
PASS_ON_KINDS = {
    "decline": "declined",
    "clarify": "secretariat",
    "suggest": "none_of_these",
    "refer": "referral_no_help",
}
CLOSE_RESOLUTIONS = ("answered", "out_of_scope", "duplicate", "referred")
FILE_KINDS = ("document", "photo", "voice", "audio", "video")
_LOCK_OFFICIAL = (
    select(Official.id).where(Official.id == bindparam("official_id")).with_for_update()
)
_OPEN_TICKET = (
    select(Ticket.id, Ticket.staff_message_id)
    .where(Ticket.official_id == bindparam("official_id"), Ticket.status == "open")
    .order_by(Ticket.id.desc())
    .limit(1)
)
_INSERT_TICKET = insert(Ticket.__table__)
_INSERT_TICKET_MESSAGE = insert(TicketMessage.__table__)


class ClaimedByColleague(DeskError):
    """Another staff member holds the ticket: taking it over is asked, not done."""

    def __init__(self, number: int, holder: str | None):
        self.number, self.holder = number, holder or "a colleague"
        super().__init__(f"ticket #{number} is claimed by {self.holder}")


@dataclass(frozen=True)
class SentFile:
    """A file an official or a staff member sent, as the channel names it.

    Example: ``SentFile("document", "BQACAgQ...", name="draft-bill.pdf")``
    """

    kind: str  # one of FILE_KINDS
    file_id: str
    name: str | None = None  # a document's file name

    def label(self) -> str:
        """How the thread shows it in text: "(document: draft-bill.pdf)"."""
        return f"({self.kind}: {self.name})" if self.name else f"({self.kind})"


@dataclass(frozen=True)
class Relay:
    """A message the channel must deliver to an official (staff reply, closing notice...)."""

    chat_id: int | None
    text: str
    language: str
    ticket_id: int
    message_id: int | None = None  # TicketMessage row, for the delivery status
    file: SentFile | None = None  # a file from staff, sent with ``text`` as its caption
    asks_satisfaction: bool = False  # a closing notice: "did the Secretariat's reply help?"


@dataclass(frozen=True)
class FollowUp:
    """A due "did the referral help?" question for an official."""

    referral_id: int
    chat_id: int | None
    language: str
    partner: str  # the partner's name in the official's language
    created_at: datetime


@dataclass(frozen=True)
class StaffCard:
    """A message the bot posted in the staff chat about an official, to edit after /forget."""

    chat_id: int
    message_id: int
    ticket_id: int | None = None
    card: bool = True  # the ticket's card, or (False) a later question posted under it
    referral_id: int | None = None
    file: bool = False  # a file the official sent: deleted, since a file cannot be edited to text


# --- an official's message ----------------------------------------------------------------------
def open_or_join(
    session: Session,
    official: OfficialRow,
    text: str,
    *,
    base: KnowledgeBase,
    kind: str,
    tried: str | None,
    file: SentFile | None = None,
) -> tuple[int, int | None, bool, int]:
    """The official's open ticket gets the message; a closed ticket is never reopened.

    Returns the ticket's number, its card in the staff chat (once posted), whether it was
    opened now and the message's row. Core statements: an ORM session's flushes cost ~1 ms per escalated question.
    """
    # Lock the official's row (PostgreSQL): two processes never both open a ticket for them.
    session.execute(_LOCK_OFFICIAL, {"official_id": official.id})
    found = session.execute(_OPEN_TICKET, {"official_id": official.id}).first()
    if found is not None:
        ticket_id, card_id = found
    else:
        opened = session.execute(
            _INSERT_TICKET,
            {
                **asked_by(official, base),
                "kind": kind,
                "status": "open",
                "language": official.language,
                "tried": tried,
                "opened_at": utcnow(),
            },
        )
        ticket_id, card_id = opened.inserted_primary_key[0], None
    inserted = session.execute(
        _INSERT_TICKET_MESSAGE,
        {
            "ticket_id": ticket_id,
            "author": "official",
            "author_id": official.telegram_id,
            "text": text,
            "file_kind": file.kind if file else None,
            "file_id": file.file_id if file else None,
            "created_at": utcnow(),
            "delivery": "delivered",
        },
    )
    return ticket_id, card_id, found is None, inserted.inserted_primary_key[0]


def pass_on(
    session: Session,
    official: OfficialRow,
    query_id: int,
    answerer: Answerer,
    *,
    asked_directly: bool,
) -> Reply:
    """A ticket for the official's answered query (see ``Desk.pass_on``)."""
    query = session.get(Query, query_id)
    if query is None or query.official_id != official.id:
        raise DeskError(f"no query {query_id} for this official")
    lang = official.language
    if query.ticket_id is not None:
        # Passed on already (or escalated): the same ticket, nothing new for staff.
        number = query.ticket_id
        return Reply(
            query.text or "", "escalate", lang, texts.say("passed_on", lang, number=number)
        )
    tried = f"{query.entry_id}:{query.score:.0f}" if query.entry_id else None
    if query.outcome == "suggest" and query.text:
        # The suggestions are not stored; the same question on the same base offers them
        # again, so staff see what the official turned down.
        offered = answerer.answer(query.text, language=query.language).candidates
        tried = ", ".join(f"{entry}:{score:.0f}" for entry, score in offered[:3]) or None
    kind = "secretariat" if asked_directly else PASS_ON_KINDS.get(query.outcome, "not_helpful")
    ticket_id, card_id, is_new, _ = open_or_join(
        session, official, query.text or "", base=answerer.base, kind=kind, tried=tried
    )
    query.ticket_id = ticket_id
    return Reply(
        query.text or "",
        "escalate",
        lang,
        texts.say("passed_on", lang, number=ticket_id),
        ticket_id=ticket_id,
        ticket_is_new=is_new,
        ticket_card_id=card_id,
    )


# --- tickets as staff see them -------------------------------------------------------------------
def listing(session: Session, *, status: str | None) -> list[Ticket]:
    """Tickets, oldest first, with their messages loaded (detached)."""
    statement = select(Ticket).order_by(Ticket.opened_at, Ticket.id)
    if status:
        statement = statement.where(Ticket.status == status)
    found = list(session.scalars(statement))
    for ticket in found:
        _ = ticket.messages
    session.expunge_all()
    return found


def _found(session: Session, number: int) -> Ticket:
    """Ticket ``number``; DeskError if there is none."""
    ticket = session.get(Ticket, number)
    if ticket is None:
        raise DeskError(f"there is no ticket #{number}")
    return ticket


def one(session: Session, number: int) -> Ticket:
    """Ticket ``number`` with its messages (detached); DeskError if there is none."""
    ticket = _found(session, number)
    _ = ticket.messages
    session.expunge_all()
    return ticket


def open_ticket(session: Session, number: int) -> Ticket:
    """Ticket ``number``, still open; DeskError otherwise."""
    ticket = _found(session, number)
    if ticket.status != "open":
        raise DeskError(f"ticket #{number} is already closed")
    return ticket


def official_of(session: Session, number: int) -> Official | None:
    """The official behind a ticket (a detached snapshot); None after /forget."""
    ticket = _found(session, number)
    official = session.get(Official, ticket.official_id) if ticket.official_id else None
    if official is not None:
        session.expunge(official)
    return official


# --- the staff chat's cards ----------------------------------------------------------------------
def for_staff_message(session: Session, message_id: int) -> int | None:
    """The ticket whose card or message in the staff chat has ``message_id``."""
    found = session.scalar(select(Ticket.id).where(Ticket.staff_message_id == message_id))
    if found is None:
        found = session.scalar(
            select(TicketMessage.ticket_id).where(TicketMessage.staff_message_id == message_id)
        )
    return found


def record_staff_message(
    session: Session,
    ticket_id: int,
    message_id: int,
    *,
    card: bool = False,
    of_message: int | None = None,
) -> None:
    """Remember the staff-chat copy of a ticket (card) or of its latest official message, or
    (``of_message``) of that message of the thread: an official's file posted under the card."""
    tickets, messages = Ticket.__table__, TicketMessage.__table__
    if of_message is not None:
        session.execute(
            update(messages)
            .where(messages.c.id == of_message, messages.c.ticket_id == ticket_id)
            .values(staff_message_id=message_id)
        )
        return
    # Core statements: this runs for every escalation, and only two ids change.
    found = session.execute(
        select(tickets.c.staff_message_id).where(tickets.c.id == ticket_id)
    ).first()
    if found is None:
        raise DeskError(f"there is no ticket #{ticket_id}")
    if card or found.staff_message_id is None:
        session.execute(
            update(tickets).where(tickets.c.id == ticket_id).values(staff_message_id=message_id)
        )
    newest = (
        select(func.max(messages.c.id)).where(messages.c.ticket_id == ticket_id).scalar_subquery()
    )
    session.execute(
        update(messages)
        .where(messages.c.id == newest, messages.c.staff_message_id.is_(None))
        .values(staff_message_id=message_id)
    )


def record_referral_card(session: Session, referral_id: int, message_id: int) -> None:
    """Remember the referral's card in the staff chat (edited if the official uses /forget)."""
    session.execute(
        update(Referral.__table__)
        .where(Referral.__table__.c.id == referral_id)
        .values(staff_message_id=message_id)
    )


def staff_cards(
    session: Session, official: Official, tickets: list[Row], *, chat: int | None
) -> list[StaffCard]:
    """The messages the bot posted in staff chat ``chat`` about the official: ticket cards, their
    later questions under the cards, and referral cards."""
    if chat is None:
        return []
    cards = [
        StaffCard(chat, ticket.staff_message_id, ticket_id=ticket.id)
        for ticket in tickets
        if ticket.staff_message_id is not None
    ]
    seen = {card.message_id for card in cards}
    # The official's messages' staff-chat copies are the bot's posts (staff replies are the
    # staff's own messages, which the bot cannot edit).
    for ticket_id, message_id, file_kind in session.execute(
        select(
            TicketMessage.ticket_id, TicketMessage.staff_message_id, TicketMessage.file_kind
        ).where(
            TicketMessage.ticket_id.in_([ticket.id for ticket in tickets]),
            TicketMessage.author == "official",
            TicketMessage.staff_message_id.is_not(None),
        )
    ):
        if message_id not in seen:
            seen.add(message_id)
            cards.append(
                StaffCard(
                    chat, message_id, ticket_id=ticket_id, card=False, file=file_kind is not None
                )
            )
    for referral_id, message_id in session.execute(
        select(Referral.id, Referral.staff_message_id).where(
            Referral.official_id == official.id, Referral.staff_message_id.is_not(None)
        )
    ):
        cards.append(StaffCard(chat, message_id, referral_id=referral_id))
    return cards


# --- what staff do -------------------------------------------------------------------------------
def claim(
    session: Session, number: int, *, staff_id: int, staff_name: str | None, take_over: bool
) -> Ticket:
    """Make ``staff_id`` the ticket's holder (see ``Desk.claim``); the ticket, detached."""
    ticket = open_ticket(session, number)
    holder = ticket.assignee_id
    if holder is not None and holder != staff_id and not take_over:
        raise ClaimedByColleague(number, ticket.assignee_name)
    ticket.assignee_id = staff_id
    ticket.assignee_name = staff_name
    session.flush()
    _ = ticket.messages
    session.expunge_all()
    return ticket


def clean_reply(text: str, staff_name: str | None, file: SentFile | None) -> tuple[str, str | None]:
    """A staff reply's text and author's name as stored; DeskError if there is nothing to relay.

    Example: ``clean_reply(" Dear colleague\\x00 ", "Ana", None) == ("Dear colleague", "Ana")``
    """
    text = clean_message(text)
    staff_name = clean_text(staff_name or "")[:200] or None
    if not text and file is None:
        raise DeskError("an empty reply cannot be relayed")
    if file is not None and file.kind not in FILE_KINDS:
        raise DeskError(f"a file is one of {', '.join(FILE_KINDS)}")
    return text, staff_name


def staff_reply(
    session: Session,
    number: int,
    text: str,
    *,
    staff_id: int,
    staff_name: str | None,
    file: SentFile | None,
) -> Relay:
    """A staff reply (cleaned by ``clean_reply``) added to the thread, as a Relay for the
    official; the first one sets the first response time."""
    ticket = _found(session, number)
    now = utcnow()
    if ticket.first_response_at is None:
        ticket.first_response_at = now
    if ticket.assignee_id is None:
        ticket.assignee_id, ticket.assignee_name = staff_id, staff_name
    message = TicketMessage(
        author="staff",
        author_id=staff_id,
        author_name=staff_name,
        text=text or (file.label() if file else None),
        file_kind=file.kind if file else None,
        file_id=file.file_id if file else None,
        created_at=now,
    )
    ticket.messages.append(message)
    session.flush()
    official = session.get(Official, ticket.official_id) if ticket.official_id else None
    said = (
        texts.say("staff_reply", ticket.language, number=ticket.id, text=text)
        if text
        else texts.say("staff_file", ticket.language, number=ticket.id)
    )
    return Relay(
        chat_id=official.chat_id if official else None,
        text=said,
        language=ticket.language,
        ticket_id=ticket.id,
        message_id=message.id,
        file=file,
    )


def check_resolution(resolution: str) -> None:
    """DeskError unless ``resolution`` is one of CLOSE_RESOLUTIONS."""
    if resolution not in CLOSE_RESOLUTIONS:
        raise DeskError(f"resolution must be one of {', '.join(CLOSE_RESOLUTIONS)}")


def close(session: Session, number: int, *, resolution: str, staff_id: int) -> Relay:
    """Close a ticket; the Relay tells the official."""
    ticket = open_ticket(session, number)
    ticket.status = "closed"
    ticket.resolution = resolution
    ticket.closed_at = utcnow()
    if ticket.assignee_id is None:
        ticket.assignee_id = staff_id
    official = session.get(Official, ticket.official_id) if ticket.official_id else None
    return Relay(
        chat_id=official.chat_id if official else None,
        text=texts.say("ticket_closed", ticket.language, number=ticket.id)
        + (
            ""
            if resolution == "duplicate"
            else "\n\n" + texts.say("satisfaction_ask", ticket.language)
        ),
        language=ticket.language,
        ticket_id=ticket.id,
        # A duplicate was answered under its twin: one question there is enough.
        asks_satisfaction=resolution != "duplicate",
    )


def refer(
    session: Session,
    number: int,
    partner: Partner,
    directory: ReferralDirectory,
    *,
    staff_id: int,
    days: int,
) -> tuple[Referral, Relay]:
    """Staff refer a ticket to a partner: a tracked referral (detached; its follow-up due in
    ``days``) and a message for the official."""
    ticket = open_ticket(session, number)
    ticket.partner_id = partner.id
    referral = Referral(
        partner_id=partner.id,
        ticket_id=ticket.id,
        official_id=ticket.official_id,
        official_ref=ticket.official_ref,
        state_code=ticket.state_code,
        region=ticket.region,
        language=ticket.language,
        created_by="staff",
        reason=f"ticket #{ticket.id}",
        followup_due_at=utcnow() + timedelta(days=days),
    )
    session.add(referral)
    now = utcnow()
    if ticket.first_response_at is None:
        ticket.first_response_at = now
    # The same words the bot uses for its own referrals: who, and how to reach them.
    staff_choice = Routing(partner=partner, rule="staff", reason={})
    text = directory.reply_text(staff_choice, ticket.language, by_staff=True)
    message = TicketMessage(author="staff", author_id=staff_id, text=text, created_at=now)
    ticket.messages.append(message)
    session.flush()
    official = session.get(Official, ticket.official_id) if ticket.official_id else None
    session.expunge(referral)
    return referral, Relay(
        chat_id=official.chat_id if official else None,
        text=texts.say("staff_reply", ticket.language, number=ticket.id, text=text),
        language=ticket.language,
        ticket_id=ticket.id,
        message_id=message.id,
    )


def mark_message_delivery(
    session: Session, message_id: int, *, delivered: bool, error: str | None
) -> None:
    """Record whether a staff reply reached the official (undelivered ones show in /queue)."""
    session.execute(
        update(TicketMessage)
        .where(TicketMessage.id == message_id)
        .values(
            delivery="delivered" if delivered else "failed",
            delivery_error=None if delivered else (error or "")[:200],
        )
    )


# --- referrals as staff follow them --------------------------------------------------------------
def open_referrals(session: Session, *, limit: int) -> list[tuple[Referral, str | None]]:
    """Open referrals, oldest first, each with the official's question (None once erased)."""
    rows = session.execute(
        select(Referral, Query.text)
        .outerjoin(Query, Query.id == Referral.query_id)
        .where(Referral.status == "open")
        .order_by(Referral.created_at, Referral.id)
        .limit(limit)
    ).all()
    session.expunge_all()
    return [(referral, text) for referral, text in rows]


def find_referral(session: Session, referral_id: int) -> tuple[Referral, str | None]:
    """One referral and the official's question (detached)."""
    row = session.execute(
        select(Referral, Query.text)
        .outerjoin(Query, Query.id == Referral.query_id)
        .where(Referral.id == referral_id)
    ).first()
    if row is None:
        raise DeskError(f"there is no referral #{referral_id}")
    session.expunge_all()
    return row[0], row[1]


def due_followups(
    session: Session, directory: ReferralDirectory, *, now: datetime | None
) -> list[FollowUp]:
    """Referrals whose "did the referral help?" question is due and not yet sent."""
    found = []
    for due in referral_records.due_followups(session, now=now):
        official = session.get(Official, due.official_id)
        partner = directory.partners.get(due.partner_id)
        language = official.language if official else due.language
        found.append(
            FollowUp(
                referral_id=due.id,
                chat_id=official.chat_id if official else None,
                language=language,
                partner=partner.name(language) if partner else due.partner_id,
                created_at=due.created_at,
            )
        )
    return found


# --- reminders for staff -------------------------------------------------------------------------
def due_reminders(open_tickets: list[Ticket], *, now: datetime, days: float) -> list[Ticket]:
    """The open tickets with no staff response after ``days`` working days, not yet reminded."""
    found = []
    for ticket in open_tickets:
        if ticket.first_response_at is not None or ticket.reminded_at is not None:
            continue
        if working_days_between(ticket.opened_at, now) >= days:
            found.append(ticket)
    return found


def mark_reminded(session: Session, number: int) -> None:
    """Staff were reminded of ticket ``number``: not again."""
    session.execute(update(Ticket).where(Ticket.id == number).values(reminded_at=utcnow()))


def working_days_between(start: datetime, end: datetime) -> float:
    """Working days (Monday to Friday) elapsed from ``start`` to ``end``, in fractions of a day."""
    if end <= start:
        return 0.0
    total = 0.0
    cursor = start
    while cursor < end:
        next_midnight = (cursor + timedelta(days=1)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        step_end = min(next_midnight, end)
        if cursor.weekday() < 5:
            total += (step_end - cursor).total_seconds() / 86400
        cursor = step_end
    return total


# --- "Turn into FAQ" -----------------------------------------------------------------------------
def draft_faq(ticket: Ticket, official: Official | None, drafts_dir: Path) -> Path:
    """Save a closed ticket's question and staff answer as a draft entry in ``drafts_dir``.

    The draft names no one: salutations, sign-offs and the official's and staff's names go.
    """
    number = ticket.id
    if ticket.status != "closed":
        raise DeskError(f"ticket #{number} is still open: close it first")
    names = [official.name if official else None]
    names += [m.author_name for m in ticket.messages if m.author == "staff"]
    question = next((m.text for m in ticket.messages if m.author == "official" and m.text), None)
    answer = next(
        (m.text for m in reversed(ticket.messages) if m.author == "staff" and m.text), None
    )
    question = drafts.impersonal(question or "", names)
    answer = drafts.impersonal(answer or "", names)
    if not question or not answer:
        raise DeskError(f"ticket #{number} has no question and staff answer to draft from")
    return drafts.write_draft(
        drafts_dir, number, language=ticket.language, question=question, answer=answer
    )
