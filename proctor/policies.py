"""Who may see identity evidence and when a face may be processed at all.

Identity evidence (ID photos, face references, snapshots, exam captures) is seen by the person, by
the authorities that oversee them and by superusers (lms.policies.can_see_identity_evidence);
never by employers or training institutions. No face is processed without standing consent.
"""

from django.utils.translation import gettext as _

from kernel.errors import PermissionDeniedError
from lms.models import Person, User
from lms.policies import can_see_identity_evidence

from .selectors.profiles import consent_current

__all__ = ["can_see_evidence_of", "consent_require"]


def can_see_evidence_of(actor: User, person_id: int) -> bool:
    return can_see_identity_evidence(actor, person_id)


def consent_require(person: Person) -> None:
    if consent_current(person) is None:
        raise PermissionDeniedError(
            code="consent_required",
            message=_("Give your consent to face verification before any photo is taken."),
        )


