"""API of the exam room's camera: the identity check before the paper, snapshots during it.
Bursts of frames travel over HTTP (repeated multipart `frame`, with the request's `nonce`),
everything else over the room's WebSocket (which also says when a snapshot is due)."""

import datetime
import uuid

from asgiref.sync import async_to_sync
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status

from kernel.api import ERROR_RESPONSES
from kernel.images import upload_frames
from lms.selectors.people import person_of
from proctor.services.requests import request_as_json

from ..realtime import media
from ..selectors import room as selectors
from ..services import proctoring
from ..services import video as video_services

router = Router(tags=["exam room"])


class IdentityOut(Schema):
    decision: str
    message: str
    verified: bool
    tries_left: int
    referred: bool


class EvidenceOut(Schema):
    id: uuid.UUID
    nonce: str
    frames: int
    challenge: str
    expires_at: datetime.datetime


class SnapshotOut(Schema):
    id: uuid.UUID
    status: str


def _own_attempt(request, attempt_id: int):
    person = person_of(request.user)
    return person, selectors.own_attempt_get(person, attempt_id)


@router.post("/exam/attempts/{int:attempt_id}/identity/request", response={200: EvidenceOut, **ERROR_RESPONSES}, summary=_("Ask for the identity check's snapshot before the exam"))
def identity_request(request, attempt_id: int):
    """The request the identity check answers: its nonce, frames and head-turn challenge."""
    person, attempt = _own_attempt(request, attempt_id)
    return request_as_json(proctoring.identity_request(attempt=attempt, candidate=person))


@router.post("/exam/attempts/{int:attempt_id}/identity", response={200: IdentityOut, **ERROR_RESPONSES}, summary=_("Check the candidate's identity"))
def identity_check(request, attempt_id: int):
    """A burst from the webcam, answering the identity request, checked against the candidate's
    references before the paper opens."""
    person, attempt = _own_attempt(request, attempt_id)
    return proctoring.attempt_identity_check(
        attempt=attempt, candidate=person, frames=upload_frames(request), nonce=request.POST.get("nonce", "")
    )


@router.post("/exam/attempts/{int:attempt_id}/snapshots", response={202: SnapshotOut, **ERROR_RESPONSES}, url_name="exam_snapshot", summary=_("Upload an exam snapshot"))
def snapshot(request, attempt_id: int):
    """A burst answering the room's request during the exam; its decision reaches the room over
    the socket."""
    person, attempt = _own_attempt(request, attempt_id)
    item = proctoring.exam_snapshot_record(
        attempt=attempt, candidate=person, frames=upload_frames(request), nonce=request.POST.get("nonce", "")
    )
    return Status(202, {"id": item.pk, "status": item.status})


class VideoOfferIn(Schema):
    sdp: str
    type: str = "offer"


class VideoAnswerOut(Schema):
    sdp: str
    type: str
    setting: dict


@router.post("/exam/attempts/{int:attempt_id}/video/offer", response={200: VideoAnswerOut, **ERROR_RESPONSES}, url_name="exam_video_offer", summary=_("Open the exam's video connection"))
def video_offer(request, attempt_id: int, body: VideoOfferIn):
    """The candidate's camera over WebRTC: the browser's SDP offer (ICE gathered) in, the media
    worker's answer and the bandwidth it asks for out. Only the attempt's candidate, only while it
    is open; `video_unavailable` (503) when no media worker answers in time, and the room goes on
    with snapshots."""
    person, attempt = _own_attempt(request, attempt_id)
    plan = video_services.attempt_video_offer(attempt=attempt, candidate=person, sdp=body.sdp)
    return async_to_sync(media.offer)(plan, body.sdp, timeout=media.answer_timeout())


class VideoWatchOut(Schema):
    sdp: str
    type: str


@router.post("/exam/attempts/{int:attempt_id}/video/watch", response={200: VideoWatchOut, **ERROR_RESPONSES}, url_name="exam_video_watch", summary=_("Watch a candidate's live video"))
def video_watch(request, attempt_id: int, body: VideoOfferIn):
    """A proctor of the sitting watches the candidate's live video: the browser's receive-only
    offer in, the answer of the media worker that holds the candidate's link out, which relays the
    candidate's track. Logged in the capture log. `video_not_live` (409) when no worker holds it."""
    attempt = selectors.attempt_proctored_get(request.user, attempt_id)
    plan = video_services.attempt_video_watch(actor=request.user, attempt=attempt, sdp=body.sdp)
    return async_to_sync(media.watch)(plan, body.sdp, timeout=media.answer_timeout())
