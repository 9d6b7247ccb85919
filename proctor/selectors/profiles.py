"""Reads of a person's face profile: consent and the references held."""

from dataclasses import dataclass

from django.conf import settings

from lms.models import Person

from ..models import BiometricConsent, FaceReference, ReferenceSource

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
