"""The citizen satisfaction index (Indeks Kepuasan Masyarakat) of PermenPAN-RB 14/2017.

Pure domain code. Every citizen rates the 9 elements (unsur) on 1-4. Per element the
average score (Nilai Rata-Rata, NRR) is sum / number of answers; each element weighs 1/9
(exactly: the regulation's 0.111 is a rounding of 1/9, kept here as a Fraction so the index
of all-4 answers is exactly 100, not 99.90); the index is the weighted sum x 25, i.e. the
mean NRR x 25, between 25 and 100.

The quality category is read from the index rounded to two decimals (half up), so the
regulation's printed intervals (A 88.31-100, B 76.61-88.30, C 65.00-76.60, D 25.00-64.99)
leave no gap: 88.305 rounds to 88.31 and is A; 88.3049 rounds to 88.30 and is B.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

#: (key, short label, question, answer labels 1..4) in the regulation's order of elements
ELEMENTS: tuple[tuple[str, str, str, tuple[str, str, str, str]], ...] = (
    ("persyaratan", "Persyaratan",
     ("Bagaimana pendapat Anda tentang kesesuaian persyaratan pelayanan dengan jenis "
      "pelayanannya?"),
     ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai")),
    ("prosedur", "Sistem, mekanisme dan prosedur",
     "Bagaimana pemahaman Anda tentang kemudahan prosedur pelayanan di unit ini?",
     ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah")),
    ("waktu", "Waktu penyelesaian",
     "Bagaimana pendapat Anda tentang kecepatan waktu dalam memberikan pelayanan?",
     ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat")),
    ("biaya", "Biaya/tarif",
     "Bagaimana pendapat Anda tentang kewajaran biaya/tarif dalam pelayanan?",
     ("Sangat mahal", "Cukup mahal", "Murah", "Gratis")),
    ("produk", "Produk spesifikasi jenis pelayanan",
     ("Bagaimana pendapat Anda tentang kesesuaian produk pelayanan antara yang tercantum "
      "dalam standar pelayanan dengan hasil yang diberikan?"),
     ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai")),
    ("kompetensi", "Kompetensi pelaksana",
     "Bagaimana pendapat Anda tentang kompetensi/kemampuan petugas dalam pelayanan?",
     ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten")),
    ("perilaku", "Perilaku pelaksana",
     ("Bagaimana pendapat Anda tentang perilaku petugas dalam pelayanan terkait kesopanan "
      "dan keramahan?"),
     ("Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah",
      "Sangat sopan dan ramah")),
    ("pengaduan", "Penanganan pengaduan, saran dan masukan",
     ("Bagaimana pendapat Anda tentang penanganan pengaduan, saran dan masukan pengguna "
      "layanan?"),
     ("Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal",
      "Dikelola dengan baik")),
    ("sarana", "Sarana dan prasarana",
     "Bagaimana pendapat Anda tentang kualitas sarana dan prasarana?",
     ("Buruk", "Cukup", "Baik", "Sangat baik")),
)
ELEMENT_KEYS: tuple[str, ...] = tuple(e[0] for e in ELEMENTS)
ELEMENT_LABELS: dict[str, str] = {e[0]: e[1] for e in ELEMENTS}
#: U1..U9, the regulation's column headers
ELEMENT_CODES: tuple[str, ...] = tuple(f"U{i}" for i in range(1, len(ELEMENTS) + 1))

WEIGHT = Fraction(1, len(ELEMENTS))
SCALE = 25
SCORES = (1, 2, 3, 4)

#: (lowest index of the category, code, label), best first; read on the 2-decimal index
CATEGORIES: tuple[tuple[Decimal, str, str], ...] = (
    (Decimal("88.31"), "A", "Sangat baik"),
    (Decimal("76.61"), "B", "Baik"),
    (Decimal("65.00"), "C", "Kurang baik"),
    (Decimal("25.00"), "D", "Tidak baik"),
)
_CENT = Decimal("0.01")


def round2(value: Fraction | Decimal | int) -> Decimal:
    """Half-up rounding to two decimals, exact from a Fraction (no float on the way)."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)


def category(index: Fraction | Decimal | int) -> tuple[str, str]:
    """(code, label) of an index value (25-100), judged on its 2-decimal rounding."""
    shown = round2(index)
    if shown < Decimal("25.00") or shown > Decimal("100.00"):
        raise ValueError(f"IKM di luar rentang 25-100: {shown}")
    for low, code, label in CATEGORIES:
        if shown >= low:
            return code, label
    raise AssertionError("unreachable: D starts at the lowest possible value")


NOT_ENOUGH = "belum cukup responden"


def is_publishable(result: Ikm, minimum: int) -> bool:
    """Enough respondents for the index to mean something (IKM_MIN_RESPONDENTS)."""
    return result.value is not None and result.respondents >= minimum


@dataclass(frozen=True)
class Ikm:
    """The index of a set of responses."""

    respondents: int
    #: per element: (sum of scores, number of answers); in ELEMENT_KEYS order
    sums: tuple[tuple[int, int], ...]

    @property
    def nrr(self) -> tuple[Fraction | None, ...]:
        """Average score per element (1-4), None for an element nobody answered."""
        return tuple(Fraction(s, n) if n else None for s, n in self.sums)

    @property
    def exact(self) -> Fraction | None:
        """The index as an exact fraction: sum of NRR x 1/9, x 25; None without answers."""
        nrr = self.nrr
        if self.respondents == 0 or any(v is None for v in nrr):
            return None
        return sum((v * WEIGHT for v in nrr), Fraction(0)) * SCALE

    @property
    def value(self) -> Decimal | None:
        """The index as published: two decimals."""
        exact = self.exact
        return None if exact is None else round2(exact)

    @property
    def category(self) -> str | None:
        exact = self.exact
        return None if exact is None else category(exact)[0]

    @property
    def label(self) -> str | None:
        exact = self.exact
        return None if exact is None else category(exact)[1]

    def nrr_value(self, i: int) -> Decimal | None:
        """NRR of element i rounded to 2 decimals (for tables)."""
        v = self.nrr[i]
        return None if v is None else round2(v)

    def element_index(self, i: int) -> Decimal | None:
        """Element i's NRR converted to 25-100 (NRR x 25), 2 decimals, for the charts."""
        v = self.nrr[i]
        return None if v is None else round2(v * SCALE)


def check_scores(scores: Sequence[int | None]) -> list[int]:
    """Indexes of the elements whose score is missing or not one of 1-4."""
    bad = [i for i, s in enumerate(scores)
           if not (isinstance(s, int) and not isinstance(s, bool) and s in SCORES)]
    if len(scores) != len(ELEMENTS):
        bad += list(range(len(scores), len(ELEMENTS)))
    return bad


def compute(responses: Iterable[Sequence[int | None]]) -> Ikm:
    """The index of responses, each a sequence of 9 scores (None: element not answered)."""
    rows = list(responses)
    for scores in rows:
        if len(scores) != len(ELEMENTS):
            raise ValueError(f"a response has {len(ELEMENTS)} scores, got {len(scores)}")
    sums = []
    # element by element (a column at a time): a quarter's responses are added up in every
    # group of the report
    for column in zip(*rows, strict=True) if rows else [() for _ in ELEMENTS]:
        answered = [score for score in column if score is not None]
        for score in set(answered) - set(SCORES):
            raise ValueError(f"score must be 1-4, got {score!r}")
        sums.append((sum(answered), len(answered)))
    return Ikm(respondents=len(rows), sums=tuple(sums))
