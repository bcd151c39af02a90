"""A seller's sales (docs/api.md, Cart and orders; Discovery and insight): the order lines they
sold, the dashboard's figures and the CSV, all from order_service's own orders."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from shared.contract.discovery import SALES_DAYS_DEFAULT, SALES_DAYS_MAX, SALES_DAYS_MIN
from shared.contract.fulfilment import Id, Money, RatingSummary, Time
from shared.contract.model import Query, Resource
from shared.contract.operations import Operation
from shared.contract.orders import OrderStatus
from shared.contract.paging import Page, PageQuery


class Sale(Resource):
    """One order line the caller sold, with its order's status."""

    order_id: Id
    book_id: Id
    title: str
    quantity: Annotated[int, Field(ge=1)]
    unit_price: Money
    subtotal: Money
    status: OrderStatus
    ordered_at: Time


class SalePage(Page):
    items: list[Sale]


class SalesSummaryQuery(Query):
    days: Annotated[int, Field(ge=SALES_DAYS_MIN, le=SALES_DAYS_MAX)] = SALES_DAYS_DEFAULT


class DaySales(Resource):
    date: Annotated[str, Field(json_schema_extra={"format": "date"})]
    revenue: Money
    items: Annotated[int, Field(ge=0)]


class TopBook(Resource):
    book_id: Id
    title: str
    items: Annotated[int, Field(ge=0)]
    revenue: Money


class SalesSummary(Resource):
    days: Annotated[int, Field(ge=SALES_DAYS_MIN, le=SALES_DAYS_MAX)]
    revenue: Money
    orders: Annotated[int, Field(ge=0)]
    items_sold: Annotated[int, Field(ge=0)]
    average_order_value: Money
    by_day: list[DaySales]
    top_books: list[TopBook]
    rating: RatingSummary


_CSV = {
    "responses": {
        "200": {
            "description": "One row per item sold, after a header row",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}

OPERATIONS = (
    Operation(
        "GET",
        "/api/me/sales",
        "Items the caller sold",
        "orders",
        query=PageQuery,
        response=SalePage,
        errors=(422,),
    ),
    Operation(
        "GET",
        "/api/me/sales/summary",
        "The caller's sales figures over the last days",
        "orders",
        query=SalesSummaryQuery,
        response=SalesSummary,
        errors=(422,),
    ),
    Operation("GET", "/api/me/sales.csv", "The caller's sales as CSV", "orders", openapi=_CSV),
)
