"""Identity evidence: biometric consent, reference faces, snapshots and their decisions, and the
hash-chained capture log that a regulator audits."""

from .capturelog import CaptureLogCheckpoint, CaptureLogEntry, CaptureLogHead
from .consent import BiometricConsent
from .references import FaceReference, ReferenceSource, reference_path
from .snapshots import Decision, Snapshot, SnapshotStatus, snapshot_path

__all__ = [
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
]
