"""The type of a request that arrives without a form (mail): a simple keyword rule.

Staff can change the type; this only picks the likely one. A complaint word wins over a
suggestion word ("keluhan dan saran" is a complaint); anything else is a question.
"""

from __future__ import annotations

from .routing import normalize_text

__all__ = ["COMPLAINT_WORDS", "SUGGESTION_WORDS", "guess_request_type"]

COMPLAINT_WORDS = frozenset({
    "pengaduan", "aduan", "adukan", "mengadu", "mengadukan", "keluhan", "mengeluh",
    "mengeluhkan", "komplain", "complain", "complaint", "protes", "kecewa", "dipersulit",
    "pungli", "pungutan liar",
})
SUGGESTION_WORDS = frozenset({
    "saran", "usul", "usulan", "mengusulkan", "masukan", "kritik", "suggestion",
})


def _phrases(words: frozenset[str]) -> list[tuple[str, ...]]:
    return [tuple(normalize_text(w)) for w in words]


_COMPLAINT = _phrases(COMPLAINT_WORDS)
_SUGGESTION = _phrases(SUGGESTION_WORDS)


def _contains(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(tokens[i:i + n]) == phrase for i in range(len(tokens) - n + 1))


def guess_request_type(subject: str, body: str) -> str:
    """'pengaduan', 'saran' or 'informasi' from whole words of the subject and new text."""
    tokens = normalize_text(f"{subject or ''}\n{body or ''}")
    if any(_contains(tokens, p) for p in _COMPLAINT):
        return "pengaduan"
    if any(_contains(tokens, p) for p in _SUGGESTION):
        return "saran"
    return "informasi"
