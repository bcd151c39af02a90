"""Cart (quantities, remove, totals, notices) and checkout (address + card, or Buy now)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from web_frontend.auth import current_user, login_required, restore_form
from web_frontend.clients import GatewayError, GatewayUnavailable, api
from web_frontend.forms import CheckoutForm, apply_field_errors
from web_frontend.views import guest_cart, marketplace, purchases

bp = Blueprint("cart", __name__)

TEST_CARDS = (
    ("4242 4242 4242 4242", "approved"),
    ("4000 0000 0000 0002", "declined at payment"),
    ("4000 0000 0000 0341", "accepted, then the capture fails (the order is cancelled)"),
)


@bp.get("/cart")
def show() -> str:
    """The cart: the API's when signed in, else the guest cart kept in the session."""
    cart = api().cart() if current_user() else guest_cart.as_cart(api().book)
    return render_template("cart.html", cart=marketplace.with_books(cart, api().book))


@bp.post("/cart")
def change() -> Any:
    """add / buy (from a book page), update / remove (from the cart page)."""
    action, book_id = request.form.get("action", ""), request.form.get("book_id", "")
    quantity = _quantity(request.form.get("quantity"))
    if not book_id or quantity is None:
        flash("Choose a quantity between 1 and 99.", "error")
        return redirect(url_for("cart.show"), code=303)
    if action == "buy":
        return redirect(url_for("cart.checkout", book_id=book_id, quantity=quantity), code=303)
    signed_in = current_user() is not None
    try:
        if action == "remove":
            if signed_in:
                api().remove_cart_item(book_id)
            else:
                guest_cart.remove(book_id)
            flash("Removed from your cart.", "success")
        else:
            _set_quantity(book_id, quantity, add=action == "add", guest=not signed_in)
    except GatewayUnavailable:
        raise
    except GatewayError as exc:
        if exc.status not in (404, 409, 422):
            raise
        flash(_cart_refusal(exc), "error")
        if action == "add":
            return redirect(url_for("catalogue.book_detail", book_id=book_id), code=303)
    return redirect(url_for("cart.show"), code=303)


@bp.route("/checkout", methods=["GET", "POST"])
@login_required
def checkout() -> Any:
    """Address and card; the cart, or one book when it comes from Buy now."""
    if request.method == "POST":
        form = CheckoutForm()
        return _place(form) if form.validate_on_submit() else _render(form, 422)
    form = CheckoutForm(formdata=None)
    form.book_id.data = request.args.get("book_id", "")
    form.quantity.data = request.args.get("quantity", "1")
    form.holder.data = form.name.data = (current_user() or {}).get("name", "")
    restore_form(form)  # what was posted when a sign-in interrupted it (card number excepted)
    return _render(form, 200)


def _place(form: CheckoutForm) -> Any:
    purchase = _purchase(form)
    prior = purchases.earlier_order(purchase, form.idempotency_key.data, api().order)
    if prior is not None and not form.buy_again.data:
        return _render(form, 409, already=prior)
    try:
        order = api().place_order(form.api_body(), form.idempotency_key.data)
    except GatewayUnavailable:
        raise
    except GatewayError as exc:
        if exc.status not in (400, 402, 404, 409, 422):
            raise
        leftovers = apply_field_errors(form, exc.fields)
        if exc.status == 402:
            form.idempotency_key.data = ""  # another card is another attempt
            return _render(form, 402, declined=exc.message)
        if leftovers or not exc.fields:
            flash(" ".join([exc.message, *leftovers]), "error")
        return _render(form, exc.status)
    purchases.remember(purchase, order["id"], form.idempotency_key.data)
    return redirect(url_for("orders.show", order_id=order["id"]), code=303)


def _purchase(form: CheckoutForm) -> str:
    """What this checkout buys (one book, or the cart's lines), to recognise it again."""
    if form.book_id.data:
        return purchases.fingerprint([(form.book_id.data, form.quantity_value())])
    lines = [(i["book_id"], int(i["quantity"])) for i in api().cart().get("items", [])]
    return purchases.fingerprint(lines)


def _render(
    form: CheckoutForm,
    status: int,
    declined: str | None = None,
    already: str | None = None,
) -> Any:
    form.prepare()
    summary = _summary(form)
    if summary is None:
        flash("Your cart is empty.", "info")
        return redirect(url_for("cart.show"), code=303)
    if already is None and request.method == "GET":
        lines = [(i["book_id"], int(i["quantity"])) for i in summary["items"]]
        already = purchases.earlier_order(purchases.fingerprint(lines), None, api().order)
    return render_template(
        "checkout.html",
        form=form,
        summary=summary,
        test_cards=TEST_CARDS,
        declined=declined,
        already=already,
    ), status


def _summary(form: CheckoutForm) -> dict[str, Any] | None:
    """What is being bought: one book (Buy now) or the cart; None when there is nothing."""
    if form.book_id.data:
        book = api().book(form.book_id.data)
        quantity = form.quantity_value()
        subtotal = Decimal(str(book["price"])) * quantity
        item = {
            "book_id": book["id"],
            "title": book["title"],
            "seller_name": book.get("seller_name"),
            "condition": book.get("condition"),
            "unit_price": book["price"],
            "quantity": quantity,
            "subtotal": f"{subtotal:.2f}",
            "available": True,
        }
        return {"items": [item], "total": f"{subtotal:.2f}", "notices": []}
    cart: dict[str, Any] = api().cart()
    return marketplace.with_books(cart, api().book) if cart.get("items") else None


def _set_quantity(book_id: str, quantity: int, *, add: bool, guest: bool = False) -> None:
    """Add or set a quantity, never above the copies in stock (said so when capped)."""
    if add:
        held = guest_cart.items() if guest else _held()
        quantity = min(99, quantity + held.get(book_id, 0))
    book = api().book(book_id)
    stock = int(book.get("stock") or 0)
    if stock <= 0:
        raise GatewayError(409, "conflict", "This book is sold out.")
    capped = min(quantity, stock)
    if guest:
        guest_cart.put(book_id, capped)
    else:
        api().set_cart_item(book_id, capped)
    if capped < quantity:
        copies = "copy is" if stock == 1 else "copies are"
        flash(
            f"Only {stock} {copies} available: your cart now holds {capped} of “{book['title']}”.",
            "warning",
        )
    else:
        flash("Added to your cart." if add else "Cart updated.", "success")


def _held() -> dict[str, int]:
    return {i["book_id"]: int(i["quantity"]) for i in api().cart().get("items", [])}


def _quantity(raw: str | None) -> int | None:
    try:
        value = int(raw or "1")
    except ValueError:
        return None
    return value if 1 <= value <= 99 else None


def _cart_refusal(exc: GatewayError) -> str:
    if exc.status == 409:
        return exc.message or "You cannot buy your own book."
    if exc.status == 404:
        return "This book is no longer for sale."
    return exc.message
