import io
import re

import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import override
from PIL import Image

from lms.errors import ERRORS
from lms.models import Person
from tests.factories import PASSWORD, make_id_number

pytestmark = pytest.mark.django_db


def registration(**overrides):
    data = {
        "real_name": "赵建国",
        "id_number": make_id_number(sequence=555),
        "mobile": "13612345678",
        "education": "bachelor",
        "professional_title": "none",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def test_pages_are_in_chinese_by_default(client):
    html = client.get(reverse("lms:login")).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html


def test_the_language_switch_gives_english_and_back(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("lms:login")})
    assert response.status_code == 302
    html = client.get(reverse("lms:login")).content.decode()
    assert '<html lang="en">' in html and "Log in" in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "登录" in client.get(reverse("lms:login")).content.decode()


def test_registration_creates_the_account_and_the_learner_logs_in(client):
    photo = io.BytesIO()
    Image.new("RGB", (90, 120), (180, 160, 150)).save(photo, format="JPEG")
    photo.seek(0)
    photo.name = "id.jpg"
    response = client.post(reverse("lms:register"), {**registration(), "id_photo": photo})
    assert response.status_code == 302 and response.url == reverse("lms:register_done")
    person = Person.objects.get()
    assert person.id_photo
    assert client.post(reverse("lms:login"), {"username": "13612345678", "password": PASSWORD}).status_code == 302
    html = client.get(reverse("lms:home")).content.decode()
    assert "赵建国" in html and person.masked_id_number in html


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"id_number": make_id_number(sequence=555)[:-1] + ("0" if make_id_number(sequence=555)[-1] != "0" else "1")}, "校验"),
        ({"mobile": "12345"}, "手机"),
        ({"password2": "different-phrase-77"}, "两次"),
    ],
)
def test_registration_errors_are_shown_in_chinese_beside_the_field(chinese, overrides, message):
    response = chinese.post(reverse("lms:register"), registration(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Person.objects.exists()


def test_a_corrupt_photo_is_refused_without_a_500(client):
    upload = io.BytesIO(b"\x89PNG\r\n\x1a\n garbage")
    upload.name = "id.png"
    response = client.post(reverse("lms:register"), {**registration(), "id_photo": upload})
    assert response.status_code == 200
    assert not Person.objects.exists()


def answer(client, data):
    """What an anonymous visitor learns from a registration: the status, where it leads, the page."""
    response = client.post(reverse("lms:register"), data, REMOTE_ADDR="10.1.1.1")
    followed = client.get(response.url) if response.status_code == 302 else response
    # Each render masks the CSRF token afresh: compare the pages without it.
    page = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", followed.content)
    return response.status_code, response.get("Location"), sorted(response.cookies.keys()), page


@pytest.mark.parametrize("taken", ["id_number", "mobile", "both"])
def test_registration_answers_the_same_whether_or_not_the_person_is_registered(
    chinese, world, settings, taken, django_capture_on_commit_callbacks
):
    from kernel import sms

    settings.SMS_BACKEND = "kernel.sms.MemoryBackend"
    sms.outbox.clear()
    existing = {
        "id_number": {"id_number": world.gz_worker.id_number},
        "mobile": {"mobile": world.gz_worker.mobile},
        "both": {"id_number": world.gz_worker.id_number, "mobile": world.gz_worker.mobile},
    }[taken]
    before = Person.objects.count()
    new = answer(chinese, registration(id_number=make_id_number(sequence=556), mobile="13612345670"))
    with django_capture_on_commit_callbacks(execute=True):
        old = answer(chinese, registration(**existing))
    assert new == old
    assert Person.objects.count() == before + 1  # only the new registrant
    # The holder is told by text message; the visitor learns nothing.
    assert [message["mobile"] for message in sms.outbox] == [world.gz_worker.mobile]
    assert "注册" in sms.outbox[0]["text"]


def test_registrations_are_rate_limited_per_address(chinese, settings):
    settings.REGISTRATION_ADDRESS_MAX = 3
    for index in range(3):
        chinese.post(
            reverse("lms:register"),
            registration(id_number=make_id_number(sequence=600 + index), mobile=f"1361234500{index}"),
            REMOTE_ADDR="10.2.2.2",
        )
    refused = chinese.post(
        reverse("lms:register"), registration(id_number=make_id_number(sequence=700), mobile="13612345099"),
        REMOTE_ADDR="10.2.2.2",
    )
    assert refused.status_code == 200 and "过于频繁" in refused.content.decode()
    assert Person.objects.count() == 3


@pytest.mark.parametrize(
    "actor, expected",
    [
        ("learner", ["learner-panel"]),
        ("gz_admin", ["roles-panel", "figures"]),
        ("gz_reviewer", ["roles-panel", "figures"]),
        ("gz_staff", ["roles-panel", "figures"]),
        ("superuser", ["figures"]),
    ],
)
def test_each_role_has_its_dashboard(client, world, actor, expected):
    user = world.gz_worker.user if actor == "learner" else getattr(world, actor)
    client.force_login(user)
    html = client.get(reverse("lms:home")).content.decode()
    for element in expected:
        assert f'id="{element}"' in html


def test_an_enterprise_admin_adds_and_ends_an_employee_through_pages(client, world):
    client.force_login(world.gz_admin)
    response = client.post(
        reverse("lms:employee_add", args=[world.gz_enterprise.pk]),
        {"real_name": world.loner.real_name, "id_number": world.loner.id_number, "start_date": "2024-05-01"},
    )
    assert response.status_code == 302
    # An invitation, not yet an employment: the person accepts it on their own page.
    assert not world.loner.employments.exists()
    invitation = world.loner.employment_requests.get()
    html = client.get(reverse("lms:organisation_detail", args=[world.gz_enterprise.pk])).content.decode()
    assert f'data-request="{invitation.pk}" data-status="pending"' in html
    client.force_login(world.loner.user)
    assert 'id="notice-invitations"' in client.get(reverse("lms:home")).content.decode()
    assert f'id="accept-{invitation.pk}"' in client.get(reverse("lms:my_invitations")).content.decode()
    client.post(reverse("lms:employment_request_act", args=[invitation.pk, "accept"]))
    employment = world.loner.employments.get()
    client.force_login(world.gz_admin)
    html = client.get(reverse("lms:organisation_detail", args=[world.gz_enterprise.pk])).content.decode()
    assert world.loner.real_name in html
    client.post(reverse("lms:employment_end", args=[employment.pk]), {"end_date": "2024-06-01"})
    employment.refresh_from_db()
    assert str(employment.end_date) == "2024-06-01"


def test_a_person_employed_elsewhere_is_invited_not_moved(chinese, world):
    chinese.force_login(world.sz_admin)
    response = chinese.post(
        reverse("lms:employee_add", args=[world.sz_enterprise.pk]),
        {"real_name": world.gz_worker.real_name, "id_number": world.gz_worker.id_number, "start_date": "2024-05-01"},
    )
    assert response.status_code == 302
    assert world.gz_worker.employment_requests.get().status == "pending"
    assert world.gz_worker.employments.count() == 1


def test_an_employee_already_here_is_explained_on_the_page(chinese, world):
    chinese.force_login(world.gz_admin)
    response = chinese.post(
        reverse("lms:employee_add", args=[world.gz_enterprise.pk]),
        {"real_name": world.gz_worker.real_name, "id_number": world.gz_worker.id_number, "start_date": "2024-05-01"},
    )
    assert response.status_code == 200
    with override("zh-hans"):
        assert escape(ERRORS.message("already_employed")) in response.content.decode()
    assert not world.gz_worker.employment_requests.exists()


def test_only_the_enterprises_admin_reaches_its_add_employee_page(client, world):
    client.force_login(world.gz_reviewer)
    assert client.get(reverse("lms:employee_add", args=[world.gz_enterprise.pk])).status_code == 404


def test_the_django_admin_is_for_superusers(client, world):
    client.force_login(world.gz_admin)
    assert client.get("/admin/").status_code == 302
    client.force_login(world.superuser)
    assert client.get("/admin/lms/person/").status_code == 200
