"""Fixtures the integration modules share (one instance per session, whichever module asks)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.support.order_harness import OrderStack, running_order_stack


@pytest.fixture(scope="session")
def order_stack(
    database_factory: Callable[[str], str],
    rabbitmq_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[OrderStack]:
    """The order service's api and worker processes beside a scripted catalogue."""
    yield from running_order_stack(database_factory, rabbitmq_url, tmp_path_factory)
