"""What a quote header looks like, in the languages our senders' mail clients speak.

Four families, each a table: "On <date> <person> wrote:" (with the lead word and the verb
in many languages, on one to four lines, with or without a colon), a date and an address
ending in a colon (Gmail's date-first form, Yandex, Mail.ru, Russian Gmail), separator
lines ("-----Original Message-----", "---- X wrote ----"), and Outlook-style header blocks
("From:/Sent:/To:/Subject:" and their translations, also starting with "Date:").
"""

from __future__ import annotations

import re

#: lines a header may be wrapped over
SPLITTER_MAX_LINES = 4

_LEADS = (
    "on", "le", "w dniu", "dnia", "op", "am", "em", "på", "den", "vào", "il giorno", "il",
    "el", "pada tanggal", "pada", "dne", "às", "a las", "ngày", "dana", "в", "la data de",
)
_VERBS = (
    "wrote", "writes", "sent", "has written", "a écrit", "écrit", "napisał(a)", "napisała",
    "napisał", "pisze", "het volgende geschreven", "geschreven", "schreef", "verzond",
    "schrieb", "escreveu", "escribió", "escribio", "skrev", "đã viết", "viết", "ha scritto",
    "scrisse", "menulis", "napsal(a)", "napsal", "kirjoitti", "написал(а)", "написала",
    "написал", "пишет", "yazdı", "írta", "a scris",
)
_ORIGINALS = (
    "original message", "reply message", "antwort nachricht", "ursprüngliche nachricht",
    "original nachricht", "originalnachricht",
    "oprindelig meddelelse", "message d'origine", "message original", "messaggio originale",
    "mensagem original", "mensaje original", "oorspronkelijk bericht", "origineel bericht",
    "originalmeddelande", "ursprungligt meddelande", "opprinnelig melding",
    "wiadomość oryginalna", "oryginalna wiadomość", "исходное сообщение",
    "alkuperäinen viesti", "pesan asli", "pesan awal", "thư gốc", "tin nhắn gốc",
    "původní zpráva", "eredeti üzenet", "orijinal mesaj",
)
#: field kind -> names of the Outlook header-block fields in many languages
_FIELDS: dict[str, tuple[str, ...]] = {
    "from": ("from", "van", "de", "von", "fra", "från", "od", "da", "от", "от кого",
             "lähettäjä", "dari", "từ", "kimden", "feladó", "від", "afzender", "remetente",
             "mittente"),
    "date": ("date", "sent", "datum", "envoyé", "envoyé le", "gesendet", "skickat", "sendt",
             "verzonden", "data", "inviato", "enviado", "enviada", "enviado el", "wysłano",
             "wysłane", "отправлено", "дата", "lähetetty", "päivämäärä", "tanggal",
             "dikirim", "terkirim", "ngày", "ngày gửi", "đã gửi", "gửi", "message du",
             "fecha", "tarih", "dátum", "odesláno", "sent on"),
    "to": ("to", "an", "aan", "à", "a", "til", "till", "do", "para", "per", "кому",
           "vastaanottaja", "kepada", "đến", "tới", "kime", "címzett", "komu"),
    "subject": ("subject", "betreff", "onderwerp", "objet", "emne", "ämne", "oggetto",
                "assunto", "asunto", "temat", "тема", "aihe", "subjek", "perihal", "hal",
                "chủ đề", "konu", "tárgy", "předmět"),
    "cc": ("cc", "bcc", "kopie", "kopia", "копия", "kopio", "tembusan"),
}


def _alternatives(words: tuple[str, ...]) -> str:
    """Longest first, so "napisał(a)" wins over "napisał"."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len,
                                                                          reverse=True))


_VERB = _alternatives(_VERBS)
_LEAD_VERB_RE = re.compile(
    rf"^[\s>*-]*(?:{_alternatives(_LEADS)})\s.{{0,400}}?(?<!\w)(?:{_VERB})(?!\w)"
    r"(?P<tail>\s[^:]{0,160}?)?\s*(?P<colon>:)?\s*-*\s*$",
    re.IGNORECASE,
)
_VERB_END_RE = re.compile(
    rf"^[\s>*-]*\S.{{0,400}}?(?<!\w)(?:{_VERB})(?!\w)(?P<tail>\s[^:]{{0,160}}?)?\s*:\s*$",
    re.IGNORECASE,
)
_DASH_WROTE_RE = re.compile(
    rf"^[\s>]*-{{2,}}.{{0,250}}(?<!\w)(?:{_VERB})(?!\w).{{0,60}}?-{{2,}}\s*$", re.IGNORECASE
)
_ORIGINAL_RE = re.compile(
    rf"^[\s>]*-{{2,}}\s*(?:{_alternatives(_ORIGINALS)})\s*-*\s*$|"
    rf"^[\s>]*(?:{_alternatives(_ORIGINALS)})\s*:?\s*-{{2,}}\s*$",
    re.IGNORECASE,
)
_FIELD_RE = re.compile(
    r"^[\s>]*\*?\s*(?P<name>"
    + _alternatives(tuple(n for names in _FIELDS.values() for n in names))
    + r")\s*\*?\s*:(?!//)\s*\*?(?P<value>.*)$",
    re.IGNORECASE,
)
_FIELD_KIND = {n: kind for kind, names in _FIELDS.items() for n in names}
_TIME_RE = re.compile(r"(?<!\d)\d{1,2}[:.h]\d{2}(?!\d)")
_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_NUM_DATE_RE = re.compile(r"(?<!\d)\d{1,4}[./-]\d{1,2}[./-]\d{1,4}(?!\d)")
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|mailto:")
#: Gmail's date-first header and its relatives: a date, an address, a colon at the end
_DATE_ADDRESS_END_RE = re.compile(r"(?:@[\w.-]+\w>?|>|\))\s*:\s*$|[\w.+-]+@[\w.-]+\w>?\s*$")
RULE_RE = re.compile(r"^[\s>]*[_\-=*]{5,}\s*$")

FORWARD_SUBJECT_RE = re.compile(
    r"^\s*(re:\s*)*(fwd?|fw|tr|wg|rv|enc|doorst|vs|vl|i|pd|terusan|penerusan)\s*:", re.IGNORECASE
)
FORWARD_RE = re.compile(
    r"-{3,}\s*(Forwarded message|Pesan yang diteruskan|Pesan terusan|Weitergeleitete Nachricht"
    r"|Message transféré|Mensaje reenviado|Mensagem encaminhada|Messaggio inoltrato"
    r"|Doorgestuurd bericht|Vidarebefordrat meddelande|Videresendt meddelelse"
    r"|Пересылаемое сообщение|Välitetty viesti|Wiadomość przekazana dalej)\s*-{3,}"
    r"|^\s*Begin forwarded message:\s*$",
    re.IGNORECASE | re.MULTILINE,
)


def is_rule_line(line: str) -> bool:
    """A "_____" / "-----" rule Outlook puts above its header block."""
    return bool(RULE_RE.match(line))


def header_field(line: str) -> tuple[str, str] | None:
    """(kind, value) of an Outlook header-block line such as "*Sent:* Monday ...", or None."""
    m = _FIELD_RE.match(line)
    if not m:
        return None
    return _FIELD_KIND[re.sub(r"\s+", " ", m.group("name").lower())], m.group("value").strip()


def _dated(text: str) -> bool:
    return bool(_TIME_RE.search(text) or _YEAR_RE.search(text) or _NUM_DATE_RE.search(text))


def _is_header_sentence(window: str) -> bool:
    """Does this (joined) window read as an "On ... wrote:" style quote header?"""
    if len(window) > 500:
        return False
    has_address = bool(_EMAIL_RE.search(window))
    has_time = bool(_TIME_RE.search(window))
    m = _LEAD_VERB_RE.match(window)
    if m and (has_address or has_time) and _dated(window):
        tail = (m.group("tail") or "").strip()
        # "Am ... schrieb Bob <b@x>:" names the sender after the verb; a colon or an
        # address must then close the line, else it is a sentence going on.
        return not tail or bool(m.group("colon")) or tail.endswith(">")
    m = _VERB_END_RE.match(window)
    if m and (has_address or (has_time and _dated(window))):
        return True
    # "2014-10-17 11:28 GMT+03:00 Bob <bob@example.com>:", "26.06.2014, 10:27, Bob <b@x>:"
    return bool(
        has_address and _dated(window) and _DATE_ADDRESS_END_RE.search(window)
        and (window.rstrip().endswith(":") or re.match(r"^[\s>]*\d", window))
        and len(window) < 300
    )


def _header_block_length(lines: list[str], i: int) -> int:
    """Lines of an Outlook-style header block starting at line i (0: not one)."""
    first = header_field(lines[i])
    if not first:
        return 0
    kinds: dict[str, str] = {first[0]: first[1]}
    last = i
    j = i + 1
    while j < len(lines) and j <= i + 10:
        field = header_field(lines[j])
        if field:
            kinds.setdefault(field[0], field[1])
            last = j
        elif not lines[j].strip() or j - last > 2:
            break  # a blank line or a long non-field run ends the block
        j += 1
    if len(kinds) < 2 or not ({"from", "date"} & kinds.keys()):
        return 0
    sender = kinds.get("from", "")
    date = kinds.get("date", "")
    # A letter pasted into a mail ("Tanggal: 5 Januari 2027 / Perihal: ...") is not a
    # header block: it needs a sender with an address, or a date with a time.
    if not (_EMAIL_RE.search(sender) or "<" in sender or "[" in sender or _TIME_RE.search(date)):
        return 0
    return last - i + 1


def splitter_length(lines: list[str], i: int) -> int:
    """Number of lines of the quote header starting at line i (0: no header there)."""
    line = lines[i]
    if _ORIGINAL_RE.match(line) or _DASH_WROTE_RE.match(line):
        return 1
    block = _header_block_length(lines, i)
    if block:
        return block
    n = _sentence_lines(lines, i)
    # A header wrapped over lines starts where the shortest window still reads as one:
    # "Siap.\nPada ... Budi\n<b@x.id> menulis:" starts on the second line.
    if n > 1 and not _opens_header(lines[i]) and _sentence_lines(lines, i + 1) == n - 1:
        return 0
    return n


_LEAD_START_RE = re.compile(rf"^[\s>*-]*(?:{_alternatives(_LEADS)})\s", re.IGNORECASE)
_OPENS_HEADER_RE = re.compile(rf"^[\s>*-]*(?:(?:{_alternatives(_LEADS)})\s|\d)", re.IGNORECASE)


def _opens_header(line: str) -> bool:
    """Could a quote header start on this line (a lead word, a date, an address)?"""
    if line.rstrip().endswith((".", "!", "?")):
        return False
    return bool(_OPENS_HEADER_RE.match(line) or "@" in line or "<" in line)


def _sentence_lines(lines: list[str], i: int) -> int:
    """Lines of the "On ... wrote:" header starting at line i (0: none). A header that
    opens with a lead word may be broken by blank lines and a ">" (Polymail's
    "On ..., John\n\n<\nmailto:John <j@x>\n> wrote:")."""
    window = ""
    gaps = 0
    lead = bool(_LEAD_START_RE.match(lines[i])) if i < len(lines) else False
    for n in range(SPLITTER_MAX_LINES + 2):
        if i + n >= len(lines) or len(lines[i + n]) > 300:
            return 0
        line = lines[i + n].strip()
        if not line:
            gaps += 1
            if not lead or n == 0 or gaps > 2:
                return 0
            continue
        if n:
            line = line.removeprefix(">").strip() if lead else line
        window = (window + " " + line).strip()
        if _is_header_sentence(window):
            return n + 1
        if n + 1 - gaps >= SPLITTER_MAX_LINES:
            return 0
    return 0


_ENDS_WITH_VERB = re.compile(rf"(?:{_VERB})\s*:?\s*$", re.IGNORECASE)
_INLINE_LEAD_RE = re.compile(
    rf"(?<=[.!?)\w])\s+(?=(?:{_alternatives(('on', 'pada', 'le', 'am', 'op', 'em', 'el'))})\s)",
    re.IGNORECASE,
)


def split_inline_header(lines: list[str]) -> list[str]:
    """Put an "On ... wrote:" that shares a line with the reply on a line of its own."""
    out: list[str] = []
    for line in lines:
        if len(line) > 40 and not line.lstrip().startswith(">") and _ENDS_WITH_VERB.search(line):
            for m in _INLINE_LEAD_RE.finditer(line):
                rest = line[m.end():]
                if _is_header_sentence(rest) and _LEAD_VERB_RE.match(rest):
                    out.extend([line[: m.start()], rest])
                    break
            else:
                out.append(line)
        else:
            out.append(line)
    return out
