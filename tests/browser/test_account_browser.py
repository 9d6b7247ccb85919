"""A learner registers, logs in, switches the language and logs out, in a real browser."""

import pytest

from tests.factories import PASSWORD, make_id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_log_in_switch_language_and_log_out(page, live_server, testdata):
    id_number = make_id_number(region="440106", sequence=321)
    page.goto(f"{live_server.url}/register/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    # A wrong check character is explained in Chinese and nothing is created.
    page.fill("#id_real_name", "孙立新")
    page.fill("#id_id_number", id_number[:-1] + ("1" if id_number[-1] != "1" else "2"))
    page.fill("#id_mobile", "13912340000")
    page.select_option("#id_education", "bachelor")
    page.set_input_files("#id_id_photo", str(next((testdata / "faces").glob("*.jpg"))))
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("#register-form button[type=submit]")
    assert "校验" in page.locator('.error[data-field="id_number"]').inner_text()

    page.fill("#id_id_number", id_number)
    page.set_input_files("#id_id_photo", str(next((testdata / "faces").glob("*.jpg"))))
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("#register-form button[type=submit]")
    # The same answer whether or not the person was registered before: log in to see which.
    page.wait_for_url(f"{live_server.url}/register/done/")
    page.click("#register-done-login")
    page.wait_for_url(f"{live_server.url}/login/")
    page.fill("#id_username", id_number)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "孙立新" in page.locator("h1").inner_text()
    assert "440***********" in page.locator("#learner-panel").inner_text()

    page.click("#logout")
    page.wait_for_url(f"{live_server.url}/login/")
    page.fill("#id_username", "13912340000")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("#logout").inner_text() == "退出登录"

    page.click('button[data-language="en"]')
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#logout").inner_text() == "Log out"
    assert "Welcome" in page.locator("h1").inner_text()

    page.click("#logout")
    page.wait_for_url(f"{live_server.url}/login/")
    assert page.locator("h1").inner_text() == "Log in"
