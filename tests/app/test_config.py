"""Settings: environment over .env, every problem at once, secrets masked."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.datadog.sites import SITES

VALID = {
    "DD_API_KEY": "dd-api-key-value-123",
    "DD_APP_KEY": "dd-app-key-value-456",
    "SLACK_BOT_TOKEN": "xoxb-bot-token-789",
    "SLACK_SIGNING_SECRET": "signing-secret-abc",
}


def test_environment_wins_over_dotenv(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DD_SITE=datadoghq.eu\nDD_API_KEY=from-file\nPORT=4000\n")
    settings = load_settings({**VALID, "DD_API_KEY": "from-env"}, env_file)
    assert settings.dd_api_key.get_secret_value() == "from-env"
    assert settings.dd_site == "datadoghq.eu"
    assert settings.port == 4000
    assert settings.datadog_api_base == "https://api.datadoghq.eu"


def test_defaults() -> None:
    settings = load_settings(VALID, None)
    assert settings.dd_site == "datadoghq.com"
    assert settings.datadog_api_base == "https://api.datadoghq.com"
    assert settings.default_severity == "UNKNOWN"
    assert not settings.socket_mode


def test_every_problem_is_listed_with_its_source(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DD_SITE=datadog.example\n")
    with pytest.raises(ConfigError) as caught:
        load_settings({"PORT": "eighty", "SLACK_BOT_TOKEN": "xoxp-user"}, env_file)
    message = str(caught.value)
    assert "DD_API_KEY is missing" in message
    assert "DD_APP_KEY is missing" in message
    assert f"DD_SITE (from {env_file})" in message
    assert all(site in message for site in SITES)
    assert "PORT (from the environment)" in message
    assert "SLACK_BOT_TOKEN (from the environment): must be a bot token" in message
    assert len(caught.value.problems) == 5


def test_http_mode_needs_the_signing_secret_socket_mode_does_not() -> None:
    without = {k: v for k, v in VALID.items() if k != "SLACK_SIGNING_SECRET"}
    with pytest.raises(ConfigError) as caught:
        load_settings(without, None)
    assert "SLACK_SIGNING_SECRET is missing" in str(caught.value)
    settings = load_settings({**without, "SLACK_APP_TOKEN": "xapp-1-abc"}, None)
    assert settings.socket_mode


@pytest.mark.parametrize("site", SITES)
def test_all_nine_sites_are_accepted(site: str) -> None:
    assert load_settings({**VALID, "DD_SITE": site}, None).dd_site == site


def test_api_url_override_and_lists() -> None:
    settings = load_settings(
        {
            **VALID,
            "DD_API_URL": "http://127.0.0.1:9999/",
            "DECLARE_DEFAULT_HANDLES": "@oncall-sre, slack-incidents",
            "DECLARE_DEFAULT_SEVERITY": "sev-2",
        },
        None,
    )
    assert settings.datadog_api_base == "http://127.0.0.1:9999"
    assert settings.default_handles == ["@oncall-sre", "@slack-incidents"]
    assert settings.default_severity == "SEV-2"


def test_secrets_never_print() -> None:
    settings = load_settings({**VALID, "SLACK_APP_TOKEN": "xapp-secret-app"}, None)
    shown = repr(settings) + str(settings)
    for secret in (*VALID.values(), "xapp-secret-app"):
        if secret.startswith(("dd-", "xoxb-", "signing", "xapp-")):
            assert secret not in shown
    assert sorted(settings.secret_values()) == sorted(
        [*(v for k, v in VALID.items()), "xapp-secret-app"]
    )


def test_bad_severity_names_the_choices() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({**VALID, "DECLARE_DEFAULT_SEVERITY": "P1"}, None)
    assert "SEV-0" in str(caught.value) and "UNKNOWN" in str(caught.value)
