"""Live guidance before a reference capture: is the picture the camera shows now worth taking?
A pure judgement of one frame's analysis (faces, box, quality issue), no ORM and no image."""

from dataclasses import dataclass

# The face's centre must lie in the middle part of the picture: a face at the edge is often cut by
# the frame when the learner moves, and its landmarks are less reliable.
CENTRE_BAND = 0.25  # the centre may be off by at most this share of the width or height


@dataclass(frozen=True)
class Guidance:
    ok: bool
    code: str  # ready, no_face, several_faces, off_centre, face_too_small, too_dark, too_bright, blurred


def capture_guidance(*, faces: int, box: tuple[int, int, int, int] | None, width: int, height: int, quality_issue: str | None) -> Guidance:
    if faces == 0:
        return Guidance(False, "no_face")
    if faces > 1:
        return Guidance(False, "several_faces")
    if quality_issue == "face_too_small":
        return Guidance(False, "face_too_small")
    if box is not None and width and height:
        top, right, bottom, left = box
        off_x = abs((left + right) / 2 - width / 2) / width
        off_y = abs((top + bottom) / 2 - height / 2) / height
        if off_x > CENTRE_BAND or off_y > CENTRE_BAND:
            return Guidance(False, "off_centre")
    if quality_issue:
        return Guidance(False, quality_issue)
    return Guidance(True, "ready")
