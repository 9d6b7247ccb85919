import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(world):
    return world.gz_worker


@pytest.mark.parametrize("identifier", ["mobile", "id_number", "id_number_lower", "mobile_with_country_code"])
def test_login_by_mobile_or_id_number(client, person, identifier):
    value = {
        "mobile": person.mobile,
        "id_number": person.id_number,
        "id_number_lower": person.id_number.lower(),
        "mobile_with_country_code": "+86" + person.mobile,
    }[identifier]
    response = client.post(reverse("lms:login"), {"username": value, "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("lms:home")
    assert client.get(reverse("lms:home")).context["user"] == person.user


def test_staff_accounts_log_in_by_username(client, world):
    response = client.post(reverse("lms:login"), {"username": world.gz_admin.username, "password": PASSWORD})
    assert response.status_code == 302


def test_a_wrong_password_is_refused_in_chinese(chinese, person):
    response = chinese.post(reverse("lms:login"), {"username": person.mobile, "password": "wrong-password"})
    assert response.status_code == 200
    assert "密码" in response.content.decode()
    assert "_auth_user_id" not in chinese.session


def test_logout_is_a_post(client, person):
    client.force_login(person.user)
    assert client.get(reverse("lms:logout")).status_code == 405
    assert client.post(reverse("lms:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change(client, person):
    client.force_login(person.user)
    response = client.post(
        reverse("lms:password_change"),
        {"old_password": PASSWORD, "new_password1": "another-long-phrase-42", "new_password2": "another-long-phrase-42"},
    )
    assert response.status_code == 302
    person.user.refresh_from_db()
    assert person.user.check_password("another-long-phrase-42")


def test_pages_need_a_login(client):
    for name in ["lms:home", "lms:people_list", "lms:organisation_list"]:
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("lms:login"))
