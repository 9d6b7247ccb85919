"""The exam room and the sitting watchers over WebSocket, with Channels' WebsocketCommunicator
against the project's real ASGI application (session cookies, origin check, routing) and the
configured channel layer (in-memory on the embedded defaults, Redis in CI's service run)."""

import asyncio
import datetime
import functools
import json

import pytest

# Channels' wrapper, not asgiref's: it closes the thread's database connection after each call, so
# no session stays open when pytest-django drops the test database.
from channels.db import database_sync_to_async as sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from exam.models import (
    Attempt,
    AttemptAnswer,
    AttemptEvent,
    AttemptStatus,
    Incident,
    QuestionVersion,
)
from exam.services import proctoring
from exam.services.attempts import attempt_create, attempt_start, attempt_verify_identity, attempts_close_overdue
from kaohe.asgi import application
from lms.models import Credential, Membership, Role
from proctor.models import CaptureLogEntry
from tests.factories import make_bank, make_exam, make_sitting

S = AttemptStatus
pytestmark = pytest.mark.django_db(transaction=True)
TIMEOUT = 5


@pytest.fixture
def sitting(world):
    # Transactional tests flush the credentials the migrations seeded.
    credential, _ = Credential.objects.get_or_create(
        code="C", defaults={"name": "安管人员C类（专职安全生产管理人员）", "family": "safety_manager"}
    )
    make_bank(credential, per_topic=3)
    exam = make_exam(credential, duration_minutes=60, review_allowed=True)  # 9 points, pass mark 6
    start = timezone.now() - datetime.timedelta(minutes=10)
    sitting = make_sitting(exam, world.gz_authority, [world.gz_worker, world.sz_worker], starts_at=start, hours=3)
    sitting.institution = world.gz_institution
    sitting.save()
    return sitting


@pytest.fixture
def attempt(world, sitting):
    """The Guangzhou worker's attempt, identity verified, not started."""
    created = attempt_create(sitting=sitting, candidate=world.gz_worker)
    return attempt_verify_identity(attempt=created, method="test", evidence={})


def cookie_of(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def connect(user, path) -> WebsocketCommunicator:
    cookie = await sync_to_async(cookie_of)(user) if user else b""
    headers = [(b"host", b"localhost"), (b"origin", b"http://localhost")]
    if cookie:
        headers.append((b"cookie", cookie))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _code = await communicator.connect(timeout=TIMEOUT)
    assert connected
    return communicator


async def room(user, attempt_id) -> WebsocketCommunicator:
    return await connect(user, f"/ws/exam/attempts/{attempt_id}/")


async def receive(communicator) -> dict:
    """The next message, past the server's requests for a snapshot: those come on their own timer
    (the first 5-20 s into the paper) and answer nothing the test asked."""
    message = await communicator.receive_json_from(timeout=TIMEOUT)
    while message.get("type") == "evidence":
        message = await communicator.receive_json_from(timeout=TIMEOUT)
    return message


async def ask(communicator, message) -> dict:
    await communicator.send_json_to(message)
    return await receive(communicator)


async def closed_with(communicator) -> int:
    """The close code after the error that explains it."""
    output = await communicator.receive_output(timeout=TIMEOUT)
    while output["type"] != "websocket.close":
        output = await communicator.receive_output(timeout=TIMEOUT)
    return output["code"]


async def started(user, attempt_id) -> tuple[WebsocketCommunicator, dict]:
    communicator = await room(user, attempt_id)
    state = await ask(communicator, {"type": "join", "seq": 1})
    if state["status"] == S.IDENTITY_VERIFIED:
        state = await ask(communicator, {"type": "start", "seq": 2})
    assert state["status"] == S.IN_PROGRESS
    return communicator, state


@sync_to_async
def right_options(question_id) -> list[str]:
    return QuestionVersion.objects.get(pk=question_id).correct


@sync_to_async
def db(function):
    return function()


# The protocol, end to end ------------------------------------------------------------------------


async def test_join_start_answer_submit_and_the_result(world, attempt):
    communicator = await room(world.gz_worker.user, attempt.pk)

    state = await ask(communicator, {"type": "join", "seq": 1})
    assert state["status"] == S.IDENTITY_VERIFIED and state["seq"] == 1 and "questions" not in state

    state = await ask(communicator, {"type": "start", "seq": 2})
    assert state["status"] == S.IN_PROGRESS and state["answers"] == {}
    assert 3590 < state["remaining_seconds"] <= 3600
    questions = state["questions"]
    assert [q["kind"] for q in questions] == ["single"] * 3 + ["multiple"] * 2 + ["true_false"] * 2
    # The paper never carries the key or the explanations.
    text = json.dumps(state, ensure_ascii=False)
    assert "correct" not in text and "explanation" not in text and "解析" not in text

    for seq, question in enumerate(questions, start=10):
        options = await right_options(question["id"])
        reply = await ask(communicator, {"type": "answer", "seq": seq, "question": question["id"], "options": options})
        assert reply["type"] == "ack" and reply["seq"] == seq and reply["question"] == question["id"]
        # Acknowledged means stored.
        assert await db(lambda: AttemptAnswer.objects.filter(attempt=attempt, version_id=question["id"]).exists())

    tick = await ask(communicator, {"type": "heartbeat", "seq": 30})
    assert tick["type"] == "tick" and tick["status"] == S.IN_PROGRESS and tick["remaining_seconds"] > 0

    reply = await ask(communicator, {"type": "event", "seq": 31, "event": "focus_lost"})
    assert reply == {"type": "ack", "event": "focus_lost", "seq": 31}

    state = await ask(communicator, {"type": "submit", "seq": 32})
    assert state["status"] == S.GRADED
    assert state["result"] == {"status": "graded", "score": "9.00", "max_score": "9.00", "pass_mark": "6.00", "passed": True, "review": True}
    graded = await db(lambda: Attempt.objects.get(pk=attempt.pk))
    assert graded.score == 9 and graded.passed
    incident = await db(lambda: Incident.objects.get(attempt=attempt))
    assert incident.kind == "focus_lost"
    logged = await db(lambda: CaptureLogEntry.objects.filter(subject=f"attempt:{attempt.pk}", kind="proctor_event").count())
    assert logged == 1
    await communicator.disconnect()


async def test_a_reconnect_or_another_device_resumes_with_every_acknowledged_answer(world, attempt):
    first, state = await started(world.gz_worker.user, attempt.pk)
    chosen = {}
    for seq, question in enumerate(state["questions"][:3], start=5):
        option = question["options"][0]["id"]
        assert (await ask(first, {"type": "answer", "seq": seq, "question": question["id"], "options": [option]}))["type"] == "ack"
        chosen[str(question["id"])] = [option]
    await first.disconnect()

    second = await room(world.gz_worker.user, attempt.pk)
    state = await ask(second, {"type": "join", "seq": 1})
    assert state["status"] == S.IN_PROGRESS and state["answers"] == chosen

    # Two devices at once: an answer on one shows on the other.
    third = await room(world.gz_worker.user, attempt.pk)
    await ask(third, {"type": "join", "seq": 1})
    question = state["questions"][3]
    reply = await ask(second, {"type": "answer", "seq": 9, "question": question["id"], "options": [question["options"][1]["id"]]})
    assert reply["type"] == "ack"
    assert await third.receive_json_from(timeout=TIMEOUT) == {
        "type": "answered", "question": question["id"], "options": reply["options"],
    }
    await second.disconnect()
    await third.disconnect()


async def test_submitting_twice_grades_once(world, attempt):
    first, _state = await started(world.gz_worker.user, attempt.pk)
    second = await room(world.gz_worker.user, attempt.pk)
    await ask(second, {"type": "join", "seq": 1})

    results = await asyncio.gather(ask(first, {"type": "submit", "seq": 7}), ask(second, {"type": "submit", "seq": 7}))

    assert all(result["status"] == S.GRADED for result in results)
    events = await db(lambda: list(AttemptEvent.objects.filter(attempt=attempt).values_list("to_status", flat=True)))
    assert events.count(S.GRADED) == 1 and events.count(S.SUBMITTED) == 1
    await first.disconnect()
    await second.disconnect()


async def test_answers_after_the_deadline_are_refused_and_the_attempt_is_closed(world, attempt):
    communicator, state = await started(world.gz_worker.user, attempt.pk)
    question = state["questions"][0]
    await db(lambda: Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - datetime.timedelta(seconds=1)))

    reply = await ask(communicator, {"type": "answer", "seq": 3, "question": question["id"], "options": [question["options"][0]["id"]]})

    assert reply["type"] == "error" and reply["code"] == "attempt_expired" and reply["seq"] == 3 and reply["message"]
    assert not await db(lambda: AttemptAnswer.objects.filter(attempt=attempt).exists())
    # The next heartbeat finds the time up: the server submits and grades, and says so.
    state = await ask(communicator, {"type": "heartbeat"})
    assert state["type"] == "state" and state["status"] == S.GRADED and state["result"]["score"] == "0.00"
    await communicator.disconnect()


async def test_the_server_submits_at_the_deadline_without_a_word_from_the_candidate(world, attempt):
    communicator, state = await started(world.gz_worker.user, attempt.pk)
    question = state["questions"][0]
    options = await right_options(question["id"])
    await ask(communicator, {"type": "answer", "seq": 3, "question": question["id"], "options": options})
    await communicator.disconnect()
    await db(lambda: Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + datetime.timedelta(seconds=1.5)))

    communicator = await room(world.gz_worker.user, attempt.pk)
    state = await ask(communicator, {"type": "join", "seq": 1})
    assert state["status"] == S.IN_PROGRESS and state["remaining_seconds"] <= 1.5

    pushed = await communicator.receive_json_from(timeout=TIMEOUT)
    assert pushed["type"] == "state" and pushed["status"] == S.GRADED and pushed["result"]["score"] == "1.00"
    event = await db(lambda: AttemptEvent.objects.get(attempt=attempt, to_status=S.SUBMITTED))
    assert event.actor is None
    await communicator.disconnect()


async def test_someone_elses_attempt_is_refused(world, attempt):
    for user in (world.sz_worker.user, world.gz_reviewer):
        communicator = WebsocketCommunicator(
            application, f"/ws/exam/attempts/{attempt.pk}/",
            headers=[(b"host", b"localhost"), (b"origin", b"http://localhost"), (b"cookie", await sync_to_async(cookie_of)(user))],
        )
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert connected
        error = await communicator.receive_json_from(timeout=TIMEOUT)
        assert error["code"] == "attempt_not_found" and error["message"]
        assert await closed_with(communicator) == 4404
    anonymous = WebsocketCommunicator(application, f"/ws/exam/attempts/{attempt.pk}/", headers=[(b"host", b"localhost"), (b"origin", b"http://localhost")])
    await anonymous.connect(timeout=TIMEOUT)
    assert (await anonymous.receive_json_from(timeout=TIMEOUT))["code"] == "not_authenticated"
    assert await closed_with(anonymous) == 4401


async def test_answers_to_questions_not_on_the_paper_or_with_unknown_options_write_nothing(world, sitting, attempt):
    communicator, state = await started(world.gz_worker.user, attempt.pk)
    on_paper = {q["id"] for q in state["questions"]}
    elsewhere = await db(lambda: QuestionVersion.objects.exclude(pk__in=on_paper).values_list("pk", flat=True).first())
    single = state["questions"][0]
    cases = [
        ({"question": elsewhere, "options": ["o1"]}, "question_not_on_paper"),
        ({"question": single["id"], "options": ["o99"]}, "option_invalid"),
        ({"question": single["id"], "options": [single["options"][0]["id"], single["options"][1]["id"]]}, "answer_invalid"),
        ({"question": single["id"], "options": []}, "answer_invalid"),
        ({"question": "1", "options": ["o1"]}, "field_invalid"),
        ({"question": single["id"], "options": "o1"}, "field_invalid"),
    ]
    for seq, (fields, code) in enumerate(cases, start=20):
        reply = await ask(communicator, {"type": "answer", "seq": seq, **fields})
        assert (reply["type"], reply["code"], reply["seq"]) == ("error", code, seq)
    assert not await db(lambda: AttemptAnswer.objects.exists())
    assert (await ask(communicator, {"type": "heartbeat"}))["type"] == "tick"  # still usable
    await communicator.disconnect()


async def test_malformed_oversized_and_clocked_messages_get_an_error_and_the_connection_stays(world, attempt):
    communicator, state = await started(world.gz_worker.user, attempt.pk)
    question = state["questions"][0]
    frames = [
        ("this is not json", "not_json"),
        ("[1, 2]", "not_json"),
        (json.dumps({"type": "teleport"}), "type_unknown"),
        (json.dumps({"seq": 1}), "type_unknown"),
        (json.dumps({"type": "heartbeat", "seq": -1}), "field_invalid"),
        (json.dumps({"type": "event", "event": "went_for_coffee"}), "field_invalid"),
        (json.dumps({"type": "answer", "question": question["id"], "options": ["o1"], "answered_at": "2020-01-01T00:00:00Z"}), "clock_not_accepted"),
        (json.dumps({"type": "submit", "time": 1}), "clock_not_accepted"),
        (json.dumps({"type": "answer", "question": question["id"], "options": ["o1"], "padding": "字" * 2000}), "message_too_large"),
    ]
    for frame, code in frames:
        await communicator.send_to(text_data=frame)
        reply = await communicator.receive_json_from(timeout=TIMEOUT)
        assert (reply["type"], reply["code"]) == ("error", code), frame[:60]
        assert reply["message"]
    await communicator.send_to(bytes_data=b"\x00\x01")
    assert (await communicator.receive_json_from(timeout=TIMEOUT))["code"] == "binary_not_accepted"
    # Nothing was written, nothing was submitted, and the connection still works.
    assert not await db(lambda: AttemptAnswer.objects.exists())
    assert (await db(lambda: Attempt.objects.get(pk=attempt.pk))).status == S.IN_PROGRESS
    assert (await ask(communicator, {"type": "heartbeat"}))["type"] == "tick"
    await communicator.disconnect()


async def test_a_flood_is_rate_limited(world, attempt, monkeypatch):
    # The room's token bucket runs on a clock of the test's (TokenBucket takes one): the refill
    # after the flood is a second on that clock, not a second of waiting.
    from exam.realtime import protocol

    clock = [1000.0]
    monkeypatch.setattr(protocol, "TokenBucket", functools.partial(protocol.TokenBucket, clock=lambda: clock[0]))
    communicator, _state = await started(world.gz_worker.user, attempt.pk)
    for _ in range(60):
        await communicator.send_json_to({"type": "heartbeat"})
    replies = []
    while not await communicator.receive_nothing(timeout=0.5):
        replies.append(await communicator.receive_json_from(timeout=TIMEOUT))
    codes = [reply.get("code") for reply in replies]
    assert "rate_limited" in codes
    assert len(replies) < 60  # refused frames were not served
    clock[0] += 1.0  # a second later the bucket has tokens again
    assert (await ask(communicator, {"type": "heartbeat"}))["type"] == "tick"
    await communicator.disconnect()


async def test_the_errors_speak_the_users_language(world, attempt):
    communicator = WebsocketCommunicator(
        application, f"/ws/exam/attempts/{attempt.pk}/",
        headers=[(b"host", b"localhost"), (b"origin", b"http://localhost"), (b"cookie", await sync_to_async(cookie_of)(world.gz_worker.user))],
    )
    await communicator.connect(timeout=TIMEOUT)
    assert (await ask(communicator, {"type": "teleport"}))["message"] == "未知的消息类型。"
    await communicator.disconnect()
    english = WebsocketCommunicator(
        application, f"/ws/exam/attempts/{attempt.pk}/",
        headers=[(b"host", b"localhost"), (b"origin", b"http://localhost"),
                 (b"cookie", await sync_to_async(cookie_of)(world.gz_worker.user) + b"; django_language=en")],
    )
    await english.connect(timeout=TIMEOUT)
    assert (await ask(english, {"type": "teleport"}))["message"] == "This type of message is not known."
    await english.disconnect()


# The proctor ------------------------------------------------------------------------------------


async def test_a_warning_and_a_termination_arrive_in_the_room_mid_exam(world, attempt):
    communicator, state = await started(world.gz_worker.user, attempt.pk)
    question = state["questions"][0]
    await ask(communicator, {"type": "answer", "seq": 3, "question": question["id"], "options": [question["options"][0]["id"]]})

    await db(lambda: proctoring.proctor_warn(actor=world.gz_reviewer, attempt=attempt, message="请正视摄像头"))
    warning = await communicator.receive_json_from(timeout=TIMEOUT)
    assert warning["type"] == "warning" and warning["message"] == "请正视摄像头"

    await db(lambda: proctoring.proctor_terminate(actor=world.gz_reviewer, attempt=attempt, reason="他人代考"))
    state = await communicator.receive_json_from(timeout=TIMEOUT)
    assert state["type"] == "state" and state["status"] == S.TERMINATED and state["reason"] == "他人代考"

    reply = await ask(communicator, {"type": "answer", "seq": 4, "question": question["id"], "options": [question["options"][1]["id"]]})
    assert reply["code"] == "attempt_closed"
    reply = await ask(communicator, {"type": "submit", "seq": 5})
    assert reply["code"] == "attempt_closed"
    terminated = await db(lambda: Attempt.objects.get(pk=attempt.pk))
    assert terminated.status == S.TERMINATED and terminated.score is None
    kinds = await db(lambda: [entry.payload.get("event") for entry in CaptureLogEntry.objects.filter(subject=f"attempt:{attempt.pk}")])
    assert kinds == ["warning", "terminated"]
    await communicator.disconnect()


async def test_the_board_shows_every_candidate_and_follows_the_attempt_live(world, sitting, attempt):
    board = await connect(world.gz_reviewer, f"/ws/exam/sittings/{sitting.pk}/board/")
    table = await board.receive_json_from(timeout=TIMEOUT)
    assert table["type"] == "rows" and len(table["rows"]) == 2 and table["summary"]["candidates"] == 2
    row = next(r for r in table["rows"] if r["attempt_id"] == attempt.pk)
    assert row["status"] == S.IDENTITY_VERIFIED and row["answered"] == 0

    candidate, state = await started(world.gz_worker.user, attempt.pk)
    update = await board.receive_json_from(timeout=TIMEOUT)
    assert update["type"] == "row" and update["rows"][0]["status"] == S.IN_PROGRESS
    assert 0 < update["rows"][0]["remaining_seconds"] <= 3600

    await ask(candidate, {"type": "event", "seq": 3, "event": "page_hidden"})
    update = await board.receive_json_from(timeout=TIMEOUT)
    assert [i["kind"] for i in update["rows"][0]["incidents"]] == ["page_hidden"]

    await ask(candidate, {"type": "submit", "seq": 4})
    # Submitted and graded in one transaction: the board hears of the graded attempt only.
    update = await board.receive_json_from(timeout=TIMEOUT)
    assert update["rows"][0]["status"] == S.GRADED and update["rows"][0]["score"] == "0.00"
    assert await board.receive_nothing(timeout=0.5)
    await candidate.disconnect()
    await board.disconnect()


async def test_the_board_hears_a_sweep_of_several_attempts_once_as_the_whole_table(world, sitting, attempt):
    def both_started():
        attempt_start(attempt=attempt, candidate=world.gz_worker)
        other = attempt_verify_identity(attempt=attempt_create(sitting=sitting, candidate=world.sz_worker), method="test", evidence={})
        attempt_start(attempt=other, candidate=world.sz_worker)

    await db(both_started)
    board = await connect(world.gz_reviewer, f"/ws/exam/sittings/{sitting.pk}/board/")
    table = await board.receive_json_from(timeout=TIMEOUT)
    assert {row["status"] for row in table["rows"]} == {S.IN_PROGRESS}
    # When the deadline sweep grades both attempts in one batch
    after_deadline = timezone.now() + datetime.timedelta(hours=2)
    assert (await db(lambda: attempts_close_overdue(now=after_deadline, sitting_id=sitting.pk)))["submitted"] == 2
    # Then the board hears once, and reads the whole table again
    update = await board.receive_json_from(timeout=TIMEOUT)
    assert update["type"] == "rows" and [row["status"] for row in update["rows"]] == [S.GRADED, S.GRADED]
    assert await board.receive_nothing(timeout=0.5)
    await board.disconnect()


async def test_the_results_page_socket_is_scoped(world, sitting, attempt):
    await db(lambda: Membership.objects.create(user=world.sz_reviewer, organisation=world.sz_authority, role=Role.PROCTOR))
    # The institution's staff see results, not the board; the other city's staff see neither.
    results = await connect(world.gz_staff, f"/ws/exam/sittings/{sitting.pk}/results/")
    table = await results.receive_json_from(timeout=TIMEOUT)
    assert table["type"] == "rows" and {r["name"] for r in table["rows"]} == {world.gz_worker.real_name, world.sz_worker.real_name}
    await results.disconnect()
    for user, view in ((world.gz_staff, "board"), (world.sz_reviewer, "board"), (world.sz_reviewer, "results"), (world.sz_staff, "results"), (world.gz_worker.user, "results")):
        refused = await connect(user, f"/ws/exam/sittings/{sitting.pk}/{view}/")
        assert (await refused.receive_json_from(timeout=TIMEOUT))["code"] == "sitting_not_found"
        assert await closed_with(refused) == 4404


async def test_an_idle_room_stays_connected_past_the_channel_layers_blocking_read(world, attempt):
    # channels-redis waits 5 s in a blocking pop; a Redis client that times out its reads at 5 s
    # (redis-py 8's default) ended every idle consumer. Seven seconds with nothing from the
    # candidate (the server may ask for a snapshot meanwhile, and nothing else), then the room answers.
    communicator, _state = await started(world.gz_worker.user, attempt.pk)
    loop = asyncio.get_running_loop()
    quiet_until = loop.time() + 7
    while (left := quiet_until - loop.time()) > 0:
        if await communicator.receive_nothing(timeout=left):
            break  # receive_nothing, not a timed-out receive: that would cancel the consumer
        pushed = await communicator.receive_json_from(timeout=TIMEOUT)
        assert pushed["type"] == "evidence", pushed
    assert (await ask(communicator, {"type": "heartbeat"}))["type"] == "tick"
    await db(lambda: proctoring.proctor_warn(actor=world.gz_reviewer, attempt=attempt, message="请坐好"))
    assert (await receive(communicator))["message"] == "请坐好"
    await communicator.disconnect()


async def test_twenty_sockets_of_one_attempt_share_one_limit_of_incidents(world, attempt, settings):
    # Each socket stays under its own bucket (15 frames < a burst of 20); together they would write
    # twenty times the incidents one socket may.
    first, _state = await started(world.gz_worker.user, attempt.pk)
    sockets = [first] + [await room(world.gz_worker.user, attempt.pk) for _ in range(19)]
    for socket in sockets:
        for seq in range(15):
            await socket.send_json_to({"type": "event", "seq": seq, "event": "focus_lost"})
    codes = []
    for socket in sockets:
        for _ in range(15):
            reply = await socket.receive_json_from(timeout=TIMEOUT)
            codes.append(reply.get("code", reply["type"]))
    incidents = await db(lambda: Incident.objects.filter(attempt_id=attempt.pk, kind="focus_lost").count())
    assert incidents == settings.EXAM_ROOM_EVENTS_PER_MINUTE
    assert codes.count("ack") == incidents and codes.count("rate_limited") == 300 - incidents
    for socket in sockets:
        await socket.disconnect()


async def test_one_users_sockets_share_one_limit_of_frames(world, attempt, settings):
    settings.EXAM_ROOM_SHARED_FRAMES = 50
    first, _state = await started(world.gz_worker.user, attempt.pk)  # 2 frames
    sockets = [first] + [await room(world.gz_worker.user, attempt.pk) for _ in range(9)]
    for socket in sockets:
        for _ in range(10):
            await socket.send_json_to({"type": "heartbeat"})
    types = []
    for socket in sockets:
        for _ in range(10):
            reply = await socket.receive_json_from(timeout=TIMEOUT)
            types.append(reply.get("code", reply["type"]))
    assert types.count("tick") == 50 - 2 and types.count("rate_limited") == 100 - 48
    for socket in sockets:
        await socket.disconnect()
