"""Registration and login input: normalized emails, per-field messages."""

from __future__ import annotations

import pytest

from auth_service import validation
from auth_service.passwords import Passwords
from shared.domain import Invalid as ValidationError


def test_emails_are_trimmed_and_lower_cased() -> None:
    form = validation.registration(
        {"email": "  Ann.Lee@Example.COM ", "password": "long enough pw", "name": " Ann Lee "}
    )
    assert (form.email, form.name) == ("ann.lee@example.com", "Ann Lee")


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"email": "not-an-email", "password": "long enough pw", "name": "A"}, "email"),
        ({"email": "a@b", "password": "long enough pw", "name": "A"}, "email"),
        ({"email": 42, "password": "long enough pw", "name": "A"}, "email"),
        ({"email": "a@b.io", "password": "1234567", "name": "A"}, "password"),
        ({"email": "a@b.io", "password": None, "name": "A"}, "password"),
        ({"email": "a@b.io", "password": "x" * 1025, "name": "A"}, "password"),
        ({"email": "a@b.io", "password": "long enough pw", "name": "   "}, "name"),
        ({"email": "a@b.io", "password": "long enough pw", "name": "n" * 101}, "name"),
        ({"email": "a@b.io", "password": "long enough pw"}, "name"),
        ({"email": "a@b.io", "password": "long enough pw", "name": "a\x00b"}, "name"),
    ],
)
def test_a_bad_registration_names_the_bad_field(payload: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validation.registration(payload)
    assert field in (caught.value.fields or {})


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        validation.registration({"email": "x", "password": "1", "name": ""})
    assert set(caught.value.fields or {}) == {"email", "password", "name"}


def test_a_name_of_exactly_one_hundred_characters_is_accepted() -> None:
    assert (
        len(
            validation.registration(
                {"email": "a@b.io", "password": "long enough pw", "name": "n" * 100}
            ).name
        )
        == 100
    )


@pytest.mark.parametrize(
    "payload",
    [{}, {"email": "a@b.io"}, {"email": "", "password": "x"}, {"email": ["a"], "password": "x"}],
)
def test_login_needs_both_fields_as_strings(payload: dict) -> None:
    with pytest.raises(ValidationError):
        validation.credentials(payload)


def test_passwords_are_argon2id_and_verify_only_the_right_password() -> None:
    passwords = Passwords("test")
    stored = passwords.hash("correct horse")
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, "correct horse")
    assert not passwords.verify(stored, "wrong horse")
    assert not passwords.verify(None, "correct horse")
    assert not passwords.verify("not a hash", "correct horse")


def test_a_hash_made_with_other_parameters_needs_rehash() -> None:
    cheap = Passwords("test").hash("correct horse")
    assert Passwords("test").needs_rehash(cheap) is False
    assert Passwords("production").needs_rehash(cheap) is True


def test_an_unknown_argon2_profile_is_refused() -> None:
    with pytest.raises(ValueError):
        Passwords("fast")


@pytest.mark.parametrize("padding", ["\x00" * 300, "\u200b", "\ufeff", "\x01"])
def test_login_refuses_an_email_no_account_can_have(padding: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validation.credentials({"email": "victim@example.com" + padding, "password": "a guess"})
    assert set(caught.value.fields or {}) == {"email"}


def test_login_normalizes_the_email_as_registration_does() -> None:
    creds = validation.credentials({"email": " Victim@Example.COM ", "password": "p"})
    assert creds.email == "victim@example.com"


@pytest.mark.parametrize(
    "password,message",
    [
        ("password1", "is too common; choose one that is not on lists of leaked passwords"),
        ("Reader@B.io", "must not be your email address"),
    ],
)
def test_weak_passwords_are_refused_at_registration(password: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validation.registration({"email": "reader@b.io", "password": password, "name": "A"})
    assert (caught.value.fields or {}) == {"password": message}


def test_a_weak_password_is_reported_with_the_other_bad_fields() -> None:
    with pytest.raises(ValidationError) as caught:
        validation.registration({"email": "reader@b.io", "password": "password1", "name": " "})
    assert (caught.value.fields or {}) == {
        "name": "must not be empty",
        "password": "is too common; choose one that is not on lists of leaked passwords",
    }
