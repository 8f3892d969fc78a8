"""The service catalogue from decree 09/KPTS/KUKM/2024, and `flask seed`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Service, Unit, User
from . import audit, process_cache

DECREE = "Keputusan Kepala Dinas Koperasi dan UKM Kota Palembang Nomor 09/KPTS/KUKM/2024"
COMPLAINT_EMAIL = "diskopukm2020@gmail.com"

DASAR_HUKUM = (
    "Undang-Undang Nomor 14 Tahun 2008 tentang Keterbukaan Informasi Publik\n"
    "Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik (Lembaran Negara Republik "
    "Indonesia Tahun 2009 Nomor 112, Tambahan Lembaran Negara Republik Indonesia Nomor 5038)\n"
    "Peraturan Menteri Pendayagunaan Aparatur Negara dan Reformasi Birokrasi Republik Indonesia "
    "Nomor 15 Tahun 2014 tentang Pedoman Standar Pelayanan\n"
    "Peraturan Pemerintah Nomor 96 Tahun 2012 tentang Pelaksanaan Undang-Undang Nomor 25 Tahun "
    "2009 tentang Pelayanan Publik"
)

PROSEDUR_LISAN = (
    "A. Permohonan informasi secara lisan kepada petugas\n"
    "1. Masyarakat mendatangi petugas\n"
    "2. Petugas menanyakan hal informasi yang dibutuhkan oleh masyarakat\n"
    "3. Petugas memberikan informasi kepada masyarakat\n"
    "4. Petugas menanyakan kepada masyarakat/pemohon apakah sudah memahami informasi yang "
    "diberikan\n"
    "5. Petugas menjelaskan kembali informasi yang belum dipahami oleh masyarakat\n"
    "6. Petugas tidak mengulangi informasi yang dijelaskan apabila informasi sudah dipahami\n"
    "7. Petugas memastikan pemahaman pemohon dengan metode umpan balik"
)


def _management(staff_count: int) -> list[dict]:
    """The 8 management components; identical for both units except the staff count."""
    body = {
        "dasar_hukum": DASAR_HUKUM,
        "sarana": "Komputer\nPrinter, dan lain-lain",
        "kompetensi": "Tenaga pelaksana minimal D3 sederajat semua jurusan",
        "pengawasan_internal": (
            "Dilaksanakan oleh SPI (Satuan Pengawas Internal) yang terdiri dari:\n"
            "1. Kabid\n2. Ketua Tim\n3. Staf"
        ),
        "jumlah_pelaksana": f"{staff_count} orang staf",
        "jaminan_pelayanan": (
            "Keputusan Nomor 09/KPTS/KUKM/2024 tentang Pemberlakuan Standar Pelayanan Minimal di "
            "Lingkungan Dinas Koperasi dan UKM Kota Palembang"
        ),
        "jaminan_keamanan": "-",
        "evaluasi_kinerja": "Evaluasi dilaksanakan 3 (tiga) bulan sekali.",
    }
    return [
        {"key": key, "title": title, "body": body[key], "group": "pengelolaan"}
        for key, title in MANAGEMENT_TITLES
    ]


DELIVERY_TITLES = (
    ("persyaratan", "Persyaratan"),
    ("prosedur", "Sistem, Mekanisme dan Prosedur"),
    ("jangka_waktu", "Jangka Waktu Pelayanan"),
    ("biaya", "Biaya/Tarif"),
    ("produk", "Produk Pelayanan"),
    ("pengaduan", "Penanganan Pengaduan, Saran dan Masukan"),
)
MANAGEMENT_TITLES = (
    ("dasar_hukum", "Dasar Hukum"),
    ("sarana", "Sarana dan Prasarana, dan/atau Fasilitas"),
    ("kompetensi", "Kompetensi Pelaksana"),
    ("pengawasan_internal", "Pengawasan Internal"),
    ("jumlah_pelaksana", "Jumlah Pelaksana"),
    ("jaminan_pelayanan", "Jaminan Pelayanan"),
    ("jaminan_keamanan", "Jaminan Keamanan dan Keselamatan Pelayanan"),
    ("evaluasi_kinerja", "Evaluasi Kinerja Pelaksana"),
)
COMPONENT_KEYS = tuple(k for k, _ in DELIVERY_TITLES) + tuple(k for k, _ in MANAGEMENT_TITLES)


def _delivery(persyaratan: str, prosedur: str, jangka: str, biaya: str) -> list[dict]:
    body = {
        "persyaratan": persyaratan,
        "prosedur": prosedur,
        "jangka_waktu": jangka,
        "biaya": biaya,
        "produk": "Pelayanan Informasi",
        "pengaduan": f"Email: {COMPLAINT_EMAIL}",
    }
    return [
        {"key": key, "title": title, "body": body[key], "group": "pelayanan"}
        for key, title in DELIVERY_TITLES
    ]


UNITS = (
    {
        "code": "PUMK",
        "name": "Bidang Pemberdayaan Usaha Mikro Kecil",
        "short_name": "Bidang PUMK",
        "staff_count": 8,
        "sort_order": 1,
    },
    {
        "code": "KELEMBAGAAN",
        "name": "Bidang Kelembagaan dan Pengawasan Koperasi",
        "short_name": "Bidang Kelembagaan",
        "staff_count": 3,
        "sort_order": 2,
    },
)

PROSEDUR_PUMK = (
    PROSEDUR_LISAN + "\n\nB. Permohonan informasi melalui WhatsApp/Email\n"
    "1. Sertifikat Halal\n2. HKI (Hak Kekayaan Intelektual)"
)

def _pumk_components() -> list[dict]:
    """Halal and HKI share one standard in the decree (Bidang PUMK)."""
    return _delivery(
        "Pengguna layanan pembuatan sertifikat halal dan HKI",
        PROSEDUR_PUMK,
        "Waktu pelayanan informasi ± 1 hari kerja",
        "Gratis, tidak dipungut biaya",
    ) + _management(8)


SERVICES = (
    {
        "slug": "sertifikat-halal",
        "unit": "PUMK",
        "name": "Informasi Sertifikasi Halal",
        "summary": "Pertanyaan tentang pembuatan sertifikat halal bagi usaha mikro dan kecil "
        "(self declare/SEHATI, SIHALAL, pendamping PPH).",
        "target_days": Decimal("1"),
        "components": _pumk_components,
        "sort_order": 1,
    },
    {
        "slug": "hki",
        "unit": "PUMK",
        "name": "Informasi Hak Kekayaan Intelektual (HKI)",
        "summary": "Pertanyaan tentang pendaftaran merek, hak cipta dan HKI lainnya bagi usaha "
        "mikro dan kecil.",
        "target_days": Decimal("1"),
        "components": _pumk_components,
        "sort_order": 2,
    },
    {
        "slug": "rekomendasi-izin-koperasi",
        "unit": "KELEMBAGAAN",
        "name": "Informasi Rekomendasi Izin Koperasi",
        "summary": "Pertanyaan tentang rekomendasi izin koperasi, kelembagaan dan pengawasan "
        "koperasi.",
        "target_days": Decimal("2"),
        "components": lambda: _delivery(
            "Pengguna layanan rekomendasi izin koperasi",
            PROSEDUR_LISAN,
            "± 2 hari kerja",
            "Gratis",
        ) + _management(3),
        "sort_order": 3,
    },
    {
        "slug": "pengaduan-umum",
        "unit": None,
        "name": "Pengaduan, Saran dan Masukan Umum",
        "summary": "Pengaduan, saran atau masukan tentang pelayanan Dinas Koperasi dan UKM yang "
        "tidak termasuk layanan di atas. Diteruskan ke bidang yang berwenang.",
        # Not in the decree: the longer of the two units' targets, so no unit is held to less.
        "target_days": Decimal("2"),
        "components": lambda: _delivery(
            "Tidak ada persyaratan khusus; cukup identitas dan kontak yang dapat dihubungi",
            "1. Pemohon menyampaikan pengaduan, saran atau masukan melalui formulir, email atau "
            "datang langsung\n2. Petugas meneruskan ke bidang yang berwenang\n"
            "3. Bidang menindaklanjuti dan menjawab pemohon\n"
            "4. Petugas memastikan pemahaman pemohon dengan metode umpan balik",
            "± 2 hari kerja",
            "Gratis",
        ) + _management(11),
        "sort_order": 4,
    },
)


def seed_catalogue() -> dict:
    """Create or update units and services from the decree (idempotent). No commit."""
    created = updated = 0
    units: dict[str, Unit] = {}
    for data in UNITS:
        unit = db.session.scalar(select(Unit).where(Unit.code == data["code"]))
        if unit is None:
            unit = Unit(**data)
            db.session.add(unit)
            created += 1
        else:
            for key, value in data.items():
                setattr(unit, key, value)
        units[data["code"]] = unit
    db.session.flush()
    for data in SERVICES:
        values = dict(data)
        values["components"] = values["components"]()
        unit_code = values.pop("unit")
        values["unit_id"] = units[unit_code].id if unit_code else None
        service = db.session.scalar(select(Service).where(Service.slug == values["slug"]))
        if service is None:
            db.session.add(Service(**values))
            created += 1
        else:
            # The admin owns a service once it exists (texts, target, active flag): a re-seed
            # only adds components the stored standard lacks, never overwrites an edit.
            have = {c.get("key") for c in service.components or []}
            missing = [c for c in values["components"] if c["key"] not in have]
            if missing:
                order = {key: i for i, key in enumerate(COMPONENT_KEYS)}
                service.components = sorted(list(service.components or []) + missing,
                                            key=lambda c: order.get(c["key"], 99))
                updated += 1
    db.session.flush()
    forget()
    return {"created": created, "updated": updated}


def update_service(service: Service, now: datetime, *, actor: User, name: str, summary: str,
                   is_active: bool, bodies: dict[str, str],
                   english: dict | None = None) -> list[str]:
    """An admin edits a service's published standard. Audited per field; no commit.

    Returns the names of what changed. Every one of the 14 components must keep some text
    ("-" where the decree has none), since the standard must publish all of them.
    """
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Nama layanan wajib diisi."
    for key in COMPONENT_KEYS:
        if not (bodies.get(key) or "").strip():
            errors[key] = "Isi komponen ini (tulis - bila memang tidak ada)."
    if errors:
        raise CatalogueError(errors)
    changed = []
    for field, value in (("name", name), ("summary", (summary or "").strip()),
                         ("is_active", bool(is_active))):
        if getattr(service, field) != value:
            audit.record(None, "catalogue", now, actor=actor, old=getattr(service, field),
                         new=value, detail={"service": service.slug, "field": field})
            setattr(service, field, value)
            changed.append(field)
    components = []
    for component in service.components or []:
        body = bodies.get(component["key"], component["body"]).strip().replace("\r\n", "\n")
        if body != component["body"]:
            audit.record(None, "catalogue", now, actor=actor, old=component["body"], new=body,
                         detail={"service": service.slug, "field": component["key"]})
            changed.append(component["key"])
        components.append({**component, "body": body})
    service.components = components  # a new list, so the JSON column is seen as changed
    if english is not None:
        from .localized import clean

        translations = clean(english)
        if translations != (service.translations or {}):
            audit.record(None, "catalogue", now, actor=actor, new="en",
                         detail={"service": service.slug, "field": "translations"})
            service.translations = translations
            changed.append("translations")
    db.session.flush()
    if changed:
        forget()
    return changed


class CatalogueError(ValueError):
    """Input an admin must correct; `errors` maps field -> Indonesian message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


# ------------------------------------------------------------------ the active list, cached

@dataclass(frozen=True)
class ServiceEntry:
    """An active service as the intake form and API need it (plain values, any session)."""

    id: int
    slug: str
    name: str
    translations: dict | None
    unit_id: int | None
    unit_code: str | None


def active_services() -> tuple[ServiceEntry, ...]:
    """The active services in display order.

    Kept per process (per app) for CATALOGUE_CACHE_SECONDS, like the office calendar: every
    intake needs it and the admin changes it rarely. An edit through this module forgets it
    at once in this process; other processes see it within that time.
    """
    return _active()[0]


def active_slugs():
    """The active services' slugs (a set-like view of this process's copy)."""
    return _active()[1].keys()


def active_service(slug: str) -> ServiceEntry | None:
    return next((s for s in active_services() if s.slug == slug), None)


def intake_service(slug: str) -> Service | None:
    """The active service `slug` with its unit, for a new ticket: this process's copy,
    detached (read it, or put it into a session with merge(load=False), which asks
    nothing); None when the copy does not know it."""
    return _active()[1].get(slug)


def _active() -> tuple[tuple[ServiceEntry, ...], dict[str, Service]]:
    return process_cache.kept("service_catalogue",
                              current_app.config.get("CATALOGUE_CACHE_SECONDS", 60),
                              _read_active)


def _read_active() -> tuple[tuple[ServiceEntry, ...], dict[str, Service]]:
    # Read in a session of its own: the copies outlive this request, detached, and a service
    # this request already holds (an admin edit under way) is left alone.
    with db.session.session_factory() as session:
        services = session.scalars(
            select(Service).options(joinedload(Service.unit)).where(Service.is_active)
            .order_by(Service.sort_order, Service.id)).unique().all()
    entries = tuple(ServiceEntry(s.id, s.slug, s.name, s.translations, s.unit_id,
                                 s.unit.code if s.unit else None) for s in services)
    return entries, {s.slug: s for s in services}


# a committed change to a service or unit (an admin edit, a new SLA target, the seed)
process_cache.forget_on_commit("service_catalogue", Service, Unit)


def forget() -> None:
    """Drop this process's copy of the active list (after an edit)."""
    process_cache.forget("service_catalogue")
