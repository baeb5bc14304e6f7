"""Benchmark: updates per second through the whole help desk bot vs a bare echo bot.

Both run as real python-telegram-bot Applications against the same loopback Bot API stand-in
(tests/botapi.py), in the same run, on the same backlog of updates: officials' questions drawn
from the knowledge base in English, French and Spanish, plus questions nothing answers (tickets,
with a card in the staff chat). The help desk does everything it does in production: matching,
the query log in a real database, the reply, delivery marking. The echo bot sends the text back.

    .venv/bin/python benchmarks/bot_throughput.py                     # SQLite file in a temp folder
    .venv/bin/python benchmarks/bot_throughput.py --updates 2000 --officials 200
    .venv/bin/python benchmarks/bot_throughput.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Target (issue 6): the help desk at >= 0.7 of the bare echo bot's rate (python-telegram-bot's
defaults: httpx, one update at a time). Two more echo bots show where the difference comes from:
one with the same concurrency, and one with the help desk's own transport and per-chat ordering
(helpdesk_bot/request.py, delivery.ChatOrderedProcessor). Each line also gives the bot process's
CPU time per update. Progress goes to stderr; the measurements to stdout.
"""

from __future__ import annotations

import argparse
import html
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.constants import ParseMode  # noqa: E402
from telegram.ext import Application, ContextTypes, MessageHandler, filters  # noqa: E402

from helpdesk_bot.bot import CONCURRENT_UPDATES  # noqa: E402
from helpdesk_bot.config import Settings  # noqa: E402
from helpdesk_bot.db import connect, upgrade  # noqa: E402
from helpdesk_bot.delivery import ChatOrderedProcessor  # noqa: E402
from helpdesk_bot.desk import Desk  # noqa: E402
from helpdesk_bot.request import AiohttpRequest  # noqa: E402
from tests.botapi import BotApiServer, user  # noqa: E402

TARGET_RATIO = 0.7
STAFF_CHAT = -100900
UNANSWERABLE = {
    "en": ["Can you recommend a good restaurant in Geneva?", "My printer is out of ink"],
    "fr": ["Mon imprimante n’a plus d’encre", "Où déjeuner près du Palais des Nations ?"],
    "es": ["Mi impresora no tiene tinta", "¿Dónde puedo almorzar cerca del Palacio?"],
}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def backlog(desk: Desk, *, updates: int, officials: int, seed: int) -> list[tuple[dict, str]]:
    """(official, question) pairs: nine in ten phrased as in the knowledge base, one unanswerable."""
    rng = random.Random(seed)
    people = [user(10_000 + i, rng.choice(["en", "fr", "es"])) for i in range(officials)]
    phrasings = [
        (lang, q)
        for entry in desk.base.entries.values()
        for lang, questions in entry.questions.items()
        for q in questions
    ]
    out = []
    for i in range(updates):
        person = people[i % officials]
        if rng.random() < 0.1:
            lang = person["language_code"]
            out.append((person, rng.choice(UNANSWERABLE[lang])))
        else:
            out.append((person, rng.choice(phrasings)[1]))
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    api: BotApiServer, command: list[str], env: dict[str, str], work: list[tuple[dict, str]]
) -> tuple[float, float]:
    """Start a bot process, push the whole backlog, wait for one reply per update.

    Returns updates per second and the bot's CPU milliseconds per update.

    The bot runs in its own process, as it would against Telegram: the stand-in's threads do not
    compete with it for the interpreter lock.
    """
    api.reset()
    official = lambda c: (c.chat_id or 0) > 0  # noqa: E731 (replies to officials, not staff)
    process = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        api.wait_for("getUpdates", since=0, timeout=60)
        warm = work[:20]
        for person, text in warm:
            api.push_message(person, text=text)
        api.wait_for("sendMessage", official, since=0, count=len(warm), timeout=60)
        since = api.mark()
        started, cpu = time.perf_counter(), cpu_seconds(process.pid)
        for person, text in work:
            api.push_message(person, text=text)
        api.wait_for("sendMessage", official, since=since, count=len(work), timeout=600)
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(process.pid) - cpu
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            _, errors = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            _, errors = process.communicate()
    if any(line.startswith("Traceback") for line in errors.splitlines()) or " ERROR " in errors:
        raise SystemExit(f"the bot failed:\n{errors[-3000:]}")
    return len(work) / elapsed, 1000 * cpu / len(work)


def serve_echo(kind: str) -> None:
    """A bare python-telegram-bot echo bot (``--echo-bot``), polling until SIGTERM."""

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(html.escape(update.message.text), parse_mode=ParseMode.HTML)

    builder = (
        Application.builder()
        .token(os.environ["HELPDESK_TELEGRAM_TOKEN"])
        .base_url(os.environ["HELPDESK_TELEGRAM_API_URL"])
    )
    if kind == "concurrent":
        builder = builder.concurrent_updates(CONCURRENT_UPDATES)
    elif kind == "transport":  # the help desk's own plumbing, without the help desk
        builder = (
            builder.concurrent_updates(ChatOrderedProcessor(CONCURRENT_UPDATES))
            .request(AiohttpRequest(connection_pool_size=4 * CONCURRENT_UPDATES))
            .get_updates_request(AiohttpRequest(connection_pool_size=1))
        )
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=1000, help="updates per measurement")
    parser.add_argument("--officials", type=int, default=100, help="distinct officials")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each bot")
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite in a temp folder)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--echo-bot", choices=("bare", "concurrent", "transport"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.echo_bot:
        serve_echo(args.echo_bot)
        return 0

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        engine = connect(url)
        upgrade(engine)
        engine.dispose()
        api = BotApiServer().start()
        env = {
            **os.environ,
            "HELPDESK_DATABASE_URL": url,
            "HELPDESK_KNOWLEDGE_DIR": str(ROOT / "knowledge"),
            "HELPDESK_REFERRALS_DIR": str(ROOT / "referrals"),
            "HELPDESK_TELEGRAM_TOKEN": api.token,
            "HELPDESK_TELEGRAM_API_URL": api.base_url,
            "HELPDESK_STAFF_CHAT_ID": str(STAFF_CHAT),
            # The per-official limit protects staff from floods; the benchmark is one.
            "HELPDESK_RATE_LIMIT": "0",
            "HELPDESK_LOG_LEVEL": "WARNING",
        }
        desk = Desk.from_settings(Settings.load(env=env), database=False)
        work = backlog(desk, updates=args.updates, officials=args.officials, seed=args.seed)
        python = sys.executable
        bots = {
            "echo (bare)": [python, __file__, "--echo-bot", "bare"],
            "echo (concurrent)": [python, __file__, "--echo-bot", "concurrent"],
            "echo (transport)": [python, __file__, "--echo-bot", "transport"],
            "help desk": [python, "-m", "helpdesk_bot", "run"],
        }
        rates: dict[str, list[float]] = {name: [] for name in bots}
        cpus: dict[str, list[float]] = {name: [] for name in bots}
        try:
            for round_ in range(1, args.rounds + 1):
                for name, command in bots.items():
                    rate, cpu = measure(api, command, env, work)
                    rates[name].append(rate)
                    cpus[name].append(cpu)
                    say(
                        f"round {round_}: {name:18} {rate:8.1f} updates/s  {cpu:5.2f} ms CPU/update"
                    )
        finally:
            api.stop()

    medians = {name: statistics.median(values) for name, values in rates.items()}
    cpu_medians = {name: statistics.median(values) for name, values in cpus.items()}
    backend = url.split(":", 1)[0]
    print(
        f"{args.updates} updates from {args.officials} officials per measurement ({backend}), "
        f"median of {args.rounds} rounds"
    )
    for name, rate in medians.items():
        print(f"{name:18} {rate:8.1f} updates/s  {cpu_medians[name]:5.2f} ms CPU per update")
    ratio = medians["help desk"] / medians["echo (bare)"]
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(f"help desk / bare echo bot: {ratio:.2f} ({verdict} the target of {TARGET_RATIO})")
    same = medians["help desk"] / medians["echo (concurrent)"]
    print(f"help desk / echo bot with the same concurrency: {same:.2f}")
    plumbing = medians["help desk"] / medians["echo (transport)"]
    print(f"help desk / echo bot with the help desk's transport and ordering: {plumbing:.2f}")
    return 0 if ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
