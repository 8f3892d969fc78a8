"""Canned answers: the seed texts, the picker on the ticket page and the ketua tim's edits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ..domain import permissions as perm
from ..extensions import db
from ..models import CannedAnswer, Service, Ticket, User
from . import audit

GREETING = "Yth. Bapak/Ibu {nama},\n\nTerima kasih atas permohonan Anda ({kode}). "
CLOSING = ("\n\nApabila masih ada yang belum jelas, silakan balas surel ini atau buka tautan "
           "pelacakan. Layanan ini gratis, tidak dipungut biaya.")

#: (service slug or None, title, body): the common questions of each service
SEED: tuple[tuple[str | None, str, str], ...] = (
    ("sertifikat-halal", "Sertifikat halal gratis (self declare/SEHATI)",
     GREETING + "Usaha mikro dan kecil dapat mengajukan sertifikat halal gratis melalui jalur "
     "pernyataan pelaku usaha (self declare) program SEHATI dari BPJPH, bila produknya tidak "
     "berisiko dan bahannya sudah dipastikan halal.\n\nLangkahnya:\n"
     "1. Pastikan usaha sudah memiliki NIB (Nomor Induk Berusaha) dari OSS: https://oss.go.id\n"
     "2. Buat akun pelaku usaha di SIHALAL: https://ptsp.halal.go.id\n"
     "3. Ajukan permohonan sertifikasi jalur self declare, isi data produk, bahan dan proses "
     "produksi, lalu pilih Pendamping Proses Produk Halal (PPH).\n"
     "4. Pendamping PPH memverifikasi dan memvalidasi pernyataan Anda (dapat berkunjung ke "
     "tempat produksi).\n"
     "5. Komite Fatwa Produk Halal menetapkan kehalalan produk.\n"
     "6. Sertifikat halal terbit dan dapat diunduh di akun SIHALAL Anda.\n\n"
     "Kuota SEHATI dibuka bertahap oleh BPJPH; pantau pengumuman di https://halal.go.id."
     + CLOSING),
    ("sertifikat-halal", "Syarat dokumen sertifikat halal",
     GREETING + "Dokumen yang disiapkan untuk pengajuan sertifikat halal jalur self declare:\n"
     "1. NIB (Nomor Induk Berusaha) dari OSS\n"
     "2. KTP pemilik usaha\n"
     "3. Daftar produk dan bahan yang digunakan (beserta merek/pemasok bahan)\n"
     "4. Alur proses produksi\n"
     "5. Manual Sistem Jaminan Produk Halal (SJPH) sederhana — Pendamping PPH membantu "
     "menyusunnya\n"
     "6. Foto produk, kemasan/label, dan tempat produksi\n\n"
     "Semua dokumen diunggah melalui SIHALAL: https://ptsp.halal.go.id" + CLOSING),
    ("hki", "Pendaftaran merek (DJKI)",
     GREETING + "Pendaftaran merek dilakukan secara daring di Direktorat Jenderal Kekayaan "
     "Intelektual (DJKI) Kementerian Hukum: https://merek.dgip.go.id\n\nLangkahnya:\n"
     "1. Cek dulu apakah merek serupa sudah terdaftar di https://pdki-indonesia.dgip.go.id\n"
     "2. Buat akun dan ajukan permohonan di https://merek.dgip.go.id\n"
     "3. Unggah label merek, KTP pemohon, dan surat pernyataan kepemilikan merek; pilih kelas "
     "barang/jasa yang sesuai\n"
     "4. Bayar PNBP sesuai kelas yang dipilih. Usaha mikro dan kecil mendapat tarif khusus "
     "dengan melampirkan surat keterangan/rekomendasi UMK binaan — surat ini dapat dimohon "
     "ke Bidang PUMK Dinas Koperasi dan UKM Kota Palembang.\n"
     "5. Pantau pemeriksaan formalitas, masa pengumuman dan pemeriksaan substantif melalui "
     "akun Anda sampai sertifikat merek terbit." + CLOSING),
    ("hki", "Hak cipta (e-Hak Cipta)",
     GREETING + "Pencatatan hak cipta (misalnya desain kemasan, logo sebagai karya seni, "
     "buku resep) dilakukan secara daring melalui https://e-hakcipta.dgip.go.id. Siapkan KTP, "
     "contoh ciptaan, dan surat pernyataan kepemilikan; surat pencatatan ciptaan terbit "
     "secara elektronik setelah pembayaran PNBP. Untuk melindungi nama/logo dagang, yang "
     "tepat adalah pendaftaran merek di https://merek.dgip.go.id." + CLOSING),
    ("rekomendasi-izin-koperasi", "Pendirian koperasi dan badan hukum (AHU)",
     GREETING + "Tahapan pendirian koperasi:\n"
     "1. Rapat pendirian oleh paling sedikit 9 (sembilan) orang pendiri untuk koperasi primer, "
     "menyepakati anggaran dasar, pengurus dan pengawas.\n"
     "2. Akta pendirian dibuat oleh Notaris Pembuat Akta Koperasi (NPAK).\n"
     "3. Notaris mengajukan pengesahan badan hukum koperasi melalui Sistem Administrasi "
     "Badan Hukum (AHU) Kementerian Hukum: https://ahu.go.id\n"
     "4. Setelah berbadan hukum, urus NIB melalui OSS: https://oss.go.id\n"
     "5. Daftarkan koperasi pada Online Data System (ODS) Kementerian Koperasi untuk "
     "memperoleh Nomor Induk Koperasi (NIK): https://ods.kemenkopukm.go.id\n\n"
     "Bidang Kelembagaan dan Pengawasan Koperasi dapat memberikan penyuluhan sebelum rapat "
     "pendirian." + CLOSING),
    ("rekomendasi-izin-koperasi", "Rekomendasi izin usaha simpan pinjam",
     GREETING + "Untuk rekomendasi izin usaha simpan pinjam koperasi, siapkan:\n"
     "1. Akta pendirian dan SK pengesahan badan hukum dari AHU\n"
     "2. NIB dari OSS dan Nomor Induk Koperasi (NIK) dari ODS\n"
     "3. Daftar anggota, pengurus dan pengawas beserta KTP\n"
     "4. Rencana kerja dan modal yang disetor\n"
     "5. Laporan Rapat Anggota Tahunan (RAT) terakhir bagi koperasi yang sudah berjalan\n\n"
     "Dokumen dapat dikirim sebagai lampiran balasan ini atau dibawa ke Bidang Kelembagaan "
     "dan Pengawasan Koperasi, Jalan Merdeka No. 6 Palembang." + CLOSING),
    ("rekomendasi-izin-koperasi", "Laporan RAT melalui ODS",
     GREETING + "Laporan Rapat Anggota Tahunan (RAT) disampaikan setiap tahun melalui akun "
     "koperasi di Online Data System (ODS): https://ods.kemenkopukm.go.id. Bila akun ODS "
     "koperasi belum aktif atau lupa kata sandi, sampaikan nama koperasi dan nomor badan "
     "hukumnya kepada kami agar dibantu." + CLOSING),
    (None, "Meminta kelengkapan data",
     GREETING + "Agar dapat kami tindak lanjuti, mohon lengkapi informasi berikut dengan "
     "membalas surel ini:\n1. \n2. \n\nSetelah data kami terima, permohonan Anda kami proses "
     "kembali." + CLOSING),
)


def seed_canned(now: datetime) -> int:
    """Create the seed answers that do not exist yet (by service and title). No commit."""
    created = 0
    services = {s.slug: s for s in db.session.scalars(select(Service))}
    for order, (slug, title, body) in enumerate(SEED):
        service = services.get(slug) if slug else None
        if slug and service is None:
            continue
        exists = db.session.scalar(select(CannedAnswer.id).where(
            CannedAnswer.title == title,
            CannedAnswer.service_id == service.id if service else
            CannedAnswer.service_id.is_(None)))
        if exists is None:
            # The office's common questions are published as its FAQ from the start.
            db.session.add(CannedAnswer(service=service, title=title, body=body, is_public=True,
                                        sort_order=order, created_dt=now, updated_dt=now))
            created += 1
    db.session.flush()
    return created


def for_ticket(ticket: Ticket) -> list[CannedAnswer]:
    """Active answers for the ticket's service, then the general ones."""
    return list(db.session.scalars(
        select(CannedAnswer)
        .where(CannedAnswer.is_active,
               or_(CannedAnswer.service_id.is_(None),
                   CannedAnswer.service_id == ticket.service_id))
        .order_by(CannedAnswer.service_id.is_(None), CannedAnswer.sort_order, CannedAnswer.id)
    ))


def can_edit(actor: User, service: Service | None) -> bool:
    return perm.can(actor.role, actor.unit_id, perm.CANNED,
                    service.unit_id if service is not None else None)


def editable_by(actor: User) -> list[CannedAnswer]:
    """Every answer the actor may edit (active or not), grouped by service."""
    rows = db.session.scalars(
        select(CannedAnswer).options(joinedload(CannedAnswer.service))
        .order_by(CannedAnswer.service_id, CannedAnswer.sort_order, CannedAnswer.id)).all()
    return [c for c in rows if can_edit(actor, c.service)]


def save(actor: User, canned: CannedAnswer | None, service: Service | None, title: str,
         body: str, is_active: bool, now: datetime, *, is_public: bool = False) -> CannedAnswer:
    """Create or change an answer (ketua tim and kabid of the service's unit, admin). No commit."""
    if not can_edit(actor, service) or (canned is not None and not can_edit(actor,
                                                                           canned.service)):
        raise PermissionError("tidak berhak mengubah jawaban siap layanan ini")
    created = canned is None
    if canned is None:
        canned = CannedAnswer(created_dt=now)
        db.session.add(canned)
    canned.service = service
    canned.title = title.strip()
    canned.body = body.strip()
    canned.is_active = is_active
    canned.is_public = is_public
    canned.updated_dt = now
    canned.updated_by = actor
    db.session.flush()
    audit.record(None, "canned_created" if created else "canned_updated", now, actor=actor,
                 new=canned.title, detail={"canned_id": canned.id, "public": is_public,
                                           "service": service.slug if service else None})
    db.session.flush()
    return canned
