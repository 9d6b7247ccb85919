"""Who may see identity evidence and when a face may be processed at all.

Identity evidence (ID photos, face references, snapshots, exam captures) is seen by the person, by
the authorities that oversee them and by superusers (lms.policies.can_see_identity_evidence);
never by employers or training institutions. No face is processed without standing consent.
"""

from lms.models import Person, User
from lms.policies import can_see_identity_evidence

from .errors import ERRORS
from .selectors.profiles import consent_current

__all__ = ["can_see_evidence_of", "consent_require"]


def can_see_evidence_of(actor: User, person_id: int) -> bool:
    return can_see_identity_evidence(actor, person_id)


def consent_require(person: Person) -> None:
    if consent_current(person) is None:
        raise ERRORS.error("consent_required")


