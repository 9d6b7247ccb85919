"""An exam taken end to end against the running services: a real Daphne process with its own
database (SQLite file or PostgreSQL, see tests/daphne.py) and the Redis channel layer, HTTP through
`requests`, and real WebSocket connections through the `websockets` client, nothing in-process.

A candidate logs in, enters the sitting, a proctor confirms their identity, the candidate takes the
paper over the exam room socket, loses the connection mid-way (the TCP connection aborted, no close
handshake) with an answer in flight, comes back to every acknowledged answer, finishes and submits;
the proctor's results page socket shows the score as it happens."""

import asyncio
import json
import time
from decimal import Decimal

import pytest
import requests
from websockets.asyncio.client import connect

from tests.daphne import daphne_server  # noqa: F401  (the module-scoped fixture)

TIMEOUT = 15


@pytest.fixture(scope="module")
def exam_data(daphne_server):  # noqa: F811
    return daphne_server.seed_exam(candidates=2)


def logged_in(server, login: str, password: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy between us and 127.0.0.1
    session.get(f"{server.url}/login/", timeout=TIMEOUT).raise_for_status()
    response = session.post(
        f"{server.url}/login/",
        data={"username": login, "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 302, response.text[:2000]
    assert session.cookies.get("sessionid")
    return session


def post(session: requests.Session, url: str, **data) -> requests.Response:
    return session.post(
        url, data=data, headers={"X-CSRFToken": session.cookies["csrftoken"]}, allow_redirects=False, timeout=TIMEOUT
    )


def socket(server, session: requests.Session, path: str):
    return connect(
        f"{server.ws_url}{path}",
        origin=server.origin,
        additional_headers={"Cookie": f"sessionid={session.cookies['sessionid']}"},
        proxy=None,
        open_timeout=TIMEOUT,
    )


async def receive(ws) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))


async def ask(ws, message: dict, pushes: list | None = None) -> dict:
    """Send, and return the reply carrying the message's seq; pushes that come first (another
    connection's answer landing, a status change) go to `pushes`."""
    await ws.send(json.dumps(message))
    while True:
        reply = await receive(ws)
        if reply.get("seq") == message["seq"]:
            return reply
        assert reply["type"] in ("answered", "state", "warning", "snapshot"), reply
        if pushes is not None:
            pushes.append(reply)


async def test_a_candidate_takes_an_exam_through_daphne_and_redis_and_the_proctor_sees_the_score(
    daphne_server, exam_data  # noqa: F811
):
    server = daphne_server
    started = time.perf_counter()
    sitting = exam_data["sitting"]
    candidate = exam_data["candidates"][0]
    with server.explained():
        # Given a candidate in the room and a proctor who confirmed who they are
        learner = logged_in(server, candidate["login"], candidate["password"])
        entered = post(learner, f"{server.url}/exam/my/sittings/{sitting}/enter/")
        assert entered.status_code == 302, entered.text[:2000]
        attempt = int(entered.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        assert learner.get(f"{server.url}/exam/attempts/{attempt}/", timeout=TIMEOUT).status_code == 200

        proctor = logged_in(server, exam_data["proctor"]["login"], exam_data["proctor"]["password"])
        confirmed = post(proctor, f"{server.url}/exam/attempts/{attempt}/confirm-identity/", note="身份证已核对")
        assert confirmed.status_code == 302 and confirmed.headers["Location"].endswith(f"/exam/sittings/{sitting}/board/")

        async with socket(server, proctor, f"/ws/exam/sittings/{sitting}/results/") as results:
            table = await receive(results)
            assert table["type"] == "rows" and len(table["rows"]) == 2
            row = next(r for r in table["rows"] if r["attempt_id"] == attempt)
            assert row["status"] == "identity_verified" and row["score"] is None

            # When the candidate starts and answers half the paper, each answer acknowledged
            room = await connect_room(server, learner, attempt)
            state = await ask(room, {"type": "join", "seq": 1})
            assert state["status"] == "identity_verified" and "questions" not in state
            state = await ask(room, {"type": "start", "seq": 2})
            assert state["status"] == "in_progress" and state["answers"] == {}
            questions = state["questions"]
            assert len(questions) == 7

            chosen = choices(questions, exam_data["questions"])
            acknowledged: dict[str, list[str]] = {}
            seq = 10
            half = len(questions) // 2
            for question in questions[:half]:
                seq += 1
                reply = await ask(room, answer(seq, question, chosen))
                assert (reply["type"], reply["seq"], reply["question"]) == ("ack", seq, question["id"]), reply
                acknowledged[str(question["id"])] = reply["options"]

            # and the connection drops with one more answer in flight (no close frame, no ack read)
            in_flight = questions[half]
            await room.send(json.dumps(answer(seq + 1, in_flight, chosen)))
            room.transport.abort()

            # Then a new connection finds the attempt in progress with every acknowledged answer
            room = await connect_room(server, learner, attempt)
            pushes: list[dict] = []
            state = await ask(room, {"type": "join", "seq": 1}, pushes)
            assert state["status"] == "in_progress"
            assert [q["id"] for q in state["questions"]] == [q["id"] for q in questions]
            for question_id, options in acknowledged.items():
                assert state["answers"].get(question_id) == options
            # (the answer in flight may have been stored after all: then it is in the state, or
            # pushed to this connection as another device's answer if it landed after the join)
            landed = state["answers"].get(str(in_flight["id"]))
            assert landed is None or sorted(landed) == sorted(chosen[in_flight["id"]])
            assert set(state["answers"]) <= set(acknowledged) | {str(in_flight["id"])}

            # and the rest of the paper (the one in flight again) is acknowledged in turn
            seq = 20
            for question in questions[half:]:
                seq += 1
                reply = await ask(room, answer(seq, question, chosen), pushes)
                assert (reply["type"], reply["seq"]) == ("ack", seq), reply
                acknowledged[str(question["id"])] = reply["options"]
            for push in pushes:
                assert push == {"type": "answered", "question": in_flight["id"], "options": push["options"]}
                assert sorted(push["options"]) == sorted(chosen[in_flight["id"]])
            state = await ask(room, {"type": "join", "seq": seq + 1})
            assert state["answers"] == acknowledged

            # When the candidate submits, the paper is graded at once
            state = await ask(room, {"type": "submit", "seq": seq + 2})
            expected = expected_score(questions, chosen, exam_data)
            assert state["type"] == "state" and state["status"] == "graded", state
            assert Decimal(state["result"]["score"]) == expected
            assert state["result"]["passed"] == (expected >= Decimal(exam_data["pass_mark"]))
            await room.close()

            # and the proctor's open results page receives the row with the score, no reload
            while True:
                update = await receive(results)
                assert update["type"] == "row", update
                row = next((r for r in update["rows"] if r["attempt_id"] == attempt), None)
                if row and row["status"] == "graded":
                    break
            assert Decimal(row["score"]) == expected and row["name"] == candidate["name"]
            assert row["passed"] == (expected >= Decimal(exam_data["pass_mark"]))
            assert update["summary"]["graded"] == 1

        # The attempt's page tells the candidate too (HTTP reads the same database)
        assert learner.get(f"{server.url}/exam/attempts/{attempt}/", timeout=TIMEOUT).status_code == 200
    server.timings["test body"] = time.perf_counter() - started
    print("daphne_server timings (s):", {name: round(seconds, 1) for name, seconds in server.timings.items()})


async def connect_room(server, session, attempt: int):
    return await socket(server, session, f"/ws/exam/attempts/{attempt}/")


def choices(questions: list[dict], key: dict[str, dict]) -> dict[int, list[str]]:
    """The right options for every question but the first single-choice one, answered wrong."""
    chosen = {}
    wrong_done = False
    for question in questions:
        right = key[str(question["id"])]["correct"]
        if question["kind"] == "single" and not wrong_done:
            chosen[question["id"]] = [next(o["id"] for o in question["options"] if o["id"] not in right)]
            wrong_done = True
        else:
            chosen[question["id"]] = list(right)
    assert wrong_done
    return chosen


def answer(seq: int, question: dict, chosen: dict[int, list[str]]) -> dict:
    return {"type": "answer", "seq": seq, "question": question["id"], "options": chosen[question["id"]]}


def expected_score(questions: list[dict], chosen: dict[int, list[str]], data: dict) -> Decimal:
    total = Decimal(0)
    for question in questions:
        key = data["questions"][str(question["id"])]
        if sorted(chosen[question["id"]]) == sorted(key["correct"]):
            total += Decimal(data["points"][key["kind"]])
    return total


def test_daphne_leaves_an_uploads_body_to_django(daphne_server, exam_data):  # noqa: F811
    # Twisted, under Daphne, parsed every multipart body before Django did, and answered one it
    # could not parse with its own empty 400 and a closed connection (kaohe.server). Through the
    # real server, such a body now reaches the platform, which says what is wrong in Chinese.
    candidate = exam_data["candidates"][0]
    session = logged_in(daphne_server, candidate["login"], candidate["password"])
    upload = f"{daphne_server.url}/api/study/sessions/00000000-0000-4000-8000-000000000000/snapshots"
    headers = {"X-CSRFToken": session.cookies["csrftoken"], "Accept-Language": "zh-hans"}
    response = session.post(
        upload, data=b"--\r\nnot a part\r\n", headers={**headers, "Content-Type": "multipart/form-data"}, timeout=TIMEOUT
    )
    assert response.status_code == 400, response.text[:500]
    assert response.json() == {"code": "bad_request", "message": "无法读取该请求。"}
    # And a well-formed burst still reaches the service whole, which judges it (no such session).
    response = session.post(
        upload, data={"nonce": "x"}, files=[("frame", ("a.jpg", b"\xff\xd8 a frame", "image/jpeg"))] * 2,
        headers=headers, timeout=TIMEOUT,
    )
    assert response.status_code == 404 and response.json()["code"] == "session_not_found", response.text[:500]
