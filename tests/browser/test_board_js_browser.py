"""The proctor dashboard's script, frontend/static/frontend/exam_watch.js, in the real Chromium: on
a page of a made-up origin whose socket Playwright plays, so that the pushes (the whole table on
every tick, one row when an attempt changes) arrive exactly when the test says. The board with the
platform behind it is tested in test_exam_room_browser.py.

The defect this guards: the tick replaced every row, and with it the form a proctor was typing in,
so "确认身份" was clicked on an empty, required note and nothing was sent."""

import json
import re
from pathlib import Path

import pytest
from django.template import Context, Template

pytestmark = [pytest.mark.browser]

ORIGIN = "http://kaohe.test"
FRONTEND = Path(__file__).resolve().parents[2] / "frontend" / "static" / "frontend"
BOARD = Path(__file__).resolve().parents[2] / "exam" / "templates" / "exam" / "room" / "board.html"
SOCKET = "/ws/exam/sittings/1/board/"
CONFIG = {
    "view": "board",
    "socket": {"path": SOCKET, "final_close_codes": [4401, 4403, 4404]},
    "urls": {
        "actions": {
            "warn": "/exam/attempts/{attempt}/warn/",
            "terminate": "/exam/attempts/{attempt}/terminate/",
            "confirm-identity": "/exam/attempts/{attempt}/confirm-identity/",
        },
        "video": "/exam/attempts/{attempt}/video/",
        "video_frame": "/exam/attempts/{attempt}/video/frame/",
    },
    "words": {"live": "实时", "offline": "重新连接…", "video": "视频", "video_live": "视频：开", "video_down": "视频：关"},
}


def actions_template() -> str:
    """The row's forms as the board's own template writes them."""
    fragment = re.search(r'<template id="actions-template">.*?</template>', BOARD.read_text(), re.S).group(0)
    return Template("{% load i18n %}" + fragment).render(Context())


def page_html() -> str:
    return f"""<!DOCTYPE html><html lang="zh-hans"><body>
<p id="live-state" data-state="connecting"></p>
<strong id="sum-candidates"></strong><strong id="sum-in-progress"></strong><strong id="sum-graded"></strong><strong id="sum-passed"></strong>
<table><tbody id="rows"></tbody></table>
{actions_template()}
<script type="application/json" id="kaohe-config">{json.dumps(CONFIG, ensure_ascii=False)}</script>
<script src="/static/frontend/kaohe.js"></script>
<script src="/static/frontend/exam_watch.js"></script>
</body></html>"""


def row(person: int, *, status: str = "created", referred: bool = False, answered: int = 0, incidents=()) -> dict:
    return {
        "person_id": person, "attempt_id": 100 + person, "name": f"考生{person}", "id_number": "440106198604020011",
        "status": status, "status_label": status, "referred": referred, "remaining_seconds": None,
        "answered": answered, "questions": 7, "snapshot_label": "", "video": None,
        "incidents": [{"kind": kind, "label": kind} for kind in incidents], "score": None,
    }


SUMMARY = {"candidates": 2, "in_progress": 1, "graded": 0, "passed": 0}


@pytest.fixture
def board(page):
    """The board, connected; `board.push(message)` sends a message down its socket."""
    sockets = []
    posted = []

    def serve(route):
        path = route.request.url.removeprefix(ORIGIN)
        if path == "/":
            route.fulfill(content_type="text/html; charset=utf-8", body=page_html())
        elif path.startswith("/static/frontend/"):
            route.fulfill(content_type="text/javascript", body=(FRONTEND / path.rsplit("/", 1)[1]).read_text())
        else:
            posted.append({"path": path, "body": route.request.post_data})
            route.fulfill(content_type="text/html; charset=utf-8", body="<!DOCTYPE html><p>ok</p>")

    page.route(f"{ORIGIN}/**", serve)
    page.route_web_socket(f"ws://kaohe.test{SOCKET}", lambda ws: sockets.append(ws))
    page.goto(f"{ORIGIN}/")
    page.wait_for_function("() => document.getElementById('live-state').dataset.state === 'live'")

    def push(message: dict) -> None:
        sockets[-1].send(json.dumps(message, ensure_ascii=False))

    page.push = push
    page.posted = posted
    return page


def test_a_tick_keeps_the_form_the_proctor_is_typing_in_and_the_note_reaches_the_server(board):
    # Given the board showing a candidate referred to the proctor after three refused checks
    board.push({"type": "rows", "rows": [row(1, referred=True), row(2)], "summary": SUMMARY})
    form = '#rows tr[data-person="1"] form.confirm-identity'
    board.wait_for_selector(f'{form} input[name="note"]')
    # and no identity form for the candidate who was not referred
    assert board.locator('#rows tr[data-person="2"] form.confirm-identity').count() == 0

    # When the proctor types the note, and the tick's whole table and another candidate's change arrive
    board.fill(f'{form} input[name="note"]', "视频核对身份证原件")
    board.push({"type": "rows", "rows": [row(1, referred=True, incidents=["frozen"]), row(2, answered=1)], "summary": SUMMARY})
    board.push({"type": "row", "rows": [row(1, referred=True, incidents=["frozen", "no_face"])], "summary": SUMMARY})
    board.wait_for_selector('#rows tr[data-person="1"] span.incident.no_face')

    # Then the rows show the news, while the form, its note and the focus are as the proctor left them
    assert board.inner_text('#rows tr[data-person="2"] td.answered') == "1 / 7"
    assert board.input_value(f'{form} input[name="note"]') == "视频核对身份证原件"
    assert board.evaluate("() => document.activeElement.name") == "note"
    # and "确认身份" sends the note for that candidate's attempt
    with board.expect_navigation():
        board.click(f"{form} button")
    [sent] = board.posted
    assert sent["path"] == "/exam/attempts/101/confirm-identity/"
    assert "note=" in sent["body"] and "%E8%A7%86%E9%A2%91" in sent["body"]  # 视频…


def test_a_changed_state_replaces_the_forms_and_a_candidate_gone_from_the_table_leaves_the_board(board):
    board.push({"type": "rows", "rows": [row(1, referred=True), row(2)], "summary": SUMMARY})
    board.wait_for_selector('#rows tr[data-person="1"] form.confirm-identity')

    # When the proctor's confirmation has opened the paper (the attempt is no longer referred),
    # and the second candidate is no longer in the sitting's table
    board.push({"type": "rows", "rows": [row(1, status="in_progress")], "summary": SUMMARY})
    board.wait_for_selector('#rows tr[data-person="1"][data-status="in_progress"]')

    # Then the row's forms are those of its new state, and the other row is gone
    assert board.locator('#rows tr[data-person="1"] form.confirm-identity').count() == 0
    assert board.locator('#rows tr[data-person="1"] form.warn').count() == 1
    assert board.locator("#rows tr").count() == 1


def test_a_flagged_candidate_rises_to_the_top_with_its_forms(board):
    board.push({"type": "rows", "rows": [row(1), row(2)], "summary": SUMMARY})
    board.wait_for_selector('#rows tr[data-person="2"]')
    flagged = row(2)
    flagged["video"] = {"status": "live", "state": "several_faces", "at": None}
    board.push({"type": "row", "rows": [flagged], "summary": SUMMARY})
    board.wait_for_selector('#rows tr[data-person="2"][data-flagged="1"]')
    assert board.evaluate("() => [...document.querySelectorAll('#rows tr')].map((tr) => tr.dataset.person)") == ["2", "1"]
    assert board.locator('#rows tr[data-person="2"] form.warn').count() == 1
