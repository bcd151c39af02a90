"""The inbox and the e-mail preferences (docs/api.md, Favourites, wants and notifications): the
bodies of their routes and their operations (the kinds and the preferences are in wants.py)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import MISSING, Field, WithJsonSchema, model_validator

from shared.contract.model import Body, Resource, rule
from shared.contract.operations import Operation
from shared.contract.paging import Page, PageQuery
from shared.contract.patterns import TIME, UUID, UUID_PATTERN, is_uuid
from shared.contract.wants import KINDS, PREFERENCES
from shared.domain import Invalid

READ_IDS_MAX = 100
_IDS_OR_ALL = "give 1 to 100 ids, or all: true"


def _ids(value: Any) -> list[str]:
    if not isinstance(value, list) or not 1 <= len(value) <= READ_IDS_MAX:
        raise ValueError(_IDS_OR_ALL)
    if not all(is_uuid(i) for i in value):
        raise ValueError("must be notification ids")
    return [i.lower() for i in value]


def _true(value: Any) -> bool:
    if value is not True:
        raise ValueError("must be true")
    return True


class MarkRead(Body):
    """`{"ids": [...]}` marks those (others' ids change nothing), `{"all": true}` every one;
    given both, the ids are marked."""

    model_config = {
        **Body.model_config,
        "json_schema_extra": {"anyOf": [{"required": ["ids"]}, {"required": ["all"]}]},
    }

    ids: Annotated[
        list[str] | MISSING,
        rule(
            _ids,
            {
                "type": "array",
                "items": {"type": "string", "format": "uuid", "pattern": UUID_PATTERN},
                "minItems": 1,
                "maxItems": READ_IDS_MAX,
            },
        ),
    ] = MISSING
    all: Annotated[bool | MISSING, rule(_true, {"const": True})] = MISSING

    @model_validator(mode="after")
    def _ids_or_all(self) -> MarkRead:
        if self.ids is MISSING and self.all is MISSING:
            raise Invalid("The request is not valid.", fields={"ids": _IDS_OR_ALL})
        return self

    @property
    def which(self) -> list[str] | None:
        """The ids to mark, or None: every notification."""
        return None if self.ids is MISSING else self.ids


class EmailPreferences(Resource):
    orders: bool
    sales: bool
    wants: bool
    favourites: bool


class EmailChanges(Body):
    """Any of the preferences; the others stay as they are."""

    orders: bool | MISSING = MISSING
    sales: bool | MISSING = MISSING
    wants: bool | MISSING = MISSING
    favourites: bool | MISSING = MISSING


assert set(EmailPreferences.model_fields) == set(EmailChanges.model_fields) == set(PREFERENCES)


class PreferencesUpdate(Body):
    email: EmailChanges

    def changes(self) -> dict[str, bool]:
        return {name: bool(on) for name, on in self.email.model_dump().items()}


class Preferences(Resource):
    """Which notifications also go out by e-mail (all true until changed)."""

    email: EmailPreferences


class Notification(Resource):
    id: Annotated[str, Field(json_schema_extra=UUID)]
    kind: Annotated[str, WithJsonSchema({"type": "string", "enum": list(KINDS)})]
    title: str
    body: str
    link: str  # a page of the shop: /orders/<id>, /books/<id>, /my/sales
    created_at: Annotated[str, Field(json_schema_extra=TIME)]
    read_at: Annotated[str, Field(json_schema_extra=TIME)] | None


class NotificationPage(Page):
    items: list[Notification]


class NotificationQuery(PageQuery):
    unread: bool = Field(False, description="true: unread ones only")


class Unread(Resource):
    unread: Annotated[int, Field(ge=0)]


TAG = "notifications"
OPERATIONS = (
    Operation(
        "GET",
        "/api/me/notifications",
        "The caller's notifications, newest first",
        TAG,
        query=NotificationQuery,
        response=NotificationPage,
        errors=(422,),
    ),
    Operation(
        "GET",
        "/api/me/notifications/unread-count",
        "The caller's unread count",
        TAG,
        response=Unread,
    ),
    Operation(
        "POST",
        "/api/me/notifications/read",
        "Mark notifications read",
        TAG,
        body=MarkRead,
        response=Unread,
    ),
    Operation(
        "GET", "/api/me/preferences", "The caller's e-mail preferences", TAG, response=Preferences
    ),
    Operation(
        "PUT",
        "/api/me/preferences",
        "Change e-mail preferences",
        TAG,
        body=PreferencesUpdate,
        response=Preferences,
    ),
)
