"""The WhatsApp Cloud API webhook: the verification handshake and signed deliveries.

A delivery is checked (X-Hub-Signature-256), stored raw and committed, answered 200, and only
then processed (after the response is sent), so Meta never waits on our work and a crash
while processing loses nothing (`flask whatsapp process` catches up).
"""

from __future__ import annotations

import hmac
import logging
import re
from urllib.parse import quote

from flask import Blueprint, Response, current_app, request

from ..extensions import csrf
from ..whatsapp import inbound, is_configured
from ..whatsapp.payload import signature_ok
from .helpers import now_utc

log = logging.getLogger(__name__)

bp = Blueprint("whatsapp_webhook", __name__)
csrf.exempt(bp)  # Meta signs its requests; there is no browser session here


@bp.app_template_global("whatsapp_link")
def whatsapp_link(text: str | None = None) -> str | None:
    """A wa.me click-to-chat link to the office's number, pre-filled with `text`; None when
    no number is configured (WHATSAPP_DISPLAY_NUMBER)."""
    digits = re.sub(r"\D", "", current_app.config.get("WHATSAPP_DISPLAY_NUMBER") or "")
    if not digits:
        return None
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    return f"https://wa.me/{digits}" + (f"?text={quote(text)}" if text else "")


@bp.app_template_global("whatsapp_on")
def whatsapp_on() -> bool:
    """The Cloud API channel is configured (messages are answered automatically)."""
    return is_configured(current_app.config)


@bp.app_template_global("whatsapp_track_text")
def whatsapp_track_text(code: str) -> str:
    """The message the confirmation page pre-fills: LACAK <code> k=<key>."""
    from ..whatsapp.notify import track_key

    return f"LACAK {code} k={track_key(code)}"


def _plain(text: str, status: int) -> Response:
    return Response(text, status=status, mimetype="text/plain")


@bp.get("/webhooks/whatsapp")
def verify():
    """hub.mode=subscribe, hub.verify_token, hub.challenge -> the challenge; else 403."""
    cfg = current_app.config
    if not is_configured(cfg):
        return _plain("Kanal WhatsApp tidak aktif.", 403)
    mode = request.args.get("hub.mode", "")
    token = request.args.get("hub.verify_token", "")
    challenge = request.args.get("hub.challenge", "")
    if mode == "subscribe" and hmac.compare_digest(token.encode(),
                                                   cfg["WHATSAPP_VERIFY_TOKEN"].encode()):
        return _plain(challenge, 200)
    log.warning("whatsapp webhook verification refused from %s", request.remote_addr)
    return _plain("Token verifikasi salah.", 403)


@bp.post("/webhooks/whatsapp")
def receive():
    cfg = current_app.config
    if not is_configured(cfg):
        log.warning("whatsapp webhook called while the channel is off; refused")
        return _plain("Kanal WhatsApp tidak aktif.", 403)
    raw = request.get_data(cache=False)
    if not signature_ok(raw, request.headers.get("X-Hub-Signature-256"),
                        cfg["WHATSAPP_APP_SECRET"]):
        log.warning("whatsapp webhook: missing or bad X-Hub-Signature-256 from %s "
                    "(%d bytes), refused", request.remote_addr, len(raw))
        return _plain("Tanda tangan tidak sah.", 403)
    row, is_new = inbound.store(raw, now_utc())
    response = _plain("OK", 200)
    if is_new:
        app = current_app._get_current_object()
        delivery_id = row.id

        def _after() -> None:
            with app.app_context():
                try:
                    inbound.process(delivery_id, now_utc())
                except Exception:
                    log.exception("whatsapp delivery %s failed", delivery_id)

        response.call_on_close(_after)
    return response
