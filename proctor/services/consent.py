"""Writes for biometric consent: given for one version of the text, withdrawn at any time."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lms.models import Person

from ..models import BiometricConsent, CaptureLogEntry
from ..rules.consent import consent_text, text_sha256
from ..selectors.profiles import consent_current
from .capturelog import append
from .references import face_templates_erase

Kind = CaptureLogEntry.Kind


def consent_give(*, person: Person, now: datetime.datetime | None = None) -> BiometricConsent:
    """Record consent to the current text. Giving it again while it stands changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        Person.objects.select_for_update().get(pk=person.pk)
        current = consent_current(person)
        if current:
            return current
        # An older version still standing is superseded by this one.
        BiometricConsent.objects.filter(person=person, withdrawn_at__isnull=True).update(withdrawn_at=now)
        text = consent_text(settings.SNAPSHOT_RETENTION_DAYS)
        consent = BiometricConsent.objects.create(
            person=person, version=settings.BIOMETRIC_CONSENT_VERSION, text_sha256=text_sha256(text), given_at=now
        )
        append(
            kind=Kind.CONSENT_GIVEN,
            person=person,
            subject=f"consent:{consent.pk}",
            payload={"version": consent.version, "text_sha256": consent.text_sha256},
            now=now,
        )
    return consent


def consent_withdraw(*, person: Person, now: datetime.datetime | None = None) -> None:
    """Withdraw consent: nothing more is compared, and every face template and reference image of
    the person is deleted at once (proctor.services.references.face_templates_erase)."""
    now = now or timezone.now()
    with transaction.atomic():
        Person.objects.select_for_update().get(pk=person.pk)
        ids = list(BiometricConsent.objects.filter(person=person, withdrawn_at__isnull=True).values_list("pk", flat=True))
        if not ids:
            return
        BiometricConsent.objects.filter(pk__in=ids).update(withdrawn_at=now)
        append(
            kind=Kind.CONSENT_WITHDRAWN, person=person, subject=f"consent:{ids[0]}", payload={}, now=now
        )
        face_templates_erase(person, now, reason="consent_withdrawn")
