"""Writes for the learning record: enrolment and study (`study`), snapshots during study and the
crediting of verified time to the hours ledger (`credit`), offline training batches and authority
adjustments (`offline`)."""

from .credit import (
    hours_entry_reassign,
    lesson_hours_credit,
    lesson_hours_credit_later,
    lesson_hours_recredit,
    lessons_credit_due,
    study_snapshot_record,
)
from .offline import hours_adjust, offline_batch_decide, offline_batch_upload
from .study import (
    HeartbeatResult,
    SessionStart,
    course_assign,
    enrol,
    enrolment_credential_choose,
    heartbeat_record,
    study_session_close,
    study_session_open,
)

__all__ = [
    "HeartbeatResult",
    "SessionStart",
    "course_assign",
    "enrol",
    "enrolment_credential_choose",
    "hours_entry_reassign",
    "heartbeat_record",
    "hours_adjust",
    "lesson_hours_credit",
    "lesson_hours_credit_later",
    "lesson_hours_recredit",
    "lessons_credit_due",
    "offline_batch_decide",
    "offline_batch_upload",
    "study_session_close",
    "study_session_open",
    "study_snapshot_record",
]
