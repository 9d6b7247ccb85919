"""kernel.middleware.RequestGuardMiddleware: a NUL character and an oversized body are refused at
the edge, for pages and the API alike, before any view runs (issue 13)."""

import io
import json

import pytest
from django.urls import reverse

from lms.models import Employment

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(chinese, world):
    chinese.force_login(world.gz_reviewer)
    return chinese


@pytest.mark.parametrize(
    "url",
    [
        "/people/?q=%00",
        "/people/?q=%E5%BC%A0%00",
        "/courses/?q=a%00b",
        "/hours/certificates/?q=%00",
        "/hours/dashboard/?credential=%00",
        "/api/people?q=%00",
        "/api/enrolments?x=%00",
    ],
)
def test_a_nul_in_the_query_string_is_refused(reviewer, url):
    response = reviewer.get(url)
    assert response.status_code == 400
    text = response.json()["message"] if url.startswith("/api/") else response.content.decode()
    assert "NUL" in text and "字符" in text
    if url.startswith("/api/"):
        assert response.json()["code"] == "request_nul_byte"


def test_a_nul_in_a_form_field_is_refused_and_changes_nothing(chinese, world):
    response = chinese.post(reverse("lms:login"), {"username": "138\x000000000", "password": "x"})
    assert response.status_code == 400 and "NUL" in response.content.decode()
    chinese.force_login(world.gz_admin)
    before = Employment.objects.count()
    response = chinese.post(
        reverse("lms:employee_add", args=[world.gz_enterprise.pk]),
        {"real_name": "张\x00三", "id_number": world.loner.id_number, "start_date": "2024-01-01"},
    )
    assert response.status_code == 400 and Employment.objects.count() == before


def test_a_nul_in_a_multipart_field_is_refused_but_not_in_a_file(chinese):
    upload = io.BytesIO(b"binary\x00content")
    upload.name = "photo.jpg"
    refused = chinese.post(reverse("lms:register"), {"real_name": "赵\x00", "id_photo": upload})
    assert refused.status_code == 400
    upload.seek(0)
    allowed = chinese.post(reverse("lms:register"), {"real_name": "赵建国", "id_photo": upload})
    assert allowed.status_code == 200  # the form's own errors, not the guard's


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary="])
def test_a_multipart_body_that_cannot_be_read_is_refused_in_the_users_language(chinese, world, content_type):
    # The API answers in its own shape, a page with the refusal page: not Django's bare English 400.
    chinese.force_login(world.gz_worker.user)
    api = chinese.post("/api/proctor/snapshots", data=b"--\r\nnot a part\r\n", content_type=content_type)
    assert api.status_code == 400
    assert api.json()["code"] == "bad_request" and api.json()["message"] == "无法读取该请求。"
    page = chinese.post(reverse("lms:register"), data=b"--\r\n", content_type=content_type)
    assert page.status_code == 400 and "无法读取该请求。" in page.content.decode()


def test_a_nul_in_a_json_body_of_the_api_is_refused(client, world):
    client.force_login(world.gz_admin)
    before = Employment.objects.count()
    response = client.post(
        f"/api/organisations/{world.gz_enterprise.pk}/employees",
        json.dumps({"real_name": "张\u0000三", "id_number": world.loner.id_number, "start_date": "2024-01-01"}),
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "request_nul_byte"
    assert Employment.objects.count() == before
    # An escaped backslash followed by the letters u0000 is text, not a NUL.
    response = client.post(
        f"/api/organisations/{world.gz_enterprise.pk}/employees",
        json.dumps({"real_name": "\\u0000", "id_number": "x", "start_date": "2024-01-01"}),
        content_type="application/json",
    )
    assert response.status_code != 400 or response.json()["code"] != "request_nul_byte"


def test_a_body_over_the_limit_is_refused_by_its_length_before_it_is_read(client, world, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1024 * 1024

    class Unreadable(io.BytesIO):
        def read(self, *args):  # the guard must not read a byte of it
            raise AssertionError("the body was read")

    client.force_login(world.gz_worker.user)
    response = client.generic(
        "POST", "/api/proctor/references", b"", content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50 * 1024 * 1024), **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"
    page = client.generic("POST", reverse("lms:register"), b"", CONTENT_LENGTH=str(2 * 1024 * 1024),
                          **{"wsgi.input": Unreadable()})
    assert page.status_code == 413 and "MB" in page.content.decode()


def test_the_editors_admin_may_send_larger_bodies(client, world, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1024
    client.force_login(world.superuser)
    assert client.get("/cms/").status_code == 200
    response = client.post("/cms/documents/multiple/add/", {"title": "x" * 4000})
    assert response.status_code != 413
