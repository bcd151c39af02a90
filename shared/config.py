"""Reading the environment the same way in every service: typed settings on pydantic-settings.

Each service's config.py declares `Config(...)` on the bases here; every field names its
environment variable once, with `setting("NAME", default)`, and the fields every service shares
(the broker, the token checks, the revocations follower, the log level) are declared once, in
the mixins below. `Config.from_env(env)` reads them from a mapping (os.environ by default);
`Config(field=value, ...)` builds one from values alone, like the dataclasses it replaces.

Values are parsed strictly, and a value the process cannot run with stops it at start with a
ConfigError naming the variable: a boolean is true/false, 1/0, yes/no or on/off in any case
(`SECURE_COOKIES=Ture` never quietly means false), a number must be one.

Secrets, `setting(..., secret=True)`: the database URLs (AUTH_, CATALOG_, ORDER_,
NOTIFICATION_DATABASE_URL), RABBITMQ_URL, SMTP_URL and FRONTEND_SECRET_KEY may instead be given
as `NAME_FILE=/run/secrets/x`, whose content (stripped) is the value; the file wins over a plain
NAME, as in swarm/docker/boot.lib.sh (which also splices NAME_PASSWORD_FILE into a URL). The
JWT_*_KEY_FILE settings are paths the services open themselves, not secrets of this kind.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

ROOT = Path(__file__).resolve().parent.parent
TRUE, FALSE = frozenset({"true", "1", "yes", "on"}), frozenset({"false", "0", "no", "off", ""})
SECRET = "secret"  # the json_schema_extra key of a setting that may come from NAME_FILE
FILE = "_FILE"


class ConfigError(ValueError):
    """A setting the process cannot run with: said at start, never guessed around."""


def flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """A boolean setting: true/false, 1/0, yes/no, on/off in any case; anything else stops the
    process (`SECURE_COOKIES=Ture` must not quietly mean false)."""
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean: use true or false")


def _strict_bool(value: Any) -> Any:
    """flag()'s rule for a Flag field (a bool given directly passes as it is)."""
    if not isinstance(value, str):
        return value
    if value.strip().lower() in TRUE:
        return True
    if value.strip().lower() in FALSE:
        return False
    raise PydanticCustomError("flag", "not a boolean: use true or false (1/0, yes/no, on/off)")


def _items(value: Any) -> Any:
    return tuple(item for item in value.split(",") if item) if isinstance(value, str) else value


def _names(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    return tuple(name.strip() for name in value.split(",") if name.strip())


# The types of the values that are not plain str, int, float or Decimal.
Flag = Annotated[bool, BeforeValidator(_strict_bool)]
BaseUrl = Annotated[str, AfterValidator(lambda url: url.rstrip("/"))]  # no trailing slash
# Comma-separated, empty items dropped: Items kept as written, Names stripped of spaces.
Items = Annotated[tuple[str, ...], BeforeValidator(_items)]
Names = Annotated[tuple[str, ...], BeforeValidator(_names)]


def setting(name: str, default: Any, *, secret: bool = False) -> Any:
    """A field read from the environment variable `name` (or, if `secret`, from the file that
    `name`_FILE names), `default` when it is not set."""
    if secret:  # kept out of repr() too: a URL may hold a password
        return Field(default, validation_alias=name, json_schema_extra={SECRET: True}, repr=False)
    return Field(default, validation_alias=name)


def database_url(name: str, database: str) -> Any:
    """NAME_DATABASE_URL (a secret), by default the local MariaDB's `database` as root."""
    return setting(
        f"{name}_DATABASE_URL", f"mysql+pymysql://root@127.0.0.1:3306/{database}", secret=True
    )


def worker_health_port(default: int) -> Any:
    """WORKER_HEALTH_PORT: the worker's health and metrics port (each service its own default)."""
    return setting("WORKER_HEALTH_PORT", default)


_READING: ContextVar[Mapping[str, str] | None] = ContextVar("config_env", default=None)


class Settings(BaseSettings):
    """The base of every service's Config: frozen; the environment is read by from_env only."""

    model_config = SettingsConfigDict(
        frozen=True, case_sensitive=True, populate_by_name=True, extra="forbid"
    )
    log_level: str = setting("LOG_LEVEL", "INFO")

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Self:
        """The settings `env` gives (defaults for the rest); ConfigError if one is unusable."""
        token = _READING.set(env)
        try:
            return cls()
        except ValidationError as exc:
            raise ConfigError(_explain(cls, exc)) from None
        finally:
            _READING.reset(token)

    def replace(self, **changes: Any) -> Self:
        """A copy with `changes` (validated), like dataclasses.replace."""
        return type(self)(**{**dict(self), **changes})

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        env = _READING.get()
        if env is None:  # Config(...): the values given and the defaults, nothing else
            return (init_settings,)
        return (init_settings, _MappingSource(settings_cls, env))


class _MappingSource(EnvSettingsSource):
    """The variables of `env` (not necessarily os.environ), secrets read from their NAME_FILE,
    each value handed to the field's validators as the string it is (no JSON decoding)."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._env = env
        super().__init__(settings_cls, case_sensitive=True)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        values: dict[str, str | None] = dict(self._env)
        for name in secret_names(self.settings_cls):
            path = self._env.get(name + FILE)
            if path:
                values[name] = _read_secret(name + FILE, path)
        return values

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        name = str(field.validation_alias)  # only the variable: never the field's own name
        return self.env_vars.get(name), name, False

    def prepare_field_value(
        self, field_name: str, field: FieldInfo, value: Any, value_is_complex: bool
    ) -> Any:
        return value


def secret_names(settings_cls: type[BaseSettings]) -> list[str]:
    """The variables of `settings_cls` that may be given as NAME_FILE."""
    return [
        str(field.validation_alias)
        for field in settings_cls.model_fields.values()
        if isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get(SECRET)
    ]


def _read_secret(variable: str, path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError as exc:
        raise ConfigError(f"{variable}={path!r}: cannot read the file ({exc.strerror})") from None


def _explain(settings_cls: type[BaseSettings], exc: ValidationError) -> str:
    """One line per unusable variable, named as the operator wrote it (secrets not repeated)."""
    names = {n: str(f.validation_alias or n) for n, f in settings_cls.model_fields.items()}
    secrets = set(secret_names(settings_cls))
    lines = []
    for error in exc.errors(include_url=False):
        key = str(error["loc"][0]) if error["loc"] else "?"
        name = names.get(key, key)
        shown = "(hidden)" if name in secrets else repr(error["input"])
        lines.append(f"{name}={shown}: {error['msg']}")
    return "; ".join(lines)


class Broker(Settings):
    """The event broker: RABBITMQ_URL (a secret; comma-separated cluster nodes) and the
    EVENT_PREFIX of exchange and queue names (tests isolate their runs with it)."""

    rabbitmq_url: str = setting(
        "RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F", secret=True
    )
    event_prefix: str = setting("EVENT_PREFIX", "")


class Tokens(Settings):
    """What checks auth_service's access tokens: its public key, issuer and audience."""

    jwt_public_key_file: str = setting("JWT_PUBLIC_KEY_FILE", str(ROOT / "var/keys/jwt_public.pem"))
    jwt_issuer: str = setting("JWT_ISSUER", "bookstore-auth")
    jwt_audience: str = setting("JWT_AUDIENCE", "bookstore")


class FollowsRevocations(Settings):
    """auth_service's api replicas (AUTH_URL, comma-separated), asked for revoked tokens
    (shared/web/revocations.py), and whether to follow its revocation events."""

    auth_url: str = setting("AUTH_URL", "http://127.0.0.1:8101")
    follow_revocations: Flag = setting("FOLLOW_REVOCATIONS", True)  # off only without auth


class ServiceSettings(Broker, Tokens):
    """A service with a database, an api and a worker: database_url and worker_health_port
    are declared by each (database_url(...), worker_health_port(...)), their defaults differ."""

    database_url: str
    worker_health_port: int
