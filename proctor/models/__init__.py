"""Identity evidence: biometric consent, reference faces, snapshots and their decisions, and the
hash-chained capture log that a regulator audits."""

from .capturelog import CaptureLogCheckpoint, CaptureLogEntry, CaptureLogHead
from .consent import BiometricConsent
from .exports import EXPORT_MACHINE, CaptureLogExport, ExportStatus
from .references import FaceReference, ReferenceSource, reference_path
from .requests import REQUEST_MACHINE, Challenge, EvidenceRequest, RequestStatus
from .snapshots import (
    Decision,
    Snapshot,
    SnapshotFrame,
    SnapshotStatus,
    frame_path,
    snapshot_path,
)
from .video import (
    STREAM_MACHINE,
    StreamStatus,
    VideoClip,
    VideoFrame,
    VideoStream,
    video_clip_path,
    video_frame_path,
)

__all__ = [
    "EXPORT_MACHINE",
    "CaptureLogExport",
    "ExportStatus",
    "REQUEST_MACHINE",
    "Challenge",
    "EvidenceRequest",
    "RequestStatus",
    "SnapshotFrame",
    "frame_path",
    "BiometricConsent",
    "CaptureLogCheckpoint",
    "CaptureLogEntry",
    "CaptureLogHead",
    "Decision",
    "FaceReference",
    "ReferenceSource",
    "Snapshot",
    "SnapshotStatus",
    "reference_path",
    "snapshot_path",
    "STREAM_MACHINE",
    "StreamStatus",
    "VideoClip",
    "VideoFrame",
    "VideoStream",
    "video_clip_path",
    "video_frame_path",
]
