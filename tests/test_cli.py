"""The helpdesk-bot command line: help, exit codes, one-line errors, db upgrade, ask, validate."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from helpdesk_bot.answering import QUESTION_OUTCOMES
from helpdesk_bot.cli import build_parser, main

from .conftest import KNOWLEDGE, NOT_SHIPPED, REFERRALS, ROOT

DESIGN_COMMANDS = ("run", "chat", "ask", "validate", "stats", "export", "tickets", "db")


def run_cli(*args, env=None, stdin=None, cwd=None):
    """The real program in a subprocess, as a user runs it."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "helpdesk_bot", *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=stdin,
        cwd=cwd or ROOT,
        timeout=120,
    )


def test_help_lists_every_design_command():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in DESIGN_COMMANDS:
        assert f"    {command} " in result.stdout
    assert "examples:" in result.stdout


@pytest.mark.parametrize("command", DESIGN_COMMANDS)
def test_each_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args([command, "--help"])
    assert done.value.code == 0
    assert "usage: helpdesk-bot" in capsys.readouterr().out


def test_usage_error_is_one_line_exit_2():
    result = run_cli("stats", "--from", "yesterday")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "not a date" in result.stderr


def test_bad_config_value_exit_2(tmp_path):
    result = run_cli("validate", env={"HELPDESK_STAFF_IDS": "12,x"})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "helpdesk-bot: error: HELPDESK_STAFF_IDS must be comma-separated Telegram user ids (numbers), got 'x'"
    )
    assert "Traceback" not in result.stderr


def test_db_upgrade_then_up_to_date(tmp_path):
    env = {"HELPDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'h.sqlite3'}"}
    first = run_cli("db", "upgrade", env=env)
    assert first.returncode == 0 and "upgraded from empty" in first.stdout
    second = run_cli("db", "upgrade", env=env)
    assert second.returncode == 0 and "already up to date" in second.stdout


def test_default_database_under_var(tmp_path):
    shutil.copytree(KNOWLEDGE, tmp_path / "knowledge", ignore=NOT_SHIPPED)
    shutil.copytree(REFERRALS, tmp_path / "referrals")
    result = run_cli("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "helpdesk.sqlite3").exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "cannot reach the database"),
        ("nonsense", "not a database URL"),
    ],
)
def test_bad_database_exit_2(url, message):
    result = run_cli("tickets", "list", env={"HELPDESK_DATABASE_URL": url})
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_empty_database_says_upgrade(tmp_path):
    result = run_cli(
        "tickets", env={"HELPDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'h.sqlite3'}"}
    )
    assert result.returncode == 2
    assert "helpdesk-bot db upgrade" in result.stderr


def test_validate_shipped_base():
    result = run_cli("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "entries" in result.stderr and "no problems" in result.stderr
    ) or "warning" in result.stderr


def test_validate_reports_file_line_and_exit_1(tmp_path):
    shutil.copytree(KNOWLEDGE, tmp_path / "knowledge", ignore=NOT_SHIPPED)
    (tmp_path / "knowledge" / "opcat.yaml").write_text(
        "topic: opcat\nentries:\n  - id: x\n    en: [\n"
    )
    result = run_cli(
        "validate",
        env={
            "HELPDESK_KNOWLEDGE_DIR": str(tmp_path / "knowledge"),
            "HELPDESK_REFERRALS_DIR": str(REFERRALS),
        },
    )
    assert result.returncode == 1
    assert any(
        line.startswith(str(tmp_path / "knowledge" / "opcat.yaml") + ":") and "invalid YAML" in line
        for line in result.stdout.splitlines()
    ), result.stdout


def test_validate_checks_the_results_framework_with_file_and_line(tmp_path):
    shutil.copytree(KNOWLEDGE, tmp_path / "knowledge", ignore=NOT_SHIPPED)
    framework = tmp_path / "knowledge" / "monitoring" / "results-framework.yaml"
    lines = framework.read_text().splitlines()
    target = next(i for i, line in enumerate(lines) if line.strip().startswith("target:"))
    lines[target] = lines[target].split("target:")[0] + "target: many"
    framework.write_text("\n".join(lines) + "\n")
    result = run_cli(
        "validate",
        env={
            "HELPDESK_KNOWLEDGE_DIR": str(tmp_path / "knowledge"),
            "HELPDESK_REFERRALS_DIR": str(REFERRALS),
        },
    )
    assert result.returncode == 1
    assert f"{framework}:{target + 1}:" in result.stdout, result.stdout


def test_invalid_base_refuses_to_start(tmp_path):
    shutil.copytree(KNOWLEDGE, tmp_path / "knowledge", ignore=NOT_SHIPPED)
    (tmp_path / "knowledge" / "opcat.yaml").write_text("topic: nowhere\nentries: []\n")
    result = run_cli("ask", "hello", env={"HELPDESK_KNOWLEDGE_DIR": str(tmp_path / "knowledge")})
    assert result.returncode == 2
    assert "unknown topic 'nowhere'" in result.stderr
    assert "Traceback" not in result.stderr


def test_ask_json_lines_from_stdin():
    questions = (
        "How does a State accede to UNCAT?\n\n"
        "What did the prison inspector say about our detention centre last week?\n"
        "How many States have ratified the ICCPR?\n"
        "merci\n"
    )
    result = run_cli("ask", "--json", stdin=questions)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 4
    for line in lines:
        assert set(line) == {
            "question",
            "outcome",
            "entry",
            "score",
            "language",
            "text",
            "suggestions",
            "partner",
            "state",
        }
        assert line["outcome"] in {*QUESTION_OUTCOMES, "smalltalk"}
        assert 0 <= line["score"] <= 100
    assert lines[1]["outcome"] == "escalate" and lines[1]["entry"] is None
    assert (lines[2]["outcome"], lines[2]["entry"], lines[2]["partner"]) == ("decline", None, None)
    assert (lines[3]["outcome"], lines[3]["language"]) == ("smalltalk", "fr")


def test_ask_does_not_touch_the_database(tmp_path):
    result = run_cli(
        "ask", "hello", env={"HELPDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'x' / 'h.sqlite3'}"}
    )
    assert result.returncode == 0
    assert not (tmp_path / "x").exists()


def test_run_without_token_opens_console(tmp_path, settings):
    result = run_cli(
        "run",
        env={"HELPDESK_DATABASE_URL": settings.database_url},
        stdin="What did the prison inspector say about our detention centre last week?\n/quit\n",
    )
    assert result.returncode == 0, result.stderr
    assert "No HELPDESK_TELEGRAM_TOKEN set" in result.stderr and "BotFather" in result.stderr
    assert "ticket #1" in result.stdout or "#1" in result.stdout


def test_main_without_command_prints_help(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_ask_state_answers_as_for_that_states_official():
    result = run_cli("ask", "--json", "--state", "Fidji", "How do we ratify the Convention?")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["state"] == "FJI"
    unknown = run_cli("ask", "--state", "Atlantis", "How do we ratify the Convention?")
    assert unknown.returncode == 2
    error = unknown.stderr.strip()
    assert "\n" not in error
    assert error.startswith(
        "helpdesk-bot: error: no State in the register matches 'Atlantis'; closest: "
    )
    assert len(error.split("closest: ")[1].split(", ")) == 3


@pytest.mark.parametrize(
    ("name", "code"), [("Vanuatu", "VUT"), ("vanuatuu", "VUT"), ("Haïti", "HTI"), ("AUS", "AUS")]
)
def test_ask_state_takes_any_name_as_start_does(name, code):
    result = run_cli("ask", "--json", "--state", name, "hello")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["state"] == code


def test_ask_state_adds_the_states_own_dates_to_a_deadline_answer():
    question = "When is our initial report to the Committee against Torture due?"
    vanuatu = json.loads(run_cli("ask", "--json", "--state", "Vanuatu", question).stdout)
    assert vanuatu["entry"] == "reporting-initial-deadline"
    assert "Initial report due: 10 August 2012" in vanuatu["text"]
    haiti = json.loads(run_cli("ask", "--json", "--state", "Haiti", question).stdout)
    assert "instrument of ratification" in haiti["text"]
    assert "Initial report due:" not in haiti["text"]
    nobody = json.loads(run_cli("ask", "--json", question).stdout)
    assert nobody["state"] is None and "/profile" in nobody["text"]


@pytest.mark.parametrize(
    "command", [["stats", "--to", "9999-12-31"], ["export", "queries", "--to", "9999-12-31"]]
)
def test_a_date_out_of_range_is_one_line_exit_2(tmp_path, command):
    env = {
        "HELPDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'h.sqlite3'}",
        "HELPDESK_PSEUDONYM_SECRET": "x",
    }
    result = run_cli(*command, env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "'9999-12-31' is out of range" in lines[0]


@pytest.mark.parametrize("where", ["before", "after"])
def test_config_works_before_or_after_the_command(tmp_path, where):
    config = tmp_path / "desk.env"
    config.write_text(f"HELPDESK_KNOWLEDGE_DIR={tmp_path / 'nowhere'}\n", encoding="utf-8")
    args = ["--config", str(config), "validate"]
    if where == "after":
        args = ["validate", "--config", str(config)]
    result = run_cli(*args)
    # The file was read: the knowledge folder it names does not exist.
    assert result.returncode != 0
    assert "nowhere" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
