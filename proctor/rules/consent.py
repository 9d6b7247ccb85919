"""The biometric consent text. Its version is `settings.BIOMETRIC_CONSENT_VERSION`; a consent stores
the version and the SHA-256 of the text exactly as the learner was shown it."""

import hashlib

from django.utils.translation import gettext as _


def consent_paragraphs(retention_days: int) -> list[str]:
    return [
        _(
            "Purpose: to confirm that the person studying or sitting an exam is you, Kaohe compares webcam "
            "snapshots taken at random times with your reference photos (your ID photo and live captures). "
            "Only study time confirmed this way becomes credit hours."
        ),
        _(
            "What is processed: the reference photos, the snapshots (short bursts of webcam frames, sometimes "
            "with a head turn you are asked for on the screen), and face feature values computed from them. "
            "They are used for identity checks in study and exams on Kaohe only, are never shown to employers "
            "or training institutions, and are never used for anything else."
        ),
        _(
            "Retention: snapshot images are deleted %(days)d days after they are taken; the record that a "
            "snapshot was taken and checked, with its fingerprint (SHA-256), is kept for the regulator's audit. "
            "Reference photos and face feature values are kept until you replace them or withdraw this consent."
        )
        % {"days": retention_days},
        _(
            "If you withdraw this consent, at once and for good: your reference photos and every face feature "
            "value computed from your reference photos and snapshots are deleted. Kept: the record of what "
            "existed (each reference photo's fingerprint and the checks made, in the capture log, for the "
            "regulator's audit), and snapshot images until their %(days)d days are over."
        )
        % {"days": retention_days},
        _(
            "Your choice: this consent is separate from your registration. You may refuse or withdraw it at "
            "any time; you can then still watch lessons, but they earn no credit hours and you cannot sit "
            "online exams."
        ),
    ]


def consent_text(retention_days: int) -> str:
    return "\n\n".join(consent_paragraphs(retention_days))


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
