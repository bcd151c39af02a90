"""catalog_service tables."""

from __future__ import annotations

from catalog_service.db import Base
from shared.events import inbox_table, outbox_table

outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)
