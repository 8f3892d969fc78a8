"""Keyword routing of an incoming request to the unit that handles it.

Units of the Dinas Koperasi dan UKM Kota Palembang public-service desk:

* ``PUMK`` - micro-business empowerment: halal certification (SEHATI / self
  declare, SIHALAL, BPJPH, LPH, P3H...) and intellectual property for micro
  businesses (merek/trademarks, hak cipta, desain industri, paten; DJKI, PDKI);
* ``KELEMBAGAAN`` - cooperative institutions: establishment and legal entity
  (akta pendirian, anggaran dasar, AHU), NIK koperasi / ODS, RAT, SHU, savings
  and loan (KSP/USP) permits and recommendations, dissolution...

Scoring: every rule is a word or phrase with a weight; it is matched on whole
words, case-insensitively, against the subject (counts :data:`SUBJECT_FACTOR`
times) and the body.  Longer phrases are matched first and consume their words,
so "sertifikat halal" is not counted again as "halal", "NIK koperasi" not again
as "koperasi", and a *neutral* phrase (unit ``None``) such as "Dinas Koperasi"
in a greeting or signature consumes "koperasi" without scoring.  Generic rules
("koperasi", "pengurus") only count when no other unit has a specific match, so
a cooperative asking about halal certification or a trademark goes to PUMK.
The best unit wins when it reaches :data:`THRESHOLD` and leads the runner-up by
:data:`MARGIN`; otherwise the decision is ``None`` (manual triage).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = [
    "DEFAULT_RULES",
    "KELEMBAGAAN",
    "MARGIN",
    "PUMK",
    "SUBJECT_FACTOR",
    "THRESHOLD",
    "RoutingDecision",
    "Rule",
    "normalize_text",
    "route",
]

PUMK = "PUMK"
KELEMBAGAAN = "KELEMBAGAAN"

THRESHOLD = 3.0  # one strong term in the body, or a medium one in the subject
MARGIN = 2.0  # lead needed over the runner-up
SUBJECT_FACTOR = 2.0  # the subject says what the mail is about


@dataclass(frozen=True)
class Rule:
    """A keyword or phrase pointing to ``unit`` (``None``: neutral, only masks words)."""

    unit: str | None
    phrase: str
    weight: float = 2.0
    generic: bool = False  # counts only when no other unit has a specific match


@dataclass
class RoutingDecision:
    """Outcome of :func:`route`."""

    unit: str | None
    score_by_unit: dict[str, float] = field(default_factory=dict)
    matched: dict[str, list[str]] = field(default_factory=dict)  # unit -> phrases, in order found
    reason: str = ""


def _rules(unit: str | None, weight: float, phrases: str, generic: bool = False) -> list[Rule]:
    return [Rule(unit, p.strip(), weight, generic) for p in phrases.split(",") if p.strip()]


DEFAULT_RULES: list[Rule] = [
    # --- neutral phrases: the office's own name appears in greetings/signatures ---
    *_rules(
        None,
        0,
        "dinas koperasi dan ukm, dinas koperasi usaha kecil dan menengah, dinas koperasi ukm,"
        "dinas koperasi, diskop, diskop ukm, diskopukm, kementerian koperasi, "
        "kementerian koperasi dan ukm,"
        "kemenkop, kemenkopukm, kemenkop ukm, koperasi dan ukm, koperasi dan usaha kecil",
    ),
    # --- PUMK: halal certification ---
    *_rules(
        PUMK,
        4,
        "sertifikat halal, sertifikasi halal, sehati, self declare, sihalal, si halal, bpjph,"
        "label halal, logo halal, pendamping pph, pendamping proses produk halal, p3h, lp3h, lph,"
        "lembaga pemeriksa halal, lembaga pendamping proses produk halal, jaminan produk halal,"
        "produk halal, proses produk halal, halal gratis, nib halal, ketetapan halal, fatwa halal",
    ),
    *_rules(PUMK, 3, "halal, mui, ptsp halal, nomor sertifikat halal"),
    # --- PUMK: intellectual property (HKI) ---
    *_rules(
        PUMK,
        4,
        "hki, haki, hak kekayaan intelektual, kekayaan intelektual, djki, pdki, hak cipta,"
        "desain industri, merek dagang, merek jasa, pendaftaran merek, daftar merek, hak merek,"
        "sertifikat merek, permohonan merek, indikasi geografis, rahasia dagang, paten sederhana",
    ),
    *_rules(PUMK, 3, "merek, merk, paten, logo usaha"),
    *_rules(PUMK, 2, "brand, kemasan produk", generic=True),
    # --- PUMK: generic micro-business words ---
    *_rules(PUMK, 1, "umkm, ukm, usaha mikro, pelaku usaha mikro, produk umkm", generic=True),
    # --- KELEMBAGAAN: cooperatives ---
    *_rules(
        KELEMBAGAAN,
        4,
        "nik koperasi, nomor induk koperasi, ods, online data system, odskop,"
        "rat, rapat anggota tahunan, rapat anggota, laporan rat,"
        "izin usaha simpan pinjam, izin usaha koperasi, rekomendasi izin, rekomendasi koperasi,"
        "akta pendirian, akta pendirian koperasi, pendirian koperasi, mendirikan koperasi,"
        "pembentukan koperasi, anggaran dasar, anggaran rumah tangga, perubahan anggaran dasar,"
        "pad koperasi, badan hukum koperasi, pengesahan badan hukum, ahu, ahu online,"
        "sisminbakum, notaris pembuat akta koperasi, npak, shu, sisa hasil usaha,"
        "pembubaran koperasi, pembubaran, penggabungan koperasi, peleburan koperasi,"
        "koperasi tidak aktif, kesehatan koperasi, penilaian kesehatan koperasi, "
        "kartu anggota koperasi",
    ),
    *_rules(KELEMBAGAAN, 3, "simpanan pokok, simpanan wajib, simpanan sukarela"),
    # Generic: they mostly say who is writing (a cooperative, a KSP), not what
    # about; a cooperative asking about halal certification or a trademark is a
    # PUMK matter.  Alone, they still route to KELEMBAGAAN.
    *_rules(
        KELEMBAGAAN,
        3,
        "koperasi, pengurus koperasi, pengawas koperasi, anggota koperasi, ksp, usp, kspps, uspps,"
        "koperasi simpan pinjam, unit simpan pinjam, simpan pinjam, koperasi merah putih, kopdes,"
        "koperasi desa, koperasi kelurahan",
        generic=True,
    ),
    *_rules(KELEMBAGAAN, 2, "badan hukum, rekomendasi", generic=True),
    *_rules(KELEMBAGAAN, 1, "pengurus, pengawas, anggota, simpanan", generic=True),
]


_TOKEN_RE = re.compile(r"[0-9a-z]+")


def normalize_text(text: str) -> list[str]:
    """Lowercase word tokens; accents folded, punctuation/hyphens split words.

    The enclitic "-nya" is split off long words ("koperasinya" -> "koperasi"),
    because whole-word matching would otherwise miss the commonest Indonesian form.
    """
    folded = (
        unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii").lower()
    )
    tokens: list[str] = []
    for tok in _TOKEN_RE.findall(folded):
        if len(tok) > 6 and tok.endswith("nya"):
            tok = tok[:-3]
        tokens.append(tok)
    return tokens


@lru_cache(maxsize=8)
def _phrase_tokens(rules: tuple[Rule, ...]) -> list[tuple[tuple[str, ...], Rule]]:
    """Rules as token tuples, longest first (ties: heavier first). Kept per set of rules:
    the same rules route every request until an admin edits them."""
    items = [(tuple(normalize_text(r.phrase)), r) for r in rules]
    items = [(t, r) for t, r in items if t]
    items.sort(key=lambda tr: (-len(tr[0]), -tr[1].weight))
    return items


def _match(tokens: list[str], phrases: list[tuple[tuple[str, ...], Rule]]) -> list[Rule]:
    """Rules found in ``tokens``; each token is consumed by the longest phrase covering it."""
    used = [False] * len(tokens)
    found: list[Rule] = []
    index: dict[str, list[int]] = {}
    for i, tok in enumerate(tokens):
        index.setdefault(tok, []).append(i)
    for ptoks, rule in phrases:
        n = len(ptoks)
        hit = False
        for start in index.get(ptoks[0], []):
            if start + n > len(tokens) or any(used[start : start + n]):
                continue
            if tuple(tokens[start : start + n]) == ptoks:
                for k in range(start, start + n):
                    used[k] = True
                hit = True
        if hit:
            found.append(rule)
    return found


def route(subject: str, body: str, rules: list[Rule] | None = None) -> RoutingDecision:
    """Pick the unit for a request from its subject and body (pass the new text, not quotes)."""
    rules = DEFAULT_RULES if rules is None else rules
    phrases = _phrase_tokens(tuple(rules))
    units = sorted({r.unit for r in rules if r.unit})
    in_subject = _match(normalize_text(subject), phrases)
    in_body = _match(normalize_text(body), phrases)

    specific_units = {
        r.unit for r in in_subject + in_body if r.unit and not r.generic and r.weight > 0
    }
    scores: dict[str, float] = dict.fromkeys(units, 0.0)
    matched: dict[str, list[str]] = {u: [] for u in units}
    for found, factor in ((in_subject, SUBJECT_FACTOR), (in_body, 1.0)):
        for rule in found:
            if not rule.unit or rule.weight <= 0:
                continue
            # Generic words ("koperasi") lose to another unit's topic terms.
            if rule.generic and (specific_units - {rule.unit}):
                continue
            scores[rule.unit] = scores.get(rule.unit, 0.0) + rule.weight * factor
            if rule.phrase not in matched.setdefault(rule.unit, []):
                matched[rule.unit].append(rule.phrase)

    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    if not ranked or ranked[0][1] <= 0:
        return RoutingDecision(
            None, scores, matched, "tidak ada kata kunci yang dikenali; perlu dipilah manual"
        )
    best_unit, best = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    words = ", ".join(matched[best_unit])
    if best < THRESHOLD:
        return RoutingDecision(
            None, scores, matched, f"kata kunci terlalu lemah ({words}); perlu dipilah manual"
        )
    if best - runner_up < MARGIN:
        summary = "; ".join(f"{u}: {', '.join(matched[u])}" for u, s in ranked if s > 0)
        return RoutingDecision(
            None,
            scores,
            matched,
            f"kata kunci untuk lebih dari satu unit ({summary}); perlu dipilah manual",
        )
    return RoutingDecision(best_unit, scores, matched, f"kata kunci: {words}")
