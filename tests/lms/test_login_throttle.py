"""Wrong passwords are throttled per account and per address; an account locks, and an authority
of the person's region or a code sent to the person's mobile unlocks it (issue 13)."""

import re

import pytest
from django.urls import reverse

from kernel import sms
from kernel.audit import trail_of
from lms.models import User
from tests.factories import PASSWORD, PersonFactory

pytestmark = pytest.mark.django_db


def attempt(client, identifier, password="wrong-password-1", address="10.0.0.1"):
    return client.post(
        reverse("lms:login"), {"username": identifier, "password": password}, REMOTE_ADDR=address
    )


def logged_in(response) -> bool:
    return response.status_code == 302


@pytest.fixture
def no_delay(settings):
    settings.LOGIN_DELAY_SECONDS = 0  # the lock, not the delay, is under test


def test_forty_wrong_passwords_are_not_all_tried(chinese, world):
    mobile = world.gz_worker.mobile
    answers = [attempt(chinese, mobile).content.decode() for _ in range(40)]
    # The first five are checked; from then on each must wait, and the right password too.
    assert all("错误" in html for html in answers[:5])
    assert all("请等待" in html or "秒" in html for html in answers[5:])
    assert not logged_in(attempt(chinese, mobile, PASSWORD))


def test_the_account_locks_and_even_the_right_password_is_refused(chinese, world, no_delay):
    mobile = world.gz_worker.mobile
    for _ in range(10):
        attempt(chinese, mobile)
    user = User.objects.get(pk=world.gz_worker.user_id)
    assert user.login_locked_at is not None
    [row] = [row for row in trail_of(user) if row.new_state == "login_locked"]
    assert row.extra["failures"] == 10
    html = attempt(chinese, world.gz_worker.id_number, PASSWORD).content.decode()
    assert "锁定" in html
    # The lock holds for every way in, the admin's logins included.
    assert not chinese.login(username=mobile, password=PASSWORD)


def test_spellings_of_one_account_count_together(chinese, world, no_delay):
    for index in range(10):
        identifier = world.gz_worker.mobile if index % 2 else world.gz_worker.id_number.lower()
        attempt(chinese, identifier)
    assert User.objects.get(pk=world.gz_worker.user_id).login_locked_at is not None


def test_a_success_before_the_lock_starts_the_count_again(client, world, no_delay):
    for _ in range(9):
        attempt(client, world.gz_worker.mobile)
    assert logged_in(attempt(client, world.gz_worker.mobile, PASSWORD))
    client.logout()
    for _ in range(9):
        attempt(client, world.gz_worker.mobile)
    assert User.objects.get(pk=world.gz_worker.user_id).login_locked_at is None


def test_an_unknown_identifier_is_answered_as_a_known_one(chinese, world, no_delay):
    known = [attempt(chinese, world.gz_worker.mobile, address="10.0.0.2").content.decode() for _ in range(12)]
    unknown = [attempt(chinese, "13900000000", address="10.0.0.3").content.decode() for _ in range(12)]

    def errors(html):
        return re.findall(r'role="alert">(.*?)</div>', html, re.S)

    assert [errors(html) for html in known] == [errors(html) for html in unknown]


def test_an_address_that_tries_many_accounts_is_refused(chinese, world, settings):
    people = [PersonFactory() for _ in range(8)]
    for person in people:
        for _ in range(4):
            attempt(chinese, person.mobile, address="10.9.9.9")
    html = attempt(chinese, world.gz_worker.mobile, PASSWORD, address="10.9.9.9").content.decode()
    assert "网络" in html
    # Another address is not held up by it.
    assert logged_in(attempt(chinese, world.gz_worker.mobile, PASSWORD, address="10.9.9.8"))


def lock(client, person):
    for _ in range(10):
        attempt(client, person.mobile)
    assert User.objects.get(pk=person.user_id).login_locked_at


@pytest.mark.parametrize("actor, may", [("gz_reviewer", True), ("sz_reviewer", False), ("gz_admin", False),
                                        ("gz_staff", False), ("superuser", True)])
def test_an_authority_of_the_persons_region_unlocks(client, world, no_delay, actor, may):
    lock(client, world.gz_worker)
    client.force_login(getattr(world, actor))
    page = client.get(reverse("lms:person_detail", args=[world.gz_worker.pk]))
    if page.status_code == 200:
        assert ('id="login-unlock-form"' in page.content.decode()) == may
    client.post(reverse("lms:login_unlock", args=[world.gz_worker.pk]))
    user = User.objects.get(pk=world.gz_worker.user_id)
    assert (user.login_locked_at is None) == may
    if may:
        row = [row for row in trail_of(user) if row.new_state == "active"][-1]
        assert row.actor == getattr(world, actor) and row.extra["via"] == "authority"
        client.logout()
        assert logged_in(attempt(client, world.gz_worker.mobile, PASSWORD))


def test_the_holder_unlocks_with_a_code_sent_to_the_mobile(chinese, world, no_delay, settings,
                                                           django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "kernel.sms.MemoryBackend"
    sms.outbox.clear()
    lock(chinese, world.gz_worker)
    url = reverse("lms:login_unlock_self")
    with django_capture_on_commit_callbacks(execute=True):
        sent = chinese.post(url, {"step": "send", "identifier": world.gz_worker.id_number}).content.decode()
        nobody = chinese.post(url, {"step": "send", "identifier": "13900000000"}).content.decode()
    assert 'id="unlock-sent"' in sent and 'id="unlock-sent"' in nobody  # the same answer
    [message] = sms.outbox
    assert message["mobile"] == world.gz_worker.mobile
    code = re.search(r"\d{6}", message["text"]).group()
    wrong = chinese.post(url, {"step": "code", "identifier": world.gz_worker.id_number, "code": "000000" if code != "000000" else "111111"})
    assert "错误" in wrong.content.decode() or "过期" in wrong.content.decode()
    response = chinese.post(url, {"step": "code", "identifier": world.gz_worker.id_number, "code": code})
    assert response.status_code == 302
    user = User.objects.get(pk=world.gz_worker.user_id)
    assert user.login_locked_at is None
    assert [row for row in trail_of(user) if row.new_state == "active"][-1].extra["via"] == "mobile"
    assert logged_in(attempt(chinese, world.gz_worker.mobile, PASSWORD))


def test_the_admin_logins_are_throttled_too(client, world, no_delay):
    world.gz_worker.user.is_staff = True
    world.gz_worker.user.save()
    for _ in range(10):
        client.post("/cms/login/", {"username": world.gz_worker.mobile, "password": "nope-nope-1"}, REMOTE_ADDR="10.0.0.1")
    assert User.objects.get(pk=world.gz_worker.user_id).login_locked_at
