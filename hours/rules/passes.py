"""Pure rules of exam passes: how long a pass is kept, and whether one may still become a certificate."""

import datetime


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it has fewer days."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def pass_state(*, list_status: str, keep_until: datetime.date, certificate_id: int | None, on: datetime.date) -> str:
    """"issued" (a certificate came of it), "waiting" (the province has not confirmed the list),
    "lapsed" (kept until a day before `on`), or "confirmed" (may be issued)."""
    if certificate_id:
        return "issued"
    if keep_until < on:
        return "lapsed"
    if list_status != "confirmed":
        return "waiting"
    return "confirmed"
