"""The forms of the favourites, wants and notifications pages (limits from shared/contract)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Length, Optional

from shared.contract import catalogue
from shared.contract.wants import CONDITION_ORDER, PREFERENCES, WANT_TEXT_MAX, WANT_TEXT_MIN

TEXT = [Optional(), Length(min=WANT_TEXT_MIN, max=WANT_TEXT_MAX)]


class WantForm(FlaskForm):
    isbn = StringField("ISBN", validators=[Optional(), Length(max=20)])
    title = StringField("Title contains", validators=TEXT)
    author = StringField("Author contains", validators=TEXT)
    max_price = StringField(
        "Highest price (USD)", validators=[Optional(), Length(max=12)], description="Optional"
    )
    min_condition = SelectField(
        "At least in condition",
        choices=[("", "Any condition")]
        + [(c, catalogue.CONDITIONS[c]) for c in reversed(CONDITION_ORDER)],
        validate_choice=False,
    )

    def api_body(self) -> dict[str, Any]:
        """Only what was filled in; a price typed as 8,50 is eight fifty."""
        body: dict[str, Any] = {}
        for name in ("isbn", "title", "author", "min_condition"):
            value = (self._fields[name].data or "").strip()
            if value:
                body[name] = value
        price = (self.max_price.data or "").strip().replace(",", ".")
        if price:
            body["max_price"] = price
        return body


class PreferencesForm(FlaskForm):
    """One checkbox per preference of the contract."""


for _name, _label in PREFERENCES.items():
    setattr(PreferencesForm, _name, BooleanField(_label))
