"""The shared browser module, frontend/static/frontend/kaohe.js, in the real Chromium: on a page of
a made-up origin that Playwright serves (the module, the page's config, and the API's answers), so
each helper is seen alone, with no server. The pages that use it are tested with the platform in
test_study_player_browser.py and test_exam_room_browser.py."""

import json
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser]

ORIGIN = "http://kaohe.test"
MODULE = Path(__file__).resolve().parents[2] / "frontend" / "static" / "frontend" / "kaohe.js"
CONFIG = {"urls": {"heartbeat": "/api/study/sessions/{session}/heartbeats"}, "words": {"error": "与服务器的连接失败"}}
PAGE = f"""<!DOCTYPE html><html lang="zh-hans"><body>
<form><input type="hidden" name="csrfmiddlewaretoken" value="from-the-form"></form>
<script type="application/json" id="kaohe-config">{json.dumps(CONFIG, ensure_ascii=False)}</script>
<script src="/static/frontend/kaohe.js"></script>
</body></html>"""


API = {
    "/api/refused": lambda route: route.fulfill(
        status=409, json={"code": "attempt_closed", "message": "本场考试已结束。", "tries_left": 2}
    ),
    "/api/broken": lambda route: route.fulfill(status=500, content_type="text/html", body="<h1>Server Error</h1>"),
    "/api/unreachable": lambda route: route.abort("connectionrefused"),
    "/api/silent": lambda route: None,  # never answered: the helper's own timeout ends it
    "/api/ok": lambda route: route.fulfill(status=201, json={"session_id": "abc"}),
    "/api/empty": lambda route: route.fulfill(status=204),
}


@pytest.fixture
def kaohe(page):
    """A page that loaded kaohe.js, with a CSRF cookie; `kaohe.requests` are the API calls it made."""
    requests = []

    def serve(route):
        request = route.request
        path = request.url.removeprefix(ORIGIN)
        if path == "/":
            route.fulfill(content_type="text/html; charset=utf-8", body=PAGE)
        elif path == "/static/frontend/kaohe.js":
            route.fulfill(content_type="text/javascript", body=MODULE.read_text())
        else:
            requests.append({"path": path, "method": request.method, "headers": request.headers, "body": request.post_data})
            API[path](route)

    page.context.add_cookies([{"name": "csrftoken", "value": "from-the-cookie", "url": ORIGIN}])
    page.route(f"{ORIGIN}/**", serve)
    page.goto(f"{ORIGIN}/")
    page.wait_for_function("() => window.Kaohe !== undefined")
    page.requests = requests
    return page


# What the page makes of a call: what it resolved with, or the error it caught and would show.
CALL = """async ([path, options]) => {
  try {
    return { resolved: await Kaohe.api(path, options) };
  } catch (error) {
    return {
      isApiError: error instanceof Kaohe.ApiError, code: error.code, message: error.message,
      status: error.status, data: error.data, shown: Kaohe.errorMessage(error, Kaohe.config().words.error),
    };
  }
}"""


def test_a_refusal_becomes_an_error_with_the_servers_code_and_message_for_the_page_to_show(kaohe):
    # When the API refuses a call with its {code, message} body
    failure = kaohe.evaluate(CALL, ["/api/refused", {"json": {"lesson_id": 7}}])

    # Then the page catches an ApiError that carries them, and shows the server's message
    assert failure == {
        "isApiError": True,
        "code": "attempt_closed",
        "message": "本场考试已结束。",
        "status": 409,
        "data": {"code": "attempt_closed", "message": "本场考试已结束。", "tries_left": 2},
        "shown": "本场考试已结束。",
    }
    # and the call was a same-origin JSON POST with the CSRF token of the cookie
    [sent] = kaohe.requests
    assert sent["method"] == "POST" and json.loads(sent["body"]) == {"lesson_id": 7}
    assert sent["headers"]["x-csrftoken"] == "from-the-cookie"
    assert sent["headers"]["content-type"] == "application/json"


def test_no_answer_is_a_network_error_and_the_page_shows_its_own_words(kaohe):
    for path, options in [("/api/unreachable", {}), ("/api/silent", {"timeoutMs": 200})]:
        failure = kaohe.evaluate(CALL, [path, options])
        assert failure["isApiError"] and failure["code"] == "network" and failure["status"] == 0, (path, failure)
        assert failure["message"] == "" and failure["shown"] == "与服务器的连接失败", (path, failure)

    # A server error without the platform's body keeps its status; the page has only its own words.
    failure = kaohe.evaluate(CALL, ["/api/broken", {}])
    assert (failure["code"], failure["status"], failure["shown"]) == ("server_error", 500, "与服务器的连接失败")


def test_an_answer_resolves_with_its_json_and_a_204_with_an_empty_object(kaohe):
    assert kaohe.evaluate(CALL, ["/api/ok", {"json": {}}]) == {"resolved": {"session_id": "abc"}}
    assert kaohe.evaluate(CALL, ["/api/empty", {"json": {}}]) == {"resolved": {}}
    # A call without a body is a GET, which needs no CSRF token.
    assert kaohe.evaluate(CALL, ["/api/ok", {}]) == {"resolved": {"session_id": "abc"}}
    assert [r["method"] for r in kaohe.requests] == ["POST", "POST", "GET"]
    assert "x-csrftoken" not in kaohe.requests[2]["headers"]


def test_the_csrf_token_falls_back_to_the_pages_form_without_the_cookie(kaohe):
    kaohe.context.clear_cookies()
    assert kaohe.evaluate("Kaohe.csrfToken()") == "from-the-form"


def test_config_url_countdown_and_random_interval(kaohe):
    assert kaohe.evaluate("Kaohe.config()") == CONFIG
    assert kaohe.evaluate("Kaohe.url(Kaohe.config().urls.heartbeat, { session: 'a b/c' })") == (
        "/api/study/sessions/a%20b%2Fc/heartbeats"
    )
    assert "no value for {session}" in kaohe.evaluate(
        "() => { try { Kaohe.url('/x/{session}/', {}); } catch (error) { return error.message; } }"
    )
    assert kaohe.evaluate("[0, 59.4, 61, 3599, 3600, 3725, 36000, -5].map(Kaohe.countdown)") == [
        "00:00", "00:59", "01:01", "59:59", "1:00:00", "1:02:05", "10:00:00", "00:00",
    ]
    draws = kaohe.evaluate("Array.from({ length: 200 }, () => Kaohe.randomInterval(60, 180))")
    assert all(60 <= value < 180 for value in draws) and len(set(draws)) > 1
    assert kaohe.evaluate("Kaohe.randomInterval(5, 3)") == 5  # a range upside down is its low end


def test_the_socket_reconnects_after_a_drop_and_stops_for_good_on_a_final_close_code(kaohe):
    connections = []

    def server(ws):
        # The page says hello on every open; the first link is dropped, the second refused for good.
        number = len(connections) + 1
        connections.append(ws)

        def on_hello(_message):
            if number == 1:
                ws.close(code=1011, reason="restarting")
            else:
                ws.send(json.dumps({"type": "state", "status": "created"}))
                ws.close(code=4404, reason="not found")

        ws.on_message(on_hello)

    kaohe.route_web_socket(f"{ORIGIN.replace('http', 'ws')}/ws/room/", server)
    kaohe.evaluate(
        """() => {
          window.seen = [];
          window.link = Kaohe.socket("/ws/room/", {
            finalCodes: [4401, 4403, 4404],
            onopen: () => { seen.push("open"); link.send({ type: "hello" }); },
            onmessage: (message) => seen.push(message.status),
            onclose: (event, retrying) => seen.push(`close ${event.code} ${retrying ? "retrying" : "final"}`),
          });
        }"""
    )

    kaohe.wait_for_function("() => window.seen.length === 5")
    assert kaohe.evaluate("window.seen") == ["open", "close 1011 retrying", "open", "created", "close 4404 final"]
    assert len(connections) == 2
    # Stopped for good: asked to connect again, it does not.
    assert kaohe.evaluate("link.connect(), link.send({ type: 'hello' })") is False
