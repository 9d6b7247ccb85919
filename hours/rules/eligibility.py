"""Whether a certificate's continuing-education hours meet its scheme: pure functions over plain
values, so the rules can be read, property-tested and run for one person without the database.
`hours.selectors` feeds them from the database, and `hours.dashboard` runs the same rules in SQL
for a whole region at once.

The version of a scheme in force on the day of evaluation sets the requirements; its
`hours_count_from` says whether hours earned before it still count (Guangdong keeps hours earned
before its 2024-01-15 system valid). Hours count for a certificate when they are of its credential,
earned within its validity and not after the day of evaluation.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

ZERO = Decimal("0")


@dataclass(frozen=True)
class Rule:
    effective_from: datetime.date
    province_id: int | None = None
    validity_years: int = 3
    hours_per_year: Decimal = ZERO
    professional_hours_per_year: Decimal = ZERO
    hours_per_period: Decimal = ZERO
    window_years: int = 0
    window_hours: Decimal = ZERO
    yearly_rule_starts: str = "issue_year"
    consequence: str = "not_eligible"
    hours_count_from: datetime.date | None = None
    score_kept_months: int = 12
    open_ended: bool = False  # certificates have no end of validity (长期有效, notice 002)
    issued_by: str = "authority"  # or "institution" (notice 003)


@dataclass(frozen=True)
class Entry:
    earned_on: datetime.date
    hours: Decimal
    professional: bool = False


@dataclass(frozen=True)
class YearTally:
    year: int
    total: Decimal
    professional: Decimal
    required: Decimal
    required_professional: Decimal
    complete: bool

    @property
    def shortfall(self) -> Decimal:
        return max(ZERO, self.required - self.total)

    @property
    def professional_shortfall(self) -> Decimal:
        return max(ZERO, self.required_professional - self.professional)

    @property
    def met(self) -> bool:
        return self.shortfall == 0 and self.professional_shortfall == 0


@dataclass(frozen=True)
class WindowTally:
    first_year: int
    last_year: int
    total: Decimal
    required: Decimal

    @property
    def met(self) -> bool:
        return self.total >= self.required


@dataclass(frozen=True)
class Standing:
    status: str  # on_track, short, met, void, no_rule
    years: tuple[YearTally, ...] = ()
    period_total: Decimal = ZERO
    period_required: Decimal = ZERO
    windows: tuple[WindowTally, ...] = ()
    explanation: str = ""
    rule: Rule | None = None

    @property
    def period_shortfall(self) -> Decimal:
        return max(ZERO, self.period_required - self.period_total)


def rule_in_force(rules: Iterable[Rule], day: datetime.date, province_id: int | None = None) -> Rule | None:
    """The latest version effective on `day`: the province's own if it has one, else the national."""
    effective = [rule for rule in rules if rule.effective_from <= day]
    own = [rule for rule in effective if province_id is not None and rule.province_id == province_id]
    national = [rule for rule in effective if rule.province_id is None]
    candidates = own or national
    return max(candidates, key=lambda rule: rule.effective_from) if candidates else None


def last_full_year(expires_on: datetime.date | None) -> int | None:
    """The last calendar year a certificate is valid to its end; None when it has no end of
    validity (长期有效)."""
    if expires_on is None:
        return None
    return expires_on.year if (expires_on.month, expires_on.day) == (12, 31) else expires_on.year - 1


def counted_years(rule: Rule, issued_on: datetime.date, expires_on: datetime.date | None, as_of: datetime.date) -> range:
    """The calendar years the yearly rule applies to: from the year of issue (or the year after) to
    the last year the certificate is valid to its end; hours of the expiry year still count for the
    period. A certificate with no end of validity (`expires_on` None) counts every year up to the
    current one."""
    first = issued_on.year + (1 if rule.yearly_rule_starts == "year_after_issue" else 0)
    last_full = last_full_year(expires_on)
    return range(first, (as_of.year if last_full is None else min(last_full, as_of.year)) + 1)


def year_complete(year: int, expires_on: datetime.date | None, as_of: datetime.date) -> bool:
    return year < as_of.year or (expires_on is not None and expires_on < as_of)


def standing(
    *,
    issued_on: datetime.date,
    expires_on: datetime.date | None,
    entries: Iterable[Entry],
    rules: Iterable[Rule],
    as_of: datetime.date,
    province_id: int | None = None,
) -> Standing:
    rule = rule_in_force(rules, as_of, province_id)
    if rule is None:
        return Standing("no_rule", explanation=_("No credit-hour rule applies to this certificate."))
    # No end of validity: hours count up to the day of evaluation, and there is no validity period
    # whose total could be short (the yearly rule is the whole requirement).
    last_day = as_of if expires_on is None else min(expires_on, as_of)
    counted = [
        entry
        for entry in entries
        if issued_on <= entry.earned_on <= last_day
        and (rule.hours_count_from is None or entry.earned_on >= rule.hours_count_from)
    ]
    years = tuple(
        YearTally(
            year=year,
            total=sum((e.hours for e in counted if e.earned_on.year == year), ZERO),
            professional=sum((e.hours for e in counted if e.earned_on.year == year and e.professional), ZERO),
            required=rule.hours_per_year,
            required_professional=rule.professional_hours_per_year,
            complete=year_complete(year, expires_on, as_of),
        )
        for year in counted_years(rule, issued_on, expires_on, as_of)
    )
    windows: tuple[WindowTally, ...] = ()
    if rule.window_years and rule.window_hours:
        windows = tuple(
            WindowTally(run[0].year, run[-1].year, sum((t.total for t in run), ZERO), rule.window_hours)
            for run in (years[i : i + rule.window_years] for i in range(len(years) - rule.window_years + 1))
            if all(t.complete for t in run)
        )
    period_total = sum((e.hours for e in counted), ZERO)
    failure = "void" if rule.consequence == "void" else "short"
    period_over = expires_on is not None and expires_on < as_of
    period_required = ZERO if expires_on is None else rule.hours_per_period
    if any(not w.met for w in windows):
        status = failure
    elif any(t.complete and not t.met for t in years) or (period_over and period_total < period_required):
        status = "short" if rule.window_years else failure
    elif all(t.met for t in years) and period_total >= period_required:
        status = "met"
    else:
        status = "on_track"
    result = Standing(status, years, period_total, period_required, windows, rule=rule)
    return Standing(status, years, period_total, period_required, windows, explain(result), rule)


def _n(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


def explain(result: Standing) -> str:
    """What the learner must still do, or why the certificate stands as it does, in the user's
    language (Chinese first): "2025年度还差3学时，其中专业岗位知识2学时"."""
    lines = []
    for window in result.windows:
        if not window.met:
            lines.append(
                _("%(first)d–%(last)d: %(total)s hours in all, fewer than the %(required)s required")
                % {"first": window.first_year, "last": window.last_year, "total": _n(window.total), "required": _n(window.required)}
            )
    for year in result.years:
        if year.met:
            continue
        values = {"year": year.year, "hours": _n(year.shortfall), "professional": _n(year.professional_shortfall)}
        if year.shortfall and year.professional_shortfall:
            line = _("%(year)d: %(hours)s hours still needed, of which %(professional)s of professional post knowledge") % values
        elif year.shortfall:
            line = _("%(year)d: %(hours)s hours still needed") % values
        else:
            line = _("%(year)d: %(professional)s hours of professional post knowledge still needed") % values
        lines.append(line + ("" if year.complete else _(" (the year is not over)")))
    if result.period_shortfall:
        lines.append(_("Within the validity period: %(hours)s hours still needed") % {"hours": _n(result.period_shortfall)})
    if result.status == "void":
        lines.append(_("The certificate is void: retrain and sit the exam again."))
    elif result.status == "met":
        lines.append(_("The required hours are met."))
    elif result.status == "short":
        lines.append(_("A requirement was missed: the certificate cannot be extended."))
    separator = _("; ")
    return separator.join(lines)
