"""The exam room's live video in a real browser: Daphne and a media worker (`manage.py runworker
media`) on their own database and Redis (tests/daphne.py), Chromium with a fake webcam whose file
is made now from a test photo (tests/video_client.camera_clip: a face that drifts, with noise).

The candidate starts the exam; the page offers its camera to the server, which answers from the
media worker, and the video reaches it: the room says the video is live, the worker's samples are
verified, the proctor's board shows the thumbnail and the proctor opens the candidate's view (the
view is logged). The test then cuts the media path alone (the worker closes the peer connection):
the room says it goes on with snapshots, the board gets a "video down" incident, and the candidate
answers every question, submits, and is graded, over the same room socket."""

import json

import pytest

from tests.daphne import serve, session_templates

from .conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WAIT_MS = 45_000


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    with serve(tmp_path_factory.mktemp("daphne"), templates=session_templates(request), static=True) as running:
        running.start_media_worker(presence_every="1", identity_every="2", frozen_after="1000", no_face_after="30")
        yield running


def log_in(page, base_url: str, login: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", login)
    page.fill("#id_password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def test_the_candidates_camera_reaches_the_server_the_proctor_sees_it_and_the_exam_outlives_the_video(server, browser, testdata, tmp_path):
    from tests.faces import photo
    from tests.video_client import camera_clip

    data = server.seed_exam(candidates=1)
    candidate, sitting = data["candidates"][0], data["sitting"]
    out = server.run_python(
        "from django.conf import settings\n"
        f"settings.KAOHE_TESTDATA = {str(testdata)!r}\n"
        "from lms.models import Person\nfrom exam.models import Sitting\n"
        "from exam.services.attempts import attempt_create, attempt_verify_identity\n"
        "from tests.faces import give_face_profile\n"
        f"person = Person.objects.get(pk={candidate['person']})\n"
        "give_face_profile(person)\n"
        f"attempt = attempt_create(sitting=Sitting.objects.get(pk={sitting}), candidate=person)\n"
        "attempt_verify_identity(attempt=attempt, method='test', evidence={})\n"
        "print('ATTEMPT', attempt.pk)\n"
    )
    attempt = int(out.split("ATTEMPT ")[1].split()[0])
    clip = camera_clip(photo("obama_4.jpg"), tmp_path / "camera.y4m", seconds=30, size=(320, 240))
    camera = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True,
        args=CHROMIUM_ARGS + [
            "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={clip}", "--autoplay-policy=no-user-gesture-required",
            "--allow-loopback-in-peer-connection",
        ],
    )
    try:
        context = camera.new_context(locale="zh-CN")
        context.grant_permissions(["camera"])
        room = context.new_page()
        room.set_default_timeout(WAIT_MS)
        room.on("dialog", lambda dialog: dialog.accept())
        with server.explained():
            log_in(room, server.url, candidate["login"], candidate["password"])
            room.goto(f"{server.url}/exam/attempts/{attempt}/")
            room.click("#start")
            room.wait_for_selector("#paper:not([hidden])")
            # The video reaches the server: the room hears that it is live, then what the checks saw
            room.wait_for_function("() => ['live', 'verified'].includes(document.getElementById('video-state').dataset.state)")
            stream = json.loads(server.run_python(
                "import json\nfrom proctor.models import VideoStream\n"
                f"s = VideoStream.objects.get(context_kind='exam', context_id='{attempt}')\n"
                "print(json.dumps({'status': s.status, 'worker': s.worker, 'samples': s.samples, 'down': s.down_reason}))\n"
            ).strip().splitlines()[-1])
            assert stream["status"] == "live" and stream["worker"], (stream, server.media_log())
            room.wait_for_function("() => document.getElementById('video-state').dataset.state === 'verified'")

            # The proctor's board shows the thumbnail, and the candidate's view opens (logged)
            board = context.browser.new_context(locale="zh-CN").new_page()
            board.set_default_timeout(WAIT_MS)
            log_in(board, server.url, data["proctor"]["login"], data["proctor"]["password"])
            board.goto(f"{server.url}/exam/sittings/{sitting}/board/")
            board.wait_for_selector(f'#rows tr[data-attempt="{attempt}"] td.video img.thumbnail')
            board.click(f'#rows tr[data-attempt="{attempt}"] a.video-open')
            board.wait_for_selector("#video-frame[data-loaded]")
            viewed = server.run_python(
                "from proctor.models import CaptureLogEntry\n"
                f"print('VIEWS', CaptureLogEntry.objects.filter(subject='attempt:{attempt}', payload__event='video_viewed').count())\n"
            )
            assert "VIEWS 1" in viewed
            # and on demand the live video itself, relayed by the media worker, plays (logged too)
            board.click("#watch-live")
            board.wait_for_function("() => document.getElementById('live-video').dataset.playing === '1'")
            assert board.evaluate("() => document.getElementById('live-video').videoWidth") > 0
            watched = server.run_python(
                "from proctor.models import CaptureLogEntry\n"
                f"print('LIVE', CaptureLogEntry.objects.filter(subject='attempt:{attempt}', payload__event='video_watched_live').count())\n"
            )
            assert "LIVE 1" in watched

            # Cut the media path alone: the worker drops the peer connection
            server.run_python(
                "from asgiref.sync import async_to_sync\nfrom channels.layers import get_channel_layer\n"
                "from proctor.models import VideoStream\n"
                f"s = VideoStream.objects.get(context_kind='exam', context_id='{attempt}')\n"
                "async_to_sync(get_channel_layer().send)(s.worker, {'type': 'media.close', 'stream': s.pk, 'reason': 'cut_by_test'})\n"
            )
            room.wait_for_function("() => document.getElementById('video-state').dataset.state === 'down'")
            # The exam goes on over the room's socket: every question answered, submitted, graded
            for item in room.query_selector_all("ol#questions > li.question"):
                item.query_selector("input").check()
            room.wait_for_function(
                "() => document.querySelectorAll('ol#questions > li.question').length === Number(document.getElementById('answered-count').textContent)"
            )
            room.click("#submit")
            room.wait_for_selector("#confirm-dialog[open]")  # submitting waits for the candidate's yes
            room.click("#confirm-ok")
            room.wait_for_selector("#result:not([hidden])")
            stored = server.run_python(
                "from exam.models import Attempt, Incident\n"
                f"a = Attempt.objects.get(pk={attempt})\n"
                f"print('STATUS', a.status, Incident.objects.filter(attempt=a, kind='video_down', detail__reason='cut_by_test').count())\n"
            )
            assert "STATUS graded 1" in stored, stored
    finally:
        camera.close()
