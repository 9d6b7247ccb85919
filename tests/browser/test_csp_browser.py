"""The pages satisfy the Content-Security-Policy in a real browser: the page fixture fails on any
violation, and this test also proves that the listener sees one (issue 13)."""

import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_pages_raise_no_violation_and_a_violation_would_be_seen(page, live_server, world, csp_violations):
    for path in ("/login/", "/register/", "/courses/", "/login/unlock/"):
        response = page.goto(f"{live_server.url}{path}")
        assert "script-src 'self'" in response.headers["content-security-policy"]
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", world.gz_worker.mobile)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert not csp_violations
    # An inline script is refused and reported: the fixture would see any page that broke the policy.
    with page.expect_console_message(lambda message: "CSP-VIOLATION" in message.text):
        page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1'; document.body.append(s); }""")
    assert page.evaluate("() => window.ran") is None
    assert any("script-src" in text for text in csp_violations)
    csp_violations.clear()
