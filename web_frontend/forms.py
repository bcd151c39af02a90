"""Every form of the shop (Flask-WTF: each carries a CSRF token). Field names are the API's."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import TextInput

from shared.contract import accounts, catalogue, orders

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"  # a first check only: the API decides
ADDRESS = orders.ADDRESS_FIELDS


MONEY = re.compile(r"^\s*(\d{1,9})(?:[.,](\d{1,2}))?\s*$")


def money_text(value: str) -> str | None:
    """An amount as a person types it, with a dot: "8,50" and "8.5" are "8.50"; None when it
    cannot be read for sure ("1,000" could be a thousand or one: never guessed)."""
    match = MONEY.match(value or "")
    if not match:
        return None
    whole, cents = match.groups()
    return f"{int(whole)}.{(cents or '0').ljust(2, '0')}"


class MoneyField(DecimalField):
    """A price typed as text (never `type=number`, which Chromium reads "8,50" as 850 in
    English): a decimal comma is a decimal point; anything else unreadable is refused."""

    widget = TextInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        render_kw = {"inputmode": "decimal", "autocomplete": "off", **kwargs.pop("render_kw", {})}
        super().__init__(*args, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        text = money_text(str(valuelist[0]))
        if text is None:
            self.data = None
            if re.fullmatch(r"\s*\d+\.\d{3,}\s*", str(valuelist[0])):
                raise ValueError("At most two decimals, e.g. 12.50.")
            raise ValueError("Enter the price like 8.50 (digits, then at most two decimals).")
        self.data = Decimal(text)


class ActionForm(FlaskForm):
    """A button that changes something (logout, delete, cancel): CSRF only."""


class RegisterForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=accounts.NAME_MAX)])
    email = EmailField(
        "Email",
        validators=[
            DataRequired(),
            Regexp(EMAIL, message="Enter a valid email address."),
            Length(max=accounts.EMAIL_MAX),
        ],
    )
    password = PasswordField(
        "Password",
        validators=[
            DataRequired(),
            Length(min=accounts.PASSWORD_MIN, max=accounts.PASSWORD_MAX),
        ],
        description=f"At least {accounts.PASSWORD_MIN} characters, not a common one.",
    )


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=accounts.EMAIL_MAX)])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=accounts.PASSWORD_MAX)]
    )
    next = HiddenField()


class BookForm(FlaskForm):
    api_fields = (
        "title",
        "author",
        "isbn",
        "category",
        "condition",
        "description",
        "language",
        "published_year",
        "stock",
    )

    title = StringField("Title", validators=[DataRequired(), Length(max=catalogue.TITLE_MAX)])
    author = StringField("Author", validators=[DataRequired(), Length(max=catalogue.AUTHOR_MAX)])
    isbn = StringField(
        "ISBN", validators=[Optional(), Length(max=20)], description="Optional: ISBN-10 or ISBN-13."
    )
    category = SelectField(
        "Category",
        choices=[SelectChoice(name, name) for name in catalogue.CATEGORIES],
        default=catalogue.DEFAULT_CATEGORY,
    )
    condition = SelectField(
        "Condition",
        choices=[SelectChoice(v, label) for v, label in catalogue.CONDITIONS.items()],
        default="good",
    )
    description = TextAreaField(
        "Description", validators=[Optional(), Length(max=catalogue.DESCRIPTION_MAX)]
    )
    language = SelectField(
        "Language",
        choices=[SelectChoice("", "Not given")]
        + [
            SelectChoice(code, name)
            for code, name in sorted(catalogue.LANGUAGES.items(), key=lambda item: item[1])
        ],
        default="",
        validate_choice=False,  # a language of an older listing stays as it was
    )
    published_year = IntegerField("Year published", validators=[Optional(), NumberRange(1, 2100)])
    price = MoneyField(
        "Price (USD)",
        places=2,
        validators=[
            InputRequired(),
            NumberRange(
                min=catalogue.PRICE_MIN,
                max=catalogue.PRICE_MAX,
                message=f"Must be from {catalogue.PRICE_MIN} to {catalogue.PRICE_MAX}.",
            ),
        ],
    )
    stock = IntegerField(
        "Copies in stock",
        default=1,
        validators=[InputRequired(), NumberRange(min=0, max=catalogue.STOCK_MAX)],
    )
    cover = FileField(
        "Cover image",
        validators=[FileAllowed(["jpg", "jpeg", "png", "webp"], "JPEG, PNG or WebP images only.")],
        description="Optional: JPEG, PNG or WebP, up to 5 MB.",
    )

    def validate_price(self, field: DecimalField) -> None:
        if field.data is not None and int(field.data.as_tuple().exponent) < -2:
            raise ValidationError("At most two decimals, e.g. 12.50.")

    def api_body(self) -> dict[str, Any]:
        """The fields as the API wants them: price a string with two decimals, ints as ints."""
        body: dict[str, Any] = {
            "title": self.title.data.strip(),
            "author": self.author.data.strip(),
            "category": self.category.data,
            "condition": self.condition.data,
            "description": (self.description.data or "").strip(),
            "price": f"{self.price.data:.2f}",
            "stock": self.stock.data,
        }
        for name in ("isbn", "language"):
            if value := (getattr(self, name).data or "").strip():
                body[name] = value
        if self.published_year.data is not None:
            body["published_year"] = self.published_year.data
        return body


class StockForm(FlaskForm):
    book_id = HiddenField(validators=[DataRequired()])
    stock = IntegerField(
        "Stock", validators=[InputRequired(), NumberRange(min=0, max=catalogue.STOCK_MAX)]
    )


def _required(what: str) -> DataRequired:
    return DataRequired(message=f"Enter {what}.")


def _at_most(limit: int) -> Length:
    return Length(max=limit, message=f"Use at most {limit} characters.")


class CheckoutForm(FlaskForm):
    name = StringField(
        "Full name", validators=[_required("the full name"), _at_most(ADDRESS["name"])]
    )
    line1 = StringField(
        "Address", validators=[_required("the street address"), _at_most(ADDRESS["line1"])]
    )
    line2 = StringField("Address line 2", validators=[Optional(), _at_most(ADDRESS["line2"])])
    city = StringField("City", validators=[_required("the city"), _at_most(ADDRESS["city"])])
    postal_code = StringField(
        "Postal code",
        validators=[_required("the postal code"), _at_most(ADDRESS["postal_code"])],
    )
    country = SelectField(
        "Country",
        default="US",
        choices=[SelectChoice(code, name) for code, name in orders.COUNTRY_NAMES.items()],
        validate_choice=True,
    )
    holder = StringField(
        "Name on card",
        validators=[_required("the name on the card"), _at_most(orders.CARD_HOLDER_MAX)],
    )
    card_number = StringField(
        "Card number",
        validators=[
            _required("the card number"),
            Regexp(
                r"^[0-9][0-9 -]{11,22}$",
                message="Enter the 13 to 19 digits of the card number.",
            ),
        ],
    )
    exp_month = StringField(
        "Expiry month (MM)",
        validators=[
            _required("the expiry month"),
            Regexp(r"^\s*(0?[1-9]|1[0-2])\s*$", message="Enter the month as 01 to 12."),
        ],
    )
    exp_year = StringField(
        "Expiry year (YY)",
        validators=[
            _required("the expiry year"),
            Regexp(r"^\s*([0-9]{2}|20[0-9]{2})\s*$", message="Enter the year as YY, e.g. 30."),
        ],
    )
    cvc = PasswordField(
        "CVC",
        validators=[
            _required("the 3 or 4 digits on the back of the card"),
            Regexp(r"^\s*[0-9]{3,4}\s*$", message="Enter the 3 or 4 digits on the back."),
        ],
    )
    idempotency_key = HiddenField()
    book_id = HiddenField()
    quantity = HiddenField()
    buy_again = BooleanField("Yes, buy it again: place a second order")

    def prepare(self) -> None:
        """One key per rendered form: a double submit never makes two orders."""
        if not self.idempotency_key.data:
            self.idempotency_key.data = str(uuid.uuid4())

    def api_body(self) -> dict[str, Any]:
        address = {
            k: (getattr(self, k).data or "").strip()
            for k in ("name", "line1", "line2", "city", "postal_code")
        }
        address["country"] = (self.country.data or "").strip().upper()
        if not address["line2"]:
            del address["line2"]
        payment = {
            "card_number": self.card_number.data.replace(" ", "").replace("-", ""),
            "exp_month": int(self.exp_month.data),
            "exp_year": full_year(self.exp_year.data),
            "cvc": self.cvc.data.strip(),
            "holder": self.holder.data.strip(),
        }
        body: dict[str, Any] = {"shipping_address": address, "payment": payment}
        if self.book_id.data:
            body["items"] = [{"book_id": self.book_id.data, "quantity": self.quantity_value()}]
        else:
            body["from_cart"] = True
        return body

    def quantity_value(self) -> int:
        try:
            quantity = int(self.quantity.data or 1)
            return max(orders.QUANTITY_MIN, min(orders.QUANTITY_MAX, quantity))
        except ValueError:
            return 1


def full_year(value: str) -> int:
    """A card's expiry year as typed: "30" is 2030, "2030" is 2030."""
    year = int(value.strip())
    return 2000 + year if year < 100 else year


def as_sentence(label: str, message: str) -> str:
    """An API field message ("must be a valid code") as a sentence ("Country must be …")."""
    message = message.strip()
    if not message or message[0].isupper():
        return message
    return f"{label} {message.rstrip('.')}."


def apply_field_errors(form: FlaskForm, fields: dict[str, str]) -> list[str]:
    """Put the API's `fields` next to the inputs they concern; return those without an input."""
    leftovers = []
    for key, message in fields.items():
        name = key.rsplit(".", 1)[-1]
        field = form._fields.get(name) if name != "csrf_token" else None
        if field is not None:
            message = as_sentence(str(field.label.text), message)
            field.errors = [*list(field.errors or []), message]
        else:
            leftovers.append(f"{key}: {message}")
    return leftovers


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[
            DataRequired(message="Enter the email address of your account."),
            Regexp(EMAIL, message="Enter a valid email address."),
            Length(max=accounts.EMAIL_MAX),
        ],
    )


class ResetPasswordForm(FlaskForm):
    token = HiddenField()
    password = PasswordField(
        "New password",
        validators=[
            DataRequired(message="Choose a new password."),
            Length(
                min=accounts.PASSWORD_MIN,
                max=accounts.PASSWORD_MAX,
                message=f"Use at least {accounts.PASSWORD_MIN} characters.",
            ),
        ],
        description=f"At least {accounts.PASSWORD_MIN} characters, not a common one.",
    )
