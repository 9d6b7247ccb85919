"""The outcomes of a face check, shared by the engine and the models without loading dlib."""

import enum


class Decision(enum.StrEnum):
    VERIFIED = "verified"
    NO_FACE = "no_face"
    SEVERAL_FACES = "several_faces"
    MISMATCH = "mismatch"
    INCONCLUSIVE = "inconclusive"
    # The face matched, but the burst showed no sign of a live person: a still picture (reason
    # "still") or a head-turn challenge not met (reason "challenge_failed").
    NOT_LIVE = "not_live"
    # The face matched, but implausibly close to an earlier capture of the person: a re-sent copy.
    REPLAYED = "replayed"
