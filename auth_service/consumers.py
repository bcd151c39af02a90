"""What auth_service reacts to: nothing (it only publishes)."""

from shared.events import Handler

HANDLERS: dict[str, list[Handler]] = {}
