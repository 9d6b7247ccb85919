"""Which study time the face checks vouch for. Pure functions over times, so the rule is easy to
read and to test: time counts only between two consecutive pieces of evidence of the same session
that both verified and that are no further apart than the course allows (its longest interval
between snapshots plus a grace). A failed or inconclusive check, or a request for a snapshot that
went unanswered ("missed"), ends the stretch; the next verified one starts a new one."""

import datetime
from collections.abc import Iterable

Window = tuple[datetime.datetime, datetime.datetime]


VERIFIED = "verified"
MISSED = "missed"


def verified_windows(
    evidence: Iterable[tuple[datetime.datetime, str]], max_gap: datetime.timedelta | None = None
) -> list[Window]:
    """`evidence`: (time, outcome) of one session: each decided snapshot's decision at its
    reception, and MISSED at the due time of each request nobody answered."""
    ordered = sorted(evidence)
    return [
        (earlier, later)
        for (earlier, first), (later, second) in zip(ordered, ordered[1:])
        if first == VERIFIED and second == VERIFIED and (max_gap is None or later - earlier <= max_gap)
    ]


def overlap_seconds(start: datetime.datetime, end: datetime.datetime, windows: list[Window]) -> float:
    total = 0.0
    for window_start, window_end in windows:
        low, high = max(start, window_start), min(end, window_end)
        if high > low:
            total += (high - low).total_seconds()
    return total


def verified_share(segments: Iterable[tuple[datetime.datetime, datetime.datetime, float]], windows: list[Window]) -> float:
    """Credited seconds of `segments` (start, end, seconds) that fall inside the windows, each
    segment counted in proportion to the part of its wall-clock span that is covered."""
    total = 0.0
    for start, end, seconds in segments:
        span = (end - start).total_seconds()
        if span <= 0:
            continue
        total += seconds * overlap_seconds(start, end, windows) / span
    return total
