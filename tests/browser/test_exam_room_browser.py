"""An exam taken in a real browser against the running services: Daphne with its own database and
the Redis channel layer (tests/daphne.py), Chromium with a fake webcam (tests/faces.py).

The candidate logs in and enters the sitting from My exams; their camera shows a photo of them (not
one of their references), which the identity check refuses each time as showing no live person,
saying so, until after three tries the proctor confirms the candidate on the board. The candidate
starts and answers. The test
then cuts the browser's network: the room says it is offline, an answer given meanwhile waits as
pending, and when the network is back the room reconnects by itself and the answer is saved. After
a reload every answer is still there, from the server's state. The candidate finishes, submits and
sees the score the server stored; the proctor's board, open all along, shows the row graded with
that score without a reload."""

import contextlib
import json
import os
import socket
import struct
import threading
import time
from decimal import Decimal

import pytest

from tests.daphne import serve, session_templates

pytestmark = [pytest.mark.browser]

WAIT_MS = 30_000


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    with serve(tmp_path_factory.mktemp("daphne"), templates=session_templates(request), static=True) as running:
        yield running


@pytest.fixture
def seeded(server, testdata):
    """One candidate with a complete face profile (obama_1..3), a proctor, an open sitting."""
    data = server.seed_exam(candidates=1)
    person = data["candidates"][0]["person"]
    out = server.run_python(  # the server reads the same photos as this process
        "from django.conf import settings\n"
        f"settings.KAOHE_TESTDATA = {str(testdata)!r}\n"
        "from lms.models import Person\n"
        "from proctor.selectors.profiles import face_profile\n"
        "from tests.faces import give_face_profile\n"
        f"person = Person.objects.get(pk={person})\n"
        "give_face_profile(person)\n"
        "print('READY', face_profile(person).ready)\n"
    )
    assert "READY True" in out, out
    return data


class Link:
    """The candidate's network: a TCP relay between their browser and Daphne that the test can cut.

    Playwright's `context.set_offline(True)` fails new requests but leaves an open WebSocket up
    (microsoft/playwright#4910, seen here too), so it cannot cut the exam room. `cut()` resets
    every connection in both directions (RST, no close frame: the browser's socket closes with
    1006, the server's consumer disconnects) and refuses new ones until `restore()`."""

    def __init__(self, port: int):
        self.target = ("127.0.0.1", port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.up = True
        self.cuts = 0
        self.refused = 0  # connections refused while cut (the room's attempts to reconnect)
        self.refusal = threading.Condition()
        self.lock = threading.Lock()
        self.pairs: set[tuple[socket.socket, socket.socket]] = set()
        self.halves: dict[tuple[socket.socket, socket.socket], int] = {}
        threading.Thread(target=self._accept, daemon=True).start()

    @staticmethod
    def _reset(conn: socket.socket) -> None:
        try:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.shutdown(socket.SHUT_RDWR)  # wakes the relay thread blocked on it
        except OSError:
            pass
        conn.close()  # with linger 0: a reset

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            try:
                if not self.up:
                    with self.refusal:
                        self.refused += 1
                        self.refusal.notify_all()
                    raise ConnectionRefusedError
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                self._reset(client)
                continue
            pair = (client, upstream)
            with self.lock:
                self.pairs.add(pair)
            for source, target in (pair, pair[::-1]):
                threading.Thread(target=self._pump, args=(source, target, pair), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, pair) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
            target.shutdown(socket.SHUT_WR)  # an orderly end is passed on as one
        except OSError:
            self._drop(pair, reset=True)
            return
        with self.lock:
            self.halves[pair] = self.halves.get(pair, 0) + 1
            done = self.halves[pair] == 2
        if done:
            self._drop(pair, reset=False)

    def _drop(self, pair, *, reset: bool) -> None:
        with self.lock:
            if pair not in self.pairs:
                return
            self.pairs.discard(pair)
            self.halves.pop(pair, None)
        for conn in pair:
            if reset:
                self._reset(conn)
            else:
                conn.close()

    def cut(self) -> None:
        self.up = False
        self.cuts += 1
        with self.lock:
            pairs = list(self.pairs)
        for pair in pairs:
            self._drop(pair, reset=True)

    def restore(self) -> None:
        self.up = True

    def wait_refused(self, count: int, timeout: float = 30.0) -> bool:
        """Wait until `count` connections in all have been refused while cut."""
        with self.refusal:
            return self.refusal.wait_for(lambda: self.refused >= count, timeout)

    def close(self) -> None:
        self.listener.close()
        self.cut()


@pytest.fixture
def link(server):
    relay = Link(server.port)
    yield relay
    relay.close()


@pytest.fixture
def screenshots(request):
    """Pages to photograph under test-artifacts/ if the test fails."""
    pages = {}
    yield pages
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        os.makedirs("test-artifacts", exist_ok=True)
        for name, page in pages.items():
            with contextlib.suppress(Exception):  # a page already closed: nothing to keep
                page.screenshot(path=f"test-artifacts/{request.node.name}-{name}.png", full_page=True)


@pytest.fixture
def plain_page(browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    yield page
    context.close()


def log_in(page, base_url: str, login: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", login)
    page.fill("#id_password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def paper(page) -> list[dict]:
    """The questions on the page: id, input type and option ids, in order."""
    return page.eval_on_selector_all(
        "ol#questions > li.question",
        """items => items.map(li => ({
            id: Number(li.dataset.question),
            options: [...li.querySelectorAll("input")].map(input => input.value),
            type: li.querySelector("input").type,
        }))""",
    )


def checked(page, question: int) -> list[str]:
    return page.eval_on_selector_all(
        f'li.question[data-question="{question}"] input:checked', "inputs => inputs.map(input => input.value)"
    )


def give(page, question: int, options: list[str]) -> None:
    for option in options:
        page.check(f'li.question[data-question="{question}"] input[value="{option}"]')


def wait_saved(page, question: int) -> None:
    page.wait_for_selector(f'li.question[data-question="{question}"][data-saved="saved"]', state="attached")


def choices(questions: list[dict], key: dict[str, dict]) -> dict[int, list[str]]:
    """The right options for every question but the first single-choice one, answered wrong."""
    chosen, wrong_done = {}, False
    for question in questions:
        entry = key[str(question["id"])]
        if entry["kind"] == "single" and not wrong_done:
            chosen[question["id"]] = [next(o for o in question["options"] if o not in entry["correct"])]
            wrong_done = True
        else:
            chosen[question["id"]] = list(entry["correct"])
    assert wrong_done
    return chosen


def stored_attempt(server, attempt: int) -> dict:
    out = server.run_python(
        "import json\nfrom exam.models import Attempt\n"
        f"a = Attempt.objects.get(pk={attempt})\n"
        "print('ATTEMPT ' + json.dumps({'status': a.status, 'score': str(a.score), 'max_score': str(a.max_score),"
        " 'passed': a.passed, 'answers': {str(x.version_id): x.option_ids for x in a.answers.all()}}))"
    )
    line = next(line for line in out.splitlines() if line.startswith("ATTEMPT "))
    return json.loads(line.removeprefix("ATTEMPT "))


def test_a_still_picture_never_opens_the_paper_the_candidate_survives_a_network_cut_and_the_proctor_sees_the_score(
    server, seeded, link, camera_page, plain_page, screenshots
):
    started = time.perf_counter()
    laps: dict[str, float] = {}

    def lap(name: str) -> None:
        laps[name] = round(time.perf_counter() - started - sum(laps.values()), 1)

    sitting = seeded["sitting"]
    candidate = seeded["candidates"][0]
    person = candidate["person"]
    row = f'#rows tr[data-person="{person}"]'

    with server.explained():
        # Given the proctor watching the sitting's board
        board = plain_page
        screenshots["board"] = board
        board_sockets = []
        board.on("websocket", lambda ws: board_sockets.append(ws))
        log_in(board, server.url, seeded["proctor"]["login"], seeded["proctor"]["password"])
        board.goto(f"{server.url}/exam/sittings/{sitting}/board/")
        board.wait_for_selector('#live-state[data-state="live"]')
        board.wait_for_selector(row, state="attached")
        board.evaluate("window.boardNeverReloaded = true")
        lap("board open")

        # and the candidate at a camera that shows them (not one of their reference photos)
        room = camera_page("obama_4.jpg")
        screenshots["room"] = room
        room_sockets = []
        room.on("websocket", lambda ws: room_sockets.append(ws))
        log_in(room, link.url, candidate["login"], candidate["password"])  # over the cuttable link
        room.click("#nav-my-exams")
        room.wait_for_selector(f'#my-exams tr[data-sitting="{sitting}"]')
        with room.expect_navigation():
            room.click(f'#my-exams tr[data-sitting="{sitting}"] button.enter')
        assert "/exam/attempts/" in room.url, room.url
        attempt = int(room.url.rstrip("/").rsplit("/", 1)[1])
        lap("candidate in the room")

        # When the camera shows a photo of them, then each check says no live person was seen
        room.wait_for_selector("#identity", state="visible")
        room.wait_for_function("() => document.getElementById('identity-camera').videoWidth > 0")
        for tries_left in ("2", "1", "0"):
            room.click("#identity-check")
            room.wait_for_function(f"() => document.getElementById('tries-left').textContent === '{tries_left}'")
            assert "未检测到真人" in room.inner_text("#identity-message")
        room.wait_for_selector("#identity-referred", state="visible")
        lap("identity checks refused")
        # and the proctor, on the board, confirms the candidate in person
        board.wait_for_selector(f'{row} form.confirm-identity input[name="note"]')
        board.fill(f'{row} form.confirm-identity input[name="note"]', "视频核对身份证原件")
        with board.expect_navigation():
            board.click(f"{row} form.confirm-identity button")
        board.wait_for_selector('#live-state[data-state="live"]')
        # From here on the board is never reloaded and keeps the one socket it opened now.
        board.evaluate("window.boardNeverReloaded = true")
        board_sockets_now = len(board_sockets)
        room.wait_for_selector("#ready", state="visible")
        lap("proctor confirms")
        room.click("#start")
        room.wait_for_selector("#paper", state="visible")
        room.wait_for_selector("ol#questions > li.question", state="attached")
        questions = paper(room)
        assert len(questions) == 7, questions
        chosen = choices(questions, seeded["questions"])
        ids = [q["id"] for q in questions]

        # and answer the first three, each acknowledged by the server
        for question in ids[:3]:
            give(room, question, chosen[question])
            wait_saved(room, question)
        assert room.inner_text("#answered-count") == "3"
        # the answer card shows the three as answered, the rest unanswered; a mark shows too
        card = "#answer-card-grid button"
        assert room.eval_on_selector_all(card, "cells => cells.map(c => c.dataset.state)") == ["answered"] * 3 + ["unanswered"] * 4
        room.click(f'li.question[data-question="{ids[5]}"] .flag')
        assert room.get_attribute(f'{card}[data-question="{ids[5]}"]', "data-flagged") == "true"
        lap("three answers")

        # When the candidate's network is cut (the one socket the room opened is up until then)
        assert [ws.is_closed() for ws in room_sockets] == [False], [ws.url for ws in room_sockets]
        link.cut()
        room.wait_for_selector('#connection[data-state="offline"]', state="visible")
        assert room_sockets[0].is_closed()
        # an answer given meanwhile waits, unsaved
        offline = ids[3]
        give(room, offline, chosen[offline])
        room.wait_for_selector(f'li.question[data-question="{offline}"][data-saved="pending"]', state="attached")
        # and stays so while the room tries to reconnect and is refused
        assert link.wait_refused(link.refused + 1)
        assert room.get_attribute(f'li.question[data-question="{offline}"]', "data-saved") == "pending"
        assert room.inner_text("#answered-count") == "3"

        # Then when it is back, the room reconnects by itself and the answer is saved
        link.restore()
        room.wait_for_selector('#connection[data-state="online"]', state="attached")
        assert room.is_hidden("#connection")
        wait_saved(room, offline)
        assert room.inner_text("#answered-count") == "4"
        lap("cut and reconnect")

        # and after a reload every answer is there, from the server's state
        room.reload()
        room.wait_for_selector("#paper", state="visible")
        for question in ids[:4]:
            wait_saved(room, question)
            assert sorted(checked(room, question)) == sorted(chosen[question]), question
        for question in ids[4:]:
            assert checked(room, question) == [], question
        assert room.inner_text("#answered-count") == "4"
        lap("reload")

        # When the candidate answers the rest and submits
        for question in ids[4:]:
            give(room, question, chosen[question])
            wait_saved(room, question)
        assert room.inner_text("#answered-count") == "7"
        # the confirmation names what is marked, and submitting waits for the candidate's yes
        room.click("#submit")
        room.wait_for_selector("#confirm-dialog[open]")
        assert room.inner_text("#confirm-dialog-list").split("\n") == ["所有题目均已作答。", "标记待复查的题目：第 6 题。"]
        room.click("#confirm-ok")

        # Then they see the score the server stored
        room.wait_for_selector("#result", state="visible")
        room.wait_for_function("() => document.getElementById('score').textContent !== ''")
        lap("rest and submit")
        stored = stored_attempt(server, attempt)
        assert stored["status"] == "graded", stored
        expected = Decimal(0)
        for question in ids:
            entry = seeded["questions"][str(question)]
            if sorted(chosen[question]) == sorted(entry["correct"]):
                expected += Decimal(seeded["points"][entry["kind"]])
        assert {q: sorted(o) for q, o in stored["answers"].items()} == {str(q): sorted(chosen[q]) for q in ids}
        assert Decimal(stored["score"]) == expected, (stored, expected)
        assert room.inner_text("#score") == stored["score"]
        assert room.inner_text("#max-score") == stored["max_score"]
        assert stored["passed"] == (expected >= Decimal(seeded["pass_mark"]))
        assert room.get_attribute("#verdict", "class") == ("passed" if stored["passed"] else "failed")
        assert room.inner_text("#verdict")

        # and the proctor's board shows it, without a reload
        board.wait_for_selector(f'{row}[data-status="graded"]', state="attached")
        assert board.inner_text(f"{row} td.score") == stored["score"]
        assert board.evaluate("window.boardNeverReloaded === true")
        # over the socket it opened first, never dropped
        assert len(board_sockets) == board_sockets_now and not board_sockets[-1].is_closed(), [ws.url for ws in board_sockets]
        lap("board graded")
    print(f"browser exam test body {time.perf_counter() - started:.1f} s: {laps}; server {server.timings}")
