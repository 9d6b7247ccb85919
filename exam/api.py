"""API of the exam room's camera: the identity check before the paper, snapshots during it.
Images travel over HTTP (multipart `image`), everything else over the room's WebSocket."""

import uuid

from ninja import Router, Schema, Status

from kernel.api import ERRORS
from kernel.images import upload_bytes
from lms.selectors.people import person_of

from .selectors import room as selectors
from .services import proctoring

router = Router(tags=["exam"])


class IdentityOut(Schema):
    decision: str
    message: str
    verified: bool
    tries_left: int
    referred: bool


class SnapshotOut(Schema):
    id: uuid.UUID
    status: str


def _own_attempt(request, attempt_id: int):
    person = person_of(request.user)
    return person, selectors.own_attempt_get(person, attempt_id)


@router.post("/exam/attempts/{int:attempt_id}/identity", response={200: IdentityOut, **ERRORS})
def identity_check(request, attempt_id: int):
    """A webcam capture checked against the candidate's references before the paper opens."""
    person, attempt = _own_attempt(request, attempt_id)
    return proctoring.attempt_identity_check(attempt=attempt, candidate=person, data=upload_bytes(request.FILES.get("image")))


@router.post("/exam/attempts/{int:attempt_id}/snapshots", response={202: SnapshotOut, **ERRORS}, url_name="exam_snapshot")
def snapshot(request, attempt_id: int):
    """A random webcam snapshot during the exam; its decision reaches the room over the socket."""
    person, attempt = _own_attempt(request, attempt_id)
    item = proctoring.exam_snapshot_record(attempt=attempt, candidate=person, data=upload_bytes(request.FILES.get("image")))
    return Status(202, {"id": item.pk, "status": item.status})



