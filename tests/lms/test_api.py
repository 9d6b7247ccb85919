import pytest

from tests.factories import make_id_number

pytestmark = pytest.mark.django_db


def test_the_openapi_document_is_served(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/me" in paths and "/api/people" in paths


def test_anonymous_requests_get_a_coded_401(client):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message"}
    assert response.json()["code"] == "not_authenticated"


def test_me_shows_masked_identifiers_and_roles(client, world):
    client.force_login(world.gz_worker.user)
    data = client.get("/api/me").json()
    assert data["masked_id_number"] == world.gz_worker.masked_id_number
    assert data["is_learner"] and data["roles"] == []
    client.force_login(world.gz_reviewer)
    assert client.get("/api/me").json()["roles"] == ["authority_reviewer"]


def test_unsafe_requests_need_the_csrf_token(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.gz_admin)
    response = client.post(
        f"/api/organisations/{world.gz_enterprise.pk}/employees",
        {"real_name": world.loner.real_name, "id_number": world.loner.id_number, "start_date": "2024-05-01"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert not world.loner.employments.exists()


def test_an_enterprise_adds_and_ends_an_employee_through_the_api(client, world):
    client.force_login(world.gz_admin)
    response = client.post(
        f"/api/organisations/{world.gz_enterprise.pk}/employees",
        {"real_name": world.loner.real_name, "id_number": world.loner.id_number, "start_date": "2024-05-01"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending" and not world.loner.employments.exists()
    request_id = response.json()["id"]
    client.force_login(world.loner.user)
    response = client.post(f"/api/employment-requests/{request_id}/accept", content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "accepted", response.content
    employment_id = response.json()["employment_id"]
    # A replayed accept changes nothing.
    response = client.post(f"/api/employment-requests/{request_id}/accept", content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "employment_request_move_illegal"
    assert world.loner.employments.count() == 1
    client.force_login(world.gz_admin)
    response = client.post(
        f"/api/employments/{employment_id}/end", {"end_date": "2024-06-01"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["end_date"] == "2024-06-01"


@pytest.mark.parametrize(
    "payload, status, code",
    [
        ({"real_name": "王无业", "id_number": "123", "start_date": "2024-05-01"}, 400, "id_number_format"),
        ({"real_name": "王无业", "id_number": make_id_number(sequence=901), "start_date": "2024-05-01"}, 400, "person_not_found"),
        ({"real_name": "王无业", "start_date": "2024-05-01"}, 422, "invalid_request"),
        ({"real_name": "王无业", "id_number": "x", "start_date": "yesterday"}, 422, "invalid_request"),
    ],
)
def test_bad_requests_get_a_code_and_a_message(client, world, payload, status, code):
    client.force_login(world.gz_admin)
    response = client.post(
        f"/api/organisations/{world.gz_enterprise.pk}/employees", payload, content_type="application/json"
    )
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code and body["message"]
    assert not world.loner.employments.exists()


def test_a_person_employed_elsewhere_goes_through_a_change_request(client, world):
    client.force_login(world.sz_admin)
    response = client.post(
        f"/api/organisations/{world.sz_enterprise.pk}/employees",
        {"real_name": world.gz_worker.real_name, "id_number": world.gz_worker.id_number, "start_date": "2024-05-01"},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["status"] == "pending"
    request_id = response.json()["id"]
    client.force_login(world.gz_worker.user)
    assert client.post(f"/api/employment-requests/{request_id}/accept").json()["status"] == "review"
    # Not the new enterprise's admin, nor an authority of another region: not found.
    for user in (world.sz_admin, world.gz_reviewer):
        client.force_login(user)
        assert client.post(f"/api/employment-requests/{request_id}/approve").status_code == 404
    client.force_login(world.sz_reviewer)
    response = client.post(f"/api/employment-requests/{request_id}/reject", {"reason": ""}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "reason_required"
    response = client.post(f"/api/employment-requests/{request_id}/approve")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert world.gz_worker.employments.get(end_date__isnull=True).enterprise == world.sz_enterprise
    assert [r["id"] for r in client.get("/api/employment-requests").json()["items"]] == [request_id]
    client.force_login(world.gz_reviewer)
    assert client.get("/api/employment-requests").json()["items"] == []


def test_malformed_json_is_a_coded_error(client, world):
    client.force_login(world.gz_admin)
    response = client.post(
        f"/api/organisations/{world.gz_enterprise.pk}/employees", "{not json", content_type="application/json"
    )
    assert 400 <= response.status_code < 500
    assert "code" in response.json()


def test_lists_are_paginated_and_scoped(client, world):
    client.force_login(world.gz_reviewer)
    data = client.get("/api/organisations?limit=2").json()
    assert data["count"] == 3 and len(data["items"]) == 2
    client.force_login(world.gz_admin)
    assert [e["person_name"] for e in client.get("/api/employments").json()["items"]] == ["张广州"]
