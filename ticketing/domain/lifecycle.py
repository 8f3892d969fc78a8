"""Ticket statuses and the one table of allowed transitions."""

from __future__ import annotations

STATUSES = ("baru", "diproses", "menunggu_pemohon", "selesai", "ditutup")

#: Human labels (Indonesian) for each status.
STATUS_LABELS = {
    "baru": "Baru",
    "diproses": "Sedang diproses",
    "menunggu_pemohon": "Menunggu tanggapan pemohon",
    "selesai": "Selesai dijawab",
    "ditutup": "Ditutup",
}

#: from -> allowed destinations. "selesai" means the substantive answer was given;
#: "ditutup" is final but staff may reopen it.
TRANSITIONS: dict[str, frozenset[str]] = {
    "baru": frozenset({"diproses", "menunggu_pemohon", "selesai", "ditutup"}),
    "diproses": frozenset({"menunggu_pemohon", "selesai", "ditutup"}),
    "menunggu_pemohon": frozenset({"diproses", "selesai", "ditutup"}),
    "selesai": frozenset({"diproses", "ditutup"}),
    "ditutup": frozenset({"diproses"}),
}

OPEN_STATUSES = frozenset({"baru", "diproses", "menunggu_pemohon"})
#: statuses in which the SLA clock runs (menunggu_pemohon pauses it)
CLOCK_RUNNING = frozenset({"baru", "diproses"})


class TransitionError(ValueError):
    """A status change the lifecycle does not allow."""


def can_transition(old: str, new: str) -> bool:
    return new in TRANSITIONS.get(old, frozenset())


def check_transition(old: str, new: str) -> None:
    """Raise TransitionError unless old -> new is allowed."""
    if new not in STATUSES:
        raise TransitionError(f"status tidak dikenal: {new}")
    if not can_transition(old, new):
        raise TransitionError(
            f"status tidak dapat diubah dari {STATUS_LABELS.get(old, old)} "
            f"ke {STATUS_LABELS[new]}"
        )
