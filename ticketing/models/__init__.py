"""All models, imported here so Alembic and the app see every table."""

from .audit import AuditEntry
from .catalogue import UNIT_CODES, Closure, Service, Unit
from .mail import OutboxMail
from .people import ROLES, ApiToken, User
from .tickets import CHANNELS, DIRECTIONS, TICKET_TYPES, Attachment, Message, Ticket

__all__ = [
    "ApiToken", "Attachment", "AuditEntry", "CHANNELS", "Closure", "DIRECTIONS", "Message",
    "OutboxMail", "ROLES", "Service", "TICKET_TYPES", "Ticket", "UNIT_CODES", "Unit", "User",
]
