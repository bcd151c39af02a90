"""Reading the environment the same way in every service: one parser per kind of value."""

from __future__ import annotations

from collections.abc import Mapping

TRUE, FALSE = frozenset({"true", "1", "yes", "on"}), frozenset({"false", "0", "no", "off", ""})


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
