"""Every refusal of proctor (consent, face references, snapshots), with its message and HTTP status.
A rejected image is refused with the kernel's image codes (kernel.errors)."""

from django.utils.translation import gettext_lazy as _

from kernel.errors import Catalogue, Refusal

ERRORS = Catalogue(
    "proctor",
    {
        "consent_required": Refusal(_("Give your consent to face verification before any photo is taken."), 403),
        # reference photos (proctor.services.references)
        "reference_no_face": Refusal(_("The photo must show exactly one face.")),
        "reference_several_faces": Refusal(_("The photo must show exactly one face.")),
        # The message raised is the face engine's advice on what to fix (proctor.rules.messages).
        "reference_quality": Refusal(
            _("The photo is not clear enough to be a reference: adjust the light and your position, then try again.")
        ),
        "reference_mismatch": Refusal(_("This photo does not match your other reference photos.")),
        "reference_set_inconsistent": Refusal(
            _("Your reference photos do not agree with one another: redo your reference photos in good light."), 409
        ),
        "reference_id_photo_exists": Refusal(_("Your ID photo is already a reference."), 409),
        "id_photo_missing": Refusal(_("There is no ID photo on file; upload one first.")),
        # snapshots (proctor.services.snapshots)
        "face_profile_missing": Refusal(
            _("Give consent and enrol your reference photos before snapshots can count."), 403
        ),
        "snapshot_replayed": Refusal(_("This exact picture was already uploaded; a snapshot must be new."), 409),
        "snapshot_not_found": Refusal(_("This snapshot does not exist."), 404),
        # the server's requests for evidence (proctor.services.requests)
        "snapshot_not_requested": Refusal(
            _("This picture was not asked for: the page takes one when the server asks."), 409
        ),
        "snapshot_request_used": Refusal(_("This request was already answered."), 409),
        "snapshot_too_late": Refusal(_("The time to take this picture has passed; the next request comes soon."), 409),
        "snapshot_too_early": Refusal(_("This picture was sent before it was asked for."), 409),
        "snapshot_frames_invalid": Refusal(_("A snapshot is a short burst of frames.")),
        "evidence_request_closed": Refusal(_("This request for a snapshot is closed; wait for the next one."), 409),
        # live video (proctor.services.video)
        "video_move_illegal": Refusal(_("A video link that is %(from)s cannot become %(to)s."), 409),
        "video_offer_invalid": Refusal(_("This video offer is not a valid WebRTC session description.")),
        "video_offer_flood": Refusal(_("Too many video offers: the page tries again later."), 429),
        "video_unavailable": Refusal(_("Live video is not available now; the exam goes on with snapshots."), 503),
        "video_not_live": Refusal(_("This candidate's video is not live now: the board shows its last frames."), 409),
        # the capture log's checkpoints (proctor.services.capturelog, proctor.signing)
        "capturelog_broken": Refusal(_("The capture log does not verify, so no checkpoint was signed: %(problem)s"), 409),
        "capturelog_signing_key_missing": Refusal(
            _("No capture-log signing key is configured: set CAPTURELOG_SIGNING_KEY or CAPTURELOG_SIGNING_KEY_FILE."),
            503,
        ),
        "capturelog_signing_key_invalid": Refusal(
            _("The capture-log signing key in %(source)s cannot be used: %(error)s"), 503
        ),
        # the audit portal's exports (proctor.services.exports)
        "export_move_illegal": Refusal(_("An export that is %(from)s cannot become %(to)s."), 409),
        "export_period_invalid": Refusal(_("Give a period whose start comes before its end, of at most %(days)s days.")),
        "export_region_not_covered": Refusal(_("You do not review this region."), 404),
        "export_not_ready": Refusal(_("This export is not ready yet."), 409),
        "log_cursor_invalid": Refusal(_("This page of the log does not exist.")),
    },
)
