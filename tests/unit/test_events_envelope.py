import json
import uuid
from datetime import datetime
from decimal import Decimal

import pytest

from shared.events.catalogue import (
    EVENT_TYPES,
    BookUpdated,
    OrderDelivered,
    OrderLine,
    OrderPlaced,
)
from shared.events.envelope import (
    Envelope,
    EnvelopeError,
    decode,
    envelope_for,
    new_event,
    parse_envelope,
    parse_event,
)


def test_a_new_event_carries_every_envelope_field():
    event = new_event(
        "order.delivered", {"order_id": "o1"}, producer="order_service", correlation_id="req-1"
    )
    body = json.loads(event.to_json())
    assert set(body) == {
        "id",
        "type",
        "schema",
        "occurred_at",
        "producer",
        "correlation_id",
        "causation_id",
        "data",
    }
    uuid.UUID(body["id"])
    assert body["occurred_at"].endswith("Z")
    assert body["schema"] == 1 and body["causation_id"] is None


def test_publishing_an_event_without_its_catalogued_fields_is_refused():
    with pytest.raises(EnvelopeError, match="price"):
        new_event("book.created", {"book_id": "b"}, producer="catalog_service")


@pytest.mark.parametrize("bad_type", ["Book.Created", "book", "book.", "book created", ""])
def test_an_event_type_must_be_a_dotted_lowercase_name(bad_type):
    with pytest.raises(EnvelopeError):
        new_event(bad_type, {}, producer="x")


def test_data_that_json_cannot_encode_is_refused_when_the_event_is_built():
    with pytest.raises(TypeError):
        new_event("test.happened", {"when": object()}, producer="x")


def test_a_caused_event_keeps_the_correlation_and_points_at_its_cause():
    cause = new_event("order.delivered", {"order_id": "o1"}, producer="a", correlation_id="c")
    effect = cause.caused("order.delivered", {"order_id": "o2"}, producer="b")
    assert effect.correlation_id == "c" and effect.causation_id == cause.id


def test_the_reader_ignores_unknown_fields_and_round_trips_an_event():
    event = new_event("order.delivered", {"order_id": "o1"}, producer="p")
    raw = json.loads(event.to_json()) | {"added_in_v2": True}
    raw["data"]["added_in_v2"] = True
    assert parse_event(json.dumps(raw).encode()) == event


def test_parsing_keeps_the_data_as_json_and_decoding_gives_the_types_class():
    event = new_event("order.delivered", {"order_id": "o1"}, producer="p")
    parsed = parse_envelope(event.to_json().encode())
    assert parsed.data == {"order_id": "o1"}
    decoded = decode(parsed)
    assert isinstance(decoded.data, OrderDelivered) and decoded.data.order_id == "o1"
    assert decode(decoded) is decoded


def test_an_event_built_from_its_class_travels_as_the_catalogue_says():
    placed = OrderPlaced(
        order_id="o1",
        buyer_id="u1",
        items=[OrderLine(book_id="b1", seller_id="s1", quantity=2, unit_price=Decimal("7.5"))],
        total=Decimal("15"),
        currency="USD",
    )
    event = envelope_for(placed, producer="order_service", correlation_id="o1")
    body = json.loads(event.to_json())
    assert body["type"] == "order.placed" and body["correlation_id"] == "o1"
    assert body["data"] == {
        "order_id": "o1",
        "buyer_id": "u1",
        "items": [{"book_id": "b1", "seller_id": "s1", "quantity": 2, "unit_price": "7.50"}],
        "total": "15.00",
        "currency": "USD",
    }
    assert parse_event(event.to_json().encode()).data == placed


def test_an_event_caused_by_another_keeps_its_correlation():
    cause = new_event("order.delivered", {"order_id": "o1"}, producer="a", correlation_id="c")
    effect = envelope_for(OrderDelivered(order_id="o2"), producer="b", cause=cause)
    assert (effect.correlation_id, effect.causation_id) == ("c", cause.id)


def test_a_book_events_times_travel_in_the_one_timestamp_format():
    data = BookUpdated(
        book_id="b",
        seller_id="s",
        seller_name="",
        title="T",
        author="A",
        isbn=None,
        category="",
        condition="good",
        price=Decimal("5"),
        currency="USD",
        stock=0,
        version=3,
        created_at=datetime(2026, 11, 22, 10, 0, 0, 123456),
    )
    assert data.wire()["created_at"] == "2026-11-22T10:00:00.123Z"
    assert data.wire()["updated_at"] is None and data.wire()["price"] == "5.00"


@pytest.mark.parametrize(
    "data",
    [
        {"order_id": "o", "items": []},
        {"order_id": "o", "items": [{"book_id": "b", "quantity": 0}]},
        {"order_id": "o", "items": [{"book_id": "b", "quantity": "2"}]},
        {"order_id": "o", "items": [{"book_id": 7, "quantity": 1}]},
        {"order_id": "o", "items": ["b"]},
        {"order_id": "", "items": [{"book_id": "b", "quantity": 1}]},
        {"order_id": None, "items": [{"book_id": "b", "quantity": 1}]},
    ],
)
def test_order_placed_data_that_makes_no_sense_is_refused_when_decoded(data):
    wire = {"buyer_id": "u", "total": "1.00", "currency": "USD"} | data
    with pytest.raises(EnvelopeError, match="order.placed"):
        decode(Envelope(type="order.placed", data=wire, producer="test"))


def test_a_type_the_catalogue_does_not_know_keeps_its_dict():
    event = decode(Envelope(type="test.happened", data={"key": 1}, producer="test"))
    assert event.data == {"key": 1}


def test_every_catalogued_type_names_its_producer_and_documents_every_field():
    assert {"order.placed", "stock.released", "auth.token_revoked"} <= set(EVENT_TYPES)
    for event_type, cls in EVENT_TYPES.items():
        assert cls.TYPE == event_type and cls.PRODUCER.endswith("_service")
        assert cls.__doc__ and all(f.description for f in cls.model_fields.values()), event_type


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe",
        b"not json",
        b"[]",
        b'{"type": "a.b", "data": {}}',
        b'{"id": "not-a-uuid", "type": "a.b", "data": {}}',
        json.dumps({"id": str(uuid.uuid4()), "type": "a.b", "data": []}).encode(),
        json.dumps({"id": str(uuid.uuid4()), "type": "a.b", "data": {}, "schema": 99}).encode(),
    ],
)
def test_the_reader_refuses_what_it_cannot_trust(body):
    with pytest.raises(EnvelopeError):
        parse_envelope(body)
