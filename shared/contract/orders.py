"""Cart and order rules and bodies (docs/api.md, Cart and orders)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from shared.contract.fulfilment import (
    Address,
    Id,
    Money,
    Shipment,
    ShipmentSummary,
    Time,
)
from shared.contract.model import Body, Resource, rule, whole
from shared.contract.operations import Operation
from shared.contract.paging import Page, PageQuery
from shared.contract.patterns import SPACE, UUID_PATTERN, any_case, filled, is_uuid, nullable
from shared.countries import ISO_COUNTRIES
from shared.domain import Invalid

QUANTITY_MIN, QUANTITY_MAX = 1, 99
LINES_MAX = 50  # books in one order
ORDER_STATUSES: tuple[str, ...] = (
    "pending",
    "reserved",
    "paid",
    "shipped",
    "delivered",
    "rejected",
    "cancelled",
)
# Shipping address fields -> their longest length once trimmed (country: ISO 3166 alpha-2).
ADDRESS_FIELDS: dict[str, int] = {
    "name": 100,
    "line1": 200,
    "line2": 200,
    "city": 100,
    "postal_code": 20,
}
CARD_HOLDER_MAX = 100
# ISO 3166-1 alpha-2 code -> English name, sorted by name (generated once from Debian's
# iso-codes for exactly shared/countries.py's codes): the checkout's country list.
COUNTRY_NAMES: dict[str, str] = json.loads(
    Path(__file__).with_name("countries.json").read_text(encoding="utf-8")
)
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
CARD_NUMBER_PATTERN = r"^[ -]*([0-9][ -]*){12,19}$"
CVC_PATTERN = r"^[0-9]{3,4}$"
_CARD = re.compile(CARD_NUMBER_PATTERN)
_CVC = re.compile(CVC_PATTERN)
_HOLDER = r"[^\s\x1c-\x1f\x85]"  # some character str.strip() keeps


def _book_id(value: Any) -> str:
    if not is_uuid(value):
        raise ValueError("must be a book id")
    return str(value).lower()


def _text(limit: int) -> Any:
    def check(value: Any) -> str:
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
            raise ValueError(f"must be text of 1 to {limit} characters")
        return value.strip()

    return check


def _country(value: Any) -> str:
    code = value.strip() if isinstance(value, str) else ""
    if not (code.isascii() and code.upper() in ISO_COUNTRIES):
        raise ValueError("must be an ISO 3166 alpha-2 country code")
    return code.upper()


def luhn_valid(number: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(number)):
        digit = int(char) * (2 if i % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def _card_number(value: Any) -> str:
    """The digits of a card number that passes the Luhn check (spaces and hyphens ignored)."""
    if not isinstance(value, str) or not _CARD.fullmatch(value):
        raise ValueError("is not a valid card number")
    digits = re.sub(r"[ -]", "", value)
    if not luhn_valid(digits):
        raise ValueError("is not a valid card number")
    return digits


def four_digit_year(value: Any) -> int:
    """A four-digit year; two digits mean 20xx."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    wrong = isinstance(value, bool) or not isinstance(value, int)
    if wrong or not (0 <= value <= 99 or 2000 <= value <= 2100):
        raise ValueError("must be a year such as 2028")
    return int(value) + 2000 if value < 100 else int(value)


def _cvc(value: Any) -> str:
    if not isinstance(value, str) or not _CVC.fullmatch(value):
        raise ValueError("must be 3 or 4 digits")
    return value


def _holder(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > CARD_HOLDER_MAX:
        raise ValueError(f"must be the name on the card (1 to {CARD_HOLDER_MAX} characters)")
    return value.strip()


def _address_text(name: str) -> rule:
    limit = ADDRESS_FIELDS[name]
    return rule(_text(limit), filled(limit))


def _line2(value: Any) -> str | None:
    """The optional second line: absent or null is none."""
    return None if value is None else _text(ADDRESS_FIELDS["line2"])(value)


Quantity = Annotated[int, whole(QUANTITY_MIN, QUANTITY_MAX)]
BookId = Annotated[
    str, rule(_book_id, {"type": "string", "format": "uuid", "pattern": UUID_PATTERN})
]
Country = Annotated[
    str,
    rule(
        _country,
        {
            "type": "string",
            "pattern": rf"^{SPACE}*({any_case(sorted(ISO_COUNTRIES))}){SPACE}*$",
            "description": "An ISO 3166-1 alpha-2 code, in any letter case (e.g. FR)",
            "examples": ["FR"],
        },
    ),
]
OrderStatus = Annotated[str, Field(json_schema_extra={"enum": list(ORDER_STATUSES)})]


class CartQuantity(Body):
    quantity: Quantity


class OrderLine(Body):
    book_id: BookId
    quantity: Quantity = 1


class ShippingAddress(Body):
    name: Annotated[str, _address_text("name")]
    line1: Annotated[str, _address_text("line1")]
    line2: Annotated[str | None, rule(_line2, nullable(filled(ADDRESS_FIELDS["line2"])))] = None
    city: Annotated[str, _address_text("city")]
    postal_code: Annotated[str, _address_text("postal_code")]
    country: Country


class Payment(Body):
    card_number: Annotated[
        str,
        rule(
            _card_number,
            {
                "type": "string",
                "pattern": CARD_NUMBER_PATTERN,
                "description": "Passes the Luhn check; spaces and hyphens are ignored",
            },
        ),
        Field(repr=False),  # never in a log line
    ]
    exp_month: Annotated[int, whole(1, 12)]
    exp_year: Annotated[
        int,
        rule(
            four_digit_year,
            {
                "type": "integer",
                "anyOf": [{"minimum": 0, "maximum": 99}, {"minimum": 2000, "maximum": 2100}],
                "description": "Four digits, or two (20xx); the card must not have expired",
            },
        ),
    ]
    cvc: Annotated[str, rule(_cvc, {"type": "string", "pattern": CVC_PATTERN}), Field(repr=False)]
    holder: Annotated[
        str,
        rule(
            _holder,
            {"type": "string", "minLength": 1, "maxLength": CARD_HOLDER_MAX, "pattern": _HOLDER},
        ),
    ]


class OrderCreate(Body):
    """Either `items` (each book once) or `from_cart: true`."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["items"], "properties": {"from_cart": {"enum": [False]}}},
                {
                    "required": ["from_cart"],
                    "properties": {"from_cart": {"enum": [True]}},
                    "not": {"required": ["items"]},
                },
            ]
        }
    )

    items: Annotated[list[OrderLine], Field(min_length=1, max_length=LINES_MAX)] = Field(
        default_factory=list
    )
    from_cart: bool = False
    shipping_address: ShippingAddress
    payment: Payment

    @model_validator(mode="after")
    def _items_or_cart(self) -> OrderCreate:
        given = "items" in self.model_fields_set
        if self.from_cart and given:
            raise _invalid("items", "give either items or from_cart, not both")
        if not self.from_cart and not given:
            wanted = f"must be a list of 1 to {LINES_MAX} items (or from_cart: true)"
            raise _invalid("items", wanted)
        if len({line.book_id for line in self.items}) != len(self.items):
            raise _invalid("items", "each book may appear only once")
        return self


def _invalid(field: str, message: str) -> Invalid:
    return Invalid("The request is not valid.", fields={field: message})


# Answers, as order_service's presenters write them.


class CartItem(Resource):
    book_id: Id
    title: str
    unit_price: Money
    previous_unit_price: Money | None = None  # only when the price changed since it was added
    quantity: Quantity
    subtotal: Money
    available: bool


class Cart(Resource):
    items: list[CartItem]
    total: Money  # of the available items
    currency: Literal["USD"]
    notices: list[str]  # what changed since the buyer last looked (prices, stock)


class OrderItem(Resource):
    book_id: Id
    title: str
    seller_id: Id
    quantity: Annotated[int, Field(ge=1)]
    unit_price: Money
    subtotal: Money


class CardPayment(Resource):
    brand: str
    last4: str
    status: str


class TimelineEntry(Resource):
    status: OrderStatus
    at: Time
    reason: str | None


class Order(Resource):
    id: Id
    buyer_id: Id
    status: OrderStatus
    items: list[OrderItem]
    total: Money
    currency: Literal["USD"]
    shipping_address: Address
    payment: CardPayment
    # The first of `shipments` (kept for older clients); before shipments, its old shape.
    shipment: Shipment | ShipmentSummary | None
    shipments: list[Shipment]
    timeline: list[TimelineEntry]
    created_at: Time
    updated_at: Time


class OrderPage(Page):
    items: list[Order]


_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "The same key with the same body returns the same order",
    "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
}

OPERATIONS = (
    Operation("GET", "/api/cart", "The caller's cart", "orders", response=Cart),
    Operation(
        "PUT",
        "/api/cart/items/{book_id}",
        "Set a quantity in the cart",
        "orders",
        body=CartQuantity,
        response=Cart,
        errors=(404, 409),
    ),
    Operation(
        "DELETE",
        "/api/cart/items/{book_id}",
        "Remove from the cart",
        "orders",
        response=Cart,
        errors=(404,),
    ),
    Operation(
        "GET",
        "/api/orders",
        "The caller's orders, newest first",
        "orders",
        query=PageQuery,
        response=OrderPage,
        errors=(422,),
    ),
    Operation(
        "POST",
        "/api/orders",
        "Place an order",
        "orders",
        ok=202,
        body=OrderCreate,
        response=Order,
        errors=(402, 404, 409),
        openapi={"parameters": [_IDEMPOTENCY_KEY]},
    ),
    Operation(
        "GET",
        "/api/orders/{order_id}",
        "One of the caller's orders",
        "orders",
        response=Order,
        errors=(404,),
    ),
    Operation(
        "POST",
        "/api/orders/{order_id}/cancel",
        "Cancel an order",
        "orders",
        response=Order,
        errors=(404, 409),
    ),
    Operation(
        "POST",
        "/api/orders/{order_id}/shipments/{shipment_id}/received",
        "Confirm a shipment was received",
        "fulfilment",
        response=Order,
        errors=(404, 409),
    ),
)
