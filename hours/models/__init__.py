"""The learning record (`study`), the hours ledger (`ledger`), its rules (`rules`), offline
training batches (`offline`) and certificates (`certificates`)."""

from .certificates import (
    Certificate,
    CertificateEvent,
    CertificateStatus,
    ExtensionRequest,
    ExtensionStatus,
)
from .ledger import HoursEntry, HoursSource
from .legacy import LEGACY_HOLDING_MACHINE, LegacyHolding, LegacyHoldingStatus
from .offline import BatchStatus, OfflineBatch, OfflineRow
from .passes import Pass, PassList, PassListStatus
from .rules import Consequence, CreditScheme, Issuer, YearlyRuleStart
from .standing import CertificateStanding
from .study import (
    Enrolment,
    EnrolmentSource,
    LessonProgress,
    SessionStatus,
    StudySegment,
    StudySession,
)

__all__ = [
    "BatchStatus",
    "Certificate",
    "CertificateEvent",
    "CertificateStanding",
    "CertificateStatus",
    "Consequence",
    "Issuer",
    "CreditScheme",
    "Enrolment",
    "EnrolmentSource",
    "ExtensionRequest",
    "ExtensionStatus",
    "HoursEntry",
    "HoursSource",
    "LEGACY_HOLDING_MACHINE",
    "LegacyHolding",
    "LegacyHoldingStatus",
    "LessonProgress",
    "OfflineBatch",
    "OfflineRow",
    "Pass",
    "PassList",
    "PassListStatus",
    "SessionStatus",
    "StudySegment",
    "StudySession",
    "YearlyRuleStart",
]
