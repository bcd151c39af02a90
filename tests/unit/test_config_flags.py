"""Boolean settings read alike everywhere: what an operator writes means what it says."""

from __future__ import annotations

import pytest

from shared.config import ConfigError, flag
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
