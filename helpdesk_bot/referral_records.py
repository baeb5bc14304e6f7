"""The tracked referrals: a referral's outcome and its follow-up question ("did the referral
help?"), kept in the database. The partners and rules are referrals.py's (YAML, no database).

Example::

    with session_scope(sessions) as session:
        close_referral(session, 7, outcome="taken_up")
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Referral

OUTCOMES = ("taken_up", "not_needed", "no_answer")


class ReferralError(Exception):
    """A staff action on a referral that cannot be done (unknown id, already closed, ...)."""


def close_referral(
    session: Session, referral_id: int, *, outcome: str, now: datetime | None = None
) -> Referral:
    """Close a referral with its outcome: taken_up, not_needed or no_answer.

    Example::

        close_referral(session, 7, outcome="taken_up")
    """
    if outcome not in OUTCOMES:
        raise ReferralError(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise ReferralError(f"no referral #{referral_id}")
    if referral.status == "closed":
        raise ReferralError(f"referral #{referral_id} is already closed ({referral.outcome})")
    referral.status = "closed"
    referral.outcome = outcome
    referral.closed_at = now or datetime.now(UTC)
    return referral


def due_followups(
    session: Session, *, now: datetime | None = None, limit: int = 50
) -> list[Referral]:
    """Referrals whose "did the referral help?" question is due and not yet sent, oldest first.

    Referrals of officials who used /forget (no official left) are never due.
    """
    now = now or datetime.now(UTC)
    query = (
        select(Referral)
        .where(
            Referral.followup_sent_at.is_(None),
            Referral.followup_due_at.is_not(None),
            Referral.followup_due_at <= now,
            Referral.official_id.is_not(None),
        )
        .order_by(Referral.followup_due_at, Referral.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def mark_followup_sent(session: Session, referral_id: int, *, now: datetime | None = None) -> None:
    """Record that the follow-up question went out, so a restart never sends it twice."""
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise ReferralError(f"no referral #{referral_id}")
    referral.followup_sent_at = now or datetime.now(UTC)
