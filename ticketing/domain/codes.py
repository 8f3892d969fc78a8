"""Ticket codes: short, readable aloud, unguessable."""

from __future__ import annotations

import re
import secrets

# No 0/O, 1/I/L: codes are read over the phone and typed on small keyboards.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_RE = re.compile(r"^[2-9A-HJ-KMNP-Z]{4}-[2-9A-HJ-KMNP-Z]{4}$")


def new_code() -> str:
    """A fresh random code like 7KQ4-M9XD (31**8, about 8.5e11 possibilities)."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def normalize_code(text: str | None) -> str | None:
    """Accept what people type (lower case, spaces, no dash) and return the canonical code."""
    if not text:
        return None
    cleaned = re.sub(r"[^0-9A-Za-z]", "", text).upper()
    if len(cleaned) != 8:
        return None
    code = f"{cleaned[:4]}-{cleaned[4:]}"
    return code if CODE_RE.match(code) else None
