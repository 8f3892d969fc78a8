"""What the admin page shows about the channel: configuration and what needs attention."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..models import WhatsAppDelivery, WhatsAppMessage, WhatsAppOutbox
from ..urls import public_base
from . import missing_settings


def status() -> dict:
    cfg = current_app.config
    base = public_base()
    return {
        "missing": missing_settings(cfg),
        "webhook_url": f"{base}/webhooks/whatsapp",
        "graph_url": cfg.get("WHATSAPP_GRAPH_URL"),
        "api_version": cfg.get("WHATSAPP_API_VERSION"),
        "display_number": cfg.get("WHATSAPP_DISPLAY_NUMBER"),
        "template_update": cfg.get("WHATSAPP_TEMPLATE_UPDATE"),
        "template_ack": cfg.get("WHATSAPP_TEMPLATE_ACK") or cfg.get("WHATSAPP_TEMPLATE_UPDATE"),
    }


def counts() -> dict[str, int]:
    def count(model, *where) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return {
        "outbox_pending": count(WhatsAppOutbox, WhatsAppOutbox.status == "pending"),
        "outbox_failed": count(WhatsAppOutbox, WhatsAppOutbox.status == "failed"),
        "deliveries_failed": count(WhatsAppDelivery, WhatsAppDelivery.state == "failed"),
        "deliveries_pending": count(WhatsAppDelivery, WhatsAppDelivery.state == "pending"),
        "messages_failed": count(WhatsAppMessage, WhatsAppMessage.action == "failed"),
        "media_pending": count(WhatsAppMessage, WhatsAppMessage.media_state == "pending"),
    }


def problems_query():
    """Messages kept for review (failed or set aside), newest first, for db.paginate."""
    return (select(WhatsAppMessage)
            .where(WhatsAppMessage.action.in_(("failed", "ignored")))
            .order_by(WhatsAppMessage.id.desc()))


def failed_sends_query():
    return (select(WhatsAppOutbox).where(WhatsAppOutbox.status == "failed")
            .order_by(WhatsAppOutbox.id.desc()))


def health() -> dict | None:
    """For /healthz: None while the channel is off; else waiting and failed sends and the
    deliveries/messages kept as failed (no personal data)."""
    if missing_settings(current_app.config):
        return None
    c = counts()
    return {"pending": c["outbox_pending"], "failed": c["outbox_failed"],
            "inbound_failed": c["deliveries_failed"] + c["messages_failed"]}
