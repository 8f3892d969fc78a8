"""The quarterly evaluation as a document an office files and a Kepala Dinas signs: the
figures (domain.report) plus the respondent profile and sample, the analysis and follow-up
plan (this quarter's and the one carried from the quarter before), the letterhead and the
signatory. Pure: plain records in; who may write or approve a plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from . import skm
from .report import Report

#: the letterhead, as the service standard (Keputusan 09/KPTS/KUKM/2024) prints it
GOVERNMENT = "PEMERINTAH KOTA PALEMBANG"
OFFICE_NAME = "DINAS KOPERASI DAN USAHA KECIL DAN MENENGAH"
OFFICE_ADDRESS = "Jalan Merdeka No. 6 Palembang (30131) Telepon/Fax. 0711-373208"
OFFICE_EMAIL = "diskopukm2020@gmail.com"
TITLE = "Evaluasi Kinerja Pelayanan"
BASIS = ("Standar Pelayanan (Keputusan Kepala Dinas Nomor 09/KPTS/KUKM/2024): evaluasi "
         "kinerja pelaksana dilaksanakan 3 (tiga) bulan sekali; Survei Kepuasan Masyarakat "
         "menurut PermenPAN-RB Nomor 14 Tahun 2017.")

ALL_SCOPE = "SEMUA"
STATUS_LABELS = {"rencana": "Direncanakan", "berjalan": "Sedang berjalan",
                 "selesai": "Selesai", "batal": "Dibatalkan"}


@dataclass(frozen=True)
class Signatory:
    name: str
    position: str
    rank: str
    nip: str
    place: str


#: the standard's signer: the seeded default
DEFAULT_SIGNATORY = Signatory(
    name="Hj. Sulhijawati, SE., M. Si",
    position="Kepala Dinas Koperasi dan Usaha Kecil dan Menengah Kota Palembang",
    rank="Pembina Tingkat I",
    nip="19690325 199503 2 003",
    place="Palembang",
)


@dataclass(frozen=True)
class PlanAction:
    element_key: str | None
    element_label: str | None
    action: str
    owner: str
    target_date: date
    status: str
    progress: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class Review:
    """The analysis and plan of one quarter for one scope (a unit, or all units)."""

    period_key: str
    scope_name: str
    unit_code: str | None
    analysis: str
    actions: tuple[PlanAction, ...]
    is_approved: bool
    approved_by: str | None = None
    approved_dt: datetime | None = None


@dataclass
class Document:
    report: Report
    profile: skm.Profile
    previous_profile: skm.Profile | None
    sample: skm.Sample
    weakest: list[skm.Element]
    reviews: list[Review]
    previous_reviews: list[Review]
    signatory: Signatory
    #: the date the document is signed (the office's today)
    signed_on: date
    #: units' samples when more than one unit is in scope: (unit name, Sample)
    unit_samples: list[tuple[str, skm.Sample]] = field(default_factory=list)


# ------------------------------------------------------------------ who may write and approve

def may_write_review(role: str, user_unit: object | None, scope_unit: object | None) -> bool:
    """The kabid writes their own unit's analysis and plan; the kepala dinas any unit's and
    the office-wide one. Everyone else reads."""
    if role == "kepala_dinas":
        return True
    return role == "kabid" and user_unit is not None and scope_unit == user_unit


def may_approve_review(role: str) -> bool:
    """Only the kepala dinas approves (and so publishes) a plan."""
    return role == "kepala_dinas"


def bare_document(report: Report, signed_on: date) -> Document:
    """The document of a report with nothing written and no profile recorded."""
    f = report.overall.figures
    return Document(report=report, profile=skm.profile([]), previous_profile=None,
                    sample=skm.sample(f.answered, f.ikm.respondents),
                    weakest=skm.weakest(f.ikm), reviews=[], previous_reviews=[],
                    signatory=DEFAULT_SIGNATORY, signed_on=signed_on)
