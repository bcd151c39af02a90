"""notification_service with the real broker and database: every notification kind from its
event, once across redeliveries, e-mail through a real SMTP server (down, then up: delayed, none
lost, none twice), wants matched both ways, favourites' changes, preferences, the API's rules."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
import requests
from sqlalchemy import text

from shared.events.catalogue import EVENT_TYPES
from tests.support.notification_harness import NotificationStack, running_notification_stack

ISBN13, ISBN10 = "9780441172719", "0441172717"  # Dune, both forms


@pytest.fixture(scope="module")
def stack(
    database_factory: Callable[[str], str],
    rabbitmq_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[NotificationStack]:
    yield from running_notification_stack(database_factory, rabbitmq_url, tmp_path_factory)


def _order(stack: NotificationStack, buyer: str, seller: str, book_id: str) -> tuple[str, dict]:
    order_id = str(uuid.uuid4())
    line = {"book_id": book_id, "seller_id": seller, "quantity": 2, "unit_price": "12.50"}
    data = {"order_id": order_id, "buyer_id": buyer, "items": [line], "total": "25.00"}
    return order_id, {**data, "currency": "USD"}


def test_every_order_event_notifies_its_party_once_even_when_delivered_twice(
    stack: NotificationStack,
) -> None:
    buyer, buyer_mail, _ = stack.user("Buyer")
    seller, seller_mail, _ = stack.user("Seller")
    book_id = stack.book(seller).data.book_id
    order_id, placed = _order(stack, buyer, seller, book_id)
    events = [
        stack.publish("order.placed", placed, "order_service"),
        stack.publish(
            "order.paid",
            {
                "order_id": order_id,
                "buyer_id": buyer,
                "amount": "25.00",
                "currency": "USD",
                "payment_id": "pay_1",
            },
            "order_service",
        ),
        stack.publish(
            "order.shipped",
            {"order_id": order_id, "carrier": "UPS", "tracking_number": "UP123"},
            "order_service",
        ),
        stack.publish("order.delivered", {"order_id": order_id}, "order_service"),
    ]
    other_id, other = _order(stack, buyer, seller, book_id)
    stack.publish("order.placed", other, "order_service")
    events.append(
        stack.publish(
            "stock.rejected",
            {
                "order_id": other_id,
                "reason": "insufficient_stock",
                "items": [{"book_id": book_id, "requested": 2, "available": 0}],
            },
            "catalog_service",
        )
    )
    third_id, third = _order(stack, buyer, seller, book_id)
    stack.publish("order.placed", third, "order_service")
    events.append(
        stack.publish(
            "order.cancelled",
            {
                "order_id": third_id,
                "buyer_id": buyer,
                "reason": "cancelled by the buyer",
                "stock_was_reserved": True,
            },
            "order_service",
        )
    )
    for event in events:  # redeliveries: the same envelopes again
        stack.republish(event)
    expected = [
        "order_placed",
        "order_paid",
        "order_shipped",
        "order_delivered",
        "order_placed",
        "order_rejected",
        "order_placed",
        "order_cancelled",
    ]
    stack.wait_for(lambda: len(stack.kinds(buyer)) >= len(expected))
    stack.wait_for(lambda: len(stack.mails(buyer_mail)) >= len(expected))
    # Everything published has been handled once the last redelivery is in the inbox table.
    stack.wait_for(
        lambda: stack.scalar(
            "SELECT COUNT(*) FROM processed_events WHERE event_id=:p", events[-1].id
        )
    )
    assert sorted(stack.kinds(buyer)) == sorted(expected)
    assert stack.kinds(seller) == ["sale_made"] * 3
    mails = stack.mails(buyer_mail)
    assert len(mails) == len(expected)
    assert any(f"/orders/{order_id}" in m["text"] for m in mails)
    assert len(stack.mails(seller_mail)) == 3


def test_a_want_matches_a_new_listing_once_ignoring_case_and_accents(
    stack: NotificationStack,
) -> None:
    wanter, wanter_mail, headers = stack.user("Wanter")
    seller, _, _ = stack.user("Seller")
    tag = uuid.uuid4().hex[:6]  # the shared stack holds other tests' Dunes
    created = requests.post(
        f"{stack.api}/api/me/wants",
        json={
            "title": f"  dune  {tag} ",
            "author": "HERBERT",
            "max_price": "20",
            "min_condition": "good",
        },
        headers=headers,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    want = created.json()
    assert want["matches"] == [] and want["max_price"] == "20.00"
    title = f"Dune {tag}"
    too_dear = stack.book(seller, title=title, price="25.00").data.book_id
    worn = stack.book(seller, title=title, condition="acceptable").data.book_id
    own = stack.book(wanter, title=title).data.book_id
    match = stack.book(seller, title=f"DÜNE {tag.upper()} Messiah", author="Frank Hérbert")
    match_id = match.data.book_id
    stack.book(
        seller, book_id=match_id, title=match.data.title, price="11.00"
    )  # updated: still one match
    stack.book(
        seller, book_id=too_dear, title=title, price="19.00"
    )  # updated so that it newly matches
    stack.wait_for(lambda: stack.kinds(wanter).count("want_matched") >= 2)
    stack.wait_for(lambda: len(stack.mails(wanter_mail)) >= 2)
    listed = stack.get("/api/me/wants", headers).json()["items"][0]
    assert sorted(m["book_id"] for m in listed["matches"]) == sorted([match_id, too_dear])
    assert worn not in {m["book_id"] for m in listed["matches"]}
    assert own not in {m["book_id"] for m in listed["matches"]}
    assert stack.kinds(wanter).count("want_matched") == 2
    assert stack.scalar("SELECT COUNT(*) FROM outbox WHERE event_type='want.matched'") >= 2


def test_a_new_want_is_matched_at_once_and_counts_in_the_isbn_demand(
    stack: NotificationStack,
) -> None:
    seller, _, _ = stack.user("Seller")
    book_id = stack.book(seller, isbn=ISBN13, title="Some edition").data.book_id
    before = requests.get(f"{stack.api}/api/wants/demand", params={"isbn": ISBN13}, timeout=10)
    _, _, headers = stack.user("Reader")
    created = requests.post(
        f"{stack.api}/api/me/wants", json={"isbn": "0-441-17271-7"}, headers=headers, timeout=10
    )
    assert created.status_code == 201, created.text
    assert [m["book_id"] for m in created.json()["matches"]] == [book_id]
    assert created.json()["isbn"] == ISBN10
    after = requests.get(f"{stack.api}/api/wants/demand", params={"isbn": ISBN10}, timeout=10)
    assert after.json()["wanting"] == before.json()["wanting"] + 1
    bad = requests.get(f"{stack.api}/api/wants/demand", params={"isbn": "123"}, timeout=10)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"


def test_a_favourite_notifies_a_price_drop_a_sell_out_and_a_return_to_stock_once_each(
    stack: NotificationStack,
) -> None:
    fan, fan_mail, headers = stack.user("Fan")
    seller, _, seller_headers = stack.user("Seller")
    book_id = stack.book(seller, price="20.00").data.book_id
    hearted = requests.put(f"{stack.api}/api/me/favourites/{book_id}", headers=headers, timeout=10)
    again = requests.put(f"{stack.api}/api/me/favourites/{book_id}", headers=headers, timeout=10)
    assert hearted.status_code == again.status_code == 200
    assert hearted.json()["price_when_added"] == "20.00"
    own = requests.put(
        f"{stack.api}/api/me/favourites/{book_id}", headers=seller_headers, timeout=10
    )
    assert own.status_code == 409
    unknown = requests.put(
        f"{stack.api}/api/me/favourites/{uuid.uuid4()}", headers=headers, timeout=10
    )
    assert unknown.status_code == 404
    drop = stack.book(seller, book_id=book_id, price="15.00")
    stack.republish(drop)
    stack.book(seller, book_id=book_id, price="16.00")  # a rise: nothing
    stack.book(seller, book_id=book_id, price="16.00", stock=0)
    stack.book(seller, book_id=book_id, price="16.00", stock=2)
    expected = ["favourite_price_dropped", "favourite_sold_out", "favourite_back_in_stock"]
    stack.wait_for(lambda: len(stack.kinds(fan)) >= 3)
    stack.wait_for(lambda: len(stack.mails(fan_mail)) >= 3)
    assert stack.kinds(fan) == expected
    page = stack.get("/api/me/favourites", headers).json()
    assert page["total"] == 1 and page["items"][0]["book"]["price"] == "16.00"
    assert page["items"][0]["book"]["stock"] == 2
    gone = requests.delete(f"{stack.api}/api/me/favourites/{book_id}", headers=headers, timeout=10)
    assert gone.status_code == 204 and stack.get("/api/me/favourites", headers).json()["total"] == 0


def test_mail_waits_while_the_smtp_server_is_down_and_goes_out_once_when_it_is_back(
    stack: NotificationStack,
) -> None:
    buyer, buyer_mail, _ = stack.user("Patient")
    seller, _, _ = stack.user("Seller")
    book_id = stack.book(seller).data.book_id
    stack.smtp_down()
    try:
        for _ in range(3):
            _, placed = _order(stack, buyer, seller, book_id)
            stack.publish("order.placed", placed, "order_service")
        stack.wait_for(lambda: len(stack.kinds(buyer)) == 3)
        # Attempts were made and failed: the deliveries wait, with their error recorded.
        stack.wait_for(
            lambda: (
                stack.scalar(
                    "SELECT COUNT(*) FROM deliveries WHERE to_address=:p AND attempts >= 2 "
                    "AND sent_at IS NULL",
                    buyer_mail,
                )
                == 3
            )
        )
        assert stack.mails(buyer_mail) == []
    finally:
        stack.smtp_up()
    stack.wait_for(lambda: len(stack.mails(buyer_mail)) >= 3)
    stack.wait_for(
        lambda: (
            stack.scalar(
                "SELECT COUNT(*) FROM deliveries WHERE to_address=:p AND sent_at IS NOT NULL",
                buyer_mail,
            )
            == 3
        )
    )
    mails = stack.mails(buyer_mail)
    assert len(mails) == 3 and len({m["message_id"] for m in mails}) == 3


def test_switching_a_preference_off_keeps_the_inbox_but_sends_no_mail(
    stack: NotificationStack,
) -> None:
    buyer, buyer_mail, headers = stack.user("Quiet")
    seller, _, _ = stack.user("Seller")
    assert stack.get("/api/me/preferences", headers).json() == {
        "email": {"orders": True, "sales": True, "wants": True, "favourites": True}
    }
    changed = requests.put(
        f"{stack.api}/api/me/preferences",
        json={"email": {"orders": False}},
        headers=headers,
        timeout=10,
    )
    assert changed.json()["email"]["orders"] is False and changed.json()["email"]["sales"]
    bad = requests.put(
        f"{stack.api}/api/me/preferences",
        json={"email": {"orders": "no"}},
        headers=headers,
        timeout=10,
    )
    assert bad.status_code == 422
    book_id = stack.book(seller).data.book_id
    _, placed = _order(stack, buyer, seller, book_id)
    stack.publish("order.placed", placed, "order_service")
    stack.wait_for(lambda: stack.kinds(buyer) == ["order_placed"])
    assert stack.scalar("SELECT COUNT(*) FROM deliveries WHERE to_address=:p", buyer_mail) == 0


def test_the_inbox_lists_counts_and_marks_read(stack: NotificationStack) -> None:
    buyer, _, headers = stack.user("Inbox")
    seller, _, _ = stack.user("Seller")
    book_id = stack.book(seller).data.book_id
    for _ in range(3):
        _, placed = _order(stack, buyer, seller, book_id)
        stack.publish("order.placed", placed, "order_service")
    stack.wait_for(lambda: len(stack.kinds(buyer)) == 3)
    assert stack.get("/api/me/notifications/unread-count", headers).json() == {"unread": 3}
    page = stack.get("/api/me/notifications", headers).json()
    assert page["total"] == 3 and page["items"][0]["read_at"] is None
    assert page["items"][0]["link"].startswith("/orders/")
    first = page["items"][0]["id"]
    read = requests.post(
        f"{stack.api}/api/me/notifications/read", json={"ids": [first]}, headers=headers, timeout=10
    )
    assert read.json() == {"unread": 2}
    unread = stack.get("/api/me/notifications", headers, params={"unread": "true"}).json()
    assert first not in {n["id"] for n in unread["items"]} and unread["total"] == 2
    everything = requests.post(
        f"{stack.api}/api/me/notifications/read", json={"all": True}, headers=headers, timeout=10
    )
    assert everything.json() == {"unread": 0}
    bad = requests.post(
        f"{stack.api}/api/me/notifications/read", json={"ids": "x"}, headers=headers, timeout=10
    )
    assert bad.status_code == 422 and "ids" in bad.json()["error"]["fields"]
    for value in ("null", "maybe"):  # a filter it cannot read is a bad filter, not no filter
        answer = requests.get(
            f"{stack.api}/api/me/notifications",
            params={"unread": value},
            headers=headers,
            timeout=10,
        )
        assert answer.status_code == 422 and "unread" in answer.json()["error"]["fields"]


def test_wants_refuse_bad_input_and_belong_to_their_owner(stack: NotificationStack) -> None:
    _, _, headers = stack.user("Picky")
    _, _, other = stack.user("Other")
    post = lambda body: requests.post(  # noqa: E731
        f"{stack.api}/api/me/wants", json=body, headers=headers, timeout=10
    )
    assert post({}).status_code == 422
    assert post({"isbn": "9780441172710"}).json()["error"]["fields"]["isbn"]
    assert post({"title": "a"}).json()["error"]["fields"]["title"]
    assert post({"title": "Dune", "max_price": "1.234"}).status_code == 422
    assert post({"title": "Dune", "min_condition": "mint"}).status_code == 422
    assert post({"title": "Dune", "colour": "red"}).status_code == 422
    want = post({"author": "Le Guin"}).json()
    assert (
        requests.delete(
            f"{stack.api}/api/me/wants/{want['id']}", headers=other, timeout=10
        ).status_code
        == 404
    )
    assert (
        requests.delete(
            f"{stack.api}/api/me/wants/{want['id']}", headers=headers, timeout=10
        ).status_code
        == 204
    )
    assert stack.get("/api/me/wants", headers).json()["total"] == 0
    assert requests.get(f"{stack.api}/api/me/wants", timeout=10).status_code == 401


def test_at_most_100_wants_per_user(stack: NotificationStack) -> None:
    _, _, headers = stack.user("Collector")
    for i in range(100):
        made = requests.post(
            f"{stack.api}/api/me/wants", json={"title": f"Book {i:03}"}, headers=headers, timeout=10
        )
        assert made.status_code == 201
    over = requests.post(
        f"{stack.api}/api/me/wants", json={"title": "One more"}, headers=headers, timeout=10
    )
    assert over.status_code == 422


@pytest.mark.skipif(
    "auth.password_reset_requested" not in EVENT_TYPES, reason="auth has not added the event yet"
)
def test_a_password_reset_request_sends_its_link_once_and_never_logs_the_token(
    stack: NotificationStack,
) -> None:
    from datetime import UTC, datetime, timedelta

    from scripts.stack import ROOT
    from tests.support.namespace import RUN_ID

    token = f"secret-{uuid.uuid4().hex}"
    email = f"forgetful.{uuid.uuid4().hex[:8]}@example.com"
    event = stack.publish(
        "auth.password_reset_requested",
        {
            "user_id": str(uuid.uuid4()),
            "email": email,
            "name": "Forgetful",
            "token": token,
            "link": f"/reset-password?token={token}",
            "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        },
        "auth_service",
    )
    stack.republish(event)
    stack.wait_for(lambda: stack.mails(email))
    stack.wait_for(
        lambda: stack.scalar("SELECT COUNT(*) FROM processed_events WHERE event_id=:p", event.id)
    )
    mails = stack.mails(email)
    assert len(mails) == 1 and f"/reset-password?token={token}" in mails[0]["text"]
    logs = ROOT / "var/log/it" / RUN_ID / "notifications"
    assert all(token not in path.read_text() for path in logs.glob("*.log"))


def test_parts_of_a_several_seller_order_and_reviews_notify_their_people(
    stack: NotificationStack,
) -> None:
    buyer, _, _ = stack.user("Buyer")
    first, _, _ = stack.user("Seller")
    second, _, _ = stack.user("Seller")
    solo = str(uuid.uuid4())
    books = [stack.book(s).data.book_id for s in (first, second)]
    order_id = str(uuid.uuid4())
    lines = [
        {"book_id": b, "seller_id": s, "quantity": 1, "unit_price": "5.00"}
        for b, s in zip(books, (first, second), strict=True)
    ]
    stack.publish(
        "order.placed",
        {
            "order_id": order_id,
            "buyer_id": buyer,
            "items": lines,
            "total": "10.00",
            "currency": "USD",
        },
        "order_service",
    )
    _, one_seller = _order(stack, buyer, first, books[0])
    stack.publish("order.placed", one_seller, "order_service")
    stack.wait_for(lambda: stack.kinds(buyer).count("order_placed") == 2)
    moved = {"buyer_id": buyer, "carrier": "UPS", "tracking_number": "UP1"}
    shipped = stack.publish(
        "shipment.shipped",
        {"order_id": order_id, "shipment_id": solo, "seller_id": first, **moved},
        "order_service",
    )
    whole = stack.publish(
        "shipment.shipped",
        {
            "order_id": one_seller["order_id"],
            "shipment_id": str(uuid.uuid4()),
            "seller_id": first,
            **moved,
        },
        "order_service",
    )
    stack.publish(
        "shipment.cancelled",
        {
            "order_id": order_id,
            "shipment_id": str(uuid.uuid4()),
            "seller_id": second,
            "buyer_id": buyer,
            "reason": "lost in the attic",
            "items": [{"book_id": books[1], "quantity": 1}],
            "refund_amount": "5.00",
        },
        "order_service",
    )
    stack.publish(
        "review.posted",
        {
            "review_id": str(uuid.uuid4()),
            "order_id": order_id,
            "shipment_id": solo,
            "seller_id": first,
            "buyer_id": buyer,
            "buyer_name": "Buyer",
            "rating": 4,
            "comment": "Well packed",
        },
        "order_service",
    )
    stack.republish(shipped)
    stack.wait_for(lambda: "review_received" in stack.kinds(first))
    stack.wait_for(lambda: "shipment_cancelled" in stack.kinds(buyer))
    for event in (shipped, whole):  # handled (and the redelivery skipped) before counting
        stack.wait_for(
            lambda e=event: stack.scalar(
                "SELECT COUNT(*) FROM processed_events WHERE event_id=:p", e.id
            )
        )
    # One part of a one-seller order is the whole order: order.shipped says it, not this.
    assert stack.kinds(buyer).count("shipment_shipped") == 1
    assert stack.kinds(first).count("review_received") == 1


def test_concurrent_hearts_and_first_settings_make_one_row_each_and_no_error(
    stack: NotificationStack,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    fan, _, headers = stack.user("Eager")
    seller, _, _ = stack.user("Seller")
    book_id = stack.book(seller).data.book_id

    def heart(_: int) -> int:
        url = f"{stack.api}/api/me/favourites/{book_id}"
        return requests.put(url, headers=headers, timeout=10).status_code

    def save(_: int) -> int:
        body = {"email": {"wants": False}}
        url = f"{stack.api}/api/me/preferences"
        return requests.put(url, json=body, headers=headers, timeout=10).status_code

    with ThreadPoolExecutor(8) as pool:
        hearts, saves = list(pool.map(heart, range(8))), list(pool.map(save, range(8)))
    assert hearts == [200] * 8 and saves == [200] * 8
    assert stack.scalar("SELECT COUNT(*) FROM favourites WHERE user_id=:p", fan) == 1
    assert stack.scalar("SELECT COUNT(*) FROM preferences WHERE user_id=:p", fan) == 1


def test_a_seller_who_ships_by_hand_is_told_a_shipment_is_due_once(
    stack: NotificationStack,
) -> None:
    buyer, _, _ = stack.user("Buyer")
    seller, _, _ = stack.user("Seller")
    awaiting = stack.publish(
        "shipment.awaiting",
        {
            "order_id": str(uuid.uuid4()),
            "shipment_id": str(uuid.uuid4()),
            "seller_id": seller,
            "buyer_id": buyer,
            "ship_by": "2026-12-04T10:00:00.000Z",
        },
        "order_service",
    )
    stack.republish(awaiting)  # a redelivery changes nothing
    stack.wait_for(lambda: "shipment_due" in stack.kinds(seller))
    stack.wait_for(lambda: stack.kinds(seller) == ["shipment_due"])
    with stack.engine.connect() as conn:
        link, body = conn.execute(
            text("SELECT link, body FROM notifications WHERE user_id=:u"), {"u": seller}
        ).one()
    assert link == "/my/shipments" and "04 Dec 2026, 10:00 UTC" in body
    assert "shipment_due" not in stack.kinds(buyer)
