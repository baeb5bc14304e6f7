"""The desk: the one place where a question becomes a reply, a log row, a ticket or a referral.

It knows nothing of Telegram: the bot, the console ``chat`` and ``ask`` all call it. ``Desk`` is
the facade: each official or staff action is one unit of work here, done by the module whose
job it is (questions, officials, tickets, inbox, reminders).

Example::

    desk = Desk.from_settings(settings)
    reply = desk.ask(Asker(telegram_id=7, chat_id=7), "How do we ratify UNCAT?")
    reply.outcome, reply.text, reply.query_id
"""

from __future__ import annotations

import contextlib
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

# Names marked F401 are the desk's API too: channels and tests import them from here.
from . import drafts, inbox, officials, questions, referral_records, texts, tickets
from . import reminders as deadline_reminders
from .answering import MAX_QUESTION_CHARS, Answerer, Reply, clean_text  # noqa: F401
from .config import Settings
from .db import (  # noqa: F401  (DatabaseError: from_settings, a database it cannot open)
    DatabaseError,
    as_database_failure,
    check_schema,
    connect,
    make_sessionmaker,
    shown_url,
    sqlite_file,
)
from .errors import DatabaseFailure, DeskError  # noqa: F401  (what a desk call may raise)
from .inbox import INBOX_KEEP_HANDLED, Arrival  # noqa: F401
from .knowledge import KnowledgeBase, KnowledgeError, State, load_knowledge
from .matcher import Matcher

# The records the desk hands out, detached from their session: channels read them and name them
# in annotations (importing them from here), never query through them.
from .models import DeadlineReminder, Official, Query, Referral, Ticket, utcnow
from .officials import LAST_SEEN_EVERY, Asker, Erasure, OfficialRow  # noqa: F401
from .questions import ALREADY_REPLIED, HELPED_LATELY, LIMITED, SAME_CHOICE_WITHIN  # noqa: F401
from .referrals import ReferralDirectory, load_referrals
from .runner import UnitsOfWork, alone
from .scope import Scope, load_scope
from .text import detect_language
from .tickets import (  # noqa: F401
    CLOSE_RESOLUTIONS,
    FILE_KINDS,
    PASS_ON_KINDS,
    ClaimedByColleague,
    FollowUp,
    Relay,
    SentFile,
    StaffCard,
    working_days_between,
)
from .yamlfile import Problem


class Desk(UnitsOfWork):
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
        self.single_writer = serialise  # runner.DeskRunner: one writer thread, batching
        self._batch = threading.local()  # the connection of the batch this thread is in
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
        self._current = Answerer(base, referrals, scope, **self.settings.bands)

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

    @property
    def shown_database_url(self) -> str:
        """HELPDESK_DATABASE_URL as logs may show it to people: any password hidden."""
        return shown_url(self.settings.database_url)

    @property
    def database_file(self) -> Path | None:
        """The SQLite file the desk writes; None for PostgreSQL (or SQLite in memory)."""
        return sqlite_file(self.settings.database_url)

    def reload(self) -> list[Problem]:
        """Reload knowledge and referrals; on any error keep the running base and return the problems."""
        try:
            base, referrals, scope = load_base(self.settings)
        except KnowledgeError as exc:
            return exc.problems
        self._install(base, referrals, scope)
        return []

    # --- answering (questions.py) -----------------------------------------------------------
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
        with self._session() as session:
            if (earlier := self._logged_before(session, update_id)) is not None:
                return earlier
            official = officials.asking(session, asker)
            language = official.language
            if not clean_text(question):
                return Reply(question, "empty", language, texts.say("empty_question", language))
            if (held := self._held(session, official, question, channel, via)) is not None:
                return held
            state = self.base.states.get(official.state_code or "")
            reply = self.answer(question, language=language, state=state)
            questions.mind_history(session, official, reply, self._current)
            self._log(session, official, reply, channel, via, update_id=update_id)
            return reply

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
        with self._session() as session:
            if (earlier := self._logged_before(session, update_id)) is not None:
                return earlier
            official = officials.asking(session, asker)
            reply = questions.chosen(entry, official.language, self.base)
            held = self._held(session, official, reply.question, channel, "suggestion")
            if held is not None:
                return held
            chosen = questions.chosen_lately(session, official, entry.id)
            if chosen is not None:
                reply.query_id = chosen  # its rating buttons rate the answer already logged
                return reply
            self._log(session, official, reply, channel, "suggestion", update_id=update_id)
            return reply

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
            if (earlier := self._logged_before(session, update_id)) is not None:
                return earlier
            official = officials.asking(session, asker)
            # As for any question: its own words decide the language once there are enough.
            lang = detect_language(question, official.language)
            if not clean_text(question):
                return Reply(question, "empty", lang, texts.say("secretariat_empty", lang))
            if (held := self._held(session, official, question, channel, kind)) is not None:
                return held
            reply = Reply(question, "escalate", lang, "")
            self._log(
                session, official, reply, channel, kind, ticket_kind=kind, update_id=update_id
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
            official = officials.asking(session, asker)
            if (held := self._held(session, official, question, channel, "file")) is not None:
                return held
            reply = Reply(question, "escalate", official.language, "")
            self._log(
                session, official, reply, channel, "file", ticket_kind="secretariat", file=file
            )
            reply.text = texts.say("file_received", official.language, number=reply.ticket_id)
            return reply

    def pass_on(self, asker: Asker, query_id: int, *, asked_directly: bool = False) -> Reply:
        """ "Not helpful, ask the Secretariat": a ticket for an answered query (not a new query).

        ``asked_directly``: the official pressed "Ask the Secretariat" under an answer that
        offers it, which is a request to the Secretariat, not a verdict on the answer.
        """
        with self._session() as session:
            official = officials.asking(session, asker)
            return tickets.pass_on(
                session, official, query_id, self._current, asked_directly=asked_directly
            )

    def _logged_before(self, session: Session, update_id: int | None) -> Reply | None:
        """The reply already logged for an update taken back from the inbox, or None (a fresh
        update cannot have logged anything); see ``questions.logged_before``."""
        if update_id is None or update_id not in self._retaken:
            return None
        return questions.logged_before(session, update_id, self._current)

    def _held(
        self, session: Session, official: OfficialRow, question: str, channel: str, via: str
    ) -> Reply | None:
        """A message over HELPDESK_RATE_LIMIT (every way in, the past minute): logged, and the
        reply that holds it back (``questions.limited``); None when it is to be answered."""
        limit = self.settings.rate_limit_per_minute
        if not questions.over_rate_limit(session, official, limit=limit):
            return None
        return questions.limited(session, official, question, self.base, channel=channel, via=via)

    def _log(
        self,
        session: Session,
        official: OfficialRow,
        reply: Reply,
        channel: str,
        via: str,
        *,
        ticket_kind: str = "escalation",
        file: SentFile | None = None,
        update_id: int | None = None,
    ) -> None:
        """Log the question (one query row), opening or joining its ticket or referral; the
        reply gets their numbers."""
        row = questions.row(
            official, reply, self.base, channel=channel, via=via, update_id=update_id
        )
        if reply.outcome == "escalate":
            tried = ", ".join(f"{e}:{s:.0f}" for e, s in reply.candidates) or None
            ticket_id, reply.ticket_card_id, reply.ticket_is_new, message_id = self._open_or_join(
                session, official, row["text"], kind=ticket_kind, tried=tried, file=file
            )
            reply.ticket_message_id = message_id
            reply.ticket_id = row["ticket_id"] = ticket_id
            key = "ticket_opened" if reply.ticket_is_new else "ticket_joined"
            reply.text = texts.say(key, reply.language, number=ticket_id)
        # One row per question on every update: a Core insert skips the unit of work's bookkeeping.
        inserted = session.execute(questions.INSERT_QUERY, row)
        reply.query_id = inserted.inserted_primary_key[0]
        if reply.partner is not None:
            days = self.settings.referral_followup_days
            reply.referral_id, reply.referral_is_new = questions.refer(
                session, official, reply, region=row["region"], days=days
            )

    def _open_or_join(
        self,
        session: Session,
        official: OfficialRow,
        text: str,
        *,
        kind: str,
        tried: str | None,
        file: SentFile | None = None,
    ) -> tuple[int, int | None, bool, int]:
        """``tickets.open_or_join`` on this desk's base (tests break it here, mid-transaction)."""
        return tickets.open_or_join(
            session, official, text, base=self.base, kind=kind, tried=tried, file=file
        )

    # --- delivery and retention (questions.py) ------------------------------------------------
    def mark_delivery(self, query_id: int, *, delivered: bool, error: str | None = None) -> None:
        """Record whether the reply to a query reached the official."""
        with self._session() as session:
            questions.mark_delivery(session, query_id, delivered=delivered, error=error)

    def mark_delivered(self, replies: list[tuple[int, datetime]]) -> None:
        """Record several replies as delivered, each with its send time, in one statement.

        Example: ``desk.mark_delivered([(query_id, utcnow())])``
        """
        if self.sessions is None:
            raise DeskError("this desk has no database")
        if not replies:
            return
        with self._session() as session:
            questions.mark_delivered(session, replies)

    def undelivered_replies(self, *, days: int = 7) -> list[Query]:
        """Queries of the last ``days`` whose reply never reached the official, newest first."""
        with self._session() as session:
            return questions.undelivered(session, days=days)

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
            return questions.erase_before(session, cutoff)

    # --- the inbox: Telegram updates stored before Telegram is told they arrived (inbox.py) ---
    def take_in(self, arrivals: list[Arrival], *, taker: str | None = None) -> list[int]:
        """Store updates in the inbox, all in one transaction; the ids it did not hold already.

        Only those are to be handled now: an update Telegram sends again is in the inbox from
        its first delivery (handled, or taken back from there after a crash).
        """
        if not arrivals:
            return []
        with self._session() as session:
            return inbox.take_in(session, arrivals, taker=taker)

    def take_back(
        self,
        *,
        untouched_for: timedelta,
        leave: set[int] | frozenset[int] = frozenset(),
        taker: str | None = None,
    ) -> list[tuple[int, str]]:
        """Unhandled updates no process has touched for ``untouched_for`` (or last taken by
        ``taker``: a process restarting takes its own back at once), oldest first, as
        (update_id, raw JSON), taken for another try (except the ids in ``leave``)."""
        with self._session() as session:
            taken = inbox.take_back(session, untouched_for=untouched_for, leave=leave, taker=taker)
        self._retaken.update(update_id for update_id, _ in taken)
        return taken

    def mark_handled(self, update_ids: list[int]) -> None:
        """The updates' handlers finished: their rows lose the text they carried."""
        if not update_ids:
            return
        with self._session() as session:
            inbox.mark_handled(session, update_ids)
        self._retaken.difference_update(update_ids)

    def purge_inbox(self, *, now: datetime | None = None) -> int:
        """Delete the inbox rows handled more than INBOX_KEEP_HANDLED ago, and those /forget
        emptied that a crash left unhandled; how many went."""
        with self._session() as session:
            return inbox.purge(session, now=now)

    # --- officials (officials.py) -------------------------------------------------------------
    def profile(self, asker: Asker) -> Official:
        """The official's profile (created on first contact); a detached snapshot."""
        with self._session() as session:
            return officials.profile(session, asker)

    def update_profile(self, asker: Asker, **changes: object) -> Official:
        """Change language, state_code, role, source or consent; unknown values raise DeskError."""
        officials.check_changes(changes, self.base)
        with self._session() as session:
            return officials.update_profile(session, asker, changes)

    @alone
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
            erased = officials.forget(session, asker, staff_chat=self.settings.staff_chat_id)
        if erased is None:
            return None
        cards, ticket_ids = erased
        removed = drafts.remove_drafts(self.drafts_dir, ticket_ids)
        if self.sessions is not None:
            with as_database_failure(), self._writer:
                officials.empty_write_ahead_log(self.sessions.kw["bind"])
        return Erasure(cards=cards, drafts=removed)

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
        with self._session() as session:
            return officials.feedback(
                session,
                asker,
                query_id=query_id,
                referral_id=referral_id,
                ticket_id=ticket_id,
                helpful=helpful,
            )

    # --- deadline reminders (reminders.py) -----------------------------------------------------
    def set_deadline_reminders(
        self, asker: Asker, *, today: date | None = None
    ) -> list[deadline_reminders.Planned]:
        """Remind the official before each deadline ahead of their State (replacing the old)."""
        with self._session() as session:
            official = officials.find_or_create(session, asker)
            now = utcnow()
            return deadline_reminders.subscribe(
                session, official, self.base, today=today or now.date(), now=now
            )

    def stop_deadline_reminders(self, asker: Asker) -> int:
        """Cancel the official's reminders not sent yet; how many."""
        with self._session() as session:
            official = officials.find_or_create(session, asker)
            return deadline_reminders.cancel(session, official.id, now=utcnow())

    def pending_deadline_reminders(self, asker: Asker) -> list[deadline_reminders.Planned]:
        """The official's reminders still to be sent, soonest first."""
        with self._session() as session:
            official = officials.find_or_create(session, asker)
            return deadline_reminders.pending(session, official.id)

    def due_deadline_reminders(
        self, *, today: date | None = None
    ) -> list[deadline_reminders.DueReminder]:
        """Reminders whose day has come (of any official), to send now."""
        with self._session() as session:
            now = utcnow()
            return deadline_reminders.due(session, today=today or now.date(), now=now)

    def mark_deadline_reminder(self, reminder_id: int, *, sent: bool) -> None:
        """Sent, or (the official blocked the bot, or their chat is gone) cancelled: either way
        not sent again."""
        with self._session() as session:
            reminder = session.get(DeadlineReminder, reminder_id)
            if reminder is not None:
                if sent:
                    reminder.sent_at = utcnow()
                else:
                    reminder.cancelled_at = utcnow()

    # --- tickets (tickets.py) -----------------------------------------------------------------
    def tickets(self, *, status: str | None = "open") -> list[Ticket]:
        """Tickets, oldest first, with their messages loaded."""
        with self._session() as session:
            return tickets.listing(session, status=status)

    def ticket(self, number: int) -> Ticket:
        """Ticket ``number`` with its messages; DeskError if there is none."""
        with self._session() as session:
            return tickets.one(session, number)

    def ticket_official(self, number: int) -> Official | None:
        """The official behind a ticket (a detached snapshot); None after /forget."""
        with self._session() as session:
            return tickets.official_of(session, number)

    def ticket_for_staff_message(self, message_id: int) -> int | None:
        """The ticket whose card or message in the staff chat has ``message_id``."""
        with self._session() as session:
            return tickets.for_staff_message(session, message_id)

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
        with self._session() as session:
            tickets.record_staff_message(
                session, ticket_id, message_id, card=card, of_message=of_message
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
            return tickets.claim(
                session, number, staff_id=staff_id, staff_name=staff_name, take_over=take_over
            )

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
        text, staff_name = tickets.clean_reply(text, staff_name, file)
        with self._session() as session:
            return tickets.staff_reply(
                session, number, text, staff_id=staff_id, staff_name=staff_name, file=file
            )

    def close(self, number: int, *, resolution: str, staff_id: int) -> Relay:
        """Close a ticket; the Relay tells the official."""
        tickets.check_resolution(resolution)
        with self._session() as session:
            return tickets.close(session, number, resolution=resolution, staff_id=staff_id)

    def refer_ticket(
        self, number: int, partner_id: str, *, staff_id: int
    ) -> tuple[Referral, Relay]:
        """Staff refer a ticket to a partner: a tracked referral and a message for the official."""
        partner = self.referrals.partners.get(partner_id)
        if partner is None:
            raise DeskError(f"unknown partner {partner_id!r}")
        with self._session() as session:
            days = self.settings.referral_followup_days
            return tickets.refer(
                session, number, partner, self.referrals, staff_id=staff_id, days=days
            )

    def mark_message_delivery(
        self, message_id: int, *, delivered: bool, error: str | None = None
    ) -> None:
        """Record whether a staff reply reached the official (undelivered ones show in /queue)."""
        with self._session() as session:
            tickets.mark_message_delivery(session, message_id, delivered=delivered, error=error)

    def due_reminders(self, *, now: datetime | None = None) -> list[Ticket]:
        """Open tickets with no staff response after the configured working days, not yet reminded."""
        days = self.settings.reminder_working_days
        return tickets.due_reminders(self.tickets(status="open"), now=now or utcnow(), days=days)

    def mark_reminded(self, number: int) -> None:
        with self._session() as session:
            tickets.mark_reminded(session, number)

    # --- referrals (tickets.py, referrals.py) ---------------------------------------------------
    def referrals_open(self, *, limit: int = 50) -> list[tuple[Referral, str | None]]:
        """Open referrals, oldest first, each with the official's question (None once erased)."""
        with self._session() as session:
            return tickets.open_referrals(session, limit=limit)

    def referral(self, referral_id: int) -> tuple[Referral, str | None]:
        """One referral and the official's question."""
        with self._session() as session:
            return tickets.find_referral(session, referral_id)

    def record_referral_card(self, referral_id: int, message_id: int) -> None:
        """Remember the referral's card in the staff chat (edited if the official uses /forget)."""
        with self._session() as session:
            tickets.record_referral_card(session, referral_id, message_id)

    def close_referral(self, referral_id: int, *, outcome: str) -> None:
        """Close a referral with its outcome (taken_up, not_needed, no_answer)."""
        try:
            with self._session() as session:
                referral_records.close_referral(session, referral_id, outcome=outcome)
        except referral_records.ReferralError as exc:
            raise DeskError(str(exc)) from None

    def due_followups(self, *, now: datetime | None = None) -> list[FollowUp]:
        """Referrals whose "did the referral help?" question is due and not yet sent."""
        with self._session() as session:
            return tickets.due_followups(session, self.referrals, now=now)

    def mark_followup_sent(self, referral_id: int) -> None:
        """The follow-up went out (or cannot): never sent twice, even after a restart."""
        with self._session() as session:
            referral_records.mark_followup_sent(session, referral_id)

    # --- "Turn into FAQ" (drafts.py) ----------------------------------------------------------
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
        return tickets.draft_faq(ticket, official, drafts_dir or self.drafts_dir)


def load_base(settings: Settings) -> tuple[KnowledgeBase, ReferralDirectory, Scope]:
    """Knowledge, referrals and the scope list, or KnowledgeError with every problem of all three."""
    base, problems = load_knowledge(settings.knowledge_dir)
    referrals, more = load_referrals(settings.referrals_dir, base)
    scope, scope_problems = load_scope(settings.knowledge_dir)
    problems = problems + more + scope_problems
    if any(p.is_error for p in problems):
        raise KnowledgeError(problems)
    return base, referrals, scope
