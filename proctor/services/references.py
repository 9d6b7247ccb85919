"""Writes for reference faces: each image gated and matched against those already held."""

import datetime
import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from kernel.events import after_commit
from kernel.images import encode_jpeg, image_error
from lms.models import Person
from lms.services.people import person_id_photo_set

from .. import engine
from ..errors import ERRORS
from ..models import (
    CaptureLogEntry,
    Decision,
    FaceReference,
    ReferenceSource,
    SnapshotFrame,
)
from ..policies import consent_require
from ..rules.messages import decision_message
from ..selectors.profiles import references_active
from .capturelog import append, refuse
from .limits import limits

Kind = CaptureLogEntry.Kind


def reference_encodings(person: Person) -> list:
    return [engine.encoding_from_bytes(bytes(value)) for value in references_active(person).values_list("encoding", flat=True)]


def reference_add(
    *, person: Person, source: str, data: bytes, now: datetime.datetime | None = None
) -> FaceReference:
    """Accept one reference image: exactly one sharp, well-lit, large enough face; a live capture
    must also match the references already held, so no one can enrol someone else's face."""
    now = now or timezone.now()
    consent_require(person)
    digest = hashlib.sha256(data).hexdigest()
    payload = {"source": source, "sha256": digest, "bytes": len(data)}
    try:
        image = engine.decode(data, limits())
        analysis = engine.analyse(image)
    except engine.ImageRejected as error:
        refuse(kind=Kind.REFERENCE_REFUSED, person=person, subject="reference", error=image_error(error), payload=payload)
    if analysis.faces != 1:
        refuse(
            kind=Kind.REFERENCE_REFUSED, person=person, subject="reference",
            error=ERRORS.error("reference_no_face" if analysis.faces == 0 else "reference_several_faces"),
            payload={**payload, "faces": analysis.faces},
        )
    if analysis.quality_issue:
        refuse(
            kind=Kind.REFERENCE_REFUSED, person=person, subject="reference",
            error=ERRORS.error(
                "reference_quality", message=decision_message(Decision.INCONCLUSIVE, analysis.quality_issue)
            ),
            payload={**payload, "reason": analysis.quality_issue},
        )
    known = reference_encodings(person)
    if known:
        value = engine.distance(known, analysis.encoding)
        if value > settings.FACE_MATCH_THRESHOLD:
            refuse(
                kind=Kind.REFERENCE_REFUSED, person=person, subject="reference",
                error=ERRORS.error("reference_mismatch"), payload={**payload, "distance": round(value, 4)},
            )
        # The set stays one face: every reference (the new one included) within the threshold of
        # the others. A new capture can pass the check above and still pull an older reference
        # (a poor ID photo, say) out of the set; then the learner redoes the set, not this capture.
        check = engine.reference_set_check([*known, analysis.encoding], settings.FACE_MATCH_THRESHOLD)
        if not check.consistent:
            refuse(
                kind=Kind.REFERENCE_REFUSED, person=person, subject="reference",
                error=ERRORS.error("reference_mismatch" if check.outlier == len(known) else "reference_set_inconsistent"),
                payload={**payload, "distances": [round(v, 4) for v in check.distances]},
            )
    if source == ReferenceSource.ID_PHOTO and references_active(person).filter(source=ReferenceSource.ID_PHOTO).exists():
        raise ERRORS.error("reference_id_photo_exists")
    with transaction.atomic():
        reference = FaceReference(
            person=person, source=source, sha256=digest, encoding=engine.encoding_to_bytes(analysis.encoding), created_at=now
        )
        # Stored re-encoded from the pixels: no metadata (GPS, camera), nothing appended to the file.
        reference.image.save("reference.jpg", ContentFile(encode_jpeg(Image.fromarray(image))), save=False)
        reference.save()
        append(
            kind=Kind.REFERENCE_ADDED, person=person, subject=f"reference:{reference.pk}",
            payload={"source": source, "sha256": digest}, now=now,
        )
    return reference


def reference_add_id_photo(
    *, person: Person, data: bytes | None = None, now: datetime.datetime | None = None
) -> FaceReference:
    """The ID photo on file becomes a reference. A person registered without one uploads it
    (`data`): it must pass the reference gates before it is put on file."""
    if person.id_photo:
        with person.id_photo.open("rb") as handle:
            return reference_add(person=person, source=ReferenceSource.ID_PHOTO, data=handle.read(), now=now)
    if data is None:
        raise ERRORS.error("id_photo_missing")
    reference = reference_add(person=person, source=ReferenceSource.ID_PHOTO, data=data, now=now)
    person_id_photo_set(person=person, data=data)
    return reference


def references_reset(*, person: Person, now: datetime.datetime | None = None) -> None:
    """Start the reference again: the learner redoes it after a change of looks or a bad capture."""
    with transaction.atomic():
        Person.objects.select_for_update().get(pk=person.pk)
        references_retire(person, now or timezone.now(), reason="redo")


def references_retire(person: Person, now: datetime.datetime, *, reason: str) -> None:
    ids = list(references_active(person).values_list("pk", flat=True))
    if ids:
        FaceReference.objects.filter(pk__in=ids).update(retired_at=now)
        append(
            kind=Kind.REFERENCES_RETIRED, person=person, subject="references",
            payload={"ids": ids, "reason": reason}, now=now,
        )


def face_templates_erase(person: Person, now: datetime.datetime, *, reason: str) -> None:
    """Delete every face template and reference image of the person (consent withdrawn): the
    references with their encodings and files, and the encodings kept with their snapshots' frames
    for the replay check. The capture log keeps what proves they existed: each reference's SHA-256.
    Snapshot images stay until their retention ends, as the consent text says."""
    references = list(FaceReference.objects.filter(person=person))
    files = [reference.image.name for reference in references if reference.image]
    frames = SnapshotFrame.objects.filter(snapshot__person=person, encoding__isnull=False).update(encoding=None)
    if references:
        FaceReference.objects.filter(pk__in=[reference.pk for reference in references]).delete()
    append(
        kind=Kind.FACE_TEMPLATES_ERASED, person=person, subject="references",
        payload={
            "references": [{"id": reference.pk, "sha256": reference.sha256} for reference in references],
            "snapshot_frame_encodings": frames,
            "reason": reason,
        },
        now=now,
    )
    storage = FaceReference._meta.get_field("image").storage

    def delete_files():
        for name in files:
            storage.delete(name)

    after_commit(delete_files)
