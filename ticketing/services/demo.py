"""Demo tickets for `flask seed --demo`: a queue, a late request, answers and a survey."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..domain.ikm import ELEMENT_KEYS
from ..extensions import db
from ..models import Ticket, User
from . import intake, survey, tickets
from .intake import RequestData

DEMO_REQUESTS = (
    # (days ago, service, type, name, email, phone, subject, message)
    (6, "sertifikat-halal", "informasi", "Siti Aminah", "siti.aminah@example.com", None,
     "Sertifikat halal gratis untuk pempek",
     ("Saya punya usaha pempek rumahan di Kecamatan Ilir Timur I. Apakah bisa ikut sertifikasi "
     "halal gratis (SEHATI) jalur self declare? Apa saja syaratnya?")),
    (4, "hki", "informasi", "Budi Santoso", "budi.santoso@example.com", "081234567890",
     "Pendaftaran merek kerupuk kemplang",
     ("Bagaimana cara mendaftarkan merek untuk kerupuk kemplang saya dan berapa biayanya bagi "
     "usaha mikro?")),
    (3, "rekomendasi-izin-koperasi", "informasi", "Rina Marlina", "rina@example.com", None,
     "Rekomendasi izin usaha simpan pinjam",
     ("Koperasi kami (KSP Maju Bersama) ingin membuka unit simpan pinjam. Bagaimana prosedur "
     "rekomendasi izinnya dan dokumen apa yang perlu disiapkan?")),
    (2, "rekomendasi-izin-koperasi", "informasi", "Ahmad Fauzi", None, "081377788899",
     "Perubahan anggaran dasar koperasi",
     "Apakah perubahan anggaran dasar koperasi harus lewat notaris dan AHU? Mohon dihubungi."),
    (1, "pengaduan-umum", "pengaduan", "Dewi Lestari", "dewi@example.com", None,
     "Telepon kantor tidak diangkat",
     "Saya sudah tiga kali menelepon kantor pada jam kerja tetapi tidak ada yang mengangkat."),
    (0, "sertifikat-halal", "informasi", "Hendra Wijaya", "hendra@example.com", None,
     "Label halal pada kemasan",
     "Setelah sertifikat halal terbit, apakah label halal boleh langsung dicetak di kemasan?"),
    (0, "hki", "saran", "Maya Sari", "maya@example.com", None,
     "Saran: klinik HKI keliling",
     "Mohon diadakan klinik HKI di kecamatan agar pelaku UMKM tidak perlu datang ke kantor."),
)


def seed_demo_tickets(now: datetime) -> int:
    """Create the demo tickets once (nothing happens when any ticket exists). Commits."""
    if db.session.scalar(select(func.count()).select_from(Ticket)):
        return 0
    staff = {u.email: u for u in db.session.scalars(select(User))}
    created = []
    for i, (days, slug, kind, name, email, phone, subject, message) in enumerate(DEMO_REQUESTS):
        at = now - timedelta(days=days, hours=2)
        created.append(intake.open_request(RequestData(
            name=name, email=email, phone=phone, type=kind, service_slug=slug, subject=subject,
            message=message, channel="web" if i % 3 else "email", submission_key=f"demo-{i}"),
            at))
    pumk = staff.get("staf1.pumk@demo.diskopukm.id")
    kel = staff.get("staf1.kelembagaan@demo.diskopukm.id")
    if pumk is not None:
        # Answered, understood, and rated: shows the whole path and a survey in the report.
        answered = created[1]
        at = now - timedelta(days=3)
        tickets.claim(answered, pumk, at)
        tickets.reply(answered, pumk,
                      "Pendaftaran merek dilakukan secara daring di merek.dgip.go.id. Untuk usaha "
                      "mikro dan kecil tarifnya lebih rendah dengan surat keterangan UMK. Siapkan "
                      "etiket merek, data pemohon dan tanda tangan.", "selesai", at)
        intake.confirm_understanding(answered, True, "", at + timedelta(hours=1))
        survey.submit(answered, survey.Answers(scores=dict.fromkeys(ELEMENT_KEYS, 4),
                                               comment="Jawaban cepat dan jelas."),
                      at + timedelta(hours=2))
    if kel is not None:
        waiting = created[2]
        at = now - timedelta(days=2)
        tickets.claim(waiting, kel, at)
        tickets.reply(waiting, kel,
                      "Mohon kirimkan salinan akta pendirian dan pengesahan badan hukum (AHU) "
                      "koperasi Bapak/Ibu agar kami dapat memeriksa syarat rekomendasinya.",
                      "menunggu_pemohon", at)
    db.session.commit()
    return len(created)
