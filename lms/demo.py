"""The people side of the demo data, safe to run again: it adds only what is missing."""

import datetime

from django.utils.translation import gettext as _

from kernel.validators import id_number_check_char, uscc_check_char

from .models import (
    Employment,
    Organisation,
    OrganisationKind,
    Person,
    Region,
    RegionLevel,
    Role,
    User,
)
from .services.organisations import membership_grant, organisation_create, region_create
from .services.people import person_register

DEMO_PASSWORD = "kaohe-demo-2026"


def demo_id_number(region: str, birth: datetime.date, sequence: int) -> str:
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_number_check_char(first17)


def demo_credit_code(body: str) -> str:
    return body + uscc_check_char(body)


REGIONS = [
    ("440000", "广东省", RegionLevel.PROVINCE, None),
    ("440100", "广州市", RegionLevel.CITY, "440000"),
    ("440300", "深圳市", RegionLevel.CITY, "440000"),
]

ORGANISATIONS = [
    ("gd-authority", OrganisationKind.AUTHORITY, "广东省住房和城乡建设厅", "440000", None),
    ("gz-authority", OrganisationKind.AUTHORITY, "广州市住房和城乡建设局", "440100", None),
    ("ent-gz", OrganisationKind.ENTERPRISE, "广州穗安建设工程有限公司", "440100", demo_credit_code("91440101MA59D0K2L")),
    ("ent-sz", OrganisationKind.ENTERPRISE, "深圳鹏城建筑集团有限公司", "440300", demo_credit_code("91440300MA5FH3RQ7")),
    ("inst", OrganisationKind.INSTITUTION, "广东建设职业培训学校", "440100", demo_credit_code("52440000MJL1706X1")),
]

# username, role, organisation key, the staff member's real name (shown in the header)
STAFF = [
    ("gd-reviewer", Role.AUTHORITY_REVIEWER, "gd-authority", "林海涛"),
    ("gz-reviewer", Role.AUTHORITY_REVIEWER, "gz-authority", "周敏"),
    ("gz-proctor", Role.PROCTOR, "gz-authority", "黄志强"),
    ("ent-gz-admin", Role.ENTERPRISE_ADMIN, "ent-gz", "陈晓红"),
    ("ent-sz-admin", Role.ENTERPRISE_ADMIN, "ent-sz", "吴建华"),
    ("inst-staff", Role.INSTITUTION_STAFF, "inst", "郑丽"),
]

# real name, region of birth, birth date, sequence (odd: male), mobile, education, employer key
LEARNERS = [
    ("张伟", "440106", datetime.date(1985, 3, 12), 31, "13800138001", "bachelor", "ent-gz"),
    ("王芳", "440104", datetime.date(1990, 7, 8), 42, "13800138002", "junior_college", "ent-gz"),
    ("李强", "440304", datetime.date(1978, 11, 23), 17, "13800138003", "senior_secondary", "ent-sz"),
    ("刘洋", "440305", datetime.date(1995, 1, 30), 55, "13800138004", "bachelor", "ent-sz"),
    ("陈静", "440103", datetime.date(1988, 5, 5), 26, "13800138005", "master", None),
]


def seed() -> list[tuple[str, str, str]]:
    """Returns (login, role, organisation) for every demo account."""

    regions: dict[str, Region] = {}
    for code, name, level, parent in REGIONS:
        regions[code] = region_create(code=code, name=name, level=level, parent=regions.get(parent))

    organisations: dict[str, Organisation] = {}
    for key, kind, name, region, credit_code in ORGANISATIONS:
        existing = Organisation.objects.filter(kind=kind, name=name).first()
        organisations[key] = existing or organisation_create(
            kind=kind, name=name, region=regions[region], credit_code=credit_code
        )

    admin, created = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True, "first_name": "系统管理员"}
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    logins = [("admin", _("Superuser"), "—")]

    for username, role, key, display in STAFF:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": display})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        elif user.first_name != display:  # demo data of an older version: give the real name
            user.first_name = display
            user.save(update_fields=["first_name"])
        membership_grant(user=user, organisation=organisations[key], role=role)
        logins.append((username, Role(role).label, organisations[key].name))

    learner = _("Learner")
    for name, region, birth, sequence, mobile, education, employer in LEARNERS:
        id_number = demo_id_number(region, birth, sequence)
        person = Person.objects.filter(id_number=id_number).first() or person_register(
            real_name=name, id_number=id_number, mobile=mobile, education=education, password=DEMO_PASSWORD
        )
        if employer and not Employment.objects.filter(person=person, end_date__isnull=True).exists():
            enterprise = organisations[employer]
            Employment.objects.create(
                person=person, enterprise=enterprise, start_date=datetime.date(2022, 3, 1), position="安全员"
            )
        logins.append((mobile, f"{learner} {name} ({person.masked_id_number})", employer and organisations[employer].name or "—"))

    return logins
