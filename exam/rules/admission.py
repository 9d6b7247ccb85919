"""Eligibility for an exam (DOMAIN.md "Exams", notice 001): pure functions over the facts a
selector gathers, so every rule can be tested at its edge without a database.

Each failure is a code of exam.errors with its parameters; an application is refused with all of
them at once, each naming its rule."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from lms.rules.dates import training_holds

MIN_AGE = 18
MAX_AGE = 60
MANAGEMENT_YEARS = 2

# Education at or above senior secondary, or a junior professional title or above, for C (001).
EDUCATION_ENOUGH = {"senior_secondary", "junior_college", "bachelor", "master", "doctorate"}
TITLE_ENOUGH = {"assistant", "intermediate", "senior", "professor"}

SAFETY_MANAGER_C = "C"
SAFETY_MANAGER = "safety_manager"
SPECIAL_OPERATIONS = "special_operations"


@dataclass(frozen=True)
class Facts:
    credential_code: str
    credential_family: str
    birth_date: datetime.date
    education: str
    professional_title: str
    management_since: datetime.date | None
    # The current employer's id (None: not employed) and the enterprise applied through (None: a sitting).
    employer_id: int | None
    enterprise_id: int | None
    enterprise_name: str
    hours: Decimal
    hours_required: Decimal
    valid_certificate: str | None  # the number of a valid certificate of the same kind held
    overlapping: bool  # another live application for a sitting whose time overlaps
    # Jurisdiction: the current employer's region path, and the region path and name of the
    # authority holding the sitting ("" when there is no sitting yet).
    employer_region: str = ""
    sitting_region: str = ""
    sitting_authority: str = ""
    # The current employer's annual safety training (企业年度安全生产教育培训合格, 001, for A, B and C):
    # whether it is asked now (on the Guangdong path the enterprise attests it when it verifies,
    # so the candidate's own application does not wait for it), the employer's name and the day
    # of the employer's latest record of it for this person.
    training_required: bool = False
    employer_name: str = ""
    safety_trained_on: datetime.date | None = None


@dataclass(frozen=True)
class Failure:
    code: str
    params: dict


def age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def age_limited(facts: Facts) -> bool:
    return facts.credential_code == SAFETY_MANAGER_C or facts.credential_family == SPECIAL_OPERATIONS


def training_applies(credential_family: str) -> bool:
    """The annual safety training is a condition of the safety managers' exams (A, B, C; 001)."""
    return credential_family == SAFETY_MANAGER


def training_missing(facts: Facts, today: datetime.date) -> bool:
    """A safety manager (A, B, C) needs the current employer's annual safety training passed in the
    last twelve months; only asked of someone employed (not_employed says the rest)."""
    if not facts.training_required or not training_applies(facts.credential_family) or facts.employer_id is None:
        return False
    return not training_holds(facts.safety_trained_on, today)


def failures(facts: Facts, today: datetime.date) -> list[Failure]:
    found: list[Failure] = []
    if age_limited(facts):
        age = age_on(facts.birth_date, today)
        if not MIN_AGE <= age <= MAX_AGE:
            found.append(Failure("age_out_of_range", {"age": age}))
    if facts.credential_code == SAFETY_MANAGER_C:
        if facts.education not in EDUCATION_ENOUGH and facts.professional_title not in TITLE_ENOUGH:
            found.append(Failure("education_insufficient", {}))
    if facts.employer_id is None:
        found.append(Failure("not_employed", {}))
    elif facts.enterprise_id is not None and facts.employer_id != facts.enterprise_id:
        found.append(Failure("not_employed_by_enterprise", {"enterprise": facts.enterprise_name}))
    elif facts.sitting_region and not facts.employer_region.startswith(facts.sitting_region):
        # An authority examines and certifies the people working in its region: checked when the
        # candidate applies and when seated, not first when the certificate is due.
        found.append(Failure("employed_outside_region", {"authority": facts.sitting_authority}))
    if training_missing(facts, today):
        found.append(Failure("safety_training_missing", {"enterprise": facts.employer_name or "—"}))
    if facts.credential_code == SAFETY_MANAGER_C:
        reached = add_years(facts.management_since, MANAGEMENT_YEARS) if facts.management_since else None
        if reached is None or reached > today:
            found.append(Failure("management_too_short", {"date": reached.isoformat() if reached else "—"}))
    if facts.hours < facts.hours_required:
        found.append(Failure("hours_short", {"required": _n(facts.hours_required), "hours": _n(facts.hours)}))
    if facts.valid_certificate:
        found.append(Failure("certificate_held", {"number": facts.valid_certificate}))
    if facts.overlapping:
        found.append(Failure("sitting_overlap", {}))
    return found


def _n(value: Decimal) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"
