"""The ``helpdesk-bot`` command line.

Example::

    helpdesk-bot ask --json "how do we ratify the convention?"
    helpdesk-bot stats --from 2026-01-01 --format xlsx --out figures.xlsx
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import date
from pathlib import Path

from . import __version__
from .config import (
    FIRST_DATE,
    LAST_DATE,
    ConfigError,
    Settings,
    read_config_file,
    unknown_settings,
)
from .db import DatabaseError
from .knowledge import LANGUAGES, KnowledgeBase, KnowledgeError, State

EXIT_USAGE = 2

DESCRIPTION = """\
The remote help desk of the Convention against Torture Initiative (CTI).

Government officials ask it about ratifying the UN Convention against Torture and
reporting to the Committee against Torture, on Telegram or in the terminal. It answers
from the knowledge base, refers them to partner organisations, or passes them to
Secretariat staff, and logs every query for the M&E figures.
"""

EPILOG = """\
configuration comes from HELPDESK_* environment variables (see README.md), optionally
from a file given with --config or HELPDESK_CONFIG.

examples:
  helpdesk-bot db upgrade                         create or migrate the database
  helpdesk-bot chat                               try the desk in the terminal
  helpdesk-bot ask "how do we ratify UNCAT?"      answer one question
  helpdesk-bot ask --json < questions.txt         one JSON line per question
  helpdesk-bot validate                           check knowledge/ and referrals/
  helpdesk-bot stats --format xlsx --out 2026.xlsx --chart 2026.png
"""


def parse_date(text: str) -> date:
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
    if not FIRST_DATE <= value <= LAST_DATE:
        raise argparse.ArgumentTypeError(f"{text!r} is out of range ({FIRST_DATE} to {LAST_DATE})")
    return value


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line and exit 2, as argparse does, without the usage dump
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="helpdesk-bot",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="a .env-style or YAML config file"
    )
    # --config after the command too ("helpdesk-bot stats --config prod.env"), as people type it;
    # SUPPRESS keeps a value given before the command when none comes after it.
    after = argparse.ArgumentParser(add_help=False)
    after.add_argument(
        "--config", type=Path, metavar="FILE", default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    run = commands.add_parser(
        "run",
        parents=[after],
        help="run the Telegram bot (or the console desk when no token is set)",
        description="Run the Telegram bot with long polling, or a webhook server with --webhook-url. "
        "Without HELPDESK_TELEGRAM_TOKEN, opens the console desk instead.",
    )
    run.add_argument(
        "--webhook-url", metavar="URL", help="public HTTPS URL Telegram posts updates to"
    )
    run.add_argument(
        "--listen",
        default="127.0.0.1",
        metavar="HOST",
        help="webhook server address (default: %(default)s)",
    )
    run.add_argument(
        "--port",
        type=int,
        default=8443,
        metavar="N",
        help="webhook server port (default: %(default)s)",
    )

    commands.add_parser(
        "chat",
        parents=[after],
        help="the help desk in the terminal, as an official sees it",
        description="Type questions and see exactly what an official would. /help lists the commands.",
    )

    ask = commands.add_parser(
        "ask",
        parents=[after],
        help="answer questions without Telegram (not logged)",
        description="Answer each QUESTION, or one question per line of standard input. Nothing is logged.",
    )
    ask.add_argument(
        "--json", action="store_true", help="one JSON object per question, one per line"
    )
    ask.add_argument(
        "--lang",
        choices=LANGUAGES,
        help="the official's app language: a hint the question's own words overrule",
    )
    ask.add_argument(
        "--state",
        metavar="NAME",
        help="answer as for an official whose profile names this State (any language, e.g. Fidji)",
    )
    ask.add_argument("question", nargs="*", metavar="QUESTION")

    validate = commands.add_parser(
        "validate",
        parents=[after],
        help="check knowledge/ and referrals/ (exit 1 on any error)",
        description="Load the knowledge base and the referrals as the bot does and report every problem "
        "as file:line: message. Exit 1 on any error; warnings alone exit 0.",
    )
    validate.add_argument(
        "--stale",
        action="store_true",
        help="list the entries due for review (past review_by, or reviewed over a year ago), "
        "oldest first",
    )

    stats = commands.add_parser(
        "stats",
        parents=[after],
        help="the M&E figures for a period",
        description="The monitoring and evaluation figures. Counts by State below 5 are shown as <5 "
        "unless --exact is given.",
    )
    stats.add_argument(
        "--from",
        dest="date_from",
        type=parse_date,
        metavar="DATE",
        help="first day (default: 1 January of this year)",
    )
    stats.add_argument(
        "--to", dest="date_to", type=parse_date, metavar="DATE", help="last day (default: today)"
    )
    stats.add_argument("--format", choices=("table", "json", "csv", "xlsx"), default="table")
    stats.add_argument(
        "--out", type=Path, metavar="FILE", help="write to FILE instead of standard output"
    )
    stats.add_argument(
        "--chart", type=Path, metavar="FILE.png", help="also draw the figures as a PNG chart"
    )
    stats.add_argument("--exact", action="store_true", help="do not suppress small counts by State")
    stats.add_argument(
        "--gaps",
        action="store_true",
        help="the gap report: unanswered questions grouped by similarity",
    )

    export = commands.add_parser(
        "export",
        parents=[after],
        help="export the query log, pseudonymised",
        description="Export the query log with officials pseudonymised (keyed hash; needs "
        "HELPDESK_PSEUDONYM_SECRET).",
    )
    export.add_argument("what", choices=("queries",))
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument(
        "--out", type=Path, metavar="FILE", help="write to FILE instead of standard output"
    )
    export.add_argument("--no-text", action="store_true", help="leave out the question text")
    export.add_argument("--from", dest="date_from", type=parse_date, metavar="DATE")
    export.add_argument("--to", dest="date_to", type=parse_date, metavar="DATE")

    tickets = commands.add_parser(
        "tickets",
        parents=[after],
        help="the escalation queue: list, or show N",
        description="List the open tickets, oldest first, or show one ticket's whole thread.",
    )
    tickets.add_argument("action", nargs="?", choices=("list", "show"), default="list")
    tickets.add_argument("number", nargs="?", type=int, metavar="N")
    tickets.add_argument("--all", action="store_true", help="list closed tickets too")

    db = commands.add_parser(
        "db",
        parents=[after],
        help="database schema: db upgrade",
        description="Manage the database schema.",
    )
    db.add_argument(
        "action", choices=("upgrade",), help="create or migrate the schema to this version"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        settings = Settings.load(config_file=args.config)
        config_file = args.config or os.environ.get("HELPDESK_CONFIG")
        names = [*os.environ, *(read_config_file(Path(config_file)) if config_file else {})]
        for line in unknown_settings(names):
            print(f"helpdesk-bot: warning: {line}", file=sys.stderr)
        logging.basicConfig(
            level=settings.log_level,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        # httpx logs every request URL, and the URL holds the bot token.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        # `db upgrade` prints its own one-line summary; Alembic's step-by-step lines are noise.
        logging.getLogger("alembic").setLevel(logging.WARNING)
        return COMMANDS[args.command](settings, args)
    except (ConfigError, DatabaseError) as exc:
        print(f"helpdesk-bot: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KnowledgeError as exc:
        errors = [p for p in exc.problems if p.is_error]
        for problem in errors:
            print(problem, file=sys.stderr)
        print(
            f"helpdesk-bot: error: the knowledge base has {len(errors)} error(s); "
            "fix them (helpdesk-bot validate) before starting",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if args.webhook_url and not settings.webhook_secret:
        # Without Telegram's secret token anyone who finds the URL could post forged updates,
        # staff commands and buttons included.
        print(
            "helpdesk-bot: error: webhook mode needs HELPDESK_WEBHOOK_SECRET (the secret token "
            "Telegram sends with each update; every process behind the same URL uses the same one)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not settings.telegram_token:
        print(
            "No HELPDESK_TELEGRAM_TOKEN set: opening the console desk. To connect Telegram, create a "
            "bot with @BotFather and set HELPDESK_TELEGRAM_TOKEN (see README.md).",
            file=sys.stderr,
        )
        return cmd_chat(settings, args)
    from .telegram import app

    return app.run(settings, webhook_url=args.webhook_url, listen=args.listen, port=args.port)


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    from .console import ConsoleDesk
    from .desk import Desk

    desk = Desk.from_settings(settings)
    return ConsoleDesk(desk).loop(sys.stdin, sys.stdout)


def ask_state(base: KnowledgeBase, text: str) -> State | None:
    """The State ``ask --state`` answers for, found as /start finds it: a name or variant in any
    language ("Fidji", "Côte d'Ivoire"), the ISO code, else the best fuzzy match ("Vanuatu" typed
    "Vanuatuu")."""
    found = base.exact_state(text)
    if found is not None:
        return found
    matches = base.find_state(text, limit=1)
    return matches[0] if matches else None


def closest_states(base: KnowledgeBase, text: str, limit: int = 3) -> str:
    """ "; closest: Austria, Australia": the States whose names (any language, any variant) are
    nearest ``text``, for the error line."""
    shown = [state.name("en") for state in base.find_state(text, limit=limit, score_cutoff=0)]
    return f"; closest: {', '.join(shown)}" if shown else ""


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    from .desk import Desk

    desk = Desk.from_settings(settings, database=False)
    state = None
    if args.state:
        state = ask_state(desk.base, args.state)
        if state is None:
            print(
                f"helpdesk-bot: error: no State in the register matches {args.state!r}"
                + closest_states(desk.base, args.state),
                file=sys.stderr,
            )
            return EXIT_USAGE
    questions = args.question and [" ".join(args.question)]
    lines = questions or (line.rstrip("\n") for line in sys.stdin)
    out = sys.stdout
    for question in lines:
        if not questions and not question.strip():
            continue
        reply = desk.answer(question, language=args.lang, state=state)
        if args.json:
            out.write(json.dumps(reply.to_json(), ensure_ascii=False) + "\n")
        else:
            out.write(
                f"> {question}\n[{reply.outcome}"
                + (f" {reply.entry.id}" if reply.entry else "")
                + (f" -> {reply.partner.id}" if reply.partner else "")
                + f", {reply.score:.0f}, {reply.language}]\n{reply.text}\n\n"
            )
    out.flush()
    return 0


def cmd_validate(settings: Settings, args: argparse.Namespace) -> int:
    from .knowledge import load_knowledge
    from .referrals import load_referrals
    from .results_framework import load_framework
    from .scope import load_scope

    base, problems = load_knowledge(settings.knowledge_dir)
    referrals, more = load_referrals(settings.referrals_dir, base)
    scope, scope_problems = load_scope(settings.knowledge_dir)
    indicators, framework_problems = load_framework(settings.knowledge_dir)
    problems = sorted(problems) + sorted(scope_problems) + sorted(framework_problems) + sorted(more)
    if getattr(args, "stale", False):
        from .console import format_stale
        from .knowledge import due_for_review

        print(format_stale(due_for_review(base)))
        return 1 if any(p.is_error for p in problems) else 0
    for problem in problems:
        print(problem)
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    summary = (
        f"{settings.knowledge_dir}: {len(base.entries)} entries in {len(base.topics)} topics, "
        f"{len(base.tools)} tools, {len(base.states)} States, "
        f"{len(scope.outside)} instruments outside the desk's scope, "
        f"{len(indicators)} results-framework indicators; "
        f"{settings.referrals_dir}: {len(referrals.partners)} partners"
    )
    verdict = f"{errors} error(s), {warnings} warning(s)" if problems else "no problems"
    print(f"{summary}: {verdict}", file=sys.stderr)
    return 1 if errors else 0


def cmd_stats(settings: Settings, args: argparse.Namespace) -> int:
    from . import stats

    return stats.run_stats(settings, args)


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from . import export

    return export.run_export(settings, args)


def cmd_tickets(settings: Settings, args: argparse.Namespace) -> int:
    from .console import format_queue, format_ticket
    from .desk import Desk, DeskError

    desk = Desk.from_settings(settings)
    if args.action == "show":
        if args.number is None:
            print(
                "helpdesk-bot: error: tickets show needs a ticket number, e.g. tickets show 12",
                file=sys.stderr,
            )
            return EXIT_USAGE
        try:
            print(format_ticket(desk.ticket(args.number), desk.base))
        except DeskError as exc:
            print(f"helpdesk-bot: error: {exc}", file=sys.stderr)
            return 1
        return 0
    print(format_queue(desk.tickets(status=None if args.all else "open"), desk.base))
    return 0


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    from .db import connect, upgrade

    engine = connect(settings.database_url)
    before, after = upgrade(engine)
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        print(f"{where}: schema already up to date (revision {after})")
    else:
        print(f"{where}: schema upgraded from {before or 'empty'} to revision {after}")
    return 0


COMMANDS = {
    "run": cmd_run,
    "chat": cmd_chat,
    "ask": cmd_ask,
    "validate": cmd_validate,
    "stats": cmd_stats,
    "export": cmd_export,
    "tickets": cmd_tickets,
    "db": cmd_db,
}
