"""What a face decision tells the learner, and what a capture-log check found, in the reader's language."""

from collections import defaultdict

from django.utils.translation import gettext as _

from ..models import Decision


def decision_message(decision: str, reason: str = "") -> str:
    if decision == Decision.NOT_LIVE:
        if reason == "challenge_failed":
            return _("The head turn you were asked for was not seen: follow the prompt on the screen.")
        return _("No sign of a live person was seen: a photo or a still picture does not count.")
    if decision == Decision.INCONCLUSIVE:
        return {
            "too_dark": _("The picture is too dark: turn on a light or face a window."),
            "too_bright": _("The picture is too bright: move away from the light behind or in front of you."),
            "blurred": _("The picture is blurred: hold still and clean the camera."),
            "face_too_small": _("Your face is too small in the picture: come closer to the camera."),
        }.get(reason, _("The check could not decide: adjust the light and your position, then try again."))
    return {
        Decision.VERIFIED: _("Verified."),
        Decision.NO_FACE: _("No face was seen: look at the camera."),
        Decision.SEVERAL_FACES: _("More than one face was seen: only you may be in front of the camera."),
        Decision.MISMATCH: _("The face does not match your reference photos."),
        Decision.REPLAYED: _("This picture is a copy of an earlier one: only a live camera counts."),
    }.get(decision, "")


def guidance_message(code: str) -> str:
    """What the learner should do before taking a reference capture (proctor.rules.guidance)."""
    return {
        "ready": _("Good: one face, centred, in enough light. Take the capture now."),
        "no_face": _("No face is seen: look straight at the camera."),
        "several_faces": _("More than one face is seen: only you may be in the picture."),
        "off_centre": _("Move so that your face is in the middle of the picture."),
        "face_too_small": _("Come closer to the camera."),
        "too_dark": _("The picture is too dark: turn on a light or face a window."),
        "too_bright": _("The picture is too bright: move away from the light behind or in front of you."),
        "blurred": _("The picture is blurred: hold still and clean the camera."),
    }.get(code, _("Adjust the light and your position."))


def capturelog_problem(code: str, params: dict) -> str:
    """A capture-log verification problem (proctor.rules.capturelog.PROBLEMS), in the reader's
    language; the codes and their parameters are the ones the pure rules report."""
    templates = {
        "entry_link_broken": _("Entry %(entry)s: its previous hash does not match the entry before it."),
        "entry_hash_mismatch": _("Entry %(entry)s: its content does not match its hash."),
        "head_missing": _("The head row is missing; %(checked)s entries remain."),
        "head_short": _("The chain ends early: the head records %(length)s appended entries, %(checked)s remain."),
        "head_mismatch": _(
            "The head (length %(length)s, hash %(head_hash)s) disagrees with the chain "
            "(%(checked)s entries ending in %(tip_hash)s)."
        ),
        "public_key_missing": _("Checkpoint %(checkpoint)s cannot be checked: no public key was given or configured."),
        "checkpoint_sequence_gap": _(
            "Checkpoint %(checkpoint)s is missing: the checkpoints go from %(before)s to %(after)s."
        ),
        "checkpoint_unknown_key": _(
            "Checkpoint %(checkpoint)s is signed with key %(key_id)s, which is not a trusted public key."
        ),
        "checkpoint_signature_invalid": _("Checkpoint %(checkpoint)s: the signature does not verify."),
        "checkpoint_chain_broken": _(
            "Checkpoint %(checkpoint)s does not cover checkpoint %(before)s: its previous digest differs."
        ),
        "checkpoint_length_decreased": _(
            "Checkpoint %(checkpoint)s records %(length)s entries, fewer than checkpoint %(before)s's %(before_length)s."
        ),
        "checkpoint_tip_mismatch": _(
            "Entry %(entry)s at position %(length)s does not have the tip hash signed in checkpoint "
            "%(checkpoint)s: the chain was rewritten between positions %(start)s and %(length)s."
        ),
        "chain_shorter_than_checkpoint": _(
            "The chain has %(checked)s entries, but checkpoint %(checkpoint)s signed %(length)s: entries were removed."
        ),
        "checkpoint_not_stored": _("Checkpoint %(checkpoint)s of the published copy is missing from the database."),
        "checkpoint_differs": _("Checkpoint %(checkpoint)s in the database differs from the published copy."),
    }
    template = templates.get(code)
    if template is None:
        return code
    return template % defaultdict(lambda: "?", params)
