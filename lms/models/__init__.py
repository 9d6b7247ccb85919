"""People, organisations, the roles that join them, employment and credentials. Each model lives
in the module named for it; this package exports them for Django and for callers."""

from .archive import ArchiveDocument, DocumentKind
from .credentials import Credential, CredentialFamily
from .employment import (
    EMPLOYMENT_REQUEST_MACHINE,
    OPEN_REQUEST_STATUSES,
    Employment,
    EmploymentRequest,
    EmploymentRequestStatus,
    SafetyTraining,
)
from .organisations import (
    ROLE_ORGANISATION_KINDS,
    Membership,
    Organisation,
    OrganisationKind,
    Region,
    RegionLevel,
    Role,
)
from .people import (
    Education,
    IdPhotoStatus,
    Person,
    ProfessionalTitle,
    Sex,
    User,
    id_photo_path,
)

__all__ = [
    "EMPLOYMENT_REQUEST_MACHINE",
    "OPEN_REQUEST_STATUSES",
    "ROLE_ORGANISATION_KINDS",
    "ArchiveDocument",
    "Credential",
    "CredentialFamily",
    "DocumentKind",
    "Education",
    "Employment",
    "EmploymentRequest",
    "EmploymentRequestStatus",
    "IdPhotoStatus",
    "Membership",
    "Organisation",
    "OrganisationKind",
    "Person",
    "ProfessionalTitle",
    "Region",
    "RegionLevel",
    "Role",
    "SafetyTraining",
    "Sex",
    "User",
    "id_photo_path",
]
