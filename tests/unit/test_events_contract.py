"""The files derived from the event classes are current, and every binding has a handler."""

from __future__ import annotations

import json
from pathlib import Path

from scripts.events_contract import (
    CATALOGUE_DOC,
    DEFINITIONS,
    broadcast_subscriptions,
    catalogue_markdown,
    definitions,
    subscriptions,
)
from shared.events.catalogue import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_event_catalogue_is_the_one_the_classes_generate() -> None:
    assert CATALOGUE_DOC.read_text() == catalogue_markdown(), "stale: run `make events`"


def test_the_definitions_declare_what_the_code_declares() -> None:
    current = json.loads(DEFINITIONS.read_text())
    assert current == definitions(current), "stale rabbitmq/definitions.json: run `make events`"


def test_every_binding_of_the_definitions_has_a_handler_and_every_handler_a_binding() -> None:
    current = json.loads(DEFINITIONS.read_text())
    bound = {
        (b["destination"].removesuffix(".events"), b["routing_key"])
        for b in current["bindings"]
        if b["source"] == "bookstore.events"
    }
    handled = {(service, key) for service, keys in subscriptions().items() for key in keys}
    assert bound == handled
    assert ("order", "stock.released") not in bound  # the saga needs no answer to a release


def test_services_handle_only_catalogued_events_that_another_service_publishes() -> None:
    tables = {**subscriptions(), **broadcast_subscriptions()}
    assert tables["catalog"] and tables["order"] and tables["api_gateway"] == ["auth.token_revoked"]
    for service, keys in tables.items():
        for key in keys:
            assert key in EVENT_TYPES, f"{service} handles {key}, which is not catalogued"
            assert not EVENT_TYPES[key].PRODUCER.startswith(service), (service, key)


def test_each_event_is_built_by_its_producer_and_by_no_other_service() -> None:
    code = {
        package.name: "".join(path.read_text() for path in package.rglob("*.py"))
        for package in ROOT.glob("*_service")
    }
    for event_type, cls in EVENT_TYPES.items():
        builders = {name for name, text in code.items() if f"{cls.__name__}(" in text}
        assert builders == {cls.PRODUCER}, f"{event_type} is built by {builders or 'nobody'}"
