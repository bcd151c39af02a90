"""Selling: list a book (with a cover), edit, delete, my listings with stock, my sales."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from web_frontend.auth import current_user, login_required, restore_form
from web_frontend.clients import GatewayError, GatewayUnavailable, api
from web_frontend.forms import BookForm, StockForm, apply_field_errors

bp = Blueprint("selling", __name__)

IMAGE_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))


@bp.route("/sell", methods=["GET", "POST"])
@login_required
def sell() -> Any:
    form = BookForm()
    if form.validate_on_submit() and (cover := _read_cover(form)) is not False:
        try:
            book = api().create_book(form.api_body())
        except GatewayUnavailable:
            raise
        except GatewayError as exc:
            return _refused(form, exc, None)
        flash(f"“{book['title']}” is now on sale.", "success")
        return _after_save(book, cover)
    if request.method == "GET":
        restore_form(form)
    return _form_page(form, None, 422 if form.errors else 200)


@bp.route("/books/<book_id>/edit", methods=["GET", "POST"])
@login_required
def edit(book_id: str) -> Any:
    book = _own_book(book_id)
    form = BookForm(data=_form_data(book))
    if form.validate_on_submit() and (cover := _read_cover(form)) is not False:
        try:
            book = api().update_book(book_id, form.api_body())
        except GatewayUnavailable:
            raise
        except GatewayError as exc:
            return _refused(form, exc, book)
        flash("Your listing is updated.", "success")
        return _after_save(book, cover)
    if request.method == "GET":
        restore_form(form)
    return _form_page(form, book, 422 if form.errors else 200)


@bp.post("/books/<book_id>/delete")
@login_required
def delete(book_id: str) -> Any:
    api().delete_book(book_id)
    flash("The listing is deleted.", "success")
    return redirect(url_for("selling.my_books"), code=303)


@bp.route("/my/books", methods=["GET", "POST"])
@login_required
def my_books() -> Any:
    """Your listings, sold-out included; the stock of each can be changed in place."""
    if request.method == "POST":
        form = StockForm()
        if form.validate_on_submit():
            api().update_book(form.book_id.data, {"stock": form.stock.data})
            flash("Stock updated.", "success")
        else:
            flash("Stock must be a whole number between 0 and 10000.", "error")
        return redirect(url_for("selling.my_books", page=request.args.get("page", 1)), code=303)
    page = _page()
    listing = api().my_books(page, current_app.extensions["config"].per_page)
    return render_template("my_books.html", listing=listing, page=page)


@bp.get("/my/sales")
@login_required
def my_sales() -> str:
    page = _page()
    listing = api().my_sales(page, current_app.extensions["config"].per_page)
    return render_template("my_sales.html", listing=listing, page=page)


def _own_book(book_id: str) -> dict[str, Any]:
    book: dict[str, Any] = api().book(book_id)
    if book.get("seller_id") != (current_user() or {}).get("id"):
        abort(403)
    return book


def _form_data(book: dict[str, Any]) -> dict[str, Any]:
    data = {k: book.get(k) for k in BookForm.api_fields}
    try:
        data["price"] = Decimal(str(book.get("price")))
    except InvalidOperation:
        data["price"] = None
    return data


def _read_cover(form: BookForm) -> tuple[bytes, str] | None | bool:
    """(bytes, content type), None when no file was chosen, False when it is not acceptable."""
    upload = form.cover.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    data = upload.read()
    limit = current_app.extensions["config"].max_cover_bytes
    content_type = _sniff(data)
    if len(data) > limit:
        form.cover.errors = ["The image is larger than 5 MB."]
    elif content_type is None:
        form.cover.errors = ["This is not a JPEG, PNG or WebP image."]
    else:
        return data, content_type
    return False


def _sniff(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in IMAGE_MAGIC if data.startswith(magic)), None)


def _after_save(book: dict[str, Any], cover: Any) -> Any:
    if cover:
        try:
            api().upload_cover(book["id"], *cover)
        except GatewayError as exc:
            flash(f"The cover was not accepted: {exc.message}", "error")
            return redirect(url_for("selling.edit", book_id=book["id"]), code=303)
    return redirect(url_for("catalogue.book_detail", book_id=book["id"]), code=303)


def _refused(form: BookForm, exc: GatewayError, book: Any) -> Any:
    if exc.status not in (400, 409, 422):
        raise exc
    leftovers = apply_field_errors(form, exc.fields)
    if leftovers or not exc.fields:
        flash(" ".join([exc.message, *leftovers]), "error")
    return _form_page(form, book, exc.status)


def _form_page(form: BookForm, book: Any, status: int) -> Any:
    """The sell / edit form (categories and languages are the API's fixed lists)."""
    return render_template("sell.html", form=form, book=book), status


def _page() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1
