"""Cart use cases: prices and availability come from the read model, never from the client."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from order_service.models import Book, CartItem, CartNotice
from shared.db import utcnow
from shared.domain import Conflict, NotFound

MAX_CART_LINES = 50


@dataclass
class CartLine:
    book_id: str
    title: str
    unit_price: Decimal
    quantity: int
    available: bool
    previous_unit_price: Decimal | None = None

    @property
    def subtotal(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass
class CartView:
    lines: list[CartLine] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.subtotal for line in self.lines if line.available), Decimal("0.00"))


def view_cart(session: Session, user_id: str) -> CartView:
    """The cart as the buyer should see it now, with a notice for everything that changed."""
    view = CartView()
    rows = session.execute(
        select(CartItem, Book)
        .outerjoin(Book, Book.book_id == CartItem.book_id)
        .where(CartItem.user_id == user_id)
        .order_by(CartItem.added_at)
    ).all()
    for item, book in rows:
        view.lines.append(_line(item, book, view.notices))
    notices = session.scalars(
        select(CartNotice.message).where(CartNotice.user_id == user_id).order_by(CartNotice.id)
    ).all()
    view.notices[:0] = list(notices)
    return view


def _line(item: CartItem, book: Book | None, notices: list[str]) -> CartLine:
    if book is None or book.deleted:
        notices.append("A book in your cart is not available right now.")
        return CartLine(item.book_id, "", item.unit_price, item.quantity, available=False)
    line = CartLine(book.book_id, book.title, book.price, item.quantity, available=True)
    if book.price != item.unit_price:
        line.previous_unit_price = item.unit_price
        notices.append(
            f"The price of “{book.title}” changed from {item.unit_price} to {book.price}."
        )
    if book.stock < item.quantity:
        line.available = False
        notices.append(
            f"“{book.title}” is sold out."
            if book.stock <= 0
            else f"Only {book.stock} left of “{book.title}”: lower the quantity to buy it."
        )
    return line


def set_cart_item(
    *, sessions: sessionmaker[Session], user_id: str, book_id: str, quantity: int
) -> CartView:
    """Put `quantity` of a book in the cart (404 unknown or deleted, 409 one's own listing)."""
    with sessions() as session, session.begin():
        book = session.get(Book, book_id)
        if book is None or book.deleted:
            raise NotFound("No such book.")
        if book.seller_id == user_id:
            raise Conflict("You cannot buy your own listing.")
        item = session.get(CartItem, (user_id, book_id), with_for_update=True)
        if item is None:
            count = session.scalar(select(func.count()).where(CartItem.user_id == user_id))
            if (count or 0) >= MAX_CART_LINES:
                raise Conflict(f"A cart holds at most {MAX_CART_LINES} different books.")
            item = CartItem(user_id=user_id, book_id=book_id, added_at=utcnow())
            session.add(item)
        item.quantity, item.unit_price = quantity, book.price
        _clear_notices(session, user_id)
        session.flush()
        return view_cart(session, user_id)


def remove_cart_item(*, sessions: sessionmaker[Session], user_id: str, book_id: str) -> CartView:
    """Take a book out of the cart (no error if it was not there)."""
    with sessions() as session, session.begin():
        session.execute(
            delete(CartItem).where(CartItem.user_id == user_id, CartItem.book_id == book_id)
        )
        _clear_notices(session, user_id)
        return view_cart(session, user_id)


def get_cart(*, sessions: sessionmaker[Session], user_id: str) -> CartView:
    with sessions() as session:
        return view_cart(session, user_id)


def _clear_notices(session: Session, user_id: str) -> None:
    """Notices stay until the buyer next changes the cart: by then they have seen them."""
    session.execute(delete(CartNotice).where(CartNotice.user_id == user_id))
