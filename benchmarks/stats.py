"""Benchmark: `stats` for a year and `export queries` over 1,000,000 synthetic queries.

Loads the queries (and a ticket for every escalated one, referrals for every referred one,
feedback on some answers) in bulk, then times ``stats.run_stats`` for the year and runs
``export queries --format csv`` in a subprocess whose peak RSS is read with getrusage.

    .venv/bin/python benchmarks/stats.py                      # SQLite file in a temporary folder
    .venv/bin/python benchmarks/stats.py --rows 200000
    .venv/bin/python benchmarks/stats.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Targets (issue 7): stats <= 3 s on SQLite; CSV export streamed, peak RSS <= 200 MB.
Progress goes to stderr; the measurements to stdout.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from helpdesk_bot import stats  # noqa: E402
from helpdesk_bot.config import Settings  # noqa: E402
from helpdesk_bot.db import connect, upgrade  # noqa: E402

YEAR = 2025
TARGET_STATS_SECONDS = 3.0
TARGET_EXPORT_MB = 200
OUTCOMES = ["answer"] * 55 + ["suggest"] * 20 + ["refer"] * 10 + ["escalate"] * 15
TOPICS = ["ratification", "reporting", "criminalisation", "safeguards", "review", "implementation"]
LANGUAGES = ["en"] * 6 + ["fr"] * 3 + ["es"]
REGIONS = ["africa", "americas", "asia", "europe", "oceania"]
SOURCES = [None, None, None, "workshop-2025", "newsletter", "website"]
CHANNELS = ["telegram"] * 9 + ["console"]
PARTNERS = ["apt", "omct", "ohchr", "irct", "unvfvt"]
WORDS = [
    "how",
    "do",
    "we",
    "ratify",
    "report",
    "the",
    "convention",
    "committee",
    "torture",
    "article",
    "state",
    "party",
    "law",
]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def register_states() -> list[tuple[str, str]]:
    """(code, region) of the State register, so the status and SIDS breakdowns are exercised."""
    from helpdesk_bot.knowledge import load_knowledge

    base, _problems = load_knowledge(ROOT / "knowledge")
    return sorted((code, state.region) for code, state in base.states.items())


def synthetic(rows: int, seed: int = 7):
    """Rows for tickets, queries, referrals and feedback, as tuples in column order."""
    rng = random.Random(seed)
    start = datetime(YEAR, 1, 1, tzinfo=UTC)
    seconds = 365 * 24 * 3600
    states = register_states() or [(f"S{i:02d}", REGIONS[i % len(REGIONS)]) for i in range(150)]
    officials = [f"{rng.getrandbits(128):032x}" for _ in range(20_000)]
    tickets, queries, referrals, feedback = [], [], [], []
    for qid in range(1, rows + 1):
        asked = start + timedelta(seconds=rng.randrange(seconds))
        outcome = rng.choice(OUTCOMES)
        code, region = rng.choice(states) if rng.random() < 0.9 else (None, None)
        language = rng.choice(LANGUAGES)
        entry = topic = partner = ticket = None
        if outcome == "answer":
            topic = rng.choice(TOPICS)
            entry = f"{topic}-{rng.randrange(15)}"
        elif outcome == "refer":
            partner = rng.choice(PARTNERS)
        elif outcome == "escalate":
            ticket = len(tickets) + 1
            response = asked + timedelta(hours=rng.expovariate(1 / 20))
            closed = response + timedelta(hours=rng.expovariate(1 / 48))
            done = rng.random() < 0.85
            tickets.append(
                (
                    ticket,
                    "escalation",
                    "closed" if done else "open",
                    "answered" if done else None,
                    language,
                    code,
                    region,
                    asked,
                    response if rng.random() < 0.9 else None,
                    closed if done else None,
                )
            )
        question = " ".join(rng.choices(WORDS, k=8)) + "?"
        queries.append(
            (
                qid,
                rng.choice(officials),
                question,
                language,
                outcome,
                entry,
                rng.uniform(0, 100),
                topic,
                partner,
                ticket,
                rng.choice(CHANNELS),
                "typed",
                code,
                region,
                rng.choice(SOURCES),
                asked,
                "delivered",
            )
        )
        if partner:
            taken = rng.random() < 0.5
            referrals.append(
                (
                    len(referrals) + 1,
                    partner,
                    qid,
                    language,
                    "bot",
                    "closed" if taken else "open",
                    "taken_up" if taken else None,
                    asked,
                )
            )
        if outcome == "answer" and rng.random() < 0.1:
            feedback.append((len(feedback) + 1, qid, rng.random() < 0.8, asked))
    return tickets, queries, referrals, feedback


INSERTS = {
    "tickets": "(id, kind, status, resolution, language, state_code, region, opened_at, first_response_at, closed_at)",
    "queries": "(id, official_ref, text, language, outcome, entry_id, score, topic, partner_id, ticket_id, channel, via, state_code, region, source, asked_at, delivery)",
    "referrals": "(id, partner_id, query_id, language, created_by, status, outcome, created_at)",
    "feedback": "(id, query_id, helpful, created_at)",
}


def load(url: str, data: dict[str, list[tuple]]) -> None:
    """Bulk insert: executemany on SQLite, COPY on PostgreSQL."""
    engine = connect(url)
    upgrade(engine)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        postgres = engine.dialect.name == "postgresql"
        for table in ("feedback", "referrals", "queries", "tickets"):
            cursor.execute(f"DELETE FROM {table}")
        for table, columns in INSERTS.items():
            rows = data[table]
            began = time.perf_counter()
            if postgres:
                with cursor.copy(f"COPY {table} {columns} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                # SQLite stores the naive UTC text SQLAlchemy writes ("YYYY-MM-DD HH:MM:SS.ffffff").
                rows = [tuple(_sqlite(v) for v in row) for row in rows]
                marks = ", ".join(["?"] * (columns.count(",") + 1))
                cursor.executemany(f"INSERT INTO {table} {columns} VALUES ({marks})", rows)
            log(f"loaded {len(rows):,} {table} in {time.perf_counter() - began:.1f} s")
        raw.commit()
        if postgres:
            cursor.execute("SELECT setval('queries_id_seq', (SELECT max(id) FROM queries))")
            raw.commit()
    finally:
        raw.close()
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()


def _sqlite(value):
    if isinstance(value, datetime):
        return (
            value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        )
    return value


EXPORT_CHILD = """
import resource, sys, time
from pathlib import Path
from types import SimpleNamespace
from helpdesk_bot.config import Settings
from helpdesk_bot.export import run_export
settings = Settings(database_url=sys.argv[1], pseudonym_secret="benchmark-secret")
args = SimpleNamespace(what="queries", format="csv", out=Path(sys.argv[2]), no_text=False,
                       date_from=None, date_to=None)
began = time.perf_counter()
code = run_export(settings, args)
seconds = time.perf_counter() - began
print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # KiB on Linux
sys.exit(code)
"""


def run_phase(*arguments: str) -> subprocess.CompletedProcess:
    """Run a phase of this script in a fresh process, so no phase's memory counts in another's."""
    return subprocess.run(
        [sys.executable, *arguments], cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the rows already in --database-url (no loading)"
    )
    parser.add_argument("--load-only", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.load_only:
        log(f"generating {options.rows:,} synthetic queries for {YEAR}")
        tickets, queries, referrals, feedback = synthetic(options.rows)
        load(options.database_url, {"tickets": tickets, "queries": queries,
                                    "referrals": referrals, "feedback": feedback})  # fmt: skip
        return 0
    with tempfile.TemporaryDirectory(prefix="helpdesk-bench-") as folder:
        url = options.database_url or f"sqlite:///{folder}/bench.sqlite3"
        if options.reuse:
            engine = connect(url)
            upgrade(engine)  # a database made before the statistics indexes gets them
            engine.dispose()
        else:
            # In its own process: the million rows built in Python never inflate this one, whose
            # size a child started later would inherit in its peak RSS (Linux counts it at exec).
            run_phase(__file__, "--load-only", "--rows", str(options.rows), "--database-url", url)

        log("exporting queries to CSV in a subprocess")
        csv_path = Path(folder) / "queries.csv"
        child = run_phase("-c", EXPORT_CHILD, url, str(csv_path))
        export_seconds, peak_mb = (float(v) for v in child.stdout.split())
        with csv_path.open(encoding="utf-8") as handle:
            exported = sum(1 for _ in handle) - 1

        settings = Settings(database_url=url, knowledge_dir=ROOT / "knowledge")
        out = Path(folder) / "stats.json"
        args = SimpleNamespace(
            date_from=date(YEAR, 1, 1), date_to=date(YEAR, 12, 31), format="json", out=out,
            chart=None, exact=False, gaps=False,
        )  # fmt: skip
        log("timing stats for the year (3 runs)")
        timings, cpu = [], []
        for _ in range(3):
            began, began_cpu = time.perf_counter(), time.process_time()
            code = stats.run_stats(settings, args)
            timings.append(time.perf_counter() - began)
            # SQLite runs in this process: its CPU time shows the cost when the cores are shared.
            cpu.append(time.process_time() - began_cpu)
            if code != 0:
                return code
        best = min(timings)
        figures = json.loads(out.read_text(encoding="utf-8"))

    backend = url.split(":", 1)[0]
    print(f"database:      {backend}, {options.rows:,} queries")
    print(
        f"stats (year):  best {best:.2f} s of {', '.join(f'{t:.2f}' for t in timings)} "
        f"(CPU {min(cpu):.2f} s) "
        f"(target <= {TARGET_STATS_SECONDS:.0f} s on SQLite) "
        f"{'OK' if best <= TARGET_STATS_SECONDS else 'SLOW'}"
    )
    print(
        f"export CSV:    {exported:,} rows in {export_seconds:.1f} s, peak RSS {peak_mb:.0f} MB "
        f"(target <= {TARGET_EXPORT_MB} MB) {'OK' if peak_mb <= TARGET_EXPORT_MB else 'HIGH'}"
    )
    print()
    print(stats.headline(stats.Figures(period=stats.Period(date(YEAR, 1, 1), date(YEAR, 12, 31)),
                                       **{k: figures[k] for k in SUMMARY_KEYS})))  # fmt: skip
    print()
    print(json.dumps({k: figures[k] for k in ("by_outcome", "by_language", "by_region",
                                              "by_state_status", "by_sids", "tickets",
                                              "referrals", "feedback")}, indent=1))  # fmt: skip
    return 0


SUMMARY_KEYS = ("queries", "officials", "states", "by_outcome", "tickets", "technical_advice")


if __name__ == "__main__":
    sys.exit(main())
