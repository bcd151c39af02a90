"""Boolean settings read alike everywhere: what an operator writes means what it says."""

from __future__ import annotations

from pathlib import Path

import pytest

import api_gateway.config as gateway_config
import auth_service.config as auth_config
import catalog_service.config as catalog_config
import notification_service.config as notification_config
import order_service.config as order_config
import web_frontend.config as frontend_config
from shared.config import ConfigError, flag, secret_names
from web_frontend.config import from_env


@pytest.mark.parametrize("raw", ["true", "True", "TRUE", "1", "yes", " on "])
def test_every_spelling_of_true_is_true(raw: str) -> None:
    assert flag({"X": raw}, "X", False) is True
    assert from_env({"SECURE_COOKIES": raw, "FRONTEND_SECRET_KEY": "k"}).secure_cookies is True


@pytest.mark.parametrize("raw", ["false", "False", "0", "no", "off", ""])
def test_every_spelling_of_false_is_false(raw: str) -> None:
    assert flag({"X": raw}, "X", True) is False


def test_an_unset_flag_takes_its_default() -> None:
    assert flag({}, "X", True) is True and flag({}, "X", False) is False


@pytest.mark.parametrize("raw", ["Ture", "enabled", "2"])
def test_anything_else_stops_the_process_instead_of_meaning_false(raw: str) -> None:
    with pytest.raises(ConfigError, match="SECURE_COOKIES"):
        from_env({"SECURE_COOKIES": raw, "FRONTEND_SECRET_KEY": "k"})


# The typed base (shared/config.py) under every service's Config.


def test_a_number_that_is_not_one_stops_the_process_naming_its_variable() -> None:
    with pytest.raises(ConfigError, match="WORKER_HEALTH_PORT='eighty'"):
        catalog_config.from_env({"WORKER_HEALTH_PORT": "eighty"})
    with pytest.raises(ConfigError, match="GATEWAY_CONNECT_TIMEOUT='1s'"):
        gateway_config.from_env({"GATEWAY_CONNECT_TIMEOUT": "1s"})


def test_a_flag_of_the_common_base_is_as_strict() -> None:
    assert order_config.from_env({"FOLLOW_REVOCATIONS": "Off"}).follow_revocations is False
    with pytest.raises(ConfigError, match="FOLLOW_REVOCATIONS='Ture'"):
        order_config.from_env({"FOLLOW_REVOCATIONS": "Ture"})


def test_unset_variables_take_the_local_defaults() -> None:
    config = notification_config.from_env({})
    assert config.database_url == "mysql+pymysql://root@127.0.0.1:3306/bookstore_notifications"
    assert config.rabbitmq_url == "amqp://guest:guest@127.0.0.1:5672/%2F"
    assert (config.worker_health_port, config.mail_max_attempts) == (8204, 200)


def test_variables_keep_their_own_names_and_a_field_name_is_not_one() -> None:
    config = auth_config.from_env(
        {
            "LOGIN_THROTTLE_PAIR_LIMIT": "7",
            "throttle_email_limit": "1",
            "ACCESS_TOKEN_TTL_SECONDS": "60",
        }
    )
    assert (config.throttle_pair_limit, config.throttle_email_limit) == (7, 100)
    assert config.access_token_ttl == 60


def test_a_secret_is_read_from_its_file_which_wins_over_the_plain_variable(tmp_path: Path) -> None:
    secret = tmp_path / "catalog_database_url"
    secret.write_text("mysql+pymysql://catalog:pw@db/bookstore_catalog\n")
    config = catalog_config.from_env(
        {"CATALOG_DATABASE_URL_FILE": str(secret), "CATALOG_DATABASE_URL": "mysql+pymysql://x"}
    )
    assert config.database_url == "mysql+pymysql://catalog:pw@db/bookstore_catalog"
    assert "pw" not in repr(config)  # nor printed along with the rest
    (tmp_path / "key").write_text("  s3cret\n")
    frontend = from_env({"FRONTEND_SECRET_KEY_FILE": str(tmp_path / "key")})
    assert frontend.secret_key == "s3cret"


def test_an_unreadable_secret_file_stops_the_process_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="RABBITMQ_URL_FILE="):
        gateway_config.from_env({"RABBITMQ_URL_FILE": str(tmp_path / "missing")})


def test_the_secrets_are_those_boot_sh_reads_from_files_too() -> None:
    boot = (Path(__file__).resolve().parents[2] / "swarm/docker/boot.lib.sh").read_text()
    line = next(x for x in boot.splitlines() if x.startswith("SECRET_VARS="))
    configs = (auth_config, catalog_config, order_config, notification_config, gateway_config)
    ours = {n for module in (*configs, frontend_config) for n in secret_names(module.Config)}
    assert ours == set(line.split("=", 1)[1].strip('"').split())


def test_config_values_can_still_be_given_directly_and_replaced() -> None:
    config = catalog_config.Config(database_url="sqlite://", follow_revocations=False)
    assert (config.worker_health_port, config.follow_revocations) == (8202, False)
    assert config.replace(worker_health_port=0).worker_health_port == 0
    with pytest.raises(ValueError, match="frozen"):
        config.log_level = "DEBUG"  # type: ignore[misc]
