"""Template filters for text people wrote: clickable links, nothing else interpreted."""

from __future__ import annotations

import re

from flask import Flask
from markupsafe import Markup, escape

#: http(s) and www. addresses; the text is escaped first, so quotes and brackets never appear
URL_RE = re.compile(r"\b(?:https?://|www\.)(?:(?!&lt;|&gt;|&#34;|&#39;|&quot;|&amp;quot;)"
                    r"[^\s<>\"'])+", re.IGNORECASE)
#: punctuation that ends a sentence rather than the address
TRAILING = ".,;:!?)]}»”’"


def linkify(text: str | None) -> Markup:
    """Escape the text, then turn web addresses into links that open in a new tab.

    Only http and https are ever linked (no javascript:, data: or mailto: from free text), and
    the links carry rel="noopener noreferrer nofollow ugc".
    """
    escaped = str(escape(text or ""))

    def link(match: re.Match) -> str:
        url = match.group(0)
        tail = ""
        while url and url[-1] in TRAILING and not (
                url[-1] == ")" and url.count("(") >= url.count(")")):
            url, tail = url[:-1], url[-1] + tail
        href = url if url.lower().startswith(("http://", "https://")) else "https://" + url
        return (f'<a href="{href}" rel="noopener noreferrer nofollow ugc" target="_blank">'
                f"{url}</a>{tail}")

    return Markup(URL_RE.sub(link, escaped))  # noqa: S704 - the text was escaped above


def init_app(app: Flask) -> None:
    from .helpers import PREVIEWABLE

    app.add_template_filter(linkify, "linkify")
    app.add_template_global(PREVIEWABLE, "previewable")
