"""Quoted-reply stripping: keep what the sender newly wrote."""


from __future__ import annotations

import re

# Quote headers of the common clients (Indonesian and English first).
_QUOTE_HEADER_RES = [
    # Gmail/Yahoo/iOS Indonesian: "Pada Sen, 28 Des 2026 pukul 10.00 Budi <b@x.id> menulis:"
    re.compile(r"^\s*Pada\b.{0,300}\bmenulis\s*:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^\s*On\b.{0,300}\bwrote\s*:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^\s*Am\b.{0,300}\bschrieb\b.{0,80}:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^\s*Le\b.{0,300}\ba\s+[ée]crit\s*:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^\s*El\b.{0,300}\bescribi[óo]\s*:\s*$", re.IGNORECASE | re.DOTALL),
]
_ORIGINAL_MESSAGE_RE = re.compile(
    r"^\s*-{2,}\s*(Original Message|Pesan Asli|Pesan Awal|Ursprüngliche Nachricht|Message d'origine)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_OUTLOOK_FROM_RE = re.compile(r"^\s*\*?(From|Dari|Von|De)\s*:\*?\s*\S", re.IGNORECASE)
_OUTLOOK_SENT_RE = re.compile(
    r"^\s*\*?(Sent|Dikirim|Terkirim|Date|Tanggal|Gesendet|Envoyé)\s*:\*?\s*\S", re.IGNORECASE
)
_OUTLOOK_SUBJECT_RE = re.compile(
    r"^\s*\*?(Subject|Subjek|Perihal|Hal|Betreff|Objet)\s*:", re.IGNORECASE
)
_OUTLOOK_TO_RE = re.compile(r"^\s*\*?(To|Kepada|An|À)\s*:", re.IGNORECASE)
_FORWARD_SUBJECT_RE = re.compile(
    r"^\s*(re:\s*)*(fwd?|fw|tr|wg|rv|enc|doorst|terusan|penerusan)\s*:", re.IGNORECASE
)
_FORWARD_RE = re.compile(
    r"-{3,}\s*(Forwarded message|Pesan yang diteruskan|Pesan terusan|Weitergeleitete Nachricht)\s*-{3,}",
    re.IGNORECASE,
)


def _is_quote_header(candidate: str) -> bool:
    # Real quote headers carry the date of the quoted mail: requiring a digit keeps
    # prose such as "Pada rapat itu beliau menulis:" from cutting the message.
    return any(rx.match(candidate) for rx in _QUOTE_HEADER_RES) and bool(
        re.search(r"\d", candidate)
    )


def _find_quote_start(lines: list[str]) -> int | None:
    """Index of the first line of a quoted reply block, or None."""
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if _ORIGINAL_MESSAGE_RE.match(stripped):
            return i
        if _is_quote_header(stripped):
            return i
        # The header is often wrapped: "Pada ..., Budi <b@x.id>\nmenulis:".
        if (
            i + 1 < len(lines)
            and len(stripped) < 300
            and stripped.split(None, 1)[0].lower() in ("pada", "on", "am", "le", "el")
            and _is_quote_header(stripped + " " + lines[i + 1].strip())
        ):
            return i
        if _OUTLOOK_FROM_RE.match(stripped):
            window = [ln.strip() for ln in lines[i + 1 : i + 8]]
            has_sent = any(_OUTLOOK_SENT_RE.match(w) for w in window)
            has_subject = any(_OUTLOOK_SUBJECT_RE.match(w) for w in window)
            has_to = any(_OUTLOOK_TO_RE.match(w) for w in window)
            if has_sent and (has_subject or has_to):
                # Outlook puts a "____" rule before the header block.
                j = i
                while j > 0 and (
                    not lines[j - 1].strip() or re.fullmatch(r"[_\-=]{5,}", lines[j - 1].strip())
                ):
                    j -= 1
                return j
    return None


def strip_quoted_text(text: str) -> str:
    """Remove the quoted previous message(s) from a reply; keeps all if nothing is left."""
    if not text:
        return ""
    if _FORWARD_RE.search(text) and not _find_quote_start(text.split("\n")[: _forward_line(text)]):
        # A forward is the content the requester wants us to read.
        return text.strip()
    lines = text.split("\n")
    cut = _find_quote_start(lines)
    if cut is not None:
        lines = lines[:cut]
    kept = [ln for ln in lines if not ln.lstrip().startswith(">")]
    result = "\n".join(kept)
    result = re.sub(r"\n{3,}", "\n\n", result).strip()
    return result or text.strip()


def _forward_line(text: str) -> int:
    m = _FORWARD_RE.search(text)
    return text[: m.start()].count("\n") if m else 0
