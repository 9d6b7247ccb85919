"""The outcome of a candidate's exam from its parts (pure): a candidate passes only when every part
the exam has is passed; absence (缺考) is an outcome of its own."""

from decimal import Decimal

PASSED, FAILED, ABSENT, MISSING = "passed", "failed", "absent", "missing"
PENDING = "pending"  # overall: some part has no score yet


def part_outcome(*, score: Decimal | None, absent: bool, pass_mark: Decimal) -> str:
    if absent:
        return ABSENT
    if score is None:
        return MISSING
    return PASSED if score >= pass_mark else FAILED


def overall(parts: list[str]) -> str:
    """failed if any part failed; else absent if any part was missed; else pending while any part
    has no score; else passed."""
    if not parts:
        return PENDING
    if FAILED in parts:
        return FAILED
    if ABSENT in parts:
        return ABSENT
    if MISSING in parts:
        return PENDING
    return PASSED


def score_in_range(score: Decimal, maximum: Decimal) -> bool:
    return Decimal("0") <= score <= maximum
