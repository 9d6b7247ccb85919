"""The five outcomes of a face check, shared by the engine and the models without loading dlib."""

import enum


class Decision(enum.StrEnum):
    VERIFIED = "verified"
    NO_FACE = "no_face"
    SEVERAL_FACES = "several_faces"
    MISMATCH = "mismatch"
    INCONCLUSIVE = "inconclusive"
