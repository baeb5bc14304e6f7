"""The console desk (``helpdesk-bot chat``) and plain-text views of the ticket queue.

Example::

    ConsoleDesk(desk).loop(sys.stdin, sys.stdout)
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TextIO

from . import status, texts
from .desk import Asker, Desk, DeskError, Query, Reply, Ticket
from .knowledge import LANGUAGES, Entry, KnowledgeBase

HELP = """\
Type a question as an official would, in English, French or Spanish.
  1, 2, 3              choose from the numbered list just shown (suggestions, topics, entries,
                       what to read next)
  /secretariat TEXT    send a message straight to the Secretariat
  /language en|fr|es   your language
  /state [NAME]        your State's treaty status and deadlines (NAME sets your State);
                       /profile [NAME] does the same
  /topics              the topics of the knowledge base: pick one, then an entry
  /help                this text
  /quit                leave (Ctrl-D works too)"""


class ConsoleDesk:
    """One official at the terminal, going through the same desk as Telegram."""

    def __init__(self, desk: Desk):
        self.desk = desk
        self.asker = Asker(official_id=desk.profile(Asker()).id, name="console")
        # The numbered list on screen: ("entry", id) or ("topic", id). A number picks from it;
        # with nothing numbered on screen, a number is a question like any other.
        self.choices: list[tuple[str, str]] = []

    def loop(self, stdin: TextIO, stdout: TextIO) -> int:
        interactive = stdin.isatty()
        stdout.write(
            "CTI help desk (console). Type your question; /help for commands, /quit to leave.\n"
        )
        while True:
            if interactive:
                stdout.write("\n> ")
                stdout.flush()
            line = stdin.readline()
            if not line:
                return 0
            line = line.strip()
            if not line:
                continue
            if line in {"/quit", "/exit"}:
                return 0
            stdout.write(self.handle(line) + "\n")
            stdout.flush()

    def handle(self, line: str) -> str:
        """One line typed by the person; returns what the desk shows back."""
        command, _, rest = line.partition(" ")
        language = self.desk.profile(self.asker).language
        if command == "/help":
            return HELP
        if command == "/topics":
            return self.topics(language)
        if command == "/language":
            if rest.strip() not in LANGUAGES:
                return "Usage: /language en|fr|es"
            self.desk.update_profile(self.asker, language=rest.strip())
            return f"Language: {rest.strip()}"
        if command == "/secretariat":
            return self.show(self.desk.to_secretariat(self.asker, rest, channel="console"))
        if command in ("/state", "/profile"):  # answers tell officials "/profile", as on Telegram
            return self.state(rest.strip(), language)
        if line.isdigit() and 0 < int(line) <= len(self.choices):
            kind, chosen = self.choices[int(line) - 1]
            if kind == "topic":
                return self.entries(chosen, language)
            return self.show(self.desk.choose(self.asker, chosen, channel="console"))
        if command.startswith("/"):
            return f"Unknown command {command}. /help lists the commands."
        return self.show(self.desk.ask(self.asker, line, channel="console"))

    def state(self, name: str, language: str) -> str:
        """``/state NAME`` sets the official's State (found as /start finds it); then, or with
        no NAME, the State's status card."""
        base = self.desk.base
        if name:
            found = base.exact_state(name) or next(iter(base.find_state(name, limit=1)), None)
            if found is None:
                return f"No State in the register matches {name!r}."
            self.desk.update_profile(self.asker, state_code=found.code)
        state = base.states.get(self.desk.profile(self.asker).state_code or "")
        if state is None:
            return texts.say("state_not_set", language) + "\n/state NAME"
        return status.status_card(state, base, language, today=datetime.now(UTC).date())

    def topics(self, language: str) -> str:
        """The topics that have entries, numbered: a number opens one."""
        base = self.desk.base
        shown = [t for t in base.topics.values() if base.entries_by_topic(t.id)]
        self.choices = [("topic", t.id) for t in shown]
        lines = [texts.say("topics_intro", language)]
        lines += [
            f"{n}. {t.titles.get(language) or t.titles['en']} ({len(base.entries_by_topic(t.id))})"
            for n, t in enumerate(shown, 1)
        ]
        return "\n".join(lines)

    def entries(self, topic_id: str, language: str) -> str:
        """A topic's entries, numbered: a number answers one."""
        base = self.desk.base
        topic = base.topics[topic_id]
        found = base.entries_by_topic(topic_id)
        self.choices = [("entry", e.id) for e in found]
        title = topic.titles.get(language) or topic.titles["en"]
        lines = [texts.say("topic_entries", language, topic=title)]
        lines += [f"{n}. {e.question(language)}" for n, e in enumerate(found, 1)]
        return "\n".join(lines)

    def show(self, reply: Reply) -> str:
        self.choices = [("entry", e.id) for e in reply.suggestions]
        lines = [reply.text]
        for tool in reply.tools:
            title = tool.titles.get(reply.language, tool.id)
            line = texts.say(
                "tool_line", reply.language, title=title, url=tool.link(reply.language)
            )
            lines.append(f"  {line}")
        if reply.related and not reply.suggestions:
            # The entries to read next, numbered as Telegram shows them as buttons.
            self.choices = [("entry", e.id) for e in reply.related]
            lines += ["", texts.say("read_next_numbered", reply.language)]
            lines += [f"{n}. {e.question(reply.language)}" for n, e in enumerate(reply.related, 1)]
        return "\n".join(lines)


def format_stale(due: list[tuple[date, Entry]]) -> str:
    """Entries due for review, oldest first: due date, id, file:line, headline question."""
    if not due:
        return "Nothing is due for review."
    lines = [f"{len(due)} entr{'y' if len(due) == 1 else 'ies'} due for review, oldest first:"]
    for when, entry in due:
        lines.append(f"{when}  {entry.id}  {entry.file}:{entry.line}  {entry.question('en')}")
    return "\n".join(lines)


def _age(opened: datetime, now: datetime) -> str:
    hours = (now - opened).total_seconds() / 3600
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} d"


def format_queue(tickets: list[Ticket], base: KnowledgeBase, *, now: datetime | None = None) -> str:
    """The queue as lines: number, age, assignee, State, first words of the question."""
    if not tickets:
        return "No tickets in the queue."
    now = now or datetime.now(UTC)
    lines = []
    for ticket in tickets:
        state = base.states.get(ticket.state_code or "")
        first = next((m.text for m in ticket.messages if m.author == "official" and m.text), "")
        undelivered = sum(m.delivery == "failed" for m in ticket.messages)
        lines.append(
            f"#{ticket.id} [{ticket.status}] {_age(ticket.opened_at, now)} "
            f"{ticket.assignee_name or ticket.assignee_id or 'unassigned'} "
            f"{state.name('en') if state else '-'} ({ticket.language}): {first[:70]}"
            + (f"  ! {undelivered} reply not delivered" if undelivered else "")
            + (
                "  (no reply yet)"
                if ticket.status == "open" and not ticket.first_response_at
                else ""
            )
        )
    return "\n".join(lines)


def format_undelivered(queries: list[Query], *, shown: int = 10) -> str:
    """Bot replies that never reached the official (blocked bot, Telegram down), for staff."""
    noun = "reply to an official" if len(queries) == 1 else "replies to officials"
    lines = [f"⚠ {len(queries)} {noun} not delivered in the last 7 days:"]
    for query in queries[:shown]:
        lines.append(
            f"  query {query.id} {query.asked_at:%Y-%m-%d %H:%M} UTC ({query.outcome}, "
            f"{query.state_code or 'State not given'}): {query.delivery_error or 'unknown error'}"
        )
    if len(queries) > shown:
        lines.append(f"  … and {len(queries) - shown} more")
    return "\n".join(lines)


def format_ticket(ticket: Ticket, base: KnowledgeBase) -> str:
    """One ticket's whole thread."""
    state = base.states.get(ticket.state_code or "")
    head = [
        f"Ticket #{ticket.id} ({ticket.kind}), {ticket.status}"
        + (f": {ticket.resolution}" if ticket.resolution else ""),
        f"Opened {ticket.opened_at:%Y-%m-%d %H:%M} UTC; language {ticket.language}; "
        f"State {state.name('en') if state else 'unknown'}",
        f"Assignee: {ticket.assignee_name or ticket.assignee_id or 'none'}"
        + (f"; referred to {ticket.partner_id}" if ticket.partner_id else ""),
    ]
    if state is not None:  # where the State stands, as on the staff chat's ticket card
        head.append(status.staff_line(state, today=datetime.now(UTC).date()))
    if ticket.first_response_at:
        head.append(
            f"First response {ticket.first_response_at:%Y-%m-%d %H:%M} UTC, "
            f"{_age(ticket.opened_at, ticket.first_response_at)} after opening"
        )
    if ticket.closed_at:
        head.append(f"Closed {ticket.closed_at:%Y-%m-%d %H:%M} UTC")
    if ticket.tried:
        head.append("The bot tried:")
        for part in ticket.tried.split(","):
            entry_id, _, score = part.strip().rpartition(":")
            if not entry_id:
                continue
            entry = base.entries.get(entry_id)
            question = entry.question("en") if entry else "no longer in the knowledge base"
            head.append(f"  {entry_id} (score {score}): {question}")
    thread = [
        f"  {m.created_at:%Y-%m-%d %H:%M} {m.author}"
        + (f" ({m.author_name})" if m.author_name else "")
        + (" [NOT DELIVERED]" if m.delivery == "failed" else "")
        + f": {m.text if m.text is not None else '(erased)'}"
        for m in ticket.messages
    ]
    return "\n".join(head + thread)


__all__ = ["ConsoleDesk", "DeskError", "format_queue", "format_ticket", "format_undelivered"]
