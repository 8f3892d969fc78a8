"""All models, imported here so Alembic and the app see every table."""

from . import search  # noqa: F401 - the queue's indexes (need Ticket and Message)
from .audit import AuditEntry
from .calendar import OfficeHours, SpecialPeriod
from .canned import CannedAnswer, FaqFeedback
from .catalogue import UNIT_CODES, Closure, Service, Unit
from .evaluation import ACTION_STATUSES, EvaluationReview, FollowUpAction, ReportSignatory
from .facts import DailyFact
from .mail import InboundMail, MailAutoReply, OutboxMail
from .notify import NOTIFY_PREFS, JobCursor, StaffNotification
from .ops import JobHeartbeat
from .people import ROLES, ApiToken, LoginThrottle, User, UserSession
from .report_cache import ReportCacheEntry
from .routing import RoutingDecision, RoutingRule
from .sla import SlaDigest, SlaNotification
from .survey import SURVEY_CHANNELS, SurveyInvitation, SurveyResponse
from .tickets import CHANNELS, DIRECTIONS, TICKET_TYPES, Attachment, Message, Ticket
from .whatsapp import WhatsAppContact, WhatsAppDelivery, WhatsAppMessage, WhatsAppOutbox

__all__ = [
    "ACTION_STATUSES",
    "CHANNELS",
    "DIRECTIONS",
    "NOTIFY_PREFS",
    "ROLES",
    "SURVEY_CHANNELS",
    "TICKET_TYPES",
    "UNIT_CODES",
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "CannedAnswer",
    "Closure",
    "DailyFact",
    "EvaluationReview",
    "FaqFeedback",
    "FollowUpAction",
    "InboundMail",
    "JobCursor",
    "JobHeartbeat",
    "LoginThrottle",
    "MailAutoReply",
    "Message",
    "OfficeHours",
    "OutboxMail",
    "ReportCacheEntry",
    "ReportSignatory",
    "RoutingDecision",
    "RoutingRule",
    "Service",
    "SlaDigest",
    "SlaNotification",
    "SpecialPeriod",
    "StaffNotification",
    "SurveyInvitation",
    "SurveyResponse",
    "Ticket",
    "Unit",
    "User",
    "UserSession",
    "WhatsAppContact",
    "WhatsAppDelivery",
    "WhatsAppMessage",
    "WhatsAppOutbox",
]
