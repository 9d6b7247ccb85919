"""The face engine: detection, quality gates, encoding and decisions; nothing here knows Django models.

- `core`: one frame: decode, detect, analyse (prepare + encode_all), decide, verify;
- `burst`: the frames of one snapshot burst (analyse_burst, decide_burst, verify_burst) and the
  consistency of a reference set (reference_set_check);
- `liveness`: passive variation between frames, the head-turn challenge, replay by content;
- `detector`, `encoder`, `dlib_weights`: dlib's HOG detector and 5-point landmarks, and dlib's
  ResNet weights run in ONNX Runtime (or dlib).

Everything callers use is imported here, so they keep writing `engine.verify(...)`.
"""

from kernel.images import ImageRejected  # noqa: F401  (part of the engine's interface)

from ..decisions import Decision  # noqa: F401
from . import liveness  # noqa: E402,F401,I001  (after core: it reads core's Analysis)
from .burst import (  # noqa: F401
    BurstSetting,
    ReferenceCheck,
    analyse_burst,
    decide_burst,
    frame_distance,
    reference_set_check,
    setting_from_settings,
    spread,
    verify_burst,
)
from .core import (  # noqa: F401
    DETECT_SIDE,
    WORK_SIDE,
    Analysis,
    Limits,
    Quality,
    Verdict,
    analyse,
    decide,
    decode,
    detect,
    distance,
    encode_all,
    encoding_from_bytes,
    encoding_to_bytes,
    prepare,
    verify,
)
