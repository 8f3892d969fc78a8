"""Webhook payloads in the shapes of Meta's Cloud API documentation, signed like Meta signs."""

from __future__ import annotations

import itertools
import json
from datetime import datetime

from ticketing.extensions import db
from ticketing.whatsapp.payload import sign

APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
ACCESS_TOKEN = "test-access-token"
PHONE_NUMBER_ID = "106540352242922"
DISPLAY = "+62 811-7100-2020"
CITIZEN = "6281234567890"

_ids = itertools.count(1)


def wamid() -> str:
    return f"wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjA{next(_ids):08d}"


def delivery(*, messages: list[dict] = (), statuses: list[dict] = (),
             name: str = "Budi Santoso", wa_id: str = CITIZEN) -> dict:
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "6281171002020",
                          "phone_number_id": PHONE_NUMBER_ID}}
    if messages:
        value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id}]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"value": value,
                                                             "field": "messages"}]}]}


def message(kind: str, content: dict | None, at: datetime, *, wa_id: str = CITIZEN,
            context: str | None = None, id: str | None = None) -> dict:
    msg = {"from": wa_id, "id": id or wamid(), "timestamp": str(int(at.timestamp())),
           "type": kind}
    if content is not None:
        msg[kind] = content
    if context:
        msg["context"] = {"from": "6281171002020", "id": context}
    return msg


def text(body: str, at: datetime, **kw) -> dict:
    return message("text", {"body": body}, at, **kw)


def status(wamid_: str, state: str, at: datetime, *, code: int | None = None,
           wa_id: str = CITIZEN) -> dict:
    item = {"id": wamid_, "status": state, "timestamp": str(int(at.timestamp())),
            "recipient_id": wa_id}
    if code is not None:
        item["errors"] = [{"code": code, "title": "error", "message": "error",
                           "error_data": {"details": "details"}}]
    return item


def post(client, body: dict | bytes, *, secret: str = APP_SECRET, signature: str | None = None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if signature is None:
        headers["X-Hub-Signature-256"] = sign(raw, secret)
    elif signature:
        headers["X-Hub-Signature-256"] = signature
    response = client.post("/webhooks/whatsapp", data=raw, headers=headers)
    # A WSGI server closes the response after sending it; that is when processing runs.
    response.close()
    db.session.expire_all()
    return response
