"""Calendar arithmetic the rules share (pure)."""

import datetime


def year_ago(day: datetime.date) -> datetime.date:
    """The same day a year earlier (28 February for 29 February): how long an annual record holds."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)
