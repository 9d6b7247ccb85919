"""The design system's helpers and the workspace: numbers without trailing zeros, the paging
helper, the ISO date inputs (the zh-hans format was refused by the browser), the charts saying the
same numbers as the tables, and each role's home cards scoped to what the role may see."""

import datetime
import re
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.template import Context, Template
from django.urls import reverse

from exam.rules.distribution import score_bands
from frontend.templatetags.kaohe import bar_chart, column_chart, number
from kernel.paging import page_of
from lms.models import Person, Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "value, shown",
    [(Decimal("12.50"), "12.5"), (Decimal("3.00"), "3"), (Decimal("0.25"), "0.25"), ("8.00", "8"), (1.005, "1.01"),
     (None, ""), (0, "0"), (Decimal("-0.00"), "0"), ("abc", "abc")],
)
def test_numbers_are_shown_without_trailing_zeros(value, shown):
    assert number(value) == shown


def test_the_paging_helper_orders_only_by_what_it_offers(world):
    people = Person.objects.all()
    listing = page_of(people, QueryDict("sort=-name"), sorts={"name": "real_name"}, default="name", per_page=2)
    names = [person.real_name for person in listing.page]
    assert listing.sort == "-name" and names == sorted(names, reverse=True)
    # an order it does not offer (a field's name, say) is the default, never an error
    listing = page_of(people, QueryDict("sort=id_number&page=99"), sorts={"name": "real_name"}, default="name", per_page=2)
    assert listing.sort == "name" and listing.page.number == listing.page.paginator.num_pages


def test_date_inputs_carry_iso_dates_in_chinese(chinese, world):
    chinese.force_login(world.gz_admin)
    for url in [reverse("lms:employee_add", args=[world.gz_enterprise.pk]), reverse("lms:organisation_detail", args=[world.gz_enterprise.pk])]:
        html = chinese.get(url).content.decode()
        values = re.findall(r'<input type="date"[^>]*value="([^"]*)"', html)
        assert values, url
        for value in values:
            datetime.date.fromisoformat(value)  # 2026-12-02, not 2026/12/02


def test_the_hours_adjustment_date_input_is_iso(chinese, world):
    chinese.force_login(world.gz_reviewer)
    html = chinese.get(reverse("hours:hours_adjust", args=[world.gz_worker.pk])).content.decode()
    assert re.search(r'<input type="date"', html)
    for value in re.findall(r'<input type="date"[^>]*value="([^"]*)"', html):
        datetime.date.fromisoformat(value)


def test_a_chart_says_the_numbers_of_its_table():
    svg = str(bar_chart([("安全员", [3, 1, 2])], ["达标", "进行中", "不足"], "按证书类别"))
    assert re.findall(r'data-value="([^"]*)"', svg) == ["3", "1", "2"]
    assert ">6<" in svg  # the bar's total, written beside it
    columns = str(column_chart([("0–4", 1), ("16–20", 2)], "分数分布", "", 16))
    assert re.findall(r'data-value="([^"]*)"', columns) == ["1", "2"]
    assert columns.count("#1e7b34") == 1  # the band from the pass mark up is green


def test_scores_fall_in_equal_bands():
    bands = score_bands([Decimal("0"), Decimal("7.5"), Decimal("20"), Decimal("19.99")], Decimal("20"), bands=5)
    assert [(label, count) for label, count, _low in bands] == [("0–4", 1), ("4–8", 1), ("8–12", 0), ("12–16", 0), ("16–20", 2)]
    assert score_bands([], Decimal("0")) == []


def test_the_number_filter_is_ready_in_templates():
    html = Template("{% load kaohe %}{{ hours|number }} {% badge 'approved' '已批准' %}").render(Context({"hours": Decimal("2.50")}))
    assert html.startswith("2.5 ") and 'data-tone="ok"' in html and "已批准" in html


@pytest.mark.parametrize(
    "actor, cards",
    [
        ("learner", ["home-courses", "home-year-hours", "home-exams", "home-face"]),
        ("gz_admin", ["home-hours", "home-expiring"]),
        ("gz_reviewer", ["home-review", "home-hours", "home-expiring", "home-sittings"]),
        ("gz_staff", ["home-drafts", "home-batches", "home-sittings"]),
        ("proctor", ["home-proctor"]),
    ],
)
def test_each_role_lands_on_its_workspace(chinese, world, actor, cards):
    if actor == "learner":
        user = world.gz_worker.user
    elif actor == "proctor":
        user = UserFactory(first_name="黄志强")
        MembershipFactory(user=user, organisation=world.gz_authority, role=Role.PROCTOR)
    else:
        user = getattr(world, actor)
    chinese.force_login(user)
    html = chinese.get(reverse("lms:home")).content.decode()
    for card in cards:
        assert f'id="{card}"' in html, card
    others = {"home-courses", "home-review", "home-drafts", "home-proctor", "home-expiring"} - set(cards)
    for card in others:
        assert f'id="{card}"' not in html, card


def test_staff_headers_show_real_names_and_institution_staff_see_the_content_admin(chinese, world):
    world.gz_staff.first_name = "郑丽"
    world.gz_staff.save()
    chinese.force_login(world.gz_staff)
    html = chinese.get(reverse("lms:home")).content.decode()
    assert re.search(r'id="whoami"><strong>郑丽</strong>', html)
    assert 'id="nav-wagtail"' in html and 'href="/cms/"' in html
    chinese.force_login(world.gz_admin)
    assert 'id="nav-wagtail"' not in chinese.get(reverse("lms:home")).content.decode()


def test_the_expiring_card_shows_only_the_overseen_certificates(chinese, world):
    """An enterprise sees the expiring certificates of its own employees, never another's."""
    from hours.models import Certificate
    from lms.models import Credential

    credential = Credential.objects.get(code="C")  # reference data from the migrations
    soon = datetime.date.today() + datetime.timedelta(days=30)
    for holder, number in [(world.gz_worker, "GZ-SOON-1"), (world.sz_worker, "SZ-SOON-1")]:
        Certificate.objects.create(
            holder=holder, credential=credential, authority=world.gz_authority if holder == world.gz_worker else world.sz_authority,
            number=number, issued_on=soon - datetime.timedelta(days=365 * 3), expires_on=soon,
        )
    chinese.force_login(world.gz_admin)
    html = chinese.get(reverse("lms:home")).content.decode()
    assert "GZ-SOON-1" in html and "SZ-SOON-1" not in html
