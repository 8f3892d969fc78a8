"""HTML mail to plain text, and HTML sanitising for display to staff."""

# ruff: noqa: BLE001

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

from .charset import _clean_text

# ---------------------------------------------------------------------------
# HTML to text, sanitising, quoted reply stripping
# ---------------------------------------------------------------------------


_BLOCK_TAGS = {
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "tr",
    "ul",
    "caption",
}
_SKIP_TAGS = {
    "script",
    "style",
    "head",
    "title",
    "template",
    "noscript",
    "xml",
    "object",
    "iframe",
    "svg",
}
_VOID_TAGS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
}


#: marks the start of a line inside a quote block (a private-use character)
_QMARK = "\ue000"


class _HTMLText(HTMLParser):
    """Streaming HTML -> readable text; optionally drops quoted-reply blocks."""

    def __init__(self, drop_quotes: bool = False, mark_quotes: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip_stack: list[str] = []  # tags whose content is hidden
        self.pre = 0
        self.drop_quotes = drop_quotes
        self.mark_quotes = mark_quotes
        self.quote_stack: list[str] = []  # open quote blocks (mark_quotes)
        self.stopped = False  # Outlook: everything after the reply header is quoted

    def _nl(self, after: str = "") -> None:
        """A line break; inside a quote (mark_quotes) the new line carries the marker."""
        self.out.append("\n" + (_QMARK if self.quote_stack or self.stopped else "") + after)

    def _quote_block(self, tag: str, attrs: dict[str, str]) -> bool:
        if not (self.drop_quotes or self.mark_quotes):
            return False
        cls = attrs.get("class", "").lower()
        ident = attrs.get("id", "").lower()
        if "gmail_quote" in cls or "yahoo_quoted" in cls or "moz-cite-prefix" in cls:
            return True
        if tag == "blockquote" and (
            attrs.get("type", "").lower() == "cite" or "gmail_quote" in cls
        ):
            return True
        if (
            ident in ("appendonsend", "divrplyfwdmsg", "mail-editor-reference-message-container")
            or "outlookmessageheader" in ident
        ):
            self.stopped = True
            if self.mark_quotes:
                self._nl()
        return False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stopped and not self.mark_quotes:
            return
        amap = {k.lower(): (v or "") for k, v in attrs}
        if tag == "body":
            # Unclosed <head>: the body starts here anyway.
            self.skip_stack = [t for t in self.skip_stack if t not in ("head", "title")]
        if self.skip_stack:
            if tag == self.skip_stack[-1] and tag not in _VOID_TAGS:
                self.skip_stack.append(tag)
            return
        if self.quote_stack and tag == self.quote_stack[-1] and tag not in _VOID_TAGS:
            self.quote_stack.append(tag)  # nested same tag: count it to close the right one
        elif tag in _SKIP_TAGS or self._quote_block(tag, amap):
            if tag in _VOID_TAGS:
                return
            if tag in _SKIP_TAGS or self.drop_quotes:
                self.skip_stack.append(tag)
                return
            self.quote_stack.append(tag)
            self._nl()
        if self.stopped and not self.mark_quotes:
            return
        if tag == "br":
            self._nl()
        elif tag == "li":
            self._nl("- ")
        elif tag in ("td", "th"):
            self.out.append(" ")
        elif tag in _BLOCK_TAGS:
            self._nl()
        if tag == "pre":
            self.pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID_TAGS or tag == "br":
            if not self.skip_stack and tag == "br" and (self.mark_quotes or not self.stopped):
                self._nl()
            return
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skip_stack:
            if tag == self.skip_stack[-1]:
                self.skip_stack.pop()
            elif tag in ("head", "html", "body") and "head" in self.skip_stack:
                self.skip_stack.clear()
            return
        if self.stopped and not self.mark_quotes:
            return
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag in _BLOCK_TAGS and tag != "li":  # the next <li> starts its own line
            self._nl()
        if self.quote_stack and tag == self.quote_stack[-1]:
            self.quote_stack.pop()
            self._nl()

    def handle_data(self, data: str) -> None:
        if self.skip_stack or (self.stopped and not self.mark_quotes):
            return
        if self.pre:
            marker = _QMARK if self.quote_stack or self.stopped else ""
            self.out.append(data.replace("\n", "\n" + marker))
        else:
            self.out.append(re.sub(r"[ \t\r\n\f]+", " ", data))

    def text(self) -> str:
        raw = "".join(self.out).replace("\xa0", " ")
        lines = [_quoted_line(line) for line in raw.split("\n")]
        text = "\n".join(lines)
        text = re.sub(r"\n{3,}", "\n\n", text)
        return text.strip()


def _quoted_line(line: str) -> str:
    if _QMARK not in line:
        return line.strip()
    text = line.replace(_QMARK, "").strip()
    return f"> {text}" if text else ""


def html_to_text(html: str, drop_quotes: bool = False, mark_quotes: bool = False) -> str:
    """Convert HTML to plain text, without scripts, styles or the <head>.

    drop_quotes leaves out quoted-reply blocks; mark_quotes prefixes their lines with
    "> " so that the plain-text quote stripping can decide what is new.
    """
    if not html:
        return ""
    parser = _HTMLText(drop_quotes=drop_quotes, mark_quotes=mark_quotes)
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # HTMLParser is lenient, but never let markup break parsing
        return _clean_text(re.sub(r"<[^>]*>", " ", html))
    return _clean_text(parser.text())


_SAFE_DATA_IMAGE_RE = re.compile(r"^data:image/(png|jpe?g|gif|webp|bmp);base64,", re.IGNORECASE)


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    """nh3 hook: no remote images (tracking pixels), no data: links."""
    val = value.strip()
    low = val.lower()
    if tag == "img" and attr == "src":
        if low.startswith("cid:") or _SAFE_DATA_IMAGE_RE.match(val):
            return val
        return None
    if low.startswith(("data:", "cid:")):
        return None
    return value


def sanitize_html(html: str) -> str:
    """Clean e-mail HTML for display: no scripts/styles/handlers/remote images."""
    return nh3.clean(
        html,
        tags=set(nh3.ALLOWED_TAGS) | {"font"},
        clean_content_tags={"script", "style", "title", "head"} - set(nh3.ALLOWED_TAGS),
        attributes={
            **{k: set(v) for k, v in nh3.ALLOWED_ATTRIBUTES.items()},
            "font": {"color", "size", "face"},
            "td": {"colspan", "rowspan", "align", "valign"},
            "th": {"colspan", "rowspan", "align", "valign"},
        },
        attribute_filter=_attribute_filter,
        url_schemes=set(nh3.ALLOWED_URL_SCHEMES) | {"cid", "data"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
