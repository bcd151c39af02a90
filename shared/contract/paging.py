"""Paging of every list (docs/api.md, Conventions): `?page=1&per_page=20`."""

from __future__ import annotations

PER_PAGE_DEFAULT, PER_PAGE_MAX = 20, 100
PAGE_MAX = 100_000  # the OFFSET a page costs stays bounded
