"""API for the learner's face profile and the checks of their snapshots."""

import datetime
import uuid

from ninja import Router, Schema, Status

from kernel.api import ERRORS
from kernel.images import upload_bytes
from lms.selectors.people import person_of

from .models import ReferenceSource
from .rules.messages import decision_message
from .selectors import evidence, profiles
from .services import references

router = Router(tags=["identity"])


class FaceProfileOut(Schema):
    consent: bool
    id_photo: bool
    webcam: int
    webcam_needed: int
    ready: bool


class ReferenceOut(Schema):
    id: int
    source: str
    profile: FaceProfileOut


class SnapshotOut(Schema):
    id: uuid.UUID
    status: str
    decision: str
    reason: str
    message: str
    received_at: datetime.datetime
    decided_at: datetime.datetime | None


def _profile_out(person) -> dict:
    profile = profiles.face_profile(person)
    return {
        "consent": bool(profile.consent),
        "id_photo": profile.id_photo,
        "webcam": profile.webcam,
        "webcam_needed": profile.webcam_needed,
        "ready": profile.ready,
    }


def _person(request):
    return person_of(request.user)


@router.get("/proctor/profile", response={200: FaceProfileOut, **ERRORS})
def profile(request):
    return _profile_out(_person(request))


@router.post("/proctor/references", response={201: ReferenceOut, **ERRORS})
def reference_add(request):
    """A live webcam capture (multipart field `image`) added to the learner's references."""
    person = _person(request)
    reference = references.reference_add(
        person=person, source=ReferenceSource.WEBCAM, data=upload_bytes(request.FILES.get("image"))
    )
    return Status(201, {"id": reference.pk, "source": reference.source, "profile": _profile_out(person)})


@router.get("/proctor/snapshots/{snapshot_id}", response={200: SnapshotOut, **ERRORS}, url_name="snapshot_get")
def snapshot(request, snapshot_id: str):
    item = evidence.own_snapshot_get(request.user, snapshot_id)
    message = decision_message(item.decision, item.reason) if item.decision else ""
    return {
        "id": item.pk,
        "status": item.status,
        "decision": item.decision,
        "reason": item.reason,
        "message": message,
        "received_at": item.received_at,
        "decided_at": item.decided_at,
    }
