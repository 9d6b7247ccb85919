"""The design system in a real browser, at a desktop (1366×900) and a phone (360×780): each role
lands on its workspace, the role's main pages never scroll sideways at 360 px and request nothing
from outside the platform, the phone's menu is a drawer, and an irreversible action asks first in
the confirmation dialog. Screenshots of every page go to test-artifacts/interface/."""

import os
from urllib.parse import urlparse

import pytest

from lms.models import OrganisationKind, Role
from lms.services.organisations import organisation_create
from tests.factories import (
    PASSWORD,
    EmploymentFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1366, 900), "phone": (360, 780)}
SHOTS = os.path.join("test-artifacts", "interface")


@pytest.fixture
def people():
    region = RegionFactory(code="440100", name="广州市")
    authority = organisation_create(kind=OrganisationKind.AUTHORITY, name="广州市住房和城乡建设局", region=region)
    enterprise = OrganisationFactory(kind=OrganisationKind.ENTERPRISE, name="广州穗安建设工程有限公司", region=region)
    institution = organisation_create(kind=OrganisationKind.INSTITUTION, name="广东建设职业培训学校", region=region)
    learner = PersonFactory(real_name="张伟")
    EmploymentFactory(person=learner, enterprise=enterprise)

    def staff(organisation, role, name, username):
        user = UserFactory(username=username, first_name=name)
        MembershipFactory(user=user, organisation=organisation, role=role)
        return user

    return {
        "learner": (learner.mobile, "张伟", ["home-courses", "home-year-hours", "home-exams", "home-face"],
                    ["/courses/", "/hours/my/courses/", "/hours/my/hours/", "/hours/my/certificates/", "/exam/my/", "/identity/face/", "/invitations/", f"/people/{learner.pk}/"]),
        "enterprise": (staff(enterprise, Role.ENTERPRISE_ADMIN, "陈晓红", "ent-admin").username, "陈晓红", ["home-hours", "home-expiring"],
                       ["/people/", f"/organisations/{enterprise.pk}/", "/hours/dashboard/", "/hours/dashboard/first-certificate/", f"/people/{learner.pk}/"]),
        "institution": (staff(institution, Role.INSTITUTION_STAFF, "郑丽", "inst-staff").username, "郑丽", ["home-drafts", "home-batches", "home-sittings"],
                        ["/hours/offline/batches/", "/exam/sittings/", "/exam/plans/", "/exam/institution/applications/"]),
        "authority": (staff(authority, Role.AUTHORITY_REVIEWER, "周敏", "reviewer").username, "周敏", ["home-review", "home-hours", "home-sittings"],
                      ["/people/", "/organisations/", "/hours/dashboard/", "/hours/certificates/", "/hours/offline/batches/", "/exam/bank/", "/exam/exams/", "/exam/sittings/", "/personnel-changes/", "/exam/insurance-checks/", "/exam/plans/", "/exam/audit/reviews/"]),
        "proctor": (staff(authority, Role.PROCTOR, "黄志强", "proctor").username, "黄志强", ["home-proctor"], ["/exam/sittings/"]),
    }


def log_in(page, base: str, login: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", login)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def sideways(page) -> int:
    """How far the page scrolls horizontally (0: it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("role", ["learner", "enterprise", "institution", "authority", "proctor"])
def test_each_role_lands_on_its_workspace_and_no_page_scrolls_sideways(browser, live_server, people, role, size):
    login, name, cards, pages = people[role]
    width, height = SIZES[size]
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15_000)
    outside = []
    page.on("request", lambda request: outside.append(request.url) if urlparse(request.url).netloc not in ("", urlparse(live_server.url).netloc) and not request.url.startswith("data:") else None)
    os.makedirs(SHOTS, exist_ok=True)
    try:
        log_in(page, live_server.url, login)
        # the header names the person, the workspace has the role's cards
        assert page.inner_text("#whoami strong") == name
        for card in cards:
            assert page.locator(f"#{card}").is_visible(), card
        page.screenshot(path=os.path.join(SHOTS, f"{role}-home-{size}.png"), full_page=True)
        assert sideways(page) == 0, "home"
        for path in pages:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, path
            page.wait_for_load_state("load")
            page.screenshot(path=os.path.join(SHOTS, f"{role}{path.replace('/', '_')}{size}.png"), full_page=True)
            assert sideways(page) == 0, path
        assert outside == []
    finally:
        context.close()


def test_the_phone_menu_is_a_drawer(browser, live_server, people):
    login, *_rest = people["learner"]
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 780})
    page = context.new_page()
    try:
        log_in(page, live_server.url, login)
        assert not page.locator("#sidenav").is_visible()
        page.click("#menu-toggle")
        assert page.locator("#sidenav").is_visible()
        assert page.get_attribute("#menu-toggle", "aria-expanded") == "true"
        page.click("#nav-my-exams")
        page.wait_for_url("**/exam/my/")
        assert page.get_attribute("#nav-my-exams", "aria-current") == "page"
    finally:
        context.close()


def test_institution_staff_reach_the_wagtail_admin_from_the_menu(page, live_server, people):
    log_in(page, live_server.url, people["institution"][0])
    page.click("#nav-wagtail")
    page.wait_for_url("**/cms/**")
    assert page.locator("body").is_visible()


def test_ending_an_employment_asks_first_and_cancel_changes_nothing(page, live_server, people):
    from lms.models import Employment

    log_in(page, live_server.url, people["enterprise"][0])
    employment = Employment.objects.get()
    page.goto(f"{live_server.url}/organisations/{employment.enterprise_id}/")
    form = f'form[action$="/employments/{employment.pk}/end/"]'
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector("#confirm-dialog[open]")
    assert "张伟" in page.inner_text("#confirm-text")
    page.click("#confirm-cancel")
    assert page.locator("#confirm-dialog[open]").count() == 0
    employment.refresh_from_db()
    assert employment.end_date is None
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector("#confirm-dialog[open]")
    with page.expect_navigation():
        page.click("#confirm-ok")
    employment.refresh_from_db()
    assert employment.end_date is not None
    # and the result is a success toast, drawn as one
    assert page.locator("ul.messages li.toast.success").count() == 1
