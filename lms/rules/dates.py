"""Calendar arithmetic the rules share (pure)."""

import datetime


def year_ago(day: datetime.date) -> datetime.date:
    """The same day a year earlier (28 February for 29 February): how long an annual record holds."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def training_holds(passed_on: datetime.date | None, today: datetime.date) -> bool:
    """Whether an annual training passed on `passed_on` still counts today: within the last twelve
    months. No upper bound: a record is never dated after the day it is made."""
    return passed_on is not None and passed_on >= year_ago(today)
