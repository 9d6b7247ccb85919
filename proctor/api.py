"""API for the learner's face profile and the checks of their snapshots, and the capture log's
signed checkpoints and public key, published for regulators without logging in."""

import datetime
import uuid

from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from kernel.api import ERROR_RESPONSES, ErrorOut
from kernel.images import image_error, upload_bytes
from lms.selectors.people import person_of

from . import engine
from .models import ReferenceSource
from .rules.capturelog import microseconds, moment
from .rules.messages import decision_message, guidance_message
from .selectors import capturelog, evidence, guidance, profiles
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


class GuidanceOut(Schema):
    ok: bool
    code: str
    message: str


class SnapshotOut(Schema):
    id: uuid.UUID
    status: str
    decision: str
    reason: str
    message: str
    received_at: datetime.datetime
    decided_at: datetime.datetime | None


class PublicKeyOut(Schema):
    algorithm: str
    key_id: str
    public_key_pem: str
    public_key_hex: str


class CheckpointOut(Schema):
    """Every field the signature covers (docs/audit.md), the signature, and the checkpoint's digest
    (SHA-256 of the signed message), which the next checkpoint covers."""

    sequence: int
    length: int
    tip_hash: str
    previous_digest: str
    created_at: str
    created_at_us: int
    key_id: str
    signature: str
    digest: str

    @staticmethod
    def resolve_created_at(checkpoint) -> str:
        # Formatted here: the API's JSON encoder would cut the signed microseconds to milliseconds.
        return moment(microseconds(checkpoint.created_at)).isoformat(timespec="microseconds").replace("+00:00", "Z")

    @staticmethod
    def resolve_created_at_us(checkpoint) -> int:
        return microseconds(checkpoint.created_at)

    @staticmethod
    def resolve_digest(checkpoint) -> str:
        return capturelog.checkpoint_record(checkpoint).digest()


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


@router.get("/proctor/profile", response={200: FaceProfileOut, **ERROR_RESPONSES}, summary=_("My face profile"))
def profile(request):
    return _profile_out(_person(request))


@router.post("/proctor/references", response={201: ReferenceOut, **ERROR_RESPONSES}, summary=_("Add a face reference photo"))
def reference_add(request):
    """A live webcam capture (multipart field `image`) added to the learner's references."""
    person = _person(request)
    reference = references.reference_add(
        person=person, source=ReferenceSource.WEBCAM, data=upload_bytes(request.FILES.get("image"))
    )
    return Status(201, {"id": reference.pk, "source": reference.source, "profile": _profile_out(person)})


@router.post("/proctor/references/guidance", response={200: GuidanceOut, **ERROR_RESPONSES}, url_name="reference_guidance", summary=_("Guidance on a reference photo"))
def reference_guidance(request):
    """Live guidance before a capture: one camera frame (multipart field `image`) judged for one
    face, centred, in enough light. Nothing is stored or logged; the capture itself is checked again."""
    try:
        result = guidance.reference_guidance(person=_person(request), data=upload_bytes(request.FILES.get("image")))
    except engine.ImageRejected as error:
        raise image_error(error) from error
    return {"ok": result.ok, "code": result.code, "message": guidance_message(result.code)}


@router.get("/proctor/snapshots/{snapshot_id}", response={200: SnapshotOut, **ERROR_RESPONSES}, url_name="snapshot_get", summary=_("A snapshot's check result"))
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


@router.get(
    "/capturelog/public-key",
    auth=None,
    response={200: PublicKeyOut, 503: ErrorOut, **ERROR_RESPONSES},
    tags=["capture log"],
    summary=_("The capture log's signing public key"),
)
def capturelog_public_key(request):
    """The Ed25519 public key that signs the capture log's checkpoints, and its id (SHA-256 of its
    32 raw bytes). Public: a regulator fetches it once and pins its id."""
    return capturelog.public_key_published()


@router.get("/capturelog/checkpoints", auth=None, response=list[CheckpointOut], tags=["capture log"], summary=_("The capture log's signed checkpoints"))
@paginate(LimitOffsetPagination)
def capturelog_checkpoints(request, after: int = 0):
    """The signed checkpoints in sequence order, those after `after` only if given. Public: they
    carry only lengths, hashes and signatures. Regulators keep what they fetch."""
    return capturelog.checkpoints_published(after=after)
