"""What notification_service publishes (want.matched), recorded in its outbox."""

from __future__ import annotations

from notification_service.models import outbox
from shared.events import Recorder

record = Recorder("notification_service", outbox)
