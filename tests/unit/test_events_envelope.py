import json
import uuid

import pytest

from shared.events.envelope import EnvelopeError, new_event, parse_envelope


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
    assert parse_envelope(json.dumps(raw).encode()) == event


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
