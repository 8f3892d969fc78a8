"""A generated quarter (2026-Q4, with Q3 backlog and some January 2027 activity) built through
the real services at chosen moments, with everything the test needs to know recorded as it
happens - so the test can compute the report's numbers on its own, without the report code.

The office clock here is written out independently of ticketing.domain.calendar: Mon-Thu
07.30-16.00, Fri 07.30-16.30 WIB, closed on weekends and on the holidays of the period
(24 Dec 2026 cuti bersama Natal, 25 Dec 2026 Natal, 1 Jan and 5 Jan 2027).
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ticketing.domain.ikm import ELEMENT_KEYS as KEYS
from ticketing.extensions import db
from ticketing.models import Ticket, Unit, User
from ticketing.services import intake, sla, survey
from ticketing.services import tickets as ticket_service
from ticketing.services.lifecycle import set_status
from ticketing.services.people import create_user
from ticketing.services.transaction import run

from ..factories import say_and_set

WIB = ZoneInfo("Asia/Jakarta")
HOLIDAYS = {date(2026, 12, 24), date(2026, 12, 25), date(2027, 1, 1), date(2027, 1, 5)}
OPEN = {"baru", "diproses", "menunggu_pemohon"}
#: the moment the report is made
REPORT_NOW = datetime(2027, 1, 20, 10, 0, tzinfo=WIB).astimezone(UTC)
Q4_START = datetime(2026, 10, 1, tzinfo=WIB).astimezone(UTC)
Q4_END = datetime(2027, 1, 1, tzinfo=WIB).astimezone(UTC)
Q3_START = datetime(2026, 7, 1, tzinfo=WIB).astimezone(UTC)

SERVICES = {  # slug: (unit at intake, target working days)
    "sertifikat-halal": ("PUMK", 1),
    "hki": ("PUMK", 1),
    "rekomendasi-izin-koperasi": ("KELEMBAGAAN", 2),
    "pengaduan-umum": (None, 2),
}


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB).astimezone(UTC)


# ------------------------------------------------------------------ the independent clock

def office_hours(d: date) -> tuple[datetime, datetime] | None:
    if d.weekday() >= 5 or d in HOLIDAYS:
        return None
    close = time(16, 30) if d.weekday() == 4 else time(16, 0)
    return (datetime.combine(d, time(7, 30), tzinfo=WIB),
            datetime.combine(d, close, tzinfo=WIB))


def office_seconds(a: datetime, b: datetime) -> float:
    """Seconds of office time in [a, b)."""
    total = 0.0
    d = a.astimezone(WIB).date()
    while d <= b.astimezone(WIB).date():
        hours = office_hours(d)
        if hours:
            lo, hi = max(hours[0], a), min(hours[1], b)
            if hi > lo:
                total += (hi - lo).total_seconds()
        d += timedelta(days=1)
    return total


def add_office_minutes(start: datetime, minutes: int) -> datetime:
    """The moment `minutes` of office time after start (start outside hours: next opening)."""
    cur = start.astimezone(WIB)
    left = timedelta(minutes=minutes)
    while True:
        hours = office_hours(cur.date())
        if hours is None or cur >= hours[1]:
            cur = datetime.combine(cur.date() + timedelta(days=1), time(0), tzinfo=WIB)
            continue
        cur = max(cur, hours[0])
        room = hours[1] - cur
        if left <= room:
            return (cur + left).astimezone(UTC)
        left -= room
        cur = hours[1]


# ------------------------------------------------------------------ what happened

@dataclass
class Planned:
    """One generated request and the truth about it, as the generator decided it."""

    key: str
    created: datetime
    service: str
    unit: str | None
    type: str
    channel: str
    kind: str
    email: str | None = "warga@example.com"
    ticket_id: int | None = None
    code: str | None = None
    assignee: str | None = None
    #: (moment, status) in order, starting with ("created", "baru")
    timeline: list[tuple[datetime, str]] = field(default_factory=list)
    first_answer: datetime | None = None
    first_on_time: bool | None = None
    final_answer: datetime | None = None
    final_on_time: bool | None = None
    reopened: bool = False
    #: (moment, scores, comment) of the survey response, if any
    response: tuple[datetime, tuple[int, ...], str | None] | None = None

    def status_at(self, moment: datetime) -> str:
        current = "baru"
        for when, status in self.timeline:
            if when < moment:
                current = status
        return current


@dataclass
class Quarter:
    planned: list[Planned]
    staff: dict[str, User]
    sla_checks: int

    def frozen(self) -> FrozenQuarter:
        """Without database objects: kept while the database is copied for each test."""
        return FrozenQuarter(self.planned, {k: u.id for k, u in self.staff.items()},
                             self.sla_checks)


@dataclass(frozen=True)
class FrozenQuarter:
    planned: list[Planned]
    staff_ids: dict[str, int]
    sla_checks: int

    def thaw(self) -> Quarter:
        """The quarter for one test: its own copy of the records, the accounts loaded from the
        test's copy of the database."""
        return Quarter(copy.deepcopy(self.planned),
                       {k: db.session.get(User, i) for k, i in self.staff_ids.items()},
                       self.sla_checks)


def prebuilt_quarter(**options):
    """A builder for the `prebuilt` marker: the quarter made once per run and backend for the
    modules that ask for the same options (the generator is deterministic)."""

    def build() -> FrozenQuarter:
        return build_quarter(**options).frozen()

    build.key = ("quarter", tuple(sorted(options.items())))
    return build


# ------------------------------------------------------------------ building it

class _Builder:
    def __init__(self, rng: random.Random, staff: dict[str, User]):
        self.rng = rng
        self.staff = staff
        self.events: list[tuple[datetime, int, callable]] = []
        self.seq = 0

    def at(self, moment: datetime, action) -> None:
        self.seq += 1
        self.events.append((moment, self.seq, action))

    def run(self) -> None:
        for moment, _, action in sorted(self.events, key=lambda e: (e[0], e[1])):
            action(moment)


def _ticket(p: Planned) -> Ticket:
    return db.session.get(Ticket, p.ticket_id)


def _status(p: Planned, when: datetime, status: str) -> None:
    p.timeline.append((when, status))


def plan_request(b: _Builder, p: Planned) -> None:
    """Schedule the request's whole life according to its kind."""
    unit_for_staff = p.unit

    def create(now):
        ticket = run(intake.open_request, intake.RequestData(
            name="Warga Uji", email=p.email, phone=None if p.email else "0812 0000 1111",
            type=p.type, subject=f"Permohonan {p.key}", message="Mohon informasinya, terima kasih.",
            service_slug=p.service, channel=p.channel), now)
        p.ticket_id, p.code = ticket.id, ticket.code
        _status(p, now, "baru")

    b.at(p.created, create)
    start = add_office_minutes(p.created, 0)
    if p.unit is None and p.kind != "triage_open":
        # triage: the PUMK ketua tim routes it to a unit within minutes
        target_unit = b.rng.choice(["PUMK", "KELEMBAGAAN"])
        unit_for_staff = target_unit

        def route(now, target_unit=target_unit):
            unit = db.session.query(Unit).filter_by(code=target_unit).one()
            run(ticket_service.transfer, _ticket(p), b.staff["ketua_PUMK"], unit, "sesuai bidang",
                                    now)
            p.unit = target_unit

        b.at(add_office_minutes(start, 5), route)
    assignee = None
    if unit_for_staff is not None and p.kind != "unclaimed":
        assignee = b.rng.choice([f"staf1_{unit_for_staff}", f"staf2_{unit_for_staff}"])

        def claim(now, assignee=assignee):
            run(ticket_service.claim, _ticket(p), b.staff[assignee], now)
            p.assignee = assignee
            _status(p, now, "diproses")

        b.at(add_office_minutes(start, 15), claim)
    target = SERVICES[p.service][1]
    actor = b.staff[assignee] if assignee else None

    def answer(now, first=True, on_time=True):
        say_and_set(_ticket(p), "selesai", now, actor=actor)
        db.session.commit()
        _status(p, now, "selesai")
        if first:
            p.first_answer, p.first_on_time = now, on_time
        p.final_answer, p.final_on_time = now, on_time

    kind = p.kind
    if kind in ("fast", "unclaimed", "survey_late"):
        # well inside a one-day target (a working day has at least 510 minutes)
        done = add_office_minutes(start, b.rng.randrange(20, 480, 5))
        b.at(done, answer)
        _maybe_survey(b, p, done, actor)
    elif kind == "late":
        done = add_office_minutes(start, (target + 2) * 540)
        b.at(done, lambda now: answer(now, on_time=False))
        _maybe_survey(b, p, done, actor)
    elif kind == "reopen":
        done = add_office_minutes(start, 75)
        b.at(done, answer)
        belum = add_office_minutes(done, 60)

        def reopen(now):
            run(intake.confirm_understanding, _ticket(p), False, "Belum jelas syaratnya.", now)
            p.reopened = True
            _status(p, now, "diproses")

        b.at(belum, reopen)
        again = add_office_minutes(belum, 60)
        b.at(again, lambda now: answer(now, first=False))
        _maybe_survey(b, p, again, actor)
    elif kind == "pause":
        wait = add_office_minutes(start, 30)

        def pause(now):
            say_and_set(_ticket(p), "menunggu_pemohon", now, actor=actor)
            db.session.commit()
            _status(p, now, "menunggu_pemohon")

        def citizen(now):
            run(intake.citizen_reply, _ticket(p), "Ini kelengkapannya.", [], now)
            _status(p, now, "diproses")

        b.at(wait, pause)
        back = add_office_minutes(wait, 480)  # the next working day
        b.at(back, citizen)
        done = add_office_minutes(back, 60)
        b.at(done, answer)
        _maybe_survey(b, p, done, actor)
    elif kind == "waiting":
        def pause(now):
            say_and_set(_ticket(p), "menunggu_pemohon", now, actor=actor)
            db.session.commit()
            _status(p, now, "menunggu_pemohon")

        b.at(add_office_minutes(start, 30), pause)
    elif kind == "closed_unanswered":
        def close(now):
            set_status(_ticket(p), "ditutup", now, actor=actor, reason="ganda")
            db.session.commit()
            _status(p, now, "ditutup")

        b.at(add_office_minutes(start, 120), close)
    elif kind in ("open", "triage_open"):
        pass
    elif kind.startswith("at:"):
        # an explicit answer moment: ("at:<iso>", on_time decided by the test's author)
        moment = datetime.fromisoformat(kind[3:].split("|")[0]).astimezone(UTC)
        on_time = kind.endswith("|tepat")
        b.at(moment, lambda now: answer(now, on_time=on_time))
    else:
        raise AssertionError(kind)


def _maybe_survey(b: _Builder, p: Planned, answered: datetime, actor) -> None:
    """Citizens with an address confirm and (often) answer the survey a day later; walk-ins
    answer on the kiosk on the spot."""
    roll = b.rng.random()
    scores = tuple(b.rng.choice((2, 3, 3, 4, 4)) for _ in range(9))
    comment = b.rng.choice([None, None, "Pelayanan cepat, terima kasih.",
                            "Mohon persyaratan dijelaskan lebih rinci."])
    if p.channel == "lisan":
        when = add_office_minutes(answered, 5)

        def kiosk(now):
            run(survey.submit, _ticket(p), survey.Answers(dict(zip(KEYS, scores)), comment or ""),
                          now, channel="kios", kiosk_user=actor)
            p.response = (now, scores, comment)

        b.at(when, kiosk)
        return
    if not p.email or roll < 0.2:
        return
    confirm_at = add_office_minutes(answered, 30)

    def confirm(now):
        run(intake.confirm_understanding, _ticket(p), True, "", now)

    b.at(confirm_at, confirm)
    if roll < 0.35:
        return  # invited, never answered
    when = confirm_at + timedelta(days=1 if p.kind != "survey_late" else 20)

    def respond(now):
        run(survey.submit, _ticket(p), survey.Answers(dict(zip(KEYS, scores)), comment or ""), now)
        p.response = (now, scores, comment)

    b.at(when, respond)



def make_staff(now: datetime) -> dict[str, User]:
    people = {}
    for unit in ("PUMK", "KELEMBAGAAN"):
        for key, role in ((f"staf1_{unit}", "staf"), (f"staf2_{unit}", "staf"),
                          (f"ketua_{unit}", "ketua_tim"), (f"kabid_{unit}", "kabid")):
            people[key] = create_user(f"{key.lower()}@dinas.example", f"Nama {key}", role, unit,
                                      None, now)
    people["kadis"] = create_user("kadis@dinas.example", "Kepala Dinas", "kepala_dinas", None,
                                  None, now)
    db.session.commit()
    return people


def _random_created(rng: random.Random, first: date, days: int) -> datetime:
    d = first + timedelta(days=rng.randrange(days))
    hour, minute = rng.choice([(6, 45), (8, 10), (9, 0), (10, 20), (11, 5), (13, 40), (15, 50),
                               (18, 30), (21, 0)])
    return datetime.combine(d, time(hour, minute), tzinfo=WIB).astimezone(UTC)


KINDS = ("fast", "fast", "fast", "late", "reopen", "pause", "open", "waiting",
         "closed_unanswered", "unclaimed", "survey_late")
CHANNELS = ("web", "web", "email", "api", "lisan", "whatsapp", "telepon")


def build_quarter(seed: int = 6, count: int = 44, *, sla_checks: bool = True) -> Quarter:
    """Generate the quarter; returns what happened. Commits as the services do."""
    rng = random.Random(seed)
    staff = make_staff(wib(2026, 6, 1, 8, 0))
    b = _Builder(rng, staff)
    planned: list[Planned] = []

    def add(key, created, service, kind, *, type_=None, channel=None, email="warga@example.com"):
        unit = SERVICES[service][0]
        p = Planned(key, created, service, unit,
                    type_ or ("pengaduan" if service == "pengaduan-umum" else
                              rng.choice(["informasi", "informasi", "saran", "pengaduan"])),
                    channel or rng.choice(CHANNELS), kind,
                    email=email)
        planned.append(p)
        plan_request(b, p)

    for i in range(count):
        add(f"q4-{i}", _random_created(rng, date(2026, 10, 1), 92), rng.choice(list(SERVICES)),
            KINDS[i % len(KINDS)])
    # Around the Christmas holidays (24-25 Dec, then the weekend): the deadline of a one-day
    # request received Wednesday 23 Dec 10.00 is Monday 28 Dec 10.00.
    add("natal-ontime", wib(2026, 12, 23, 10, 0), "sertifikat-halal",
        "at:2026-12-28T09:00:00+07:00|tepat", channel="web")
    add("natal-late", wib(2026, 12, 23, 10, 0), "hki", "at:2026-12-28T11:00:00+07:00|telat",
        channel="email")
    # two working days from Tuesday 22 Dec 14.00: Wednesday 23, then Monday 28 at 14.00
    add("natal-2d", wib(2026, 12, 22, 14, 0), "rekomendasi-izin-koperasi",
        "at:2026-12-28T13:00:00+07:00|tepat", channel="web")
    # received on New Year's Eve at 23.30 WIB: still Q4 (already 16.30 UTC)
    add("malam-tahun-baru", wib(2026, 12, 31, 23, 30), "hki", "open", channel="web")
    # backlog from Q3: answered in September; answered only in January (open at the end of
    # Q4: its status changed after the end); still open; closed in Q4
    add("q3-done", wib(2026, 9, 14, 9, 0), "hki", "fast", channel="web")
    add("q3-january", wib(2026, 9, 21, 9, 0), "rekomendasi-izin-koperasi",
        "at:2027-01-11T10:00:00+07:00|telat", channel="web")
    add("q3-open", wib(2026, 9, 28, 9, 0), "sertifikat-halal", "open", channel="web")
    add("q3-late", wib(2026, 9, 29, 9, 0), "hki", "late", channel="email")
    add("q3-fast2", wib(2026, 8, 3, 9, 0), "rekomendasi-izin-koperasi", "fast", channel="web")
    # January 2027: not in Q4 at all
    add("januari", wib(2027, 1, 4, 9, 0), "hki", "fast", channel="web")
    add("januari-wib", wib(2027, 1, 1, 0, 30), "hki", "open", channel="web")

    checks = 0
    if sla_checks:
        d = date(2026, 9, 1)
        while d <= date(2027, 1, 19):
            if office_hours(d):
                for hh in (8, 13):
                    moment = wib(d.year, d.month, d.day, hh, 0)
                    b.at(moment, lambda now: sla.run_sla_check(now))
                    checks += 1
            d += timedelta(days=1)
    b.run()
    return Quarter(planned=planned, staff=staff, sla_checks=checks)
