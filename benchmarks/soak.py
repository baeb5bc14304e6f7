"""Soak: 10,000 questions from 500 officials through the real bot, with Telegram faults injected.

The real python-telegram-bot Application (``bot.build_application``) polls the loopback Bot API
stand-in (tests/botapi.py) while officials ask at a steady rate and the stand-in throws 429 flood
control, 5xx errors, hung connections and blocked users at the bot. At the end every question is
looked up in the query log by its unique text:

- log rows missing: questions the bot took but never logged (must be 0);
- replies lost: logged questions whose reply was neither delivered nor marked undelivered, once
  the bot is idle (must be 0). Replies to officials who blocked the bot are *marked* undelivered
  (shown to staff), which is not a loss.

    .venv/bin/python benchmarks/soak.py                           # SQLite file in a temporary folder
    .venv/bin/python benchmarks/soak.py --questions 2000 --officials 100 --rate 100
    .venv/bin/python benchmarks/soak.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/soak

The per-official rate limit is switched off (it would, correctly, refuse an official asking 20
questions a minute); tests/test_reliability.py covers it. Progress goes to stderr, figures to stdout.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from helpdesk_bot.config import Settings  # noqa: E402
from helpdesk_bot.db import connect, upgrade  # noqa: E402
from helpdesk_bot.desk import Desk  # noqa: E402
from helpdesk_bot.models import Query  # noqa: E402
from helpdesk_bot.telegram.app import build_application  # noqa: E402
from tests.botapi import BotApiServer, RunningBot, user  # noqa: E402

QUESTIONS = [
    ("en", "How do we ratify the Convention against Torture"),
    ("en", "When is our initial report to the Committee against Torture due"),
    ("en", "What does article 14 require on redress for victims"),
    ("en", "How should we set up a national preventive mechanism"),
    ("fr", "Comment ratifier la Convention contre la torture"),
    ("fr", "Quand devons-nous présenter notre rapport initial au Comité"),
    ("es", "¿Cómo ratificar la Convención contra la Tortura"),
    ("es", "¿Qué plazo tiene el informe inicial al Comité contra la Tortura"),
    ("en", "Can we get help drafting the law on the definition of torture"),
    ("en", "/secretariat We would like to arrange a call about our follow-up report"),
]
STAFF_CHAT = -100990


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def inject_faults(
    api: BotApiServer, officials: list[int], stop: threading.Event, seed: int
) -> dict:
    """Every 0.2 s, one fault: flood control on a chat, a 5xx, a hung connection; a getUpdates 502
    every 5 s at most."""
    rng = random.Random(seed)
    counts = {"429": 0, "5xx": 0, "hang": 0, "getUpdates 502": 0}
    last_poll_fault = 0.0
    while not stop.wait(0.2):
        kind = rng.choice(["429", "429", "5xx", "5xx", "hang", "getUpdates 502"])
        if kind == "getUpdates 502":
            # python-telegram-bot backs off 1, 1.5, 2.25... s on consecutive polling errors; piled
            # up faults would measure that back-off, not the help desk.
            if time.monotonic() - last_poll_fault < 5:
                continue
            last_poll_fault = time.monotonic()
        chat = rng.choice(officials)
        if kind == "429":
            api.fail("sendMessage", status=429, retry_after=1, chat_id=chat)
        elif kind == "5xx":
            api.fail("sendMessage", status=rng.choice([500, 502, 503]))
        elif kind == "hang":
            api.hang("sendMessage", seconds=1.0, chat_id=chat)
        else:
            api.fail("getUpdates", status=502)
        counts[kind] += 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--officials", type=int, default=500)
    parser.add_argument("--rate", type=float, default=100.0, help="questions per second pushed")
    parser.add_argument("--blocked", type=int, default=5, help="officials who blocked the bot")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--no-faults", action="store_true", help="a fault-free baseline")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{Path(scratch) / 'soak.sqlite3'}"
        engine = connect(url)
        upgrade(engine)
        engine.dispose()
        api = BotApiServer().start()
        settings = Settings.from_values(
            {
                "HELPDESK_DATABASE_URL": url,
                "HELPDESK_KNOWLEDGE_DIR": str(ROOT / "knowledge"),
                "HELPDESK_REFERRALS_DIR": str(ROOT / "referrals"),
                "HELPDESK_STAFF_CHAT_ID": str(STAFF_CHAT),
                "HELPDESK_STAFF_IDS": "9001",
            }
        )
        settings = dataclasses.replace(
            settings,
            telegram_token=api.token,
            telegram_api_url=api.base_url,
            rate_limit_per_minute=0,
        )
        desk = Desk.from_settings(settings)
        officials = [100_000 + n for n in range(args.officials)]
        for blocked in rng.sample(officials, args.blocked):
            api.block(blocked)
        pushed: dict[str, float] = {}  # question text -> wall-clock time it was sent
        stop = threading.Event()
        faults: dict = {}
        injector = threading.Thread(
            target=lambda: faults.update(inject_faults(api, officials, stop, args.seed)),
            daemon=True,
        )
        running = RunningBot(build_application(settings, desk)).start()
        log(f"soak: {args.questions} questions from {args.officials} officials at {args.rate}/s")
        if not args.no_faults:
            injector.start()
        started = time.monotonic()
        for n in range(args.questions):
            language, question = QUESTIONS[n % len(QUESTIONS)]
            official = officials[rng.randrange(len(officials))]
            text = f"{question} (soak {n})?"
            pushed[text.removeprefix("/secretariat ")] = time.time()
            api.push_message(user(official, language), text=text)
            lag = started + (n + 1) / args.rate - time.monotonic()
            if lag > 0:
                time.sleep(lag)
            if n and n % 1000 == 0:
                log(f"  {n} questions sent")
        pushing = time.monotonic() - started
        stop.set()
        if injector.is_alive():
            injector.join()
        log("waiting for the bot to finish...")
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            with desk.sessions() as session:
                pending = session.scalar(
                    select(Query.id).where(Query.delivery == "pending").limit(1)
                )
            if pending is None and api.pending_updates() == 0:
                break
            time.sleep(0.5)
        api.wait_idle(quiet=3.0, timeout=120)
        elapsed = time.monotonic() - started
        running.stop()

        with desk.sessions() as session:
            rows = {
                row.text: row
                for row in session.scalars(select(Query).where(Query.text.like("%(soak %")))
            }
        desk.sessions.kw["bind"].dispose()
        api.stop()

    missing = [text for text in pushed if text not in rows]
    delivered = [r for r in rows.values() if r.delivery == "delivered"]
    failed = [r for r in rows.values() if r.delivery == "failed"]
    lost = [r for r in rows.values() if r.delivery not in {"delivered", "failed"}]
    latencies = [
        (r.replied_at - datetime.fromtimestamp(pushed[r.text], UTC)).total_seconds()
        for r in delivered
        if r.replied_at is not None
    ]
    print(f"questions sent:            {len(pushed)} from {args.officials} officials")
    print(f"faults injected:           {faults} + {args.blocked} officials blocking the bot")
    print(f"handler errors:            {len(running.errors)}")
    print(f"push time:                 {pushing:.1f} s (target rate {args.rate:.0f}/s)")
    print(f"throughput:                {len(rows) / elapsed:.1f} questions/s ({elapsed:.1f} s)")
    print(
        f"reply latency:             p50 {percentile(latencies, 0.5):.2f} s, "
        f"p95 {percentile(latencies, 0.95):.2f} s, max {max(latencies, default=0):.2f} s"
    )
    print(f"replies delivered:         {len(delivered)}")
    reasons = Counter((r.delivery_error or "?").split(":")[0][:40] for r in failed)
    print(f"replies marked undelivered: {len(failed)} {dict(reasons)} (shown to staff)")
    print(f"replies lost:              {len(lost)}")
    print(f"log rows missing:          {len(missing)}")
    return 0 if not lost and not missing else 1


if __name__ == "__main__":
    raise SystemExit(main())
