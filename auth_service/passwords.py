"""Argon2id password hashing (argon2-cffi), with cheap parameters only when tests ask for them."""

from __future__ import annotations

import threading

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# production: argon2-cffi's defaults (RFC 9106 "low memory": t=3, m=64 MiB, p=4).
# test: the cheapest parameters argon2 accepts, so suites can register hundreds of users.
PROFILES: dict[str, dict[str, int]] = {
    "production": {"time_cost": 3, "memory_cost": 65536, "parallelism": 4},
    "test": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
}


class Passwords:
    """Hash, verify and decide when a stored hash should be upgraded.

    At most `max_concurrent` hashes or verifications run at once in a process (each takes
    `memory_cost` KiB), so a burst of logins or registrations queues instead of exhausting the
    container's memory: 2 x 64 MiB per gunicorn worker in production.
    """

    def __init__(self, profile: str = "production", *, max_concurrent: int = 2) -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown ARGON2_PROFILE {profile!r}; use one of {sorted(PROFILES)}")
        cost = PROFILES[profile]
        self._hasher = PasswordHasher(
            time_cost=cost["time_cost"],
            memory_cost=cost["memory_cost"],
            parallelism=cost["parallelism"],
            type=Type.ID,
        )
        self._slots = threading.BoundedSemaphore(max(1, max_concurrent))
        # Verified against when the email is unknown, so both failures cost the same time.
        self._dummy = self._hasher.hash("not a real password, only for timing")

    def hash(self, password: str) -> str:
        with self._slots:
            return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """True if `password` matches; an absent user still pays for one verification."""
        try:
            with self._slots:
                matches = self._hasher.verify(stored_hash or self._dummy, password)
            return matches and bool(stored_hash)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when the stored hash was made with other parameters than the current ones."""
        try:
            return self._hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True
