"""Service texts in the reader's language: the admin's English where given, else Indonesian."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..models import Service

LANGUAGES = ("en",)
FIELDS = ("name", "summary", "fee", "product")

#: the standard's 14 component titles (fixed by PermenPAN-RB 15/2014), translated like the
#: rest of the interface
COMPONENT_TITLES = {
    "persyaratan": _l("Persyaratan"),
    "prosedur": _l("Sistem, Mekanisme dan Prosedur"),
    "jangka_waktu": _l("Jangka Waktu Pelayanan"),
    "biaya": _l("Biaya/Tarif"),
    "produk": _l("Produk Pelayanan"),
    "pengaduan": _l("Penanganan Pengaduan, Saran dan Masukan"),
    "dasar_hukum": _l("Dasar Hukum"),
    "sarana": _l("Sarana dan Prasarana, dan/atau Fasilitas"),
    "kompetensi": _l("Kompetensi Pelaksana"),
    "pengawasan_internal": _l("Pengawasan Internal"),
    "jumlah_pelaksana": _l("Jumlah Pelaksana"),
    "jaminan_pelayanan": _l("Jaminan Pelayanan"),
    "jaminan_keamanan": _l("Jaminan Keamanan dan Keselamatan Pelayanan"),
    "evaluasi_kinerja": _l("Evaluasi Kinerja Pelaksana"),
}


def text(service: Service | None, field: str, locale: str) -> str:
    """service.<field> in `locale`, falling back to the official Indonesian text."""
    if service is None:
        return ""
    official = getattr(service, field) or ""
    if locale == "id":
        return official
    return ((service.translations or {}).get(locale) or {}).get(field) or official


def component_title(component: dict, locale: str) -> str:
    if locale == "id":
        return component["title"]
    title = COMPONENT_TITLES.get(component["key"])
    return str(title) if title is not None else component["title"]


def component_body(service: Service, component: dict, locale: str) -> str:
    if locale == "id":
        return component["body"]
    bodies = ((service.translations or {}).get(locale) or {}).get("components") or {}
    return bodies.get(component["key"]) or component["body"]


def clean(english: dict | None) -> dict:
    """The admin's English texts without empty values (stored as {"en": ...})."""
    english = english or {}
    out = {f: (english.get(f) or "").strip() for f in FIELDS}
    out = {k: v for k, v in out.items() if v}
    bodies = {k: v.strip().replace("\r\n", "\n")
              for k, v in (english.get("components") or {}).items() if (v or "").strip()}
    if bodies:
        out["components"] = bodies
    return {"en": out} if out else {}
