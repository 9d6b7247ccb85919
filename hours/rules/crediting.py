"""Which credential a course's online hours are credited to (issue 16).

A learner studies for one credential: the one they chose for the course, else the only one of the
course's credentials they hold, else the course's only credential (hours toward a first exam).
When a course serves several and the learner holds none or several of them and has not chosen,
the hours are credited to no credential until the learner assigns them: never to one picked by
code, which gave a C holder's hours to A."""

from collections.abc import Collection

# The refusals may_reassign names (hours/errors.py), raised by hours.services.credit.
REASSIGN_CODES = ("hours_already_reassigned", "hours_credential_held", "credential_not_served", "credential_not_held")


def credential_for(*, served: Collection[int], held: Collection[int], chosen: int | None) -> int | None:
    """The credential id the study counts toward, or None while it is the learner's to decide."""
    if chosen is not None and chosen in served:
        return chosen
    held_served = sorted(set(served) & set(held))
    if len(held_served) == 1:
        return held_served[0]
    if len(served) == 1:
        return next(iter(served))
    return None


def may_reassign(*, current: int | None, target: int, served: Collection[int], held: Collection[int], reassigned: bool) -> str:
    """Why hours credited to `current` may not move to `target` (an error code), or "" if they may.
    Only once, only away from a credential the person does not hold, only to one the course
    serves; to a held one (or, for hours credited to none, to any the course serves)."""
    if reassigned:
        return "hours_already_reassigned"
    if current is not None and current in held:
        return "hours_credential_held"
    if target not in served:
        return "credential_not_served"
    if current is not None and target not in held:
        return "credential_not_held"
    if target == current:
        return "hours_credential_held"
    return ""
