import pytest

from helpdesk_bot.config import ConfigError, Settings, read_config_file, unknown_settings


def test_defaults_need_nothing():
    settings = Settings.from_values({})
    assert settings.telegram_token is None
    assert settings.telegram_api_url == "https://api.telegram.org/bot"
    assert settings.staff_ids == frozenset()
    assert settings.database_url.startswith("sqlite:///") and "/var/" in settings.database_url


def test_every_design_variable_is_read(tmp_path):
    settings = Settings.from_values(
        {
            "HELPDESK_TELEGRAM_TOKEN": "123:abc",
            "HELPDESK_TELEGRAM_API_URL": "http://127.0.0.1:9/bot",
            "HELPDESK_STAFF_CHAT_ID": "-1001234",
            "HELPDESK_STAFF_IDS": "1, 2,3",
            "HELPDESK_DATABASE_URL": "postgresql+psycopg://u@h/db",
            "HELPDESK_KNOWLEDGE_DIR": str(tmp_path / "k"),
            "HELPDESK_REFERRALS_DIR": str(tmp_path / "r"),
        }
    )
    assert settings.telegram_token == "123:abc"
    assert settings.telegram_api_url == "http://127.0.0.1:9/bot"
    assert settings.staff_chat_id == -1001234
    assert settings.staff_ids == {1, 2, 3}
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.knowledge_dir == tmp_path / "k"
    assert settings.referrals_dir == tmp_path / "r"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HELPDESK_STAFF_IDS", "12,abc"),
        ("HELPDESK_STAFF_CHAT_ID", "staff"),
        ("HELPDESK_TELEGRAM_TOKEN", "no colon"),
        ("HELPDESK_TELEGRAM_API_URL", "ftp://x"),
        ("HELPDESK_RATE_LIMIT", "-1"),
        ("HELPDESK_ANSWER_THRESHOLD", "150"),
        ("HELPDESK_LOG_LEVEL", "LOUD"),
    ],
)
def test_bad_value_names_the_variable(name, value):
    with pytest.raises(ConfigError) as error:
        Settings.from_values({name: value})
    message = str(error.value)
    assert name in message
    assert "\n" not in message


def test_token_never_in_repr_or_description():
    settings = Settings.from_values({"HELPDESK_TELEGRAM_TOKEN": "123456:SECRET-token"})
    assert "SECRET" not in repr(settings)
    assert "SECRET" not in str(settings.describe())
    assert settings.describe()["telegram_token"] == "(set)"


@pytest.mark.parametrize("suffix", [".env", ".yaml"])
def test_config_file_under_environment(tmp_path, suffix):
    path = tmp_path / f"helpdesk{suffix}"
    if suffix == ".env":
        path.write_text("# staff\nHELPDESK_STAFF_IDS=5,6\nexport HELPDESK_RATE_LIMIT='7'\n")
    else:
        path.write_text("HELPDESK_STAFF_IDS: 5,6\nHELPDESK_RATE_LIMIT: 7\n")
    settings = Settings.load(env={"HELPDESK_RATE_LIMIT": "9"}, config_file=path)
    assert settings.staff_ids == {5, 6}
    assert settings.rate_limit_per_minute == 9  # the environment wins over the file


def test_config_file_errors_have_file_and_line(tmp_path):
    path = tmp_path / "bad.env"
    path.write_text("HELPDESK_STAFF_IDS=1\nthis line has no equals sign\n")
    with pytest.raises(ConfigError, match=r"bad\.env:2: expected VARIABLE=value"):
        read_config_file(path)
    with pytest.raises(ConfigError, match="cannot read"):
        Settings.load(env={"HELPDESK_CONFIG": str(tmp_path / "missing.env")})


def test_staff_rights_only_from_the_list():
    settings = Settings.from_values({"HELPDESK_STAFF_IDS": "10"})
    assert settings.is_staff(10)
    assert not settings.is_staff(11)
    assert not settings.is_staff(None)


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("HELPDESK_ANSWER_THRESHOLD", "nan", "HELPDESK_ANSWER_THRESHOLD must be between 0 and 100"),
        ("HELPDESK_ANSWER_MARGIN", "1e308", "HELPDESK_ANSWER_MARGIN must be between 0 and 100"),
        ("HELPDESK_MIN_CONTENT_SHARE", "inf", "HELPDESK_MIN_CONTENT_SHARE must be between 0 and 1"),
        (
            "HELPDESK_REFERRAL_FOLLOWUP_DAYS",
            "1000000000000",
            "HELPDESK_REFERRAL_FOLLOWUP_DAYS must be between 1 and 3650",
        ),
        (
            "HELPDESK_RETENTION_MONTHS",
            "1000000000000",
            "HELPDESK_RETENTION_MONTHS must be between 1 and 1200",
        ),
        ("HELPDESK_DB_POOL_SIZE", "0", "HELPDESK_DB_POOL_SIZE must be between 1 and 100"),
    ],
)
def test_values_that_would_break_the_desk_are_refused_with_their_range(name, raw, message):
    with pytest.raises(ConfigError) as refused:
        Settings.from_values({name: raw})
    assert str(refused.value).startswith(message)


def test_a_misspelt_setting_gets_a_warning_naming_the_real_one():
    assert unknown_settings(
        ["HELPDESK_STAFF_CHAT", "HELPDESK_QQQ", "PATH", "HELPDESK_RATE_LIMIT"]
    ) == [
        "unknown setting HELPDESK_QQQ",
        "unknown setting HELPDESK_STAFF_CHAT (did you mean HELPDESK_STAFF_CHAT_ID?)",
    ]
