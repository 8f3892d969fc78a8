"""The WhatsApp Business Cloud API channel (issue 11).

- `client`: the Graph API over HTTP (send, media lookup, media download);
- `payload`: plain functions over Meta's webhook JSON (signature, message text, commands);
- `errors`: what each documented error code means for us;
- `inbound`: webhook deliveries stored raw first, then messages into tickets, once per wamid;
- `media`: media fetched into the attachment store (retried by the scheduler);
- `notify`: messages to a requester queued in the WhatsApp outbox;
- `delivery`: the outbox delivered (24-hour window, templates, retries) and status callbacks.
"""

from __future__ import annotations

from collections.abc import Mapping

#: settings without which the channel is off
REQUIRED_SETTINGS = ("WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_ACCESS_TOKEN",
                     "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN")


def missing_settings(config: Mapping) -> list[str]:
    """The required settings that are not set (empty: the channel is on)."""
    return [name for name in REQUIRED_SETTINGS if not (config.get(name) or "").strip()]


def is_configured(config: Mapping) -> bool:
    return not missing_settings(config)
