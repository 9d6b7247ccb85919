import datetime
import io

import pytest
from django.utils import timezone
from django.utils.translation import override
from PIL import Image

from kernel.errors import DomainError
from lms.models import Employment, Organisation, Person, User
from lms.services.employment import (
    employee_add,
    employment_end,
    employment_request_accept,
    employment_start,
)
from lms.services.organisations import membership_grant, organisation_create
from lms.services.people import person_register
from tests.factories import PASSWORD, PersonFactory, make_credit_code, make_id_number

pytestmark = pytest.mark.django_db


def register(**overrides):
    fields = {
        "real_name": "赵建国",
        "id_number": make_id_number(sequence=777),
        "mobile": "13712345678",
        "education": "bachelor",
        "password": PASSWORD,
    }
    fields.update(overrides)
    return person_register(**fields)


def png_bytes(mode="RGBA", size=(64, 80)):
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 100, 50, 128) if mode == "RGBA" else 128).save(buffer, format="PNG")
    return buffer.getvalue()


def test_registration_creates_the_account_and_the_profile_together():
    person = register(id_number=make_id_number(sequence=778).lower())
    assert person.user.check_password(PASSWORD)
    assert person.id_number == make_id_number(sequence=778)
    assert person.birth_date == datetime.date(1986, 4, 2)
    assert person.sex == "F"


def test_registration_stores_the_id_photo_privately_as_a_clean_jpeg(settings):
    person = register(id_photo=png_bytes())
    assert person.id_photo.name.startswith("id-photos/")
    path = settings.PRIVATE_MEDIA_ROOT / person.id_photo.name
    with Image.open(path) as stored:
        assert stored.format == "JPEG" and stored.mode == "RGB"
    with pytest.raises(NotImplementedError):
        person.id_photo.url


@pytest.mark.parametrize(
    "overrides, field, code, chinese",
    [
        ({"id_number": make_id_number(sequence=777)[:-1] + "0"}, "id_number", "id_number_check", "校验"),
        ({"id_number": "1234"}, "id_number", "id_number_format", "18"),
        ({"mobile": "1234567"}, "mobile", "mobile_format", "手机"),
        ({"real_name": "x"}, "real_name", "real_name_format", "姓名"),
        ({"password": "123456"}, "password", "password_weak", "密码"),
        ({"education": "kindergarten"}, "education", "education_invalid", "学历"),
        ({"id_photo": b"not an image"}, "id_photo", "image_corrupt", "图片"),
    ],
)
def test_bad_registrations_save_nothing_and_explain_in_chinese(overrides, field, code, chinese):
    with override("zh-hans"), pytest.raises(DomainError) as error:
        register(**overrides)
    assert error.value.code == code
    assert chinese in error.value.message
    assert not User.objects.exists() and not Person.objects.exists()


def test_duplicate_id_number_and_mobile_are_refused():
    register()
    with override("zh-hans"), pytest.raises(DomainError) as error:
        register(mobile="13712345679")
    assert error.value.code == "id_number_taken"
    assert "已" in error.value.message
    with pytest.raises(DomainError) as error:
        register(id_number=make_id_number(sequence=779))
    assert error.value.code == "mobile_taken"
    assert Person.objects.count() == 1 and User.objects.count() == 1


def test_a_giant_photo_is_refused_before_decoding(settings):
    settings.UPLOAD_IMAGE_MAX_BYTES = 1000
    with pytest.raises(DomainError) as error:
        register(id_photo=png_bytes(size=(400, 400)) + b"\0" * 2000)
    assert error.value.code == "image_too_large"
    assert not Person.objects.exists()


def test_a_decompression_bomb_is_refused(settings):
    settings.UPLOAD_IMAGE_MAX_PIXELS = 100 * 100
    with pytest.raises(DomainError) as error:
        register(id_photo=png_bytes(mode="L", size=(2000, 2000)))
    assert error.value.code == "image_too_many_pixels"


def test_enterprises_need_a_valid_unique_credit_code(world):
    with pytest.raises(DomainError) as error:
        organisation_create(kind="enterprise", name="无码公司", region=world.guangzhou)
    assert error.value.code == "credit_code_required"
    with pytest.raises(DomainError) as error:
        organisation_create(
            kind="enterprise", name="错码公司", region=world.guangzhou, credit_code=make_credit_code(99)[:-1] + "0"
        )
    assert error.value.code == "credit_code_check"
    with pytest.raises(DomainError) as error:
        organisation_create(
            kind="enterprise", name="重码公司", region=world.guangzhou, credit_code=world.gz_enterprise.credit_code
        )
    assert error.value.code == "credit_code_taken"
    assert not Organisation.objects.filter(name__in=["无码公司", "错码公司", "重码公司"]).exists()


def test_a_role_must_fit_the_kind_of_organisation(world):
    with pytest.raises(DomainError) as error:
        membership_grant(user=world.gz_admin, organisation=world.gz_authority, role="enterprise_admin")
    assert error.value.code == "role_not_for_organisation"


class TestEmployment:
    def test_an_enterprise_invites_a_registered_person_who_accepts(self, world):
        invitation = employee_add(
            actor=world.gz_admin,
            enterprise=world.gz_enterprise,
            id_number=world.loner.id_number,
            real_name=world.loner.real_name,
            start_date=datetime.date(2024, 5, 1),
            position="安全员",
        )
        # A name and an ID number alone attach nobody: the person must accept.
        assert invitation.status == "pending" and not world.loner.employments.exists()
        employment_request_accept(actor=world.loner.user, request=invitation)
        employment = world.loner.employments.get()
        assert employment.is_current and employment.enterprise == world.gz_enterprise
        assert employment.position == "安全员"

    def test_a_wrong_name_and_an_unknown_number_give_the_same_answer(self, world):
        for id_number, name in [(world.loner.id_number, "别人"), (make_id_number(sequence=999), world.loner.real_name)]:
            with pytest.raises(DomainError) as error:
                employee_add(
                    actor=world.gz_admin,
                    enterprise=world.gz_enterprise,
                    id_number=id_number,
                    real_name=name,
                    start_date=datetime.date(2024, 5, 1),
                )
            assert error.value.code == "person_not_found"

    def test_another_enterprises_admin_cannot_add_or_end(self, world):
        with pytest.raises(DomainError) as error:
            employee_add(
                actor=world.sz_admin,
                enterprise=world.gz_enterprise,
                id_number=world.loner.id_number,
                real_name=world.loner.real_name,
                start_date=datetime.date(2024, 5, 1),
            )
        assert error.value.code == "not_enterprise_admin"
        employment = world.gz_worker.employments.get()
        with pytest.raises(DomainError):
            employment_end(actor=world.sz_admin, employment=employment, end_date=datetime.date(2024, 1, 1))
        employment.refresh_from_db()
        assert employment.is_current

    def test_a_person_employed_elsewhere_becomes_a_change_request_not_a_second_employer(self, world):
        invitation = employee_add(
            actor=world.sz_admin,
            enterprise=world.sz_enterprise,
            id_number=world.gz_worker.id_number,
            real_name=world.gz_worker.real_name,
            start_date=datetime.date(2024, 5, 1),
        )
        employment_request_accept(actor=world.gz_worker.user, request=invitation)
        invitation.refresh_from_db()
        assert invitation.status == "review"
        assert world.gz_worker.employments.count() == 1
        with override("zh-hans"), pytest.raises(DomainError) as error:
            employment_start(
                actor=world.sz_admin, person=world.gz_worker, enterprise=world.sz_enterprise,
                start_date=datetime.date(2024, 5, 1),
            )
        assert error.value.code == "employment_overlap"
        assert "广州建工" in error.value.message

    def test_a_change_of_employer_keeps_the_history_and_may_not_overlap(self, world):
        old = world.gz_worker.employments.get()
        employment_end(actor=world.gz_admin, employment=old, end_date=datetime.date(2024, 6, 30))
        start = dict(
            actor=world.sz_admin,
            enterprise=world.sz_enterprise,
            id_number=world.gz_worker.id_number,
            real_name=world.gz_worker.real_name,
        )
        with pytest.raises(DomainError) as error:
            employee_add(start_date=datetime.date(2024, 6, 30), **start)
        assert error.value.code == "start_in_earlier_employment"
        invitation = employee_add(start_date=datetime.date(2024, 7, 1), **start)
        employment_request_accept(actor=world.gz_worker.user, request=invitation)
        new = world.gz_worker.employments.get(end_date__isnull=True)
        assert [e.enterprise for e in Employment.objects.filter(person=world.gz_worker).order_by("start_date")] == [
            world.gz_enterprise,
            world.sz_enterprise,
        ]
        assert new.is_current

    def test_end_dates_are_checked(self, world):
        employment = world.gz_worker.employments.get()
        with pytest.raises(DomainError) as error:
            employment_end(actor=world.gz_admin, employment=employment, end_date=datetime.date(2022, 1, 1))
        assert error.value.code == "end_before_start"
        with pytest.raises(DomainError) as error:
            employment_end(
                actor=world.gz_admin,
                employment=employment,
                end_date=timezone.localdate() + datetime.timedelta(days=1),
            )
        assert error.value.code == "end_date_future"
        employment_end(actor=world.gz_admin, employment=employment, end_date=datetime.date(2024, 1, 1))
        with pytest.raises(DomainError) as error:
            employment_end(actor=world.gz_admin, employment=employment, end_date=datetime.date(2024, 1, 2))
        assert error.value.code == "employment_already_ended"

    def test_the_database_itself_allows_one_current_employer(self, world):
        from django.db import IntegrityError, transaction

        from tests.factories import EmploymentFactory

        with pytest.raises(IntegrityError), transaction.atomic():
            EmploymentFactory(person=world.gz_worker, enterprise=world.sz_enterprise)


def test_person_factory_makes_valid_people(db):
    person = PersonFactory()
    from kernel.validators import validate_id_number

    assert validate_id_number(person.id_number) == person.id_number
