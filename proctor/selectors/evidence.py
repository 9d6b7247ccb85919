"""Reads of identity evidence. A person's snapshots and references are seen by the person, by the
authorities that oversee them and by superusers; never by employers or training institutions. What
the actor may not see is not found, so ids reveal nothing."""

import uuid

from kernel.errors import NotFoundError
from lms.models import User
from lms.policies import can_see_identity_evidence

from ..models import FaceReference, Snapshot


def _parse_uuid(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFoundError.default()


def own_snapshot_get(actor: User, snapshot_id) -> Snapshot:
    """One of the actor's own snapshots; anyone else's is a 404, not a 403, so ids reveal nothing."""
    person = getattr(actor, "person", None)
    snapshot = Snapshot.objects.filter(pk=_parse_uuid(snapshot_id), person=person).first() if person else None
    if snapshot is None:
        raise NotFoundError.default()
    return snapshot


def snapshot_image_get(actor: User, snapshot_id) -> Snapshot:
    snapshot = Snapshot.objects.filter(pk=_parse_uuid(snapshot_id)).first()
    if snapshot is None or not snapshot.image or not can_see_identity_evidence(actor, snapshot.person_id):
        raise NotFoundError.default()
    return snapshot


def reference_image_get(actor: User, reference_id: int) -> FaceReference:
    reference = FaceReference.objects.filter(pk=reference_id).first()
    if reference is None or not reference.image or not can_see_identity_evidence(actor, reference.person_id):
        raise NotFoundError.default()
    return reference
