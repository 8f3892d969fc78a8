"""Incoming e-mail: parsing raw bytes into a plain structure and classifying it.

Framework-free (no Flask globals). Modules, in dependency order:

* :mod:`.model` - ParsedMail, ParsedAttachment, AutoClass, MailParseError/Timeout, time budget
* :mod:`.charset` - charset labels, guesses, mojibake repair (:func:`decode_bytes`)
* :mod:`.headers` - RFC 2047/2231 header values, addresses, dates, Message-ID lists
* :mod:`.transfer` - transfer encodings and file-type tables
* :mod:`.htmltext` - HTML to text and HTML sanitising
* :mod:`.quote_markers` - quote headers in many languages (tables)
* :mod:`.quotes` - quoted-reply stripping (line marks, one region cut)
* :mod:`.mime` - MIME walking (bodies and attachments)
* :mod:`.senders` - the one list of automated / no-reply sender patterns
* :mod:`.classify` - table-driven classification and DSN helpers (takes a ParsedMail)
* :mod:`.parse` - :func:`parse_message`, which calls :func:`classify` last
* :mod:`.auth` - Authentication-Results: did the provider verify the sender's domain?
* :mod:`.msgids` - our signed Message-IDs and ticket codes in subjects
"""

from .auth import authenticated_domain
from .charset import decode_bytes
from .classify import bounced_message_ids, bounced_recipients, classify
from .headers import decode_header_text, header_block_end, parse_header_params
from .htmltext import html_to_text, sanitize_html
from .model import AutoClass, MailParseError, MailParseTimeout, ParsedAttachment, ParsedMail
from .msgids import (
    find_ticket_codes,
    is_own_message_id,
    make_message_id,
    ticket_code_from_message_id,
)
from .parse import parse_message
from .quotes import strip_quoted_text
from .senders import relayed_person

__all__ = [
    "AutoClass",
    "MailParseError",
    "MailParseTimeout",
    "ParsedAttachment",
    "ParsedMail",
    "authenticated_domain",
    "bounced_message_ids",
    "bounced_recipients",
    "classify",
    "decode_bytes",
    "decode_header_text",
    "find_ticket_codes",
    "header_block_end",
    "html_to_text",
    "is_own_message_id",
    "make_message_id",
    "parse_header_params",
    "parse_message",
    "relayed_person",
    "sanitize_html",
    "strip_quoted_text",
    "ticket_code_from_message_id",
]
