"""A subject for a request that came without one: a WhatsApp message never has one, and mail
from a phone often arrives with an empty subject or a bare "Fwd:". Staff triage the queue by
its subjects, so such a request takes the first line of its text that says something: a
letter's "Perihal:" line when it has one, else its first line that is more than a greeting,
a letter's address block, its number and date, or a device's signature.
"""

from __future__ import annotations

import re

from ..mail.charset import strip_bidi

#: opening words that say nothing about the request (chat greetings and a letter's salutation)
_GREETING_RE = re.compile(
    r"^(?:halo+|hallo+|hai+|hi+|hei|hello|p+|ping|permisi|assalamu'?alaikum\S*(?:\s+wr\.?"
    r"(?:\s*wb\.?)?|\s+warahmatullahi\S*(?:\s+wabarakatuh\S*)?)?|salam(?:\s+sejahtera)?|"
    r"selamat\s+(?:pagi|siang|sore|malam)|pagi|siang|sore|malam|min|kak|bu|pak|mas|mbak|"
    r"(?:mau|ingin|boleh|bisa)\s+(?:tanya|bertanya)|tes|test|dengan\s+hormat|"
    r"(?:(?:yang\s+)?(?:ter)?hormat\s+)?(?:bapak|ibu|bapak\s*/\s*ibu|admin|tim)"
    r"(?:\s+(?:yang\s+)?(?:ter)?hormat)?)[\s,.!?]*+"
    r"(?:(?:min|kak|bu|pak|mas|mbak|admin|bapak\s*/\s*ibu|bapak|ibu)[\s,.!?]*+)?$",
    re.IGNORECASE)
#: a letter's address block, header lines, place and date, and a device's signature
_FRAME_RE = re.compile(
    r"^(?:kepada(?:\s+yth\.?)?|yth\b|kepala\s+dinas\b|dinas\s+koperasi\b|u\.?\s*p\.?\s|"
    r"c\.?q\.?\s|di\s*tempat\b|di\s+\S+\.?$|"
    r"(?:nomor|no|lampiran|lamp|sifat|tanggal|tgl)\s*[.:]|"
    r"[a-z .]+,\s*\d{1,2}[\s/-]+\w+[\s/-]+\d{2,4}$|"
    r"(?:sent|dikirim)\s+(?:from|dari)\b|get\s+outlook\b)", re.IGNORECASE)
#: a letter's subject line ("Perihal : Permohonan informasi ...")
_PERIHAL_RE = re.compile(r"^(?:perihal|hal|subjek|subject)\s*[.:]\s*(\S.*)$", re.IGNORECASE)
#: the prefixes mail clients put before a subject they answer or forward
_PREFIX_RE = re.compile(
    r"^(?:\s*+(?:re|fwd?|fw|aw|wg|tr|sv|vs|rv|antw|bls|balas|trs|terusan)\s*+(?:\[\d+\])?+"
    r"\s*+[:：]\s*+)+", re.IGNORECASE)
#: what some clients write in place of an empty subject
_NO_SUBJECT_RE = re.compile(r"^[\s(\[]*+(?:no\s+subject|tanpa\s+(?:subjek|judul)|untitled|"
                            r"kein\s+betreff)[\s)\]]*+$", re.IGNORECASE)
#: "[gambar]", "[dokumen: nib.pdf]": what the WhatsApp channel writes for a file
_PLACEHOLDER_RE = re.compile(r"^\[[^\]]*\]\s*")
#: how long a subject taken from a text may be (the queue shows one line)
LIMIT = 120
#: lines looked at for a letter's "Perihal:" (it sits above the letter's body)
_PERIHAL_WITHIN = 15


#: a line longer than this is more than a greeting or a letter's frame (and no pattern is
#: tried on a line of a megabyte)
_SHORT = 200


def is_greeting(line: str) -> bool:
    line = line.strip()
    return len(line) <= _SHORT and bool(_GREETING_RE.match(line))


def _is_frame(line: str) -> bool:
    return len(line) <= _SHORT and bool(_FRAME_RE.match(line))


def says_nothing(subject: str | None) -> bool:
    """Is this subject empty once a client's "Re:"/"Fwd:" prefixes are taken off, or only a
    greeting ("Halo min", "Selamat pagi", "Mau tanya")?"""
    rest = _PREFIX_RE.sub("", (subject or "")[:_SHORT]).strip()
    return not rest or bool(_NO_SUBJECT_RE.match(rest)) or is_greeting(rest)


def subject_from(texts: list[str], default: str = "", *, or_first_line: bool = True) -> str:
    """The subject a request's texts give: a "Perihal:" line near the top, else the first
    line that is more than a greeting or a letter's frame, else (`or_first_line`) the first
    line at all, else `default`."""
    lines = [line.strip() for text in texts for line in (text or "").splitlines() if line.strip()]
    for line in lines[:_PERIHAL_WITHIN]:
        found = _PERIHAL_RE.match(line[:_SHORT])
        if found:
            return clip(found.group(1).strip())
    for line in lines:
        # "[gambar]" and the like say nothing either; "[gambar] foto NIB" keeps its caption
        words = _PLACEHOLDER_RE.sub("", line) if line.startswith("[") else line
        if words and not is_greeting(words) and not _is_frame(words):
            return clip(words)
    return clip(lines[0]) if lines and or_first_line else default


def clip(line: str, limit: int = LIMIT) -> str:
    """One line of a text as a subject: no bidi controls (a reversed run would disguise it in
    the queue, as strip_bidi keeps them out of a mail's own subject), at most `limit` long."""
    line = strip_bidi(line).strip()
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
