"""Questions in the log: the query row, the rate limit, replies handled again, delivery marks.

The Desk's ``ask``, ``choose``, ``to_secretariat``, ``send_file`` and ``pass_on`` are built from
these; each function takes the caller's unit of work (a SQLAlchemy Session).

Example::

    with desk._session() as session:
        if questions.over_rate_limit(session, official, limit=20): ...
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from . import texts
from .answering import Answerer, Reply, clean_text, entry_text
from .knowledge import Entry, KnowledgeBase
from .models import Query, Referral, Ticket, TicketMessage, utcnow

if TYPE_CHECKING:  # officials.py imports tickets.py, which imports this module
    from .officials import OfficialRow

# The outcome of a message over HELPDESK_RATE_LIMIT: kept in the log, never answered or counted.
LIMITED = "limited"
# The same entry chosen again by the same official within this long is the same question (a
# button pressed twice, or a replayed callback): answered again, not logged or counted again.
SAME_CHOICE_WITHIN = timedelta(hours=1)
# Thanks within this long of a closed ticket are for the Secretariat's help.
HELPED_LATELY = timedelta(days=14)
# The outcome of a question handled again after a crash whose reply had already reached the
# official: nothing more to send.
ALREADY_REPLIED = "replied"
INSERT_QUERY = insert(Query.__table__)


def row(
    official: OfficialRow,
    reply: Reply,
    base: KnowledgeBase,
    *,
    channel: str,
    via: str,
    update_id: int | None,
) -> dict:
    """The query row of a question (to insert with INSERT_QUERY, after any ticket is known)."""
    return {
        **asked_by(official, base),
        "text": clean_text(reply.question),
        "language": reply.language,
        "outcome": reply.outcome,
        "entry_id": reply.entry.id if reply.entry else None,
        "score": reply.score,
        "topic": reply.entry.topic if reply.entry else None,
        "partner_id": reply.partner.id if reply.partner else None,
        "declined_by": reply.declined_by,
        "channel": channel,
        "via": via,
        "source": official.source,
        "asked_at": utcnow(),
        "update_id": update_id,
    }


def asked_by(official: OfficialRow, base: KnowledgeBase) -> dict[str, object]:
    """The columns a query or a ticket copies from the official who asked: who (a reference that
    survives /forget) and where from, so the counts by State and region stay after an erasure."""
    state = base.states.get(official.state_code or "")
    return {
        "official_id": official.id,
        "official_ref": official.ref,
        "state_code": official.state_code,
        "region": state.region if state else None,
    }


def logged_before(session: Session, update_id: int, answerer: Answerer) -> Reply | None:
    """The reply to a question update ``update_id`` logged already, or None.

    If the reply reached the official, the outcome is ``ALREADY_REPLIED`` (nothing to send);
    otherwise the same reply again, for the same query row.
    """
    base = answerer.base
    found = session.execute(
        select(
            Query.id,
            Query.text,
            Query.language,
            Query.outcome,
            Query.entry_id,
            Query.via,
            Query.state_code,
            Query.ticket_id,
            Query.delivery,
        ).where(Query.update_id == update_id)
    ).first()
    if found is None:
        return None
    if found.delivery == "delivered" or found.text is None:  # sent, or erased by /forget
        return Reply(found.text or "", ALREADY_REPLIED, found.language, "", query_id=found.id)
    entry = base.entries.get(found.entry_id or "")
    if found.outcome == "escalate":
        text = texts.say("ticket_opened", found.language, number=found.ticket_id)
        reply = Reply(found.text, "escalate", found.language, text)
        card = session.execute(
            select(Ticket.staff_message_id).where(Ticket.id == found.ticket_id)
        ).scalar()
        if card is None:  # the card was never posted: announcing the ticket posts it
            reply.ticket_id = found.ticket_id
    elif found.via == "suggestion" and entry is not None:
        reply = Reply(found.text, "answer", found.language, entry_text(entry, found.language, base))
        reply.entry, reply.score = entry, 100.0
        reply.tools = [base.tools[t] for t in entry.tools if t in base.tools]
    else:
        state = base.states.get(found.state_code or "")
        reply = answerer.answer(found.text, language=found.language, state=state)
    reply.query_id = found.id
    reply.referral_id = session.execute(
        select(Referral.id).where(Referral.query_id == found.id)
    ).scalar()
    return reply


def chosen(entry: Entry, language: str, base: KnowledgeBase) -> Reply:
    """The reply to a suggested entry the official chose: the entry itself, as a sure answer."""
    return Reply(
        question=entry.question(language),
        outcome="answer",
        language=language,
        text=entry_text(entry, language, base),
        entry=entry,
        score=100.0,
        tools=[base.tools[t] for t in entry.tools if t in base.tools],
        related=base.read_next(entry),
    )


def mind_history(session: Session, official: OfficialRow, reply: Reply, answerer: Answerer) -> None:
    """Fit the reply to what the official saw lately: thanks after the Secretariat's help, a
    partner already shown today."""
    if reply.small_talk == "thanks" and helped_lately(session, official):
        reply.text = texts.say("smalltalk_after_ticket", reply.language)
    if reply.partner is not None and partner_shown_today(session, official, reply.partner.id):
        # Once a day is enough: an answer or suggestions stand alone, a bare referral
        # shrinks to a line.
        if reply.partner_note:
            reply.text = reply.text.removesuffix("\n\n" + reply.partner_note)
            reply.partner, reply.partner_note = None, ""
        else:
            reply.text = answerer.referrals.reminder_text(reply.partner, reply.language)


def helped_lately(session: Session, official: OfficialRow) -> bool:
    """The official's last ticket was closed in the past fortnight and none is open."""
    last = session.execute(
        select(Ticket.status, Ticket.closed_at)
        .where(Ticket.official_id == official.id)
        .order_by(Ticket.id.desc())
        .limit(1)
    ).first()
    return (
        last is not None
        and last.status == "closed"
        and last.closed_at is not None
        and last.closed_at >= utcnow() - HELPED_LATELY
    )


def partner_shown_today(session: Session, official: OfficialRow, partner: str) -> bool:
    """The official was shown ``partner`` in the past day."""
    since = utcnow() - timedelta(days=1)
    shown = session.execute(
        select(Query.id)
        .where(
            Query.official_id == official.id,
            Query.partner_id == partner,
            Query.asked_at >= since,
        )
        .limit(1)
    ).first()
    return shown is not None


def chosen_lately(session: Session, official: OfficialRow, entry_id: str) -> int | None:
    """The query of the same entry chosen by the official within SAME_CHOICE_WITHIN, if any."""
    since = utcnow() - SAME_CHOICE_WITHIN
    return session.execute(
        select(Query.id)
        .where(
            Query.official_ref == official.ref,
            Query.asked_at >= since,
            Query.via == "suggestion",
            Query.entry_id == entry_id,
            Query.outcome == "answer",
        )
        .order_by(Query.id.desc())
        .limit(1)
    ).scalar()


def refer(
    session: Session, official: OfficialRow, reply: Reply, *, region: str | None, days: int
) -> tuple[int, bool]:
    """The official's open referral to the reply's partner, or a new one (and a card for staff)
    whose follow-up falls due in ``days``."""
    assert reply.partner is not None
    open_referral = session.execute(
        select(Referral.id)
        .where(
            Referral.official_id == official.id,
            Referral.partner_id == reply.partner.id,
            Referral.status == "open",
        )
        .order_by(Referral.id.desc())
        .limit(1)
    ).scalar()
    if open_referral is not None:
        return open_referral, False
    referral = Referral(
        partner_id=reply.partner.id,
        query_id=reply.query_id,
        official_id=official.id,
        official_ref=official.ref,
        state_code=official.state_code,
        region=region,
        language=reply.language,
        created_by="bot",
        followup_due_at=utcnow() + timedelta(days=days),
    )
    session.add(referral)
    session.flush()
    return referral.id, True


# --- the rate limit ------------------------------------------------------------------------------
def over_rate_limit(session: Session, official: OfficialRow, *, limit: int) -> bool:
    """The official sent ``limit`` questions (every way in) in the past minute; 0: no limit.

    Messages already over the limit do not count: once the minute has passed the official is
    answered again, however much they sent meanwhile.
    """
    if not limit:
        return False
    since = utcnow() - timedelta(minutes=1)
    # official_ref, asked_at and outcome: read from one covering index (ix_queries_stats_official).
    recent = session.execute(
        select(func.count()).where(
            Query.official_ref == official.ref,
            Query.asked_at >= since,
            Query.outcome != LIMITED,
        )
    ).scalar()
    return (recent or 0) >= limit


def limited(
    session: Session,
    official: OfficialRow,
    question: str,
    base: KnowledgeBase,
    *,
    channel: str,
    via: str,
) -> Reply:
    """A message over the rate limit: kept in the log (outcome ``limited``), nothing for staff.

    The official is told to wait once: the Reply has the text only if no message of theirs was
    over the limit in the past minute, and an empty text (nothing to send) otherwise.
    """
    since = utcnow() - timedelta(minutes=1)
    told = session.execute(
        select(Query.id)
        .where(
            Query.official_ref == official.ref,
            Query.asked_at >= since,
            Query.outcome == LIMITED,
        )
        .limit(1)
    ).first()
    inserted = session.execute(
        INSERT_QUERY,
        {
            **asked_by(official, base),
            "text": clean_text(question),
            "language": official.language,
            "outcome": LIMITED,
            "channel": channel,
            "via": via,
            "source": official.source,
            "asked_at": utcnow(),
            # Not "pending": no reply is owed, and nothing may retry one.
            "delivery": "withheld" if told else "pending",
        },
    )
    if told:
        return Reply(question, LIMITED, official.language, "")
    reply = Reply(
        question, LIMITED, official.language, texts.say("rate_limited", official.language)
    )
    reply.query_id = inserted.inserted_primary_key[0]
    return reply


# --- delivery and retention ----------------------------------------------------------------------
def mark_delivery(session: Session, query_id: int, *, delivered: bool, error: str | None) -> None:
    """Record whether the reply to a query reached the official."""
    session.execute(
        update(Query)
        .where(Query.id == query_id)
        .values(
            delivery="delivered" if delivered else "failed",
            delivery_error=None if delivered else (error or "")[:200],
            replied_at=utcnow(),
        )
    )


def mark_delivered(session: Session, replies: list[tuple[int, datetime]]) -> None:
    """Record several replies as delivered, each with its send time, in one statement."""
    table = Query.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("query_id"))
        .values(delivery="delivered", delivery_error=None, replied_at=bindparam("at"))
    )
    session.execute(statement, [{"query_id": q, "at": at} for q, at in replies])


def undelivered(session: Session, *, days: int) -> list[Query]:
    """Queries of the last ``days`` whose reply never reached the official, newest first."""
    since = utcnow() - timedelta(days=days)
    found = list(
        session.scalars(
            select(Query)
            .where(Query.delivery == "failed", Query.asked_at >= since)
            .order_by(Query.asked_at.desc(), Query.id.desc())
        )
    )
    session.expunge_all()
    return found


def erase_before(session: Session, cutoff: datetime) -> int:
    """Erase question text older than ``cutoff``, and message text of tickets closed before it;
    how many query texts were erased."""
    erased = session.execute(
        update(Query).where(Query.asked_at < cutoff, Query.text.is_not(None)).values(text=None)
    ).rowcount
    old_closed = select(Ticket.id).where(Ticket.status == "closed", Ticket.closed_at < cutoff)
    session.execute(
        update(TicketMessage)
        .where(TicketMessage.ticket_id.in_(old_closed), TicketMessage.created_at < cutoff)
        .values(text=None)
    )
    return erased or 0
