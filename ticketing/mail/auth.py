"""Authentication-Results (RFC 8601): which sender domain did the receiving provider verify?

Anyone can write a staff address in From:, and anyone can add an Authentication-Results
header too: only the first one carrying a trusted authserv-id (the receiving provider's,
added on top of everything the sender wrote) is read.
"""

from __future__ import annotations

import re

from .model import ParsedMail

_COMMENT_RE = re.compile(r"\([^()]*\)")
_PROP_RE = re.compile(r"([a-z]+\.[a-z-]+)\s*=\s*\"?([^\s;\"]+)\"?", re.IGNORECASE)
_RESULT_RE = re.compile(r"^\s*([a-z-]+)\s*=\s*([a-z]+)", re.IGNORECASE)


def _domain(value: str) -> str:
    return value.rsplit("@", 1)[-1].strip().strip(".").lower()


def _aligned(domain: str, sender_domain: str) -> bool:
    """The verified domain is the sender's, or a parent of it (relaxed alignment)."""
    return bool(domain) and (sender_domain == domain or sender_domain.endswith("." + domain))


def verified_domains(parsed: ParsedMail, trusted_ids: set[str]) -> set[str]:
    """Domains with dkim/spf/dmarc pass in the first trusted Authentication-Results."""
    for value in parsed.headers.get("authentication-results", []):
        text = value
        for _ in range(3):  # nested comments
            text = _COMMENT_RE.sub(" ", text)
        parts = text.split(";")
        authserv = parts[0].strip().split()[0].lower() if parts[0].strip() else ""
        if authserv not in trusted_ids:
            continue
        domains: set[str] = set()
        for resinfo in parts[1:]:
            m = _RESULT_RE.match(resinfo)
            if not m or m.group(2).lower() != "pass":
                continue
            method = m.group(1).lower()
            props = {k.lower(): v for k, v in _PROP_RE.findall(resinfo)}
            keys = {"dkim": ("header.d", "header.i"), "spf": ("smtp.mailfrom", "smtp.helo"),
                    "dmarc": ("header.from",)}.get(method, ())
            domains.update(_domain(props[k]) for k in keys if props.get(k))
        return domains
    return set()


def authenticated_domain(parsed: ParsedMail, trusted_ids: set[str]) -> str | None:
    """The From: domain when the trusted provider verified it (DKIM, SPF or DMARC pass for
    that domain or a parent of it), else None."""
    sender_domain = _domain(parsed.from_email or "")
    if not sender_domain or "@" not in (parsed.from_email or ""):
        return None
    for domain in verified_domains(parsed, trusted_ids):
        if _aligned(domain, sender_domain):
            return sender_domain
    return None
