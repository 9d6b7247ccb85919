"""The face engine: detection, quality gates, encoding and decisions; nothing here knows Django models.

`core` holds the single-frame pipeline (decode, detect, analyse, decide, verify). The rest is
imported from here so callers keep writing `engine.verify(...)`.
"""

from lms.images import ImageRejected  # noqa: F401  (part of the engine's interface)

from ..decisions import Decision  # noqa: F401
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
    encode_all,
    prepare,
    detect,
    distance,
    encoding_from_bytes,
    encoding_to_bytes,
    verify,
)
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
