"""What a lesson's length can earn. A 学时 is a set number of minutes of study (45, the class hour
of the continuing-education rules, unless MINUTES_PER_CREDIT_HOUR says otherwise), so a lesson
awards at most its length in 学时 and a course at most what its lessons award: a 30-second clip
worth a whole 学时 would be hours without study."""

from decimal import ROUND_DOWN, Decimal

from django.conf import settings

TENTH = Decimal("0.1")


def minutes_per_credit_hour() -> Decimal:
    return Decimal(str(settings.MINUTES_PER_CREDIT_HOUR))


def hours_for_minutes(minutes) -> Decimal:
    """The most 学时 a lesson of `minutes` may award, in the catalogue's tenths, rounded down."""
    return (Decimal(str(minutes)) / minutes_per_credit_hour()).quantize(TENTH, rounding=ROUND_DOWN)
