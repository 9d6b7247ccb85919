"""The face profile page, the hours page and the checked views that serve identity images."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hours import services as hours_services
from proctor.models import CaptureLogEntry
from proctor.selectors.profiles import face_profile, references_active
from proctor.services.consent import consent_give
from proctor.services.references import reference_add_id_photo
from tests.faces import answer, burst_of, give_face_profile, photo
from tests.study import course, lessons  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_the_face_page_asks_for_consent_first_in_chinese(chinese, world):
    chinese.force_login(world.gz_worker.user)
    page = chinese.get("/identity/face/").content.decode()
    assert "生物特征信息处理同意书" in page and "我已阅读并同意" in page
    assert "打开摄像头" not in page  # nothing is captured before consent
    response = chinese.post("/identity/face/consent/", follow=True)
    page = response.content.decode()
    assert "您的同意已记录" in page and "撤回我的同意" in page and "打开摄像头" in page
    assert CaptureLogEntry.objects.filter(person=world.gz_worker, kind="consent_given").count() == 1


def test_an_uploaded_id_photo_becomes_a_reference_and_a_bad_one_is_explained(chinese, world, testdata):
    chinese.force_login(world.gz_worker.user)
    chinese.post("/identity/face/consent/")
    response = chinese.post("/identity/face/id-photo/", {"photo": SimpleUploadedFile("id.jpg", photo("noface_dogs.jpg"))}, follow=True)
    assert "照片中必须有且只有一张人脸" in response.content.decode()
    assert not face_profile(world.gz_worker).id_photo
    response = chinese.post("/identity/face/id-photo/", {"photo": SimpleUploadedFile("id.jpg", photo("obama_1.jpg"))}, follow=True)
    assert "您的证件照现已作为参照" in response.content.decode()
    assert face_profile(world.gz_worker).id_photo


def test_webcam_captures_through_the_api(client, world, testdata):
    person = world.gz_worker
    consent_give(person=person)
    reference_add_id_photo(person=person, data=photo("obama_1.jpg"))
    client.force_login(person.user)
    response = client.post("/api/proctor/references", {"image": SimpleUploadedFile("c.jpg", photo("obama_2.jpg"))})
    assert response.status_code == 201 and response.json()["profile"]["webcam_needed"] == 1
    response = client.post("/api/proctor/references", {"image": SimpleUploadedFile("c.jpg", photo("biden_1.jpg"))})
    assert response.status_code == 400 and response.json()["code"] == "reference_mismatch"
    assert client.get("/api/proctor/profile").json() == {
        "consent": True, "id_photo": True, "webcam": 1, "webcam_needed": 1, "ready": False,
    }


@pytest.mark.parametrize(
    "name, code, ok",
    [("obama_2.jpg", "ready", True), ("multi_obama_biden.jpg", "several_faces", False), ("noface_coffee.png", "no_face", False)],
)
def test_live_guidance_judges_the_camera_frame_and_stores_nothing(chinese, world, testdata, name, code, ok):
    person = world.gz_worker
    consent_give(person=person)
    chinese.force_login(person.user)
    logged = CaptureLogEntry.objects.count()
    response = chinese.post("/api/proctor/references/guidance", {"image": SimpleUploadedFile("f.jpg", photo(name))})
    assert response.status_code == 200
    body = response.json()
    assert (body["ok"], body["code"]) == (ok, code) and body["message"]
    assert CaptureLogEntry.objects.count() == logged and not references_active(person).exists()


def test_live_guidance_needs_consent_and_a_sane_image(chinese, world, testdata):
    chinese.force_login(world.gz_worker.user)
    response = chinese.post("/api/proctor/references/guidance", {"image": SimpleUploadedFile("f.jpg", photo("obama_2.jpg"))})
    assert response.status_code == 403 and response.json()["code"] == "consent_required"
    consent_give(person=world.gz_worker)
    response = chinese.post("/api/proctor/references/guidance", {"image": SimpleUploadedFile("f.jpg", b"not an image")})
    assert response.status_code == 400 and response.json()["message"]


def test_identity_images_are_seen_by_their_owner_and_overseeing_authority_only(client, world, testdata):
    give_face_profile(world.gz_worker)
    snapshot = answer(world.gz_worker, "study", "x", burst_of("obama_4.jpg"))
    reference = references_active(world.gz_worker).first()
    urls = [f"/identity/evidence/snapshots/{snapshot.pk}/image/", f"/identity/evidence/references/{reference.pk}/image/"]
    allowed = [world.gz_worker.user, world.gz_reviewer, world.province_reviewer, world.superuser]
    # The employer, the institution, another city's authority and another learner see nothing.
    refused = [world.gz_admin, world.gz_staff, world.sz_reviewer, world.sz_worker.user]
    for user in allowed:
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200 and response["Cache-Control"] == "private, no-store", (user, url)
            assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    for user in refused:
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
    client.logout()
    assert client.get(urls[0]).status_code == 302  # to the login page
    assert client.get("/media/snapshots/").status_code == 404


def test_the_study_page_and_the_hours_page_say_when_nothing_can_be_earned(chinese, world, course):
    hours_services.enrol(person=world.gz_worker, course=course)
    chinese.force_login(world.gz_worker.user)
    page = chinese.get(f"/hours/study/lessons/{lessons(course)[0].pk}/").content.decode()
    assert 'id="face-banner"' in page and "不计学时" in page
    page = chinese.get("/hours/my/hours/").content.decode()
    assert "我的学时" in page and 'id="face-banner"' in page and "暂无学时" in page
