"""Reads of identity evidence. A person's snapshots and references are seen by the person, by the
authorities that oversee them and by superusers; never by employers or training institutions."""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.http import Http404

from lms.models import Person, User
from lms.policies import people_overseen

from .models import BiometricConsent, FaceReference, ReferenceSource, Snapshot

MIN_WEBCAM_REFERENCES = 2


def consent_current(person: Person) -> BiometricConsent | None:
    return (
        BiometricConsent.objects.filter(
            person=person, withdrawn_at__isnull=True, version=settings.BIOMETRIC_CONSENT_VERSION
        )
        .order_by("-given_at")
        .first()
    )


def references_active(person: Person):
    return FaceReference.objects.filter(person=person, retired_at__isnull=True)


@dataclass(frozen=True)
class FaceProfile:
    consent: BiometricConsent | None
    id_photo: bool
    webcam: int

    @property
    def webcam_needed(self) -> int:
        return max(0, MIN_WEBCAM_REFERENCES - self.webcam)

    @property
    def ready(self) -> bool:
        return bool(self.consent) and self.id_photo and self.webcam_needed == 0


def face_profile(person: Person) -> FaceProfile:
    sources = list(references_active(person).values_list("source", flat=True))
    return FaceProfile(
        consent=consent_current(person),
        id_photo=ReferenceSource.ID_PHOTO in sources,
        webcam=sources.count(ReferenceSource.WEBCAM),
    )


def _parse_uuid(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404


def own_snapshot_get(actor: User, snapshot_id) -> Snapshot:
    """One of the actor's own snapshots; anyone else's is a 404, not a 403, so ids reveal nothing."""
    person = getattr(actor, "person", None)
    snapshot = Snapshot.objects.filter(pk=_parse_uuid(snapshot_id), person=person).first() if person else None
    if snapshot is None:
        raise Http404
    return snapshot


def _may_see_evidence_of(actor: User, person_id: int) -> bool:
    own = getattr(getattr(actor, "person", None), "pk", None) == person_id
    return own or people_overseen(actor).filter(pk=person_id).exists()


def snapshot_image_get(actor: User, snapshot_id) -> Snapshot:
    snapshot = Snapshot.objects.filter(pk=_parse_uuid(snapshot_id)).first()
    if snapshot is None or not snapshot.image or not _may_see_evidence_of(actor, snapshot.person_id):
        raise Http404
    return snapshot


def reference_image_get(actor: User, reference_id: int) -> FaceReference:
    reference = FaceReference.objects.filter(pk=reference_id).first()
    if reference is None or not reference.image or not _may_see_evidence_of(actor, reference.person_id):
        raise Http404
    return reference
