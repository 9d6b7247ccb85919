"""Whether an old certificate may be exchanged for an electronic one (换证, notices 002 and 004):
pure, so the holder's page and the service that exchanges say the same thing."""


# Why an old certificate cannot be exchanged now, in the order they are checked (hours.errors).
EXCHANGE_REFUSAL_CODES = (
    "legacy_already_exchanged",
    "legacy_rejected",
    "legacy_not_confirmed",
    "legacy_in_register",
    "hours_not_met",
)


def exchange_refusal(*, status: str, in_register: bool, standing_status: str) -> str | None:
    """The code of the reason an old certificate cannot be exchanged now, or None when it can: it
    must be confirmed (not waiting, rejected or already exchanged), not already a certificate of the
    platform's register, and the holder's continuing-education hours of its credential must be met."""
    if status == "exchanged":
        return "legacy_already_exchanged"
    if status == "rejected":
        return "legacy_rejected"
    if status != "confirmed":
        return "legacy_not_confirmed"
    if in_register:
        return "legacy_in_register"
    if standing_status != "met":
        return "hours_not_met"
    return None
