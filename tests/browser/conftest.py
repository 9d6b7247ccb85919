"""Playwright driving Debian's Chromium (Playwright cannot download its own browsers here)."""

import contextlib
import os
import shutil
import threading

import pytest

CHROMIUM = os.environ.get("KAOHE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The closed network refuses Chromium's background connections; they only slow it down.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module", autouse=True)
def _async_unsafe_for_playwright():
    """Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
    body are still synchronous and safe. Only here, and only while this module's tests run (set up
    before the module's browser, restored after it closes), is Django's async-safety check off:
    every other test keeps it (tests/kaohe/test_async_safety.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


# Per module, not per session: Playwright's sync API keeps an event loop running in this thread
# while it is open, and the async (Channels) tests that may follow on the same worker need it gone.
@pytest.fixture(scope="module")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is missing at {CHROMIUM} under CI (apt-get install chromium)")
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


# Every page of every browser test reports what its Content-Security-Policy refused (the pages
# must satisfy the policy in kaohe/settings.py): the page fixture fails the test on any.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP-VIOLATION ${event.violatedDirective} ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def csp_violations():
    return []


@pytest.fixture
def page(browser, request, csp_violations):
    context = browser.new_context(locale="zh-CN")
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.on(
        "console",
        lambda message: csp_violations.append(message.text)
        if "CSP-VIOLATION" in message.text or "Content Security Policy" in message.text
        else None,
    )
    page.set_default_timeout(15_000)
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.passed:
        assert not csp_violations, f"the Content-Security-Policy refused: {csp_violations}"
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        os.makedirs("test-artifacts", exist_ok=True)
        page.screenshot(path=f"test-artifacts/{request.node.name}.png", full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


class _InFlight:
    """Counts the live server's requests in progress and, on the embedded defaults, serves them one
    at a time. There the live server's threads share the test's in-memory SQLite connection: two
    requests at once (a heartbeat beside a snapshot upload) would interleave their savepoints on
    it, and a request a closing browser left behind must finish before the test's database
    teardown, or it breaks the next test's."""

    def __init__(self, app, serial: bool):
        self.app = app
        self.count = 0
        self.changed = threading.Condition()
        self.serial = threading.Lock() if serial else contextlib.nullcontext()

    def __call__(self, environ, start_response):
        with self.changed:
            self.count += 1
        try:
            with self.serial:
                return self.app(environ, start_response)
        finally:
            with self.changed:
                self.count -= 1
                self.changed.notify_all()

    def wait_idle(self, timeout=30.0):
        """Return as soon as no request is in progress (or after `timeout`)."""
        with self.changed:
            self.changed.wait_for(lambda: self.count == 0, timeout)


@pytest.fixture(autouse=True)
def _wagtail_tree_for_live_server(request):
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("wagtail_tree")
    httpd = request.getfixturevalue("live_server").thread.httpd
    if not isinstance(httpd.get_app(), _InFlight):
        from django.db import connection

        shared = connection.vendor == "sqlite" and connection.is_in_memory_db()
        httpd.set_app(_InFlight(httpd.get_app(), serial=shared))
    # Set up after the database and before the test's pages, so torn down after the pages close
    # and before the database is flushed.
    yield
    httpd.get_app().wait_idle()


CAMERA_WAIT_MS = 45_000


@pytest.fixture
def camera_page(browser, tmp_path, testdata):
    """A factory: a page in its own Chromium whose fake camera shows the given photo (a .y4m made
    from it by tests.faces.fake_webcam), camera permission granted."""
    from tests.faces import fake_webcam

    opened = []

    def open_with(photo_name: str | None = None, *, clip=None, viewport=None):
        """A camera showing the photo (a still, with sensor noise), or the .y4m `clip` given;
        `viewport` (width, height) for a phone's screen."""
        # Twenty seconds of distinct frames: Chromium loops the file, and the same bytes again
        # within one identity check or one lesson would be refused as a replay.
        clip = clip or fake_webcam(photo_name, tmp_path / f"{photo_name}.y4m", frames=200)
        camera_browser = browser.browser_type.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS
            + [
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={clip}",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        opened.append(camera_browser)
        sized = {"viewport": {"width": viewport[0], "height": viewport[1]}} if viewport else {}
        context = camera_browser.new_context(locale="zh-CN", **sized)
        context.grant_permissions(["camera"])
        page = context.new_page()
        page.set_default_timeout(CAMERA_WAIT_MS)
        return page

    yield open_with
    for camera_browser in opened:
        camera_browser.close()
