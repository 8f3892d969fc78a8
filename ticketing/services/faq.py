"""Published answers (FAQ): search, the suggestions on the request form, and deflection counts.

The answers are the canned answers staff marked public, so one text serves the reply box and
the citizen who finds it before asking. The table is small (tens to a few hundred rows), so
matching is done in Python on both databases, by shared words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import CannedAnswer, FaqFeedback, Service
from .canned import CLOSING, GREETING

CONTEXTS = ("form", "faq")
#: words too common to say anything about a question
STOPWORDS = frozenset([
    "ada", "adalah", "agar", "akan", "apa", "apakah", "atau", "bagaimana", "bapak", "begitu",
    "bisa", "boleh", "buat", "cara", "dan", "dari", "dengan", "di", "dong", "gimana", "hal",
    "ibu", "ingin", "ini", "itu", "juga", "kah", "kalau", "kami", "kapan", "ke", "kenapa",
    "mau", "mohon", "nya", "pada", "saya", "sebagai", "sudah", "tanya", "tentang", "terima",
    "kasih", "tidak", "untuk", "yang", "apa", "bila", "berapa", "the", "and", "for", "how",
    "what", "with"
])
WORD_RE = re.compile(r"[0-9a-zà-ÿ]+")


@dataclass(frozen=True)
class Entry:
    id: int
    title: str
    text: str
    service_slug: str | None
    service_name: str | None


def words(text: str) -> set[str]:
    return {w for w in WORD_RE.findall((text or "").lower()) if len(w) > 2 and w not in STOPWORDS}


def public_text(answer: CannedAnswer) -> str:
    """The answer as a citizen reads it: no greeting to one requester, no placeholders."""
    body = answer.body
    if body.startswith(GREETING):
        body = body[len(GREETING):]
    if body.endswith(CLOSING):
        body = body[: -len(CLOSING)]
    body = body.replace("({kode})", "").replace("{kode}", "").replace("{nama}", "Bapak/Ibu")
    return body.strip()


def _entries(service_slug: str | None = None) -> list[Entry]:
    query = (select(CannedAnswer).options(joinedload(CannedAnswer.service))
             .where(CannedAnswer.is_public, CannedAnswer.is_active)
             .order_by(CannedAnswer.service_id.is_(None), CannedAnswer.sort_order,
                       CannedAnswer.id))
    if service_slug:
        query = query.join(Service, CannedAnswer.service_id == Service.id).where(
            Service.slug == service_slug)
    return [Entry(a.id, a.title, public_text(a), a.service.slug if a.service else None,
                  a.service.name if a.service else None)
            for a in db.session.scalars(query)]


def search(query: str, service_slug: str | None = None, limit: int | None = None) -> list[Entry]:
    """Published answers sharing words with the query, best first (all of them if no query).

    A chosen service narrows to its answers plus the general ones; a title match counts more.
    """
    entries = _entries()
    if service_slug:
        entries = [e for e in entries if e.service_slug in (service_slug, None)]
    wanted = words(query)
    if wanted:
        scored = []
        for index, entry in enumerate(entries):
            score = 3 * len(wanted & words(entry.title)) + len(wanted & words(entry.text))
            if score:
                scored.append((-score, index, entry))
        entries = [entry for _s, _i, entry in sorted(scored)]
    return entries[:limit] if limit else entries


def for_service(service_slug: str) -> list[Entry]:
    return _entries(service_slug)


def record_feedback(canned_id: int, helpful: bool, context: str, now: datetime) -> bool:
    """Count one vote on a published answer (no commit). False for an unknown/unpublished one."""
    answer = db.session.get(CannedAnswer, canned_id)
    if answer is None or not (answer.is_public and answer.is_active):
        return False
    db.session.add(FaqFeedback(canned_answer_id=canned_id, is_helpful=helpful,
                               context=context if context in CONTEXTS else "faq",
                               created_dt=now))
    return True


def helped_counts(canned_ids: list[int]) -> dict[int, tuple[int, int]]:
    """canned id -> (helped, helped while typing a request: a request not sent)."""
    if not canned_ids:
        return {}
    rows = db.session.execute(
        select(FaqFeedback.canned_answer_id, func.count(),
               func.sum(db.case((FaqFeedback.context == "form", 1), else_=0)))
        .where(FaqFeedback.canned_answer_id.in_(canned_ids), FaqFeedback.is_helpful)
        .group_by(FaqFeedback.canned_answer_id))
    return {cid: (int(total), int(form or 0)) for cid, total, form in rows}
