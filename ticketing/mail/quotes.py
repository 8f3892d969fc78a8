"""Quoted-reply stripping: keep what the sender newly wrote, and when unsure keep more.

Every line is marked: ``e`` empty, ``q`` quoted (starts with ``>``), ``s`` part of a quote
header ("On ... wrote:", an Outlook header block, "-----Original Message-----"), ``f`` a
forward marker, ``t`` text. Then one region is cut: from the first header or quote to the
last quoted line (text after the quote, such as "Regards, Roman", is kept), or to the end
when a header is followed by unquoted text (Outlook style). Nothing is cut when the quotes
and the new text interleave (an inline reply), when a forward comes first, or when there is
no header and fewer than three quoted lines (a ``>>>`` line in a message is not a quote).
Staff always have the full text as well.
"""

from __future__ import annotations

import re

from .model import check_budget
from .quote_markers import (
    FORWARD_RE,
    FORWARD_SUBJECT_RE,
    is_rule_line,
    split_inline_header,
    splitter_length,
)

__all__ = ["FORWARD_RE", "FORWARD_SUBJECT_RE", "strip_quoted_text"]

#: longer messages are only searched this far (cost bound); the rest stays with the reply
MAX_LINES = 2000
_QUOTE_RE = re.compile(r"^[ \t]*>")
_LINK_ONLY_RE = re.compile(r"^\s*[(<]?https?://\S*[)>]?\s*>?\s*$")


def _mark(lines: list[str]) -> str:
    marks: list[str] = []
    i = 0
    while i < len(lines):
        if i % 200 == 0:
            check_budget()
        line = lines[i]
        if not line.strip():
            marks.append("e")
        elif _QUOTE_RE.match(line):
            marks.append("q")
        elif FORWARD_RE.search(line):
            marks.append("f")
        else:
            n = splitter_length(lines, i)
            if n:
                marks.extend("s" * n)
                i += n
                continue
            marks.append("t")
        i += 1
    return "".join(marks)


def _links_inside_quotes(lines: list[str], marks: str) -> str:
    """A long link wrapped out of a quoted line is still part of the quote."""
    out = list(marks)
    for i, mark in enumerate(marks):
        if mark == "t" and _LINK_ONLY_RE.match(lines[i]) and "q" in marks[max(0, i - 2) : i]:
            out[i] = "q"
    return "".join(out)


def _region(marks: str, quotes_marked: bool) -> tuple[int, int] | None:
    """(first, last+1) lines of the quoted region, or None to keep everything."""
    if "s" not in marks and marks.count("q") < 3 and not quotes_marked:
        return None  # a lone ">" line is content, not a quote
    starts = [i for i in (marks.find("s"), marks.find("q")) if i >= 0]
    if not starts:
        return None
    start = min(starts)
    if "f" in marks[:start]:
        return None  # a forward: the forwarded text is what the sender wants read
    # A header followed by unquoted text: the rest of the message is the quoted original.
    cut_all = re.compile(r"s+e*[tf]").search(marks, start)
    end_all = cut_all.start() if cut_all else len(marks)
    # Inline reply: new text between quoted lines (before any unquoted original).
    if re.search(r"q[qe]*t[te]*q", marks[start:end_all]):
        return None
    if cut_all:
        return start, len(marks)
    last = max(marks.rfind("q"), marks.rfind("s"))
    return start, last + 1


def strip_quoted_text(text: str, *, quotes_marked: bool = False) -> str:
    """Remove the quoted previous message(s) from a reply; keeps all if nothing is left.

    quotes_marked: the ">" lines are known quotes (HTML blockquotes turned into text).
    """
    if not text:
        return ""
    lines = split_inline_header(text.replace("\r\n", "\n").split("\n"))
    head, tail = lines[:MAX_LINES], lines[MAX_LINES:]
    marks = _links_inside_quotes(head, _mark(head))
    region = _region(marks, quotes_marked)
    whole = _tidy(text)
    if region is None:
        return whole
    start, end = region
    # Outlook puts a "____" rule (and blank lines) before its header block; other clients a
    # "----- Original Nachricht ----" style line we may not know the words of.
    while start > 0 and (not head[start - 1].strip() or is_rule_line(head[start - 1])
                         or _DASHED_TITLE_RE.match(head[start - 1])):
        start -= 1
    result = _tidy("\n".join(head[:start] + head[end:] + tail))
    # Nothing of the sender's own left (only separators): it was all quote or forward.
    return result if _WORD_RE.search(result) else whole


_DASHED_TITLE_RE = re.compile(r"^[\s>]*-{2,}[^-]{1,60}-{2,}\s*$")
_WORD_RE = re.compile(r"\w")


def _tidy(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip()

