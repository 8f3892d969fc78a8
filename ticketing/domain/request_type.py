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


def _contains_any(starts: dict[str, list[int]], tokens: list[str],
                  phrases: list[tuple[str, ...]]) -> bool:
    """Whether one of `phrases` occurs in `tokens` (`starts`: each token's positions)."""
    return any(tuple(tokens[i:i + len(phrase)]) == phrase
               for phrase in phrases if phrase for i in starts.get(phrase[0], ()))


def guess_request_type(subject: str, body: str) -> str:
    """'pengaduan', 'saran' or 'informasi' from whole words of the subject and new text."""
    tokens = normalize_text(f"{subject or ''}\n{body or ''}")
    starts: dict[str, list[int]] = {}
    for i, token in enumerate(tokens):
        starts.setdefault(token, []).append(i)
    if _contains_any(starts, tokens, _COMPLAINT):
        return "pengaduan"
    if _contains_any(starts, tokens, _SUGGESTION):
        return "saran"
    return "informasi"
