"""The public statistics (transparency page, `GET /api/v1/stats`, CSV for open-data portals).

Only aggregate figures per unit and service: no codes, names, subjects or comments, so
nothing here can identify a citizen (UU 14/2008 asks for openness, UU 27/2022 for privacy).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from flask import current_app

from ..domain import ikm as ikm_rules
from ..domain.periods import Period
from ..domain.report import Figures, Report, hours, working_days
from . import facts_report

CSV_COLUMNS = ("period", "level", "unit", "service", "received", "answered",
               "answered_on_time", "on_time_percent", "average_working_hours",
               "average_working_days", "ikm", "ikm_category", "ikm_respondents")


def public_report(period: Period, now: datetime) -> Report:
    """The aggregate figures of a period, summed from the daily facts (see facts_report)."""
    return facts_report.report(period, now)


def _number(value):
    return None if value is None else float(value)


def figures_json(f: Figures, ikm_minimum: int = 0) -> dict:
    ikm = f.ikm
    return {
        "received": f.received,
        "answered": f.answered,
        "answered_on_time": f.first_on_time,
        #: not answered and past the deadline now: counted late (domain.report.on_time_share)
        "unanswered_late": f.unanswered_late,
        "on_time_percent": _number(f.first_on_time_share),
        "average_working_hours": _number(hours(f.mean_seconds)),
        "average_working_days": _number(working_days(f.mean_seconds)),
        #: requests received per channel (web, api, email, lisan, whatsapp, telepon)
        "channels": dict(f.by_channel),
        "ikm": _ikm_json(ikm, ikm_minimum),
    }


def _ikm_json(ikm: ikm_rules.Ikm, minimum: int) -> dict | None:
    if ikm.value is None:
        return None
    if not ikm_rules.is_publishable(ikm, minimum):
        return {"value": None, "category": None, "label": ikm_rules.NOT_ENOUGH,
                "respondents": ikm.respondents, "minimum_respondents": minimum}
    return {"value": float(ikm.value), "category": ikm.category, "label": ikm.label,
            "respondents": ikm.respondents, "minimum_respondents": minimum}


def ikm_minimum() -> int:
    return int(current_app.config.get("IKM_MIN_RESPONDENTS", 30))


def stats_json(report: Report, standard_url) -> dict:
    """The API's body; standard_url(slug) gives the published standard's address."""
    period = report.period
    minimum = ikm_minimum()
    units = []
    for unit in report.units:
        item = {"unit": unit.key, "name": unit.name, **figures_json(unit.figures, minimum),
                "services": []}
        for service in unit.children:
            item["services"].append({
                "service": service.key, "name": service.name,
                "standard_url": standard_url(service.key) if service.key else None,
                **figures_json(service.figures, minimum)})
        units.append(item)
    return {
        "period": period.key, "kind": period.kind, "label": period.label,
        "start": period.start.isoformat(), "end": period.last_day.isoformat(),
        "generated_at": report.now.isoformat(),
        "is_complete": report.is_complete,
        "units": units,
        "total": figures_json(report.overall.figures, minimum),
    }


def stats_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)

    minimum = ikm_minimum()

    def row(level: str, unit: str | None, service: str | None, f: Figures) -> None:
        data = figures_json(f, minimum)
        ikm = data["ikm"] or {}
        writer.writerow([report.period.key, level, unit or "", service or "", data["received"],
                         data["answered"], data["answered_on_time"],
                         _blank(data["on_time_percent"]), _blank(data["average_working_hours"]),
                         _blank(data["average_working_days"]), _blank(ikm.get("value")),
                         ikm.get("category", ""), ikm.get("respondents", 0)])

    for unit in report.units:
        row("bidang", unit.key, None, unit.figures)
        for service in unit.children:
            row("layanan", unit.key, service.key, service.figures)
    row("jumlah", None, None, report.overall.figures)
    return out.getvalue()


def _blank(value) -> str:
    return "" if value is None else f"{value}"
