"""The desk: the one place where a question becomes a reply, a log row, a ticket or a referral.

It knows nothing of Telegram: the bot, the console ``chat`` and ``ask`` all call it.

Example::

    desk = Desk.from_settings(settings)
    reply = desk.ask(Asker(telegram_id=7, chat_id=7), "How do we ratify UNCAT?")
    reply.outcome, reply.text, reply.query_id
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Row, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from . import drafts, texts
from . import referrals as referral_records
from . import reminders as deadline_reminders
from .answering import (  # noqa: F401 - MAX_QUESTION_CHARS and Reply are the desk's API too
    MAX_QUESTION_CHARS,
    Answerer,
    Reply,
    clean_message,
    clean_text,
    entry_text,
)
from .config import Settings
from .db import check_schema, connect, make_sessionmaker, session_scope
from .knowledge import (
    LANGUAGES,
    KnowledgeBase,
    KnowledgeError,
    State,
    language_of,
    load_knowledge,
)
from .matcher import Matcher
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
from .referrals import ReferralDirectory, load_referrals
from .scope import Scope, load_scope
from .yamlfile import Problem

log = logging.getLogger(__name__)

# How stale an official's "last seen" may get before a question rewrites it.
LAST_SEEN_EVERY = timedelta(minutes=10)
# The outcome of a message over HELPDESK_RATE_LIMIT: kept in the log, never answered or counted.
LIMITED = "limited"
# The same entry chosen again by the same official within this long is the same question (a
# button pressed twice, or a replayed callback): answered again, not logged or counted again.
SAME_CHOICE_WITHIN = timedelta(hours=1)
# Thanks within this long of a closed ticket are for the Secretariat's help.
HELPED_LATELY = timedelta(days=14)
_KNOWN_OFFICIAL = select(
    Official.id,
    Official.ref,
    Official.telegram_id,
    Official.chat_id,
    Official.language,
    Official.state_code,
    Official.source,
    Official.last_seen_at,
).where(Official.telegram_id == bindparam("telegram_id"))
_INSERT_QUERY = insert(Query.__table__)
_INSERT_OFFICIAL = insert(Official.__table__)
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
# An official as the desk reads them: the ORM object, or a Core row with the same column names.
OfficialLike = Official | Row
# The ticket kind of a question passed on, by what the bot had replied.
PASS_ON_KINDS = {
    "decline": "declined",
    "clarify": "secretariat",
    "suggest": "none_of_these",
    "refer": "referral_no_help",
}
CLOSE_RESOLUTIONS = ("answered", "out_of_scope", "duplicate", "referred")
FILE_KINDS = ("document", "photo", "voice", "audio", "video")
# The outcome of a question handled again after a crash whose reply had already reached the
# official: nothing more to send.
ALREADY_REPLIED = "replied"
# Telegram sends an unconfirmed update again for up to 24 hours: a handled row is kept (without
# its text) twice that long, so a second delivery is recognised and not handled again.
INBOX_KEEP_HANDLED = timedelta(days=2)


class DeskError(Exception):
    """A staff or official action that cannot be done (unknown ticket, closed ticket...)."""


class ClaimedByColleague(DeskError):
    """Another staff member holds the ticket: taking it over is asked, not done."""

    def __init__(self, number: int, holder: str | None):
        self.number, self.holder = number, holder or "a colleague"
        super().__init__(f"ticket #{number} is claimed by {self.holder}")


@dataclass(frozen=True)
class Asker:
    """Who is asking, as a channel knows them."""

    telegram_id: int | None = None
    chat_id: int | None = None
    official_id: int | None = None  # channels without Telegram ids (the console) keep this
    name: str | None = None
    language_code: str | None = None  # Telegram's guess, used until the official chooses


@dataclass(frozen=True)
class Arrival:
    """A Telegram update as it arrived, for the inbox."""

    update_id: int
    sender_id: int | None  # the Telegram user it came from: /forget finds their rows
    raw: str  # the update's JSON


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


@dataclass(frozen=True)
class Erasure:
    """What /forget leaves to the channel: the staff-chat cards to edit (and the drafts removed)."""

    cards: list[StaffCard]
    drafts: list[Path]


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


class Desk:
    """The help desk's core; thread-safe, one database session per call."""

    def __init__(
        self,
        settings: Settings,
        *,
        base: KnowledgeBase,
        referrals: ReferralDirectory,
        scope: Scope | None = None,
        sessions: sessionmaker[Session] | None = None,
        answerer: Answerer | None = None,
    ):
        """``answerer``: one already built over the same base, referrals, scope and bands (it
        holds no state of its own, so desks may share one)."""
        self.settings = settings
        self.sessions = sessions
        # SQLite lets one writer in at a time and makes the others sleep and retry, which under
        # many concurrent officials costs far more than waiting in line; PostgreSQL needs no line.
        engine = sessions.kw.get("bind") if sessions is not None else None
        serialise = engine is not None and engine.dialect.name == "sqlite"
        self._writer = threading.RLock() if serialise else contextlib.nullcontext()
        # How many threads usefully call this desk at once. SQLite takes one writer: more threads
        # only queue for its turn while fighting over the interpreter lock (measured: ~10 % of
        # the bot's throughput, benchmarks/bot_throughput.py). PostgreSQL takes a pool's worth.
        self.threads = 1 if serialise else max(1, settings.db_pool_size)
        # Updates this process took back from the inbox (after a crash or a database error):
        # their questions may be logged already, and are then not logged again.
        self._retaken: set[int] = set()
        if answerer is not None:
            self._current = answerer
            return
        if scope is None:
            scope = load_scope(settings.knowledge_dir)[0]
        self._install(base, referrals, scope)

    @classmethod
    def from_settings(cls, settings: Settings, *, database: bool = True) -> Desk:
        """Load the knowledge base and referrals (KnowledgeError if invalid) and open the database."""
        base, referrals, scope = load_base(settings)
        sessions = None
        if database:
            engine = connect(
                settings.database_url,
                pool_size=settings.db_pool_size,
                max_overflow=settings.db_max_overflow,
            )
            check_schema(engine)
            sessions = make_sessionmaker(engine)
        return cls(settings, base=base, referrals=referrals, scope=scope, sessions=sessions)

    def _install(self, base: KnowledgeBase, referrals: ReferralDirectory, scope: Scope) -> None:
        # One assignment so a concurrent question sees the old base or the new one, never a mix.
        self._current = Answerer(
            base,
            referrals,
            scope,
            answer_threshold=self.settings.answer_threshold,
            suggest_threshold=self.settings.suggest_threshold,
            answer_margin=self.settings.answer_margin,
            min_content_share=self.settings.min_content_share,
        )

    @property
    def answerer(self) -> Answerer:
        return self._current

    @property
    def base(self) -> KnowledgeBase:
        return self._current.base

    @property
    def referrals(self) -> ReferralDirectory:
        return self._current.referrals

    @property
    def matcher(self) -> Matcher:
        return self._current.matcher

    def reload(self) -> list[Problem]:
        """Reload knowledge and referrals; on any error keep the running base and return the problems."""
        try:
            base, referrals, scope = load_base(self.settings)
        except KnowledgeError as exc:
            return exc.problems
        self._install(base, referrals, scope)
        return []

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Connection]:
        """A unit of work on a plain connection: the path every question takes.

        Sessions join it (``Session(bind=connection)``) only for referrals and the console's
        official; everything commits together or not at all.
        """
        if self.sessions is None:
            raise DeskError("this desk has no database")
        with self._writer, self.sessions.kw["bind"].begin() as connection:
            yield connection

    @contextlib.contextmanager
    def _session(self) -> Iterator[Session]:
        """One unit of work (in line behind other threads' on SQLite)."""
        if self.sessions is None:
            raise DeskError("this desk has no database")
        with self._writer, session_scope(self.sessions) as session:
            yield session

    # --- answering --------------------------------------------------------------------------
    def answer(
        self, question: str, *, language: str | None = None, state: State | None = None
    ) -> Reply:
        """Match ``question`` and build the reply, without logging anything (``ask``)."""
        return self._current.answer(question, language=language, state=state)

    def ask(
        self,
        asker: Asker,
        question: str,
        *,
        channel: str = "telegram",
        via: str = "typed",
        update_id: int | None = None,
    ) -> Reply:
        """Answer an official's question and log it (and open or join a ticket) before replying.

        ``update_id``: the Telegram update it came in; handled again, it is not logged twice.
        """
        with self._connection() as connection:
            if (earlier := self._logged_before(connection, update_id)) is not None:
                return earlier
            official = self._asking_official(connection, asker)
            language = official.language
            if not clean_text(question):
                return Reply(question, "empty", language, texts.say("empty_question", language))
            if self._over_rate_limit(connection, official):
                return self._limited(connection, official, question, channel=channel, via=via)
            state = self.base.states.get(official.state_code or "")
            reply = self.answer(question, language=language, state=state)
            if reply.small_talk == "thanks" and self._helped_lately(connection, official):
                reply.text = texts.say("smalltalk_after_ticket", reply.language)
            if reply.partner is not None and self._partner_shown_today(
                connection, official, reply.partner.id
            ):
                # Once a day is enough: an answer or suggestions stand alone, a bare referral
                # shrinks to a line.
                if reply.partner_note:
                    reply.text = reply.text.removesuffix("\n\n" + reply.partner_note)
                    reply.partner, reply.partner_note = None, ""
                else:
                    reply.text = self.referrals.reminder_text(reply.partner, reply.language)
            self._log(connection, official, reply, channel=channel, via=via, update_id=update_id)
            return reply

    def _logged_before(self, connection: Connection, update_id: int | None) -> Reply | None:
        """The reply to a question an update taken back from the inbox logged already, or None.

        If the reply reached the official, the outcome is ``ALREADY_REPLIED`` (nothing to send);
        otherwise the same reply again, for the same query row. Only taken-back updates are
        looked up: a fresh update cannot have logged anything.
        """
        if update_id is None or update_id not in self._retaken:
            return None
        row = connection.execute(
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
        if row is None:
            return None
        if row.delivery == "delivered" or row.text is None:  # sent, or erased by /forget
            return Reply(row.text or "", ALREADY_REPLIED, row.language, "", query_id=row.id)
        entry = self.base.entries.get(row.entry_id or "")
        if row.outcome == "escalate":
            text = texts.say("ticket_opened", row.language, number=row.ticket_id)
            reply = Reply(row.text, "escalate", row.language, text)
            card = connection.execute(
                select(Ticket.staff_message_id).where(Ticket.id == row.ticket_id)
            ).scalar()
            if card is None:  # the card was never posted: announcing the ticket posts it
                reply.ticket_id = row.ticket_id
        elif row.via == "suggestion" and entry is not None:
            reply = Reply(
                row.text, "answer", row.language, entry_text(entry, row.language, self.base)
            )
            reply.entry, reply.score = entry, 100.0
            reply.tools = [self.base.tools[t] for t in entry.tools if t in self.base.tools]
        else:
            state = self.base.states.get(row.state_code or "")
            reply = self.answer(row.text, language=row.language, state=state)
        reply.query_id = row.id
        reply.referral_id = connection.execute(
            select(Referral.id).where(Referral.query_id == row.id)
        ).scalar()
        return reply

    def _helped_lately(self, connection: Connection, official: OfficialLike) -> bool:
        """The official's last ticket was closed in the past fortnight and none is open."""
        last = connection.execute(
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

    @staticmethod
    def _partner_shown_today(connection: Connection, official: OfficialLike, partner: str) -> bool:
        since = utcnow() - timedelta(days=1)
        shown = connection.execute(
            select(Query.id)
            .where(
                Query.official_id == official.id,
                Query.partner_id == partner,
                Query.asked_at >= since,
            )
            .limit(1)
        ).first()
        return shown is not None

    def choose(
        self,
        asker: Asker,
        entry_id: str,
        *,
        channel: str = "telegram",
        update_id: int | None = None,
    ) -> Reply:
        """An official chose a suggested entry: that is a question too, and logged as one."""
        entry = self.base.entries.get(entry_id)
        if entry is None:
            raise DeskError(f"no entry {entry_id!r}")
        with self._connection() as connection:
            if (earlier := self._logged_before(connection, update_id)) is not None:
                return earlier
            official = self._asking_official(connection, asker)
            lang = official.language
            if self._over_rate_limit(connection, official):
                return self._limited(
                    connection, official, entry.question(lang), channel=channel, via="suggestion"
                )
            reply = Reply(
                question=entry.question(lang),
                outcome="answer",
                language=lang,
                text=entry_text(entry, lang, self.base),
                entry=entry,
                score=100.0,
                tools=[self.base.tools[t] for t in entry.tools if t in self.base.tools],
            )
            chosen = self._chosen_lately(connection, official, entry.id)
            if chosen is not None:
                reply.query_id = chosen  # its rating buttons rate the answer already logged
                return reply
            self._log(
                connection, official, reply, channel=channel, via="suggestion", update_id=update_id
            )
            return reply

    @staticmethod
    def _chosen_lately(connection: Connection, official: OfficialLike, entry_id: str) -> int | None:
        """The query of the same entry chosen by the official within SAME_CHOICE_WITHIN, if any."""
        since = utcnow() - SAME_CHOICE_WITHIN
        return connection.execute(
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

    def to_secretariat(
        self,
        asker: Asker,
        question: str,
        *,
        channel: str = "telegram",
        kind: str = "secretariat",
        update_id: int | None = None,
    ) -> Reply:
        """A question straight to staff (/secretariat): logged as a query ending in a ticket."""
        with self._session() as session:
            if (earlier := self._logged_before(session.connection(), update_id)) is not None:
                return earlier
            official = self._official(session, asker)
            lang = official.language
            if not clean_text(question):
                return Reply(question, "empty", lang, texts.say("secretariat_empty", lang))
            if self._over_rate_limit(session.connection(), official):
                return self._limited(
                    session.connection(), official, question, channel=channel, via=kind
                )
            reply = Reply(question, "escalate", lang, "")
            self._log(
                session.connection(),
                official,
                reply,
                channel=channel,
                via=kind,
                ticket_kind=kind,
                update_id=update_id,
            )
            return reply

    def send_file(
        self, asker: Asker, file: SentFile, caption: str = "", *, channel: str = "telegram"
    ) -> Reply:
        """A file from an official (a draft bill to review, a photo of a register): into their
        open ticket, or a new one, for the Secretariat; logged like a /secretariat message."""
        if file.kind not in FILE_KINDS:
            raise DeskError(f"a file is one of {', '.join(FILE_KINDS)}")
        question = clean_text(caption) or file.label()
        with self._session() as session:
            official = self._official(session, asker)
            if self._over_rate_limit(session.connection(), official):
                return self._limited(
                    session.connection(), official, question, channel=channel, via="file"
                )
            reply = Reply(question, "escalate", official.language, "")
            self._log(
                session.connection(),
                official,
                reply,
                channel=channel,
                via="file",
                ticket_kind="secretariat",
                file=file,
            )
            reply.text = texts.say("file_received", official.language, number=reply.ticket_id)
            return reply

    def pass_on(self, asker: Asker, query_id: int, *, asked_directly: bool = False) -> Reply:
        """ "Not helpful, ask the Secretariat": a ticket for an answered query (not a new query).

        ``asked_directly``: the official pressed "Ask the Secretariat" under an answer that
        offers it, which is a request to the Secretariat, not a verdict on the answer.
        """
        with self._session() as session:
            official = self._official(session, asker)
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
                offered = self.answerer.answer(query.text, language=query.language).candidates
                tried = ", ".join(f"{entry}:{score:.0f}" for entry, score in offered[:3]) or None
            kind = (
                "secretariat" if asked_directly else PASS_ON_KINDS.get(query.outcome, "not_helpful")
            )
            ticket_id, card_id, is_new, _ = self._open_or_join(
                session.connection(), official, query.text or "", kind=kind, tried=tried
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

    def _log(
        self,
        connection: Connection,
        official: OfficialLike,
        reply: Reply,
        *,
        channel: str,
        via: str,
        ticket_kind: str = "escalation",
        file: SentFile | None = None,
        update_id: int | None = None,
    ) -> None:
        state = self.base.states.get(official.state_code or "")
        text = clean_text(reply.question)
        row = {
            "official_id": official.id,
            "official_ref": official.ref,
            "text": text,
            "language": reply.language,
            "outcome": reply.outcome,
            "entry_id": reply.entry.id if reply.entry else None,
            "score": reply.score,
            "topic": reply.entry.topic if reply.entry else None,
            "partner_id": reply.partner.id if reply.partner else None,
            "declined_by": reply.declined_by,
            "channel": channel,
            "via": via,
            "state_code": official.state_code,
            "region": state.region if state else None,
            "source": official.source,
            "asked_at": utcnow(),
            "update_id": update_id,
        }
        if reply.outcome == "escalate":
            tried = ", ".join(f"{e}:{s:.0f}" for e, s in reply.candidates) or None
            ticket_id, reply.ticket_card_id, reply.ticket_is_new, message_id = self._open_or_join(
                connection, official, text, kind=ticket_kind, tried=tried, file=file
            )
            reply.ticket_message_id = message_id
            reply.ticket_id = row["ticket_id"] = ticket_id
            key = "ticket_opened" if reply.ticket_is_new else "ticket_joined"
            reply.text = texts.say(key, reply.language, number=ticket_id)
        # One row per question on every update: a Core insert skips the unit of work's bookkeeping.
        inserted = connection.execute(_INSERT_QUERY, row)
        reply.query_id = inserted.inserted_primary_key[0]
        if reply.partner is not None:
            reply.referral_id, reply.referral_is_new = self._refer(connection, official, reply, row)

    def _refer(
        self, connection: Connection, official: OfficialLike, reply: Reply, row: dict
    ) -> tuple[int, bool]:
        """The official's open referral to the partner, or a new one (and a card for staff)."""
        assert reply.partner is not None
        open_referral = connection.execute(
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
            region=row["region"],
            language=reply.language,
            created_by="bot",
            followup_due_at=utcnow() + timedelta(days=self.settings.referral_followup_days),
        )
        with Session(bind=connection) as session:
            session.add(referral)
            session.flush()
            return referral.id, True

    def _open_or_join(
        self,
        connection: Connection,
        official: OfficialLike,
        text: str,
        *,
        kind: str,
        tried: str | None,
        file: SentFile | None = None,
    ) -> tuple[int, int | None, bool, int]:
        """The official's open ticket gets the message; a closed ticket is never reopened.

        Returns the ticket's number, its card in the staff chat (once posted), whether it was
        opened now and the message's row. Core statements: an ORM session's flushes cost ~1 ms per escalated question.
        """
        # Lock the official's row (PostgreSQL): two processes never both open a ticket for them.
        connection.execute(_LOCK_OFFICIAL, {"official_id": official.id})
        found = connection.execute(_OPEN_TICKET, {"official_id": official.id}).first()
        if found is not None:
            ticket_id, card_id = found
        else:
            state = self.base.states.get(official.state_code or "")
            opened = connection.execute(
                _INSERT_TICKET,
                {
                    "official_id": official.id,
                    "official_ref": official.ref,
                    "kind": kind,
                    "status": "open",
                    "language": official.language,
                    "state_code": official.state_code,
                    "region": state.region if state else None,
                    "tried": tried,
                    "opened_at": utcnow(),
                },
            )
            ticket_id, card_id = opened.inserted_primary_key[0], None
        inserted = connection.execute(
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

    def _over_rate_limit(self, connection: Connection, official: OfficialLike) -> bool:
        """The official sent HELPDESK_RATE_LIMIT questions (every way in) in the past minute.

        Messages already over the limit do not count: once the minute has passed the official is
        answered again, however much they sent meanwhile.
        """
        limit = self.settings.rate_limit_per_minute
        if not limit:
            return False
        since = utcnow() - timedelta(minutes=1)
        # official_ref, asked_at and outcome: read from one covering index (ix_queries_stats_official).
        recent = connection.execute(
            select(func.count()).where(
                Query.official_ref == official.ref,
                Query.asked_at >= since,
                Query.outcome != LIMITED,
            )
        ).scalar()
        return (recent or 0) >= limit

    def _limited(
        self,
        connection: Connection,
        official: OfficialLike,
        question: str,
        *,
        channel: str,
        via: str,
    ) -> Reply:
        """A message over the rate limit: kept in the log (outcome ``limited``), nothing for staff.

        The official is told to wait once: the Reply has the text only if no message of theirs was
        over the limit in the past minute, and an empty text (nothing to send) otherwise.
        """
        since = utcnow() - timedelta(minutes=1)
        told = connection.execute(
            select(Query.id)
            .where(
                Query.official_ref == official.ref,
                Query.asked_at >= since,
                Query.outcome == LIMITED,
            )
            .limit(1)
        ).first()
        state = self.base.states.get(official.state_code or "")
        inserted = connection.execute(
            _INSERT_QUERY,
            {
                "official_id": official.id,
                "official_ref": official.ref,
                "text": clean_text(question),
                "language": official.language,
                "outcome": LIMITED,
                "channel": channel,
                "via": via,
                "state_code": official.state_code,
                "region": state.region if state else None,
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

    def mark_delivery(self, query_id: int, *, delivered: bool, error: str | None = None) -> None:
        """Record whether the reply to a query reached the official."""
        if self.sessions is None:
            raise DeskError("this desk has no database")
        # One UPDATE on every reply: a plain connection, without an ORM session's bookkeeping.
        with self._writer, self.sessions.kw["bind"].begin() as connection:
            connection.execute(
                update(Query)
                .where(Query.id == query_id)
                .values(
                    delivery="delivered" if delivered else "failed",
                    delivery_error=None if delivered else (error or "")[:200],
                    replied_at=utcnow(),
                )
            )

    def mark_delivered(self, replies: list[tuple[int, datetime]]) -> None:
        """Record several replies as delivered, each with its send time, in one statement.

        Example: ``desk.mark_delivered([(query_id, utcnow())])``
        """
        if self.sessions is None:
            raise DeskError("this desk has no database")
        if not replies:
            return
        table = Query.__table__
        statement = (
            update(table)
            .where(table.c.id == bindparam("query_id"))
            .values(delivery="delivered", delivery_error=None, replied_at=bindparam("at"))
        )
        with self._writer, self.sessions.kw["bind"].begin() as connection:
            connection.execute(statement, [{"query_id": q, "at": at} for q, at in replies])

    def undelivered_replies(self, *, days: int = 7) -> list[Query]:
        """Queries of the last ``days`` whose reply never reached the official, newest first."""
        since = utcnow() - timedelta(days=days)
        with self._session() as session:
            found = list(
                session.scalars(
                    select(Query)
                    .where(Query.delivery == "failed", Query.asked_at >= since)
                    .order_by(Query.asked_at.desc(), Query.id.desc())
                )
            )
            session.expunge_all()
            return found

    def apply_retention(self, *, now: datetime | None = None) -> int:
        """Erase question and message text older than HELPDESK_RETENTION_MONTHS; counts stay.

        Returns how many query texts were erased. Months are taken as 30 days: retention is a
        privacy floor, not a calendar feature.
        """
        months = self.settings.retention_months
        if not months:
            return 0
        cutoff = (now or utcnow()) - timedelta(days=30 * months)
        with self._session() as session:
            erased = session.execute(
                update(Query)
                .where(Query.asked_at < cutoff, Query.text.is_not(None))
                .values(text=None)
            ).rowcount
            old_closed = select(Ticket.id).where(
                Ticket.status == "closed", Ticket.closed_at < cutoff
            )
            session.execute(
                update(TicketMessage)
                .where(TicketMessage.ticket_id.in_(old_closed), TicketMessage.created_at < cutoff)
                .values(text=None)
            )
            return erased or 0

    # --- the inbox: Telegram updates stored before Telegram is told they arrived -------------
    def take_in(self, arrivals: list[Arrival], *, taker: str | None = None) -> list[int]:
        """Store updates in the inbox, all in one transaction; the ids it did not hold already.

        Only those are to be handled now: an update Telegram sends again is in the inbox from
        its first delivery (handled, or taken back from there after a crash).
        """
        if not arrivals:
            return []
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
        with self._connection() as connection:
            dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
            statement = (
                dialect.insert(InboxUpdate.__table__)
                .on_conflict_do_nothing(index_elements=["update_id"])
                .returning(InboxUpdate.__table__.c.update_id)
            )
            stored = set(connection.execute(statement, rows).scalars())
        return [a.update_id for a in arrivals if a.update_id in stored]

    def take_back(
        self,
        *,
        untouched_for: timedelta,
        leave: set[int] | frozenset[int] = frozenset(),
        taker: str | None = None,
    ) -> list[tuple[int, str]]:
        """Unhandled updates no process has touched for ``untouched_for`` (or last taken by
        ``taker``: a process restarting takes its own back at once), oldest first, as
        (update_id, raw JSON), taken for another try (except the ids in ``leave``).

        Taking one moves its ``taken_at`` to now only if no other process did so meanwhile, so
        two processes sharing the database never take the same update.
        """
        now = utcnow()
        inbox = InboxUpdate.__table__
        taken: list[tuple[int, str]] = []
        with self._connection() as connection:
            candidates = connection.execute(
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
                won = connection.execute(
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
        self._retaken.update(update_id for update_id, _ in taken)
        return taken

    def mark_handled(self, update_ids: list[int]) -> None:
        """The updates' handlers finished: their rows lose the text they carried."""
        if not update_ids:
            return
        inbox = InboxUpdate.__table__
        with self._connection() as connection:
            connection.execute(
                update(inbox)
                .where(inbox.c.update_id.in_(update_ids))
                .values(handled_at=utcnow(), raw=None)
            )
        self._retaken.difference_update(update_ids)

    def purge_inbox(self, *, now: datetime | None = None) -> int:
        """Delete the inbox rows handled more than INBOX_KEEP_HANDLED ago, and those /forget
        emptied that a crash left unhandled; how many went."""
        cutoff = (now or utcnow()) - INBOX_KEEP_HANDLED
        inbox = InboxUpdate.__table__
        with self._connection() as connection:
            return connection.execute(
                delete(inbox).where(
                    (inbox.c.handled_at < cutoff)
                    | (inbox.c.raw.is_(None) & (inbox.c.received_at < cutoff))
                )
            ).rowcount

    # --- officials ----------------------------------------------------------------------------
    def _known_official(self, connection: Connection, asker: Asker) -> Row | None:
        """The official's row as plain columns, or None on first contact (or without a Telegram id).

        Every question looks the official up: a Core SELECT costs a fraction of loading an ORM
        object, and ``last_seen_at`` is rewritten only when it is stale or the chat changed, so a
        question is one INSERT rather than an UPDATE and an INSERT.
        """
        if asker.official_id is not None or asker.telegram_id is None:
            return None
        official = connection.execute(_KNOWN_OFFICIAL, {"telegram_id": asker.telegram_id}).first()
        if official is None:
            return None
        now = utcnow()
        moved = asker.chat_id is not None and asker.chat_id != official.chat_id
        if moved or official.last_seen_at is None or now - official.last_seen_at > LAST_SEEN_EVERY:
            connection.execute(
                update(Official)
                .where(Official.id == official.id)
                .values(
                    last_seen_at=now,
                    chat_id=asker.chat_id if asker.chat_id is not None else official.chat_id,
                )
            )
        return official

    def _asking_official(self, connection: Connection, asker: Asker) -> OfficialLike:
        """The official behind a question: a plain row when known, else found or created."""
        return self._known_official(connection, asker) or self._new_official(connection, asker)

    def _new_official(self, connection: Connection, asker: Asker) -> OfficialLike:
        """First contact: the official's row, inserted with Core (the ORM's find-or-create cost
        twice a known official's whole question). The console's official goes through the ORM."""
        if asker.official_id is not None or asker.telegram_id is None:
            with Session(bind=connection) as session:  # joins the caller's transaction
                official = self._official(session, asker)
                session.flush()
                return official
        values = {
            "telegram_id": asker.telegram_id,
            "chat_id": asker.chat_id,
            "name": _name(asker),
            "language": language_of(asker.language_code),
        }
        if connection.dialect.name == "sqlite":  # one writer at a time: no other process races
            connection.execute(_INSERT_OFFICIAL, values)
        else:
            try:
                with connection.begin_nested():
                    connection.execute(_INSERT_OFFICIAL, values)
            except IntegrityError:
                pass  # another bot process inserted them meanwhile: theirs is read below
        return connection.execute(_KNOWN_OFFICIAL, {"telegram_id": asker.telegram_id}).one()

    def _official(self, session: Session, asker: Asker) -> Official:
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
            official = self._add_official(session, official)
        else:
            official.last_seen_at = utcnow()
            if asker.chat_id is not None:
                official.chat_id = asker.chat_id
        return official

    @staticmethod
    def _add_official(session: Session, official: Official) -> Official:
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

    def profile(self, asker: Asker) -> Official:
        """The official's profile (created on first contact); a detached snapshot."""
        with self._session() as session:
            official = self._official(session, asker)
            session.flush()
            session.expunge(official)
            return official

    # --- deadline reminders (reminders.py) -----------------------------------------------------
    def set_deadline_reminders(
        self, asker: Asker, *, today: date | None = None
    ) -> list[deadline_reminders.Planned]:
        """Remind the official before each deadline ahead of their State (replacing the old)."""
        with self._session() as session:
            official = self._official(session, asker)
            now = utcnow()
            return deadline_reminders.subscribe(
                session, official, self.base, today=today or now.date(), now=now
            )

    def stop_deadline_reminders(self, asker: Asker) -> int:
        """Cancel the official's reminders not sent yet; how many."""
        with self._session() as session:
            official = self._official(session, asker)
            return deadline_reminders.cancel(session, official.id, now=utcnow())

    def pending_deadline_reminders(self, asker: Asker) -> list[deadline_reminders.Planned]:
        """The official's reminders still to be sent, soonest first."""
        with self._session() as session:
            return deadline_reminders.pending(session, self._official(session, asker).id)

    def due_deadline_reminders(
        self, *, today: date | None = None
    ) -> list[deadline_reminders.DueReminder]:
        """Reminders whose day has come (of any official), to send now."""
        with self._session() as session:
            now = utcnow()
            return deadline_reminders.due(session, today=today or now.date(), now=now)

    def mark_deadline_reminder(self, reminder_id: int, *, sent: bool) -> None:
        """Sent, or (the official blocked the bot) cancelled: either way not sent again."""
        with self._session() as session:
            reminder = session.get(DeadlineReminder, reminder_id)
            if reminder is not None:
                if sent:
                    reminder.sent_at = utcnow()
                else:
                    reminder.cancelled_at = utcnow()

    def update_profile(self, asker: Asker, **changes: object) -> Official:
        """Change language, state_code, role, source or consent; unknown values raise DeskError."""
        allowed = {"language", "state_code", "role", "source", "consent", "name"}
        if unknown := set(changes) - allowed:
            raise DeskError(f"cannot change {', '.join(sorted(unknown))}")
        if "language" in changes and changes["language"] not in LANGUAGES:
            raise DeskError(f"unknown language {changes['language']!r}")
        code = changes.get("state_code")
        if code is not None and code not in self.base.states:
            raise DeskError(f"unknown State {code!r}")
        with self._session() as session:
            official = self._official(session, asker)
            for key, value in changes.items():
                if key in {"role", "source", "name"} and isinstance(value, str):
                    value = clean_text(value)[: 200 if key != "source" else 64] or None
                setattr(official, key, value)
            if changes.get("consent"):
                official.consent_at = utcnow()
            session.flush()
            session.expunge(official)
            return official

    def forget(self, asker: Asker) -> Erasure | None:
        """Erase the official's profile, the text of their messages and every copy the desk
        keeps; the counts stay. None when the desk holds nothing about them.

        The Erasure lists the staff-chat cards the channel must still edit; the FAQ drafts of
        their tickets are removed here, and SQLite's write-ahead log is emptied (it would keep
        the erased text until later writes overwrite it).
        """
        if asker.telegram_id is None:
            return None
        with self._session() as session:
            official = session.scalars(
                select(Official).where(Official.telegram_id == asker.telegram_id)
            ).first()
            if official is None:
                return None
            tickets = session.execute(
                select(Ticket.id, Ticket.staff_message_id).where(Ticket.official_id == official.id)
            ).all()
            ticket_ids = [ticket.id for ticket in tickets]
            cards = self._staff_cards(session, official, tickets)
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
                update(Ticket)
                .where(Ticket.official_id == official.id)
                .values(official_id=None, tried=None)
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
            # emptied below, and the text (their name is in every update) must not outlive it.
            session.execute(
                delete(InboxUpdate).where(
                    InboxUpdate.sender_id == asker.telegram_id, InboxUpdate.handled_at.is_not(None)
                )
            )
            session.execute(
                update(InboxUpdate)
                .where(InboxUpdate.sender_id == asker.telegram_id)
                .values(raw=None)
            )
            session.delete(official)
        removed = drafts.remove_drafts(self.drafts_dir, ticket_ids)
        self._empty_write_ahead_log()
        return Erasure(cards=cards, drafts=removed)

    def _staff_cards(
        self, session: Session, official: Official, tickets: list[Row]
    ) -> list[StaffCard]:
        """The messages the bot posted in the staff chat about the official: ticket cards, their
        later questions under the cards, and referral cards."""
        chat = self.settings.staff_chat_id
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
                        chat,
                        message_id,
                        ticket_id=ticket_id,
                        card=False,
                        file=file_kind is not None,
                    )
                )
        for referral_id, message_id in session.execute(
            select(Referral.id, Referral.staff_message_id).where(
                Referral.official_id == official.id, Referral.staff_message_id.is_not(None)
            )
        ):
            cards.append(StaffCard(chat, message_id, referral_id=referral_id))
        return cards

    def _empty_write_ahead_log(self) -> None:
        """Copy SQLite's write-ahead log into the database file and truncate it (secure_delete,
        set on every connection, has zeroed the erased text there). Nothing to do on PostgreSQL."""
        engine = self.sessions.kw["bind"] if self.sessions is not None else None
        if engine is None or engine.dialect.name != "sqlite":
            return
        with self._writer, engine.connect() as connection:
            busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        if busy:
            # A reader held an older snapshot: the next erasure or SQLite's own checkpoint
            # will copy the log; the erasure itself is done.
            log.warning("after an erasure the SQLite write-ahead log could not be emptied yet")

    # --- feedback -----------------------------------------------------------------------------
    def feedback(
        self,
        asker: Asker,
        *,
        query_id: int | None = None,
        referral_id: int | None = None,
        ticket_id: int | None = None,
        helpful: bool,
    ) -> int | None:
        """ "Was this helpful?" on an answer, or "did the referral help?" on a referral.

        Returns the query the official can pass on to the Secretariat (the answered question,
        or the one that was referred), None when there is none (a referral staff made).
        """
        asked = query_id
        with self._session() as session:
            official = self._official(session, asker)
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

    # --- tickets (staff) ----------------------------------------------------------------------
    def tickets(self, *, status: str | None = "open") -> list[Ticket]:
        """Tickets, oldest first, with their messages loaded."""
        with self._session() as session:
            statement = select(Ticket).order_by(Ticket.opened_at, Ticket.id)
            if status:
                statement = statement.where(Ticket.status == status)
            found = list(session.scalars(statement))
            for ticket in found:
                _ = ticket.messages
            session.expunge_all()
            return found

    def ticket(self, number: int) -> Ticket:
        with self._session() as session:
            ticket = session.get(Ticket, number)
            if ticket is None:
                raise DeskError(f"there is no ticket #{number}")
            _ = ticket.messages
            session.expunge_all()
            return ticket

    def ticket_for_staff_message(self, message_id: int) -> int | None:
        """The ticket whose card or message in the staff chat has ``message_id``."""
        with self._session() as session:
            found = session.scalar(select(Ticket.id).where(Ticket.staff_message_id == message_id))
            if found is None:
                found = session.scalar(
                    select(TicketMessage.ticket_id).where(
                        TicketMessage.staff_message_id == message_id
                    )
                )
            return found

    def record_staff_message(
        self,
        ticket_id: int,
        message_id: int,
        *,
        card: bool = False,
        of_message: int | None = None,
    ) -> None:
        """Remember the staff-chat copy of a ticket (card) or of its latest official message, or
        (``of_message``) of that message of the thread: an official's file posted under the card."""
        if of_message is not None:
            with self._connection() as connection:
                connection.execute(
                    update(TicketMessage.__table__)
                    .where(
                        TicketMessage.__table__.c.id == of_message,
                        TicketMessage.__table__.c.ticket_id == ticket_id,
                    )
                    .values(staff_message_id=message_id)
                )
            return
        # Core statements: this runs for every escalation, and only two ids change.
        tickets, messages = Ticket.__table__, TicketMessage.__table__
        with self._connection() as connection:
            found = connection.execute(
                select(tickets.c.staff_message_id).where(tickets.c.id == ticket_id)
            ).first()
            if found is None:
                raise DeskError(f"there is no ticket #{ticket_id}")
            if card or found.staff_message_id is None:
                connection.execute(
                    update(tickets)
                    .where(tickets.c.id == ticket_id)
                    .values(staff_message_id=message_id)
                )
            newest = (
                select(func.max(messages.c.id))
                .where(messages.c.ticket_id == ticket_id)
                .scalar_subquery()
            )
            connection.execute(
                update(messages)
                .where(messages.c.id == newest, messages.c.staff_message_id.is_(None))
                .values(staff_message_id=message_id)
            )

    def claim(
        self,
        number: int,
        *,
        staff_id: int,
        staff_name: str | None = None,
        take_over: bool = False,
    ) -> Ticket:
        """Make ``staff_id`` the ticket's holder; a ticket a colleague holds is taken over only
        with ``take_over`` (else :class:`ClaimedByColleague`, so nobody takes one by accident)."""
        with self._session() as session:
            ticket = self._open_ticket(session, number)
            holder = ticket.assignee_id
            if holder is not None and holder != staff_id and not take_over:
                raise ClaimedByColleague(number, ticket.assignee_name)
            ticket.assignee_id = staff_id
            ticket.assignee_name = staff_name
            session.flush()
            _ = ticket.messages
            session.expunge_all()
            return ticket

    def staff_reply(
        self,
        number: int,
        text: str,
        *,
        staff_id: int,
        staff_name: str | None = None,
        file: SentFile | None = None,
    ) -> Relay:
        """A staff reply to relay to the official (text, or a file with an optional caption);
        the first one sets the first response time."""
        text = clean_message(text)
        staff_name = clean_text(staff_name or "")[:200] or None
        if not text and file is None:
            raise DeskError("an empty reply cannot be relayed")
        if file is not None and file.kind not in FILE_KINDS:
            raise DeskError(f"a file is one of {', '.join(FILE_KINDS)}")
        with self._session() as session:
            ticket = session.get(Ticket, number)
            if ticket is None:
                raise DeskError(f"there is no ticket #{number}")
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

    def close(self, number: int, *, resolution: str, staff_id: int) -> Relay:
        """Close a ticket; the Relay tells the official."""
        if resolution not in CLOSE_RESOLUTIONS:
            raise DeskError(f"resolution must be one of {', '.join(CLOSE_RESOLUTIONS)}")
        with self._session() as session:
            ticket = self._open_ticket(session, number)
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

    def refer_ticket(
        self, number: int, partner_id: str, *, staff_id: int
    ) -> tuple[Referral, Relay]:
        """Staff refer a ticket to a partner: a tracked referral and a message for the official."""
        partner = self.referrals.partners.get(partner_id)
        if partner is None:
            raise DeskError(f"unknown partner {partner_id!r}")
        with self._session() as session:
            ticket = self._open_ticket(session, number)
            ticket.partner_id = partner_id
            referral = Referral(
                partner_id=partner_id,
                ticket_id=ticket.id,
                official_id=ticket.official_id,
                official_ref=ticket.official_ref,
                state_code=ticket.state_code,
                region=ticket.region,
                language=ticket.language,
                created_by="staff",
                reason=f"ticket #{ticket.id}",
                followup_due_at=utcnow() + timedelta(days=self.settings.referral_followup_days),
            )
            session.add(referral)
            now = utcnow()
            if ticket.first_response_at is None:
                ticket.first_response_at = now
            # The same words the bot uses for its own referrals: who, and how to reach them.
            staff_choice = referral_records.Routing(partner=partner, rule="staff", reason={})
            text = self.referrals.reply_text(staff_choice, ticket.language, by_staff=True)
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

    def referrals_open(self, *, limit: int = 50) -> list[tuple[Referral, str | None]]:
        """Open referrals, oldest first, each with the official's question (None once erased)."""
        with self._session() as session:
            rows = session.execute(
                select(Referral, Query.text)
                .outerjoin(Query, Query.id == Referral.query_id)
                .where(Referral.status == "open")
                .order_by(Referral.created_at, Referral.id)
                .limit(limit)
            ).all()
            session.expunge_all()
            return [(referral, text) for referral, text in rows]

    def referral(self, referral_id: int) -> tuple[Referral, str | None]:
        """One referral and the official's question."""
        with self._session() as session:
            row = session.execute(
                select(Referral, Query.text)
                .outerjoin(Query, Query.id == Referral.query_id)
                .where(Referral.id == referral_id)
            ).first()
            if row is None:
                raise DeskError(f"there is no referral #{referral_id}")
            session.expunge_all()
            return row[0], row[1]

    def record_referral_card(self, referral_id: int, message_id: int) -> None:
        """Remember the referral's card in the staff chat (edited if the official uses /forget)."""
        with self._connection() as connection:
            connection.execute(
                update(Referral.__table__)
                .where(Referral.__table__.c.id == referral_id)
                .values(staff_message_id=message_id)
            )

    def close_referral(self, referral_id: int, *, outcome: str) -> None:
        """Close a referral with its outcome (taken_up, not_needed, no_answer)."""
        try:
            with self._session() as session:
                referral_records.close_referral(session, referral_id, outcome=outcome)
        except referral_records.ReferralError as exc:
            raise DeskError(str(exc)) from None

    def mark_message_delivery(
        self, message_id: int, *, delivered: bool, error: str | None = None
    ) -> None:
        """Record whether a staff reply reached the official (undelivered ones show in /queue)."""
        with self._session() as session:
            session.execute(
                update(TicketMessage)
                .where(TicketMessage.id == message_id)
                .values(
                    delivery="delivered" if delivered else "failed",
                    delivery_error=None if delivered else (error or "")[:200],
                )
            )

    def due_reminders(self, *, now: datetime | None = None) -> list[Ticket]:
        """Open tickets with no staff response after the configured working days, not yet reminded."""
        now = now or utcnow()
        found = []
        for ticket in self.tickets(status="open"):
            if ticket.first_response_at is not None or ticket.reminded_at is not None:
                continue
            if working_days_between(ticket.opened_at, now) >= self.settings.reminder_working_days:
                found.append(ticket)
        return found

    def mark_reminded(self, number: int) -> None:
        with self._session() as session:
            session.execute(update(Ticket).where(Ticket.id == number).values(reminded_at=utcnow()))

    def ticket_official(self, number: int) -> Official | None:
        """The official behind a ticket (a detached snapshot); None after /forget."""
        with self._session() as session:
            ticket = session.get(Ticket, number)
            if ticket is None:
                raise DeskError(f"there is no ticket #{number}")
            official = session.get(Official, ticket.official_id) if ticket.official_id else None
            if official is not None:
                session.expunge(official)
            return official

    def due_followups(self, *, now: datetime | None = None) -> list[FollowUp]:
        """Referrals whose "did the referral help?" question is due and not yet sent."""
        with self._session() as session:
            found = []
            for referral in referral_records.due_followups(session, now=now):
                official = session.get(Official, referral.official_id)
                partner = self.referrals.partners.get(referral.partner_id)
                language = official.language if official else referral.language
                found.append(
                    FollowUp(
                        referral_id=referral.id,
                        chat_id=official.chat_id if official else None,
                        language=language,
                        partner=partner.name(language) if partner else referral.partner_id,
                        created_at=referral.created_at,
                    )
                )
            return found

    def mark_followup_sent(self, referral_id: int) -> None:
        """The follow-up went out (or cannot): never sent twice, even after a restart."""
        with self._session() as session:
            referral_records.mark_followup_sent(session, referral_id)

    @property
    def drafts_dir(self) -> Path:
        """Where "Turn into FAQ" writes drafts: knowledge/drafts/."""
        return self.settings.knowledge_dir / "drafts"

    def draft_faq(self, number: int, *, drafts_dir: Path | None = None) -> Path:
        """Save a closed ticket's question and staff answer as a draft entry under knowledge/drafts/.

        The draft names no one: salutations, sign-offs and the official's and staff's names go.
        """
        ticket = self.ticket(number)
        if ticket.status != "closed":
            raise DeskError(f"ticket #{number} is still open: close it first")
        official = self.ticket_official(number)
        names = [official.name if official else None]
        names += [m.author_name for m in ticket.messages if m.author == "staff"]
        question = next(
            (m.text for m in ticket.messages if m.author == "official" and m.text), None
        )
        answer = next(
            (m.text for m in reversed(ticket.messages) if m.author == "staff" and m.text), None
        )
        question = drafts.impersonal(question or "", names)
        answer = drafts.impersonal(answer or "", names)
        if not question or not answer:
            raise DeskError(f"ticket #{number} has no question and staff answer to draft from")
        return drafts.write_draft(
            drafts_dir or self.drafts_dir,
            number,
            language=ticket.language,
            question=question,
            answer=answer,
        )

    def _open_ticket(self, session: Session, number: int) -> Ticket:
        ticket = session.get(Ticket, number)
        if ticket is None:
            raise DeskError(f"there is no ticket #{number}")
        if ticket.status != "open":
            raise DeskError(f"ticket #{number} is already closed")
        return ticket


def load_base(settings: Settings) -> tuple[KnowledgeBase, ReferralDirectory, Scope]:
    """Knowledge, referrals and the scope list, or KnowledgeError with every problem of all three."""
    base, problems = load_knowledge(settings.knowledge_dir)
    referrals, more = load_referrals(settings.referrals_dir, base)
    scope, scope_problems = load_scope(settings.knowledge_dir)
    problems = problems + more + scope_problems
    if any(p.is_error for p in problems):
        raise KnowledgeError(problems)
    return base, referrals, scope


def _name(asker: Asker) -> str | None:
    """The official's Telegram name as stored: printable, at most 200 characters."""
    return clean_text(asker.name or "")[:200] or None


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
