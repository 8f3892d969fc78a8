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


# ------------------------------------------------------------------ the citizen's side

#: statuses that can only be reached together with a public message to the citizen:
#: "selesai" with the answer, "menunggu_pemohon" with what is needed from them (issue 10)
NEEDS_PUBLIC_MESSAGE: dict[str, str] = {
    "selesai": ("Status Selesai hanya dapat dipilih bersama jawaban untuk pemohon: tulis "
                "jawabannya di kolom Jawab pemohon."),
    "menunggu_pemohon": ("Status Menunggu pemohon hanya dapat dipilih bersama pesan yang "
                         "menjelaskan apa yang dibutuhkan dari pemohon: tulis di kolom Jawab "
                         "pemohon."),
}

#: who made a change, for the notification rules
STAFF, CITIZEN, SCHEDULER = "petugas", "pemohon", "sistem"

#: what the citizen is told (templates email/notice_<kind>, whatsapp/notice_<kind>)
ANSWERED, WAITING, MESSAGE = "answered", "waiting", "message"
TRANSFERRED, REOPENED, CLOSED, AUTO_CLOSED, SURVEY = (
    "transferred", "reopened", "closed", "auto_closed", "survey")


def check_status_change(old: str, new: str, *, public_message: bool) -> None:
    """check_transition, plus: selesai and menunggu_pemohon need a public message."""
    check_transition(old, new)
    if new in NEEDS_PUBLIC_MESSAGE and not public_message:
        raise TransitionError(NEEDS_PUBLIC_MESSAGE[new])


def settable_alone(old: str, new: str) -> bool:
    """May a bare status change (no message) go from old to new?"""
    return can_transition(old, new) and new not in NEEDS_PUBLIC_MESSAGE


def notice_for_message(status: str) -> str:
    """The notice a public staff message sends, by the status it leaves the ticket in."""
    return {"selesai": ANSWERED, "menunggu_pemohon": WAITING}.get(status, MESSAGE)


def notice_for_change(old: str, new: str, actor: str) -> str | None:
    """The notice a bare status change sends to the citizen (None: nothing to tell).

    The citizen's own actions (a reply, "Belum") are not echoed back to them; starting work
    (baru -> diproses) and resuming after waiting change nothing they must know.
    """
    if actor == CITIZEN or old == new:
        return None
    if new == "ditutup":
        return AUTO_CLOSED if actor == SCHEDULER else CLOSED
    if new == "diproses" and old in ("selesai", "ditutup"):
        return REOPENED
    return None


# ------------------------------------------------------------------ overdue

def is_overdue(status: str, due_dt, now) -> bool:
    """Overdue: the clock runs (baru, diproses) and the deadline has come (the escalation
    ladder of domain.sla starts at the deadline itself). The one definition; its SQL twin is
    models.Ticket.is_overdue_at (built from the same pieces)."""
    return status in CLOCK_RUNNING and due_dt is not None and due_dt <= now


def is_unanswered_late(status: str, due_dt, first_response_dt, now) -> bool:
    """Overdue and never answered: counts as late in the on-time figures (issue 10)."""
    return first_response_dt is None and is_overdue(status, due_dt, now)
