"""All models, imported here so Alembic and the app see every table."""

from . import search  # noqa: F401 - the queue's indexes (need Ticket and Message)
from .audit import AuditEntry
from .canned import CannedAnswer, FaqFeedback
from .catalogue import UNIT_CODES, Closure, Service, Unit
from .calendar import OfficeHours, SpecialPeriod
from .mail import InboundMail, MailAutoReply, OutboxMail
from .notify import NOTIFY_PREFS, JobCursor, StaffNotification
from .ops import JobHeartbeat
from .people import ROLES, ApiToken, LoginThrottle, User, UserSession
from .tickets import CHANNELS, DIRECTIONS, TICKET_TYPES, Attachment, Message, Ticket
from .sla import SlaDigest, SlaNotification
from .survey import SURVEY_CHANNELS, SurveyInvitation, SurveyResponse
from .routing import RoutingDecision, RoutingRule
from .evaluation import ACTION_STATUSES, EvaluationReview, FollowUpAction, ReportSignatory
from .facts import DailyFact
from .whatsapp import WhatsAppContact, WhatsAppDelivery, WhatsAppMessage, WhatsAppOutbox

__all__ = [
    "ApiToken", "Attachment", "AuditEntry", "CHANNELS", "Closure", "DIRECTIONS", "Message",
    "OutboxMail", "ROLES", "Service", "TICKET_TYPES", "Ticket", "UNIT_CODES", "Unit", "User",
    "CannedAnswer", "FaqFeedback", "JobCursor", "NOTIFY_PREFS", "StaffNotification",
    "InboundMail", "JobHeartbeat", "MailAutoReply", "RoutingDecision", "RoutingRule",
    "OfficeHours", "SlaDigest", "SlaNotification", "SpecialPeriod",
    "SURVEY_CHANNELS", "SurveyInvitation", "SurveyResponse", "DailyFact",
    "ACTION_STATUSES", "EvaluationReview", "FollowUpAction", "ReportSignatory",
    "WhatsAppContact", "WhatsAppDelivery", "WhatsAppMessage", "WhatsAppOutbox",
    "LoginThrottle", "UserSession",
]
