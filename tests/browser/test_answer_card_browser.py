"""The exam room's answer card (答题卡) on a phone, 360×780, against the running services (Daphne
with its own database and Redis, tests/daphne.py): a candidate whose attempt is in progress sees
the countdown and the connection state, opens the card from its button, jumps to a question with
one tap, answers it (the card turns it answered once the server acknowledges), marks another, goes
one question at a time, and the submit confirmation names what is unanswered and marked; the page
never scrolls sideways. No camera is needed once the attempt is in progress."""

import os

import pytest

from tests.daphne import serve, session_templates

pytestmark = [pytest.mark.browser]

WAIT_MS = 30_000


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    with serve(tmp_path_factory.mktemp("daphne"), templates=session_templates(request), static=True) as running:
        yield running


def test_the_answer_card_on_a_phone(browser, server):
    data = server.seed_exam(candidates=1)
    candidate = data["candidates"][0]
    out = server.run_python(
        "from exam.models import Sitting\n"
        "from exam.services.attempts import attempt_create, attempt_start, attempt_verify_identity\n"
        "from lms.models import Person\n"
        f"person = Person.objects.get(pk={candidate['person']})\n"
        f"attempt = attempt_create(sitting=Sitting.objects.get(pk={data['sitting']}), candidate=person)\n"
        "attempt = attempt_verify_identity(attempt=attempt, method='proctor', evidence={})\n"
        "attempt = attempt_start(attempt=attempt, candidate=person)\n"
        "print('ATTEMPT', attempt.pk)\n"
    )
    attempt = int(out.split("ATTEMPT", 1)[1].split()[0])
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 780})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        page.goto(f"{server.url}/login/")
        page.fill("#id_username", candidate["login"])
        page.fill("#id_password", candidate["password"])
        page.click("#login-form button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)
        page.goto(f"{server.url}/exam/attempts/{attempt}/")
        page.wait_for_selector("#paper", state="visible")
        page.wait_for_selector("#answer-card-grid button", state="attached")
        page.wait_for_function("document.getElementById('countdown').textContent !== '--:--'")
        assert page.get_attribute("#link-state", "data-state") == "online"
        cells = page.locator("#answer-card-grid button")
        count = cells.count()
        assert count >= 5
        # on a phone the card is under its button
        assert not page.locator("#answer-card").is_visible()
        page.click("#answer-card-toggle")
        assert page.locator("#answer-card").is_visible()
        # one tap to the third question: the card closes, the question is in view
        third = cells.nth(2).get_attribute("data-question")
        cells.nth(2).click()
        assert not page.locator("#answer-card").is_visible()
        question = page.locator(f'li.question[data-question="{third}"]')
        question.locator("input").first.check()
        page.wait_for_selector(f'li.question[data-question="{third}"][data-saved="saved"]', state="attached")
        assert cells.nth(2).get_attribute("data-state") == "answered"
        assert cells.nth(0).get_attribute("data-state") == "unanswered"
        # mark the first question for review
        first = cells.nth(0).get_attribute("data-question")
        page.click(f'li.question[data-question="{first}"] .flag')
        assert cells.nth(0).get_attribute("data-flagged") == "true"
        # one question at a time: only the current one shows, next moves on
        page.check("#one-at-a-time")
        assert page.locator("li.question:visible").count() == 1
        page.click("#next-question")
        assert page.locator("li.question:visible").get_attribute("data-question") == cells.nth(3).get_attribute("data-question")
        os.makedirs(os.path.join("test-artifacts", "interface"), exist_ok=True)
        page.screenshot(path=os.path.join("test-artifacts", "interface", "exam-room-phone.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") == 0
        # submitting asks first and names the unanswered and the marked questions; cancel keeps the paper
        page.click("#submit")
        page.wait_for_selector("#confirm-dialog[open]")
        items = page.inner_text("#confirm-dialog-list").split("\n")
        assert items[0].startswith("尚未作答的题目：第 1、2、4") and items[1] == "标记待复查的题目：第 1 题。", items
        page.click("#confirm-cancel")
        assert page.locator("#paper").is_visible()
    finally:
        context.close()
