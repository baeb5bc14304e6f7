"""`helpdesk-bot export queries`: the query log, pseudonymised, as CSV or JSON."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from dataclasses import replace
from datetime import date
from types import SimpleNamespace

import pytest

from helpdesk_bot import export
from helpdesk_bot.db import connect, make_sessionmaker
from tests.test_stats import GAP_REPORT, load_known_log


@pytest.fixture
def logged(settings):
    engine = connect(settings.database_url)
    load_known_log(make_sessionmaker(engine))
    engine.dispose()
    return settings


def args(**overrides) -> SimpleNamespace:
    values = {"what": "queries", "format": "csv", "out": None, "no_text": False,
              "date_from": None, "date_to": None}  # fmt: skip
    values.update(overrides)
    return SimpleNamespace(**values)


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_every_query_in_order_with_pseudonyms(logged, tmp_path, capsys):
    out = tmp_path / "queries.csv"
    assert export.run_export(logged, args(out=out)) == 0
    rows = read_csv(out.read_text(encoding="utf-8"))
    # Small talk and messages over the rate limit are in the log too.
    assert [int(r["id"]) for r in rows] == list(range(1, 21))
    assert tuple(rows[0]) == export.COLUMNS
    first = rows[0]
    assert first["asked_at"] == "2025-01-10T12:00:00+00:00"
    assert (first["outcome"], first["entry"], first["state"], first["source"]) == (
        "answer", "ratification-routes", "GHA", "workshop-2025"
    )  # fmt: skip
    assert rows[5]["text"] == GAP_REPORT
    # Official "a" asked 1, 2, 12 and 13: one stable pseudonym, never the reference itself.
    of_a = {rows[i]["official"] for i in (0, 1, 11, 12)}
    assert len(of_a) == 1 and "a" not in of_a
    assert len({r["official"] for r in rows}) == 8
    assert (rows[14]["outcome"], rows[14]["declined_by"]) == ("decline", "crc")
    assert rows[19]["outcome"] == "limited"
    assert "exported 20 queries" in capsys.readouterr().err


def test_pseudonym_is_a_keyed_hash_stable_across_exports(logged, capsys):
    assert export.run_export(logged, args()) == 0
    first = read_csv(capsys.readouterr().out)
    assert export.run_export(logged, args()) == 0
    assert read_csv(capsys.readouterr().out) == first
    expected = hmac.new(b"test-secret", b"a", hashlib.sha256).hexdigest()[:16]
    assert first[0]["official"] == expected
    # Without the secret, hashing the reference does not give the pseudonym.
    assert first[0]["official"] != hashlib.sha256(b"a").hexdigest()[:16]
    other = replace(logged, pseudonym_secret="another-secret")
    assert export.run_export(other, args()) == 0
    assert read_csv(capsys.readouterr().out)[0]["official"] != expected


def test_no_text_leaves_the_questions_out(logged, capsys):
    assert export.run_export(logged, args(no_text=True)) == 0
    out = capsys.readouterr().out
    assert "text" not in read_csv(out)[0]
    assert GAP_REPORT not in out and "question 1" not in out


def test_json_is_the_same_rows(logged, capsys):
    assert export.run_export(logged, args(format="json")) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 20
    assert rows[3] | {"official": None} == {
        "id": 4, "asked_at": "2025-02-20T10:00:00+00:00", "official": None, "language": "fr",
        "outcome": "escalate", "entry": None, "score": 80.0, "topic": None, "partner": None,
        "declined_by": None, "ticket": 1, "channel": "telegram", "via": "typed", "state": "GHA", "region": "africa",
        "source": None, "delivery": "pending", "replied_at": None,
        "text": "Quel est le calendrier des visites du SPT ?",
    }  # fmt: skip


def test_period_filters_whole_days(logged, capsys):
    period = args(date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
    assert export.run_export(logged, period) == 0
    ids = [int(r["id"]) for r in read_csv(capsys.readouterr().out)]
    assert ids == [*range(1, 12), *range(14, 21)]  # 12 (31 Dec 2024), 13 (1 Jan 2026) outside


def test_empty_json_export_is_an_empty_list(settings, capsys):
    assert export.run_export(settings, args(format="json")) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_refuses_without_a_pseudonym_secret(logged, tmp_path, capsys):
    out = tmp_path / "queries.csv"
    code = export.run_export(replace(logged, pseudonym_secret=""), args(out=out))
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert "HELPDESK_PSEUDONYM_SECRET" in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_unwritable_output_is_one_line(logged, tmp_path, capsys):
    assert export.run_export(logged, args(out=tmp_path / "missing" / "q.csv")) == 2
    assert "cannot write" in capsys.readouterr().err


def test_rows_are_streamed_not_collected(logged):
    from helpdesk_bot.db import session_scope

    engine = connect(logged.database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        rows = export.iter_queries(session, secret="s")
        assert next(rows)[0] == 1  # a generator: the first row comes before the rest are read
        rows.close()
    engine.dispose()
