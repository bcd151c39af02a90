"""Paging of every list (docs/api.md, Conventions): `?page=1&per_page=20`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from shared.contract.model import Query, Resource

PER_PAGE_DEFAULT, PER_PAGE_MAX = 20, 100
PAGE_MAX = 100_000  # the OFFSET a page costs stays bounded


class PageQuery(Query):
    page: Annotated[int, Field(ge=1, le=PAGE_MAX)] = 1
    per_page: Annotated[int, Field(ge=1, le=PER_PAGE_MAX)] = PER_PAGE_DEFAULT


class Page(Resource):
    """What every list answers; a subclass adds `items: list[TheItem]`."""

    page: Annotated[int, Field(ge=1)]
    per_page: Annotated[int, Field(ge=1, le=PER_PAGE_MAX)]
    total: Annotated[int, Field(ge=0)]
