"""factory_boy factories that make valid people and organisations (real check characters)."""

import datetime

import factory
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
