"""The SKM (survei kepuasan masyarakat) beyond the index itself, after PermenPAN-RB 14/2017:
the respondent profile the questionnaire records, and the recommended sample size for the
number of people served. Pure: codes and counts in, counts and verdicts out.

The profile is optional for the citizen and only ever reported as counts per quarter (never
next to a response's comment, ticket or date), so it cannot point back to a person.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .ikm import ELEMENT_CODES, ELEMENT_KEYS, ELEMENT_LABELS, Ikm

#: (field, label, ((code, label), ...)) in the questionnaire's order
PROFILE_FIELDS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("sex", "Jenis kelamin", (("L", "Laki-laki"), ("P", "Perempuan"))),
    ("age_group", "Kelompok umur", (
        ("<20", "Di bawah 20 tahun"), ("20-29", "20-29 tahun"), ("30-39", "30-39 tahun"),
        ("40-49", "40-49 tahun"), ("50-59", "50-59 tahun"), ("60+", "60 tahun ke atas"))),
    ("education", "Pendidikan terakhir", (
        ("SD", "SD atau sederajat"), ("SMP", "SMP atau sederajat"),
        ("SMA", "SMA/SMK atau sederajat"), ("D1-D3", "D1, D2 atau D3"), ("D4-S1", "D4 atau S1"),
        ("S2", "S2"), ("S3", "S3"))),
    ("occupation", "Pekerjaan utama", (
        ("PNS", "PNS/ASN"), ("TNI", "TNI"), ("POLRI", "POLRI"), ("SWASTA", "Pegawai swasta"),
        ("WIRAUSAHA", "Wirausaha/pelaku UMKM"), ("PELAJAR", "Pelajar/mahasiswa"),
        ("LAINNYA", "Lainnya"))),
)
PROFILE_KEYS: tuple[str, ...] = tuple(f[0] for f in PROFILE_FIELDS)
PROFILE_CHOICES: dict[str, dict[str, str]] = {f[0]: dict(f[2]) for f in PROFILE_FIELDS}
NOT_STATED = "Tidak diisi"


def check_profile(profile: dict[str, str | None]) -> dict[str, str]:
    """Field -> Indonesian message for a value that is not one of the choices (empty is fine:
    every question of the profile is optional)."""
    errors = {}
    for key, label, _ in PROFILE_FIELDS:
        value = profile.get(key)
        if value not in (None, "") and value not in PROFILE_CHOICES[key]:
            errors[key] = (f"Pilihan {label.lower()} tidak dikenal; pilih dari daftar atau "
                           "kosongkan.")
    return errors


@dataclass(frozen=True)
class Profile:
    """Counts of a set of responses per profile field and choice (None: not stated)."""

    respondents: int
    counts: dict[str, dict[str | None, int]]

    def count(self, key: str, code: str | None) -> int:
        return self.counts.get(key, {}).get(code, 0)


def profile(rows: Iterable[Sequence[str | None]]) -> Profile:
    """rows: (sex, age_group, education, occupation) per response, None when not stated."""
    counters = {key: Counter() for key in PROFILE_KEYS}
    n = 0
    for row in rows:
        n += 1
        for key, value in zip(PROFILE_KEYS, row, strict=False):
            counters[key][value if value in PROFILE_CHOICES[key] else None] += 1
    return Profile(n, {key: dict(c) for key, c in counters.items()})


# ------------------------------------------------------------------ sample size

#: (population N, recommended sample n): the sample-size table of PermenPAN-RB 14/2017
#: (Krejcie and Morgan, 95% confidence, 5% margin)
SAMPLE_TABLE: tuple[tuple[int, int], ...] = (
    (10, 10), (15, 14), (20, 19), (25, 24), (30, 28), (35, 32), (40, 36), (45, 40), (50, 44),
    (55, 48), (60, 52), (65, 56), (70, 59), (75, 63), (80, 66), (85, 70), (90, 73), (95, 76),
    (100, 80), (110, 86), (120, 92), (130, 97), (140, 103), (150, 108), (160, 113),
    (170, 118), (180, 123), (190, 127), (200, 132), (210, 136), (220, 140), (230, 144),
    (240, 148), (250, 152), (260, 155), (270, 159), (280, 162), (290, 165), (300, 169),
    (320, 175), (340, 181), (360, 186), (380, 191), (400, 196), (420, 201), (440, 205),
    (460, 210), (480, 214), (500, 217), (550, 226), (600, 234), (650, 242), (700, 248),
    (750, 254), (800, 260), (850, 265), (900, 269), (950, 274), (1000, 278), (1100, 285),
    (1200, 291), (1300, 297), (1400, 302), (1500, 306), (1600, 310), (1700, 313),
    (1800, 317), (1900, 320), (2000, 322), (2200, 327), (2400, 331), (2600, 335),
    (2800, 338), (3000, 341), (3500, 346), (4000, 351), (4500, 354), (5000, 357),
    (6000, 361), (7000, 364), (8000, 367), (9000, 368), (10000, 370), (15000, 375),
    (20000, 377), (30000, 379), (40000, 380), (50000, 381), (75000, 382), (100000, 384),
)
_POPULATIONS = [n for n, _ in SAMPLE_TABLE]


def minimum_sample(population: int) -> int:
    """The recommended number of respondents for `population` people served: the table's
    row for that population, or for the next larger one listed (never fewer than the table
    asks); everyone when fewer than 10; 384 above 100,000."""
    if population <= 0:
        return 0
    if population < SAMPLE_TABLE[0][0]:
        return population
    i = bisect_left(_POPULATIONS, population)
    return SAMPLE_TABLE[min(i, len(SAMPLE_TABLE) - 1)][1]


@dataclass(frozen=True)
class Sample:
    population: int
    respondents: int
    minimum: int

    @property
    def is_sufficient(self) -> bool:
        return self.respondents >= self.minimum and self.respondents > 0

    @property
    def verdict(self) -> str:
        if self.respondents == 0:
            return "Belum ada responden: IKM dan mutu pelayanan belum dapat ditetapkan."
        if self.is_sufficient:
            return (f"Sampel memenuhi jumlah minimum ({self.respondents} dari minimal "
                    f"{self.minimum} responden): IKM dan mutunya dapat dijadikan dasar "
                    "penilaian.")
        return (f"Sampel terlalu kecil ({self.respondents} dari minimal {self.minimum} "
                f"responden untuk {self.population} penerima layanan): IKM hanya indikatif, "
                "mutu pelayanan belum dapat ditetapkan.")


def sample(population: int, respondents: int) -> Sample:
    return Sample(population, respondents, minimum_sample(population))


# ------------------------------------------------------------------ weakest elements

@dataclass(frozen=True)
class Element:
    code: str
    key: str
    label: str
    nrr: Decimal
    index: Decimal


def weakest(result: Ikm, count: int = 3) -> list[Element]:
    """The `count` elements with the lowest NRR (ties in the regulation's order)."""
    rated = [Element(ELEMENT_CODES[i], key, ELEMENT_LABELS[key], result.nrr_value(i),
                     result.element_index(i))
             for i, key in enumerate(ELEMENT_KEYS) if result.nrr[i] is not None]
    return sorted(rated, key=lambda e: (e.nrr, ELEMENT_KEYS.index(e.key)))[:count]
