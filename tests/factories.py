"""Factories for every app's commonly built models, in one place: factory_boy factories for people
and organisations (real check characters), and builders for the Wagtail pages (courses and lessons
are pages, added under their parent with a published revision, which factory_boy cannot express)
and for the rows of a learner's study."""

import datetime
import hashlib
import uuid
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from kernel.validators import id_number_check_char, uscc_check_char
from lms.models import (
    Employment,
    Membership,
    Organisation,
    OrganisationKind,
    Person,
    Region,
    RegionLevel,
    User,
)

PASSWORD = "correct-horse-battery-9"


def make_id_number(region: str = "440106", birth: datetime.date = datetime.date(1986, 4, 2), sequence: int = 1) -> str:
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_number_check_char(first17)


def make_credit_code(n: int) -> str:
    body = f"914401{n:011d}"
    return body + uscc_check_char(body)


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "440000"
    name = "广东省"
    level = RegionLevel.PROVINCE
    parent = None


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    real_name = factory.Sequence(lambda n: f"测试{'甲乙丙丁戊己庚辛壬癸'[n % 10]}{'一二三四五六七八九十'[n // 10 % 10]}")
    id_number = factory.Sequence(lambda n: make_id_number(sequence=n % 1000, birth=datetime.date(1980 + n // 1000, 1, 1)))
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    education = "bachelor"
    user = factory.SubFactory(UserFactory, username=factory.SelfAttribute("..id_number"))


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.ENTERPRISE
    name = factory.Sequence(lambda n: f"测试建设工程有限公司{n}")
    credit_code = factory.LazyAttributeSequence(
        lambda o, n: make_credit_code(n + 1) if o.kind == OrganisationKind.ENTERPRISE else None
    )
    region = factory.SubFactory(RegionFactory)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "enterprise_admin"


class EmploymentFactory(DjangoModelFactory):
    class Meta:
        model = Employment

    person = factory.SubFactory(PersonFactory)
    enterprise = factory.SubFactory(OrganisationFactory)
    start_date = datetime.date(2023, 1, 1)
    end_date = None


# --- cms: institutions, courses and lessons -------------------------------------------------------


class SafetyTrainingFactory(DjangoModelFactory):
    """The employer's record of its annual safety training (A, B and C applications need one of
    the last twelve months)."""

    class Meta:
        model = "lms.SafetyTraining"

    enterprise = factory.SubFactory(OrganisationFactory)
    person = factory.SubFactory(PersonFactory)
    passed_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    year = factory.LazyAttribute(lambda record: record.passed_on.year)
    recorded_by = factory.SubFactory(UserFactory)
    recorded_at = factory.LazyFunction(timezone.now)


def institution_create(name: str):
    """A training institution through the service, so with its workspace (catalogue, staff group,
    collection)."""
    from lms.services.organisations import organisation_create

    return organisation_create(kind=OrganisationKind.INSTITUTION, name=name, region=RegionFactory())


def staff_of(institution):
    """A new user with the institution staff role in the institution."""
    from lms.models import Role
    from lms.services.organisations import membership_grant

    user = UserFactory()
    membership_grant(user=user, organisation=institution, role=Role.INSTITUTION_STAFF)
    return user


def course_publish(institution, title: str = "安全生产法规", *, summary: str = "课程简介", category: str = "general",
                   credentials=("A",), publish: bool = True, credit_hours=Decimal("2"), **fields):
    """A course in the institution's catalogue (its workspace is made if missing), with the
    credentials of the given codes; live unless told otherwise (the Wagtail editor creates drafts
    with live=False)."""
    from cms.models import CoursePage
    from cms.services.workspaces import workspace_provision
    from lms.models import Credential

    course = CoursePage(
        title=title, summary=summary, category=category, credit_hours=credit_hours,
        live=publish, **fields,
    )
    workspace_provision(institution=institution).catalogue.add_child(instance=course)
    course.credentials.set(Credential.objects.filter(code__in=credentials))
    revision = course.save_revision()
    if publish:
        revision.publish()
    course.refresh_from_db()
    return course


def lesson_add(course, title: str = "第一课", **fields):
    """A published lesson at the end of the course (a video address, ten minutes, one hour unless
    told otherwise)."""
    from cms.models import LessonPage

    values = {"video_url": "https://example.com/v.mp4", "minutes": Decimal("10"), "credit_hours": Decimal("1")}
    values.update(fields)
    lesson = LessonPage(title=title, **values)
    course.add_child(instance=lesson)
    lesson.save_revision().publish()
    return lesson


# --- proctor: snapshots ---------------------------------------------------------------------------


class SnapshotFactory(DjangoModelFactory):
    """A snapshot row already decided, without its image (for reads; the decision path and the
    real engine are tests/faces.py's)."""

    class Meta:
        model = "proctor.Snapshot"

    person = factory.SubFactory(PersonFactory)
    context_kind = "study"
    context_id = factory.LazyFunction(lambda: str(uuid.uuid4()))
    sha256 = factory.Sequence(lambda n: hashlib.sha256(f"snapshot-{n}".encode()).hexdigest())
    byte_size = 1000
    received_at = factory.LazyFunction(lambda: datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.timezone.utc))
    status = "decided"
    decision = "verified"
    decided_at = factory.SelfAttribute("received_at")


# --- hours: the ledger and certificates -----------------------------------------------------------


def credential(code: str):
    """A credential seeded by lms's data migration, by its code."""
    from lms.models import Credential

    return Credential.objects.get(code=code)


class HoursEntryFactory(DjangoModelFactory):
    """A line of the hours ledger, offline unless told otherwise."""

    class Meta:
        model = "hours.HoursEntry"

    person = factory.SubFactory(PersonFactory)
    credential = factory.LazyFunction(lambda: credential("C"))
    category = "general"
    hours = Decimal("8")
    earned_on = datetime.date(2024, 6, 1)
    source = "offline"


class CertificateFactory(DjangoModelFactory):
    """A certificate row as it stands (no issuing batch, no history: hours.services issue those)."""

    class Meta:
        model = "hours.Certificate"

    number = factory.Sequence(lambda n: f"T-{n}")
    holder = factory.SubFactory(PersonFactory)
    credential = factory.LazyFunction(lambda: credential("C"))
    authority = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.AUTHORITY)
    issued_on = datetime.date(2024, 3, 1)
    expires_on = datetime.date(2027, 3, 1)


# --- exam: banks, exams and sittings --------------------------------------------------------------
# The builders live beside the exam app, which the demo data and the benchmarks use too; the tests
# take them from here with the rest.

from exam.testing import make_bank, make_exam, make_question, make_sitting  # noqa: E402, F401


def confirmed_pass(person, credential, authority, compiled_by, passed_on=datetime.date(2022, 5, 1), months=12):
    """A pass of `person` on a province-confirmed list: what a certificate is issued from."""
    from django.utils import timezone

    from hours.models import Pass, PassList, PassListStatus
    from hours.rules.passes import add_months

    pass_list, _created = PassList.objects.get_or_create(
        source=f"test:{authority.pk}:{passed_on}", credential=credential,
        defaults={
            "authority": authority, "label": f"test {passed_on}", "status": PassListStatus.CONFIRMED,
            "compiled_by": compiled_by, "compiled_at": timezone.now(),
        },
    )
    return Pass.objects.get_or_create(
        pass_list=pass_list, person=person,
        defaults={"passed_on": passed_on, "keep_until": add_months(passed_on, months)},
    )[0]
