"""`helpdesk-bot tickets list|show N`: the escalation queue from the terminal, on a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from helpdesk_bot.cli import main
from helpdesk_bot.db import session_scope
from helpdesk_bot.desk import Asker
from helpdesk_bot.models import Ticket

from .conftest import KNOWLEDGE, REFERRALS, ROOT

FIJI_OFFICIAL = Asker(telegram_id=501, chat_id=501, name="Mere")
OTHER_OFFICIAL = Asker(telegram_id=502, chat_id=502, name="Luis")


@pytest.fixture
def environment(monkeypatch, database_url):
    """The HELPDESK_* variables an operator sets, pointing at the test database."""
    for name in list(os.environ):
        if name.startswith("HELPDESK_"):
            monkeypatch.delenv(name)
    values = {
        "HELPDESK_DATABASE_URL": database_url,
        "HELPDESK_KNOWLEDGE_DIR": str(KNOWLEDGE),
        "HELPDESK_REFERRALS_DIR": str(REFERRALS),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def tickets(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["tickets", *args])
    out, err = capsys.readouterr()
    return code, out, err


def open_tickets(desk) -> None:
    """#1 from an official of Fiji, a week old and claimed; #2 fresh; #3 closed."""
    desk.update_profile(FIJI_OFFICIAL, state_code="FJI", role="Attorney-General's office")
    desk.to_secretariat(FIJI_OFFICIAL, "When is our initial report to the Committee due?")
    desk.to_secretariat(OTHER_OFFICIAL, "Could the CTI review our draft implementing law?")
    desk.to_secretariat(Asker(telegram_id=503, chat_id=503), "Thank you for the seminar.")
    with session_scope(desk.sessions) as session:
        session.execute(
            update(Ticket)
            .where(Ticket.id == 1)
            .values(opened_at=datetime.now(UTC) - timedelta(days=7))
        )
    desk.claim(1, staff_id=9001, staff_name="Sam Staff")
    desk.close(3, resolution="out_of_scope", staff_id=9001)


def test_an_empty_queue_says_so(environment, desk, capsys):
    assert tickets(capsys, "list") == (0, "No tickets in the queue.\n", "")


@pytest.mark.parametrize("args", [(), ("list",)])
def test_list_shows_open_tickets_oldest_first(environment, desk, capsys, args):
    open_tickets(desk)
    code, out, err = tickets(capsys, *args)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 2  # the closed ticket is not in the queue
    assert lines[0].startswith("#1 [open] 7 d Sam Staff Fiji (en): When is our initial report")
    assert lines[0].endswith("(no reply yet)")
    assert lines[1].startswith("#2 [open] 0 h unassigned - (en): Could the CTI review")


def test_list_all_includes_closed_tickets(environment, desk, capsys):
    open_tickets(desk)
    code, out, _ = tickets(capsys, "list", "--all")
    assert code == 0
    assert [line.split()[0:2] for line in out.splitlines()] == [
        ["#1", "[open]"],
        ["#2", "[open]"],
        ["#3", "[closed]"],
    ]


def test_a_replied_ticket_loses_the_no_reply_mark(environment, desk, capsys):
    open_tickets(desk)
    desk.staff_reply(2, "Yes, send it to us.", staff_id=9002, staff_name="Kim")
    _, out, _ = tickets(capsys, "list")
    second = out.splitlines()[1]
    assert "Kim" in second and "no reply yet" not in second


def test_show_prints_the_whole_thread(environment, desk, capsys):
    open_tickets(desk)
    relay = desk.staff_reply(
        1, "It is due one year after ratification.", staff_id=9001, staff_name="Sam Staff"
    )
    desk.mark_message_delivery(relay.message_id, delivered=False, error="blocked")
    desk.to_secretariat(FIJI_OFFICIAL, "Thank you. And the periodic reports?")
    desk.refer_ticket(1, "ohchr-tbcbp", staff_id=9001)
    desk.close(1, resolution="referred", staff_id=9001)
    code, out, err = tickets(capsys, "show", "1")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "Ticket #1 (secretariat), closed: referred"
    assert "State Fiji" in lines[1] and "language en" in lines[1]
    assert lines[2] == "Assignee: Sam Staff; referred to ohchr-tbcbp"
    assert any(line.startswith("First response ") and "after opening" in line for line in lines)
    assert any(line.startswith("Closed ") for line in lines)
    thread = [line.strip() for line in lines if line.startswith("  ")]
    assert thread[0].endswith("official: When is our initial report to the Committee due?")
    assert thread[1].endswith(
        "staff (Sam Staff) [NOT DELIVERED]: It is due one year after ratification."
    )
    assert thread[2].endswith("official: Thank you. And the periodic reports?")
    assert "staff: " in thread[3] and desk.referrals.partners["ohchr-tbcbp"].website in out


def test_show_names_what_the_bot_tried(environment, desk, capsys):
    desk.to_secretariat(FIJI_OFFICIAL, "placeholder")
    entry = next(iter(desk.base.entries.values()))
    with session_scope(desk.sessions) as session:
        session.execute(update(Ticket).values(tried=f"{entry.id}:48, retired-entry:31"))
    _, out, _ = tickets(capsys, "show", "1")
    assert f"  {entry.id} (score 48): {entry.question('en')}" in out
    assert "  retired-entry (score 31): no longer in the knowledge base" in out


def test_show_after_the_official_used_forget(environment, desk, capsys):
    desk.to_secretariat(FIJI_OFFICIAL, "Please call me back.")
    assert desk.forget(FIJI_OFFICIAL)
    code, out, _ = tickets(capsys, "show", "1")
    assert code == 0 and "official: (erased)" in out and "Please call me back" not in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("show", "99"), 1, "helpdesk-bot: error: there is no ticket #99\n"),
        (
            ("show",),
            2,
            "helpdesk-bot: error: tickets show needs a ticket number, e.g. tickets show 12\n",
        ),
    ],
)
def test_bad_requests_get_one_line_and_an_exit_code(environment, desk, capsys, args, code, message):
    assert tickets(capsys, *args) == (code, "", message)


@pytest.mark.parametrize("args", [("show", "one"), ("delete",)])
def test_usage_errors_exit_2(environment, capsys, args):
    with pytest.raises(SystemExit) as exit_:
        main(["tickets", *args])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "invalid" in err


def test_a_database_without_schema_is_a_one_line_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("HELPDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    monkeypatch.setenv("HELPDESK_KNOWLEDGE_DIR", str(KNOWLEDGE))
    monkeypatch.setenv("HELPDESK_REFERRALS_DIR", str(REFERRALS))
    code, out, err = tickets(capsys, "list")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "db upgrade" in err


def test_the_installed_command_lists_the_queue(environment, desk):
    """The real program, as the Secretariat runs it from a terminal."""
    desk.to_secretariat(FIJI_OFFICIAL, "When is our initial report due?")
    result = subprocess.run(
        [sys.executable, "-m", "helpdesk_bot", "tickets", "list"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")},
            **environment,
        },
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.startswith("#1 [open]") and "When is our initial report due?" in result.stdout
    )
