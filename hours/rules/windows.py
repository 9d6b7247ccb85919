"""Which study time the face checks vouch for. Pure functions over times, so the rule is easy to
read and to test: time counts only between two consecutive decided snapshots of the same session
that both verified; anything after a failed or inconclusive check waits for the next verified one."""

import datetime
from collections.abc import Iterable

Window = tuple[datetime.datetime, datetime.datetime]


def verified_windows(snapshots: Iterable[tuple[datetime.datetime, str]]) -> list[Window]:
    """`snapshots`: (received_at, decision) of one session's decided snapshots."""
    ordered = sorted(snapshots)
    return [
        (earlier, later)
        for (earlier, first), (later, second) in zip(ordered, ordered[1:])
        if first == "verified" and second == "verified"
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
