"""HSTS, the Content-Security-Policy and secure cookies whenever DEBUG is off (issue 13). The
browser side (no page breaks the policy) is checked by every browser test's page fixture
(tests/browser/conftest.py) and by tests/browser/test_csp_browser.py."""

import importlib

import pytest
from django.conf import settings as django_settings

pytestmark = pytest.mark.django_db


def test_the_settings_module_turns_on_secure_cookies_and_hsts_with_debug_off(monkeypatch):
    import kaohe.settings as module

    for name in ("DEBUG", "SECURE_COOKIES", "SECURE_HSTS_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    try:
        fresh = importlib.reload(module)
        assert fresh.DEBUG is False
        assert fresh.SESSION_COOKIE_SECURE and fresh.CSRF_COOKIE_SECURE and fresh.SESSION_COOKIE_HTTPONLY
        assert fresh.SECURE_HSTS_SECONDS >= 365 * 24 * 3600
        monkeypatch.setenv("DEBUG", "1")
        debug = importlib.reload(module)
        assert not debug.SESSION_COOKIE_SECURE and debug.SECURE_HSTS_SECONDS == 0
    finally:
        monkeypatch.delenv("DEBUG", raising=False)
        importlib.reload(module)


def test_an_https_page_carries_hsts_csp_and_secure_cookies(client, settings):
    assert settings.DEBUG is False
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True  # as the module sets them
    response = client.get("/login/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    policy = response["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
                      "frame-ancestors 'none'"):
        assert directive in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.cookies["csrftoken"]["secure"]


def test_the_catalogue_carries_the_policy_and_the_admin_has_its_own(client, world):
    assert "script-src 'self'" in client.get("/courses/")["Content-Security-Policy"]
    client.force_login(world.superuser)
    assert "Content-Security-Policy" not in client.get("/cms/")


def test_debug_is_off_in_the_test_settings():
    assert django_settings.DEBUG is False
