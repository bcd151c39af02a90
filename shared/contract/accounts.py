"""Account rules (docs/api.md, Auth)."""

from __future__ import annotations

# An ASCII address: dot-atoms, then a hostname with a letter-only top-level label.
EMAIL_PATTERN = (
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
# Some visible character and no control characters once trimmed.
NAME_PATTERN = r"[^\s\x00-\x1f\x7f-\x9f]([^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f])?"
EMAIL_MAX = 254
PASSWORD_MIN, PASSWORD_MAX = 8, 1024
NAME_MAX = 100
