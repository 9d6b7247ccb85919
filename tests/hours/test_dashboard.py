"""The rules in SQL agree with the rules in Python, certificate by certificate, and the counts are
scoped to whom the actor oversees."""

import datetime
import random
from decimal import Decimal

import pytest

from hours.models import Certificate
from hours.selectors import dashboard
from hours.selectors.ledger import certificate_standing
from lms.models import Credential
from tests.factories import (
    CertificateFactory,
    EmploymentFactory,
    HoursEntryFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db
day = datetime.date


def random_world(world, seed: int, people: int = 40):
    rng = random.Random(seed)
    credentials = list(Credential.objects.filter(code__in=["A", "C", "101", "115", "TZ01"]))
    authorities = [world.gz_authority, world.sz_authority]
    certificates = []
    for n in range(people):
        person = PersonFactory()
        authority = rng.choice(authorities)
        EmploymentFactory(person=person, enterprise=world.gz_enterprise if authority == world.gz_authority else world.sz_enterprise)
        for credential in rng.sample(credentials, rng.randint(1, 2)):
            issued = day(rng.randint(2021, 2025), rng.randint(1, 12), rng.randint(1, 28))
            years = 3 + rng.choice([0, 0, 3])  # some extended once
            expires = day(issued.year + years, 12, 31) if rng.random() < 0.2 else day(issued.year + years, issued.month, issued.day)
            certificates.append(
                CertificateFactory(
                    number=f"T{seed}-{n}-{credential.code}", holder=person, credential=credential, authority=authority,
                    issued_on=issued, expires_on=expires,
                )
            )
            for _ in range(rng.randint(0, 12)):
                HoursEntryFactory(
                    person=person, credential=credential if rng.random() < 0.9 else rng.choice(credentials),
                    category=rng.choice(["general", "professional"]), hours=Decimal(rng.choice([2, 4, 7.5, 8, 10, 16, 22, 32])),
                    earned_on=day(rng.randint(2021, 2027), rng.randint(1, 12), rng.randint(1, 28)), source="offline",
                )
    return certificates


@pytest.mark.parametrize("seed, as_of", [(1, day(2026, 11, 23)), (2, day(2025, 1, 2)), (3, day(2027, 6, 30))])
def test_sql_and_python_give_every_certificate_the_same_standing(world, seed, as_of):
    certificates = random_world(world, seed)
    in_sql = dict(dashboard.standing_rows_by_rules_in_sql(Certificate.objects.all(), as_of=as_of))
    in_python = {c.pk: certificate_standing(c, as_of=as_of).status for c in certificates}
    assert in_sql == in_python
    assert set(in_python.values()) >= {"met", "short"}


def test_the_counts_are_per_credential_and_scoped(world):
    certificates = random_world(world, 4, people=20)
    as_of = day(2026, 11, 23)
    expected = {}
    for certificate in certificates:
        if certificate.authority == world.gz_authority:
            key = certificate.credential.code
            expected.setdefault(key, {}).setdefault(certificate_standing(certificate, as_of=as_of).status, 0)
            expected[key][certificate_standing(certificate, as_of=as_of).status] += 1
    gz = dashboard.figures(dashboard.certificates_counted(world.gz_reviewer), as_of=as_of)
    assert {item.credential.code: dict(item.counts) for item in gz} == expected
    province = dashboard.figures(dashboard.certificates_counted(world.province_reviewer), as_of=as_of)
    assert sum(item.total for item in province) == len(certificates)
    assert not dashboard.certificates_counted(world.gz_staff).exists()
    employer = dashboard.certificates_counted(world.sz_admin)
    assert employer.exists() and all(c.authority == world.sz_authority for c in employer)


def test_the_dashboard_pages_list_and_export(client, world):
    import io

    from openpyxl import load_workbook

    certificates = random_world(world, 5, people=12)
    client.force_login(world.gz_reviewer)
    page = client.get("/hours/dashboard/")
    assert page.status_code == 200 and b"hours-figures" in page.content
    gz = [c for c in certificates if c.authority == world.gz_authority]
    listed = client.get("/hours/dashboard/list/").content.decode()
    assert all(f'data-certificate="{c.pk}"' in listed for c in gz)
    assert not any(f'data-certificate="{c.pk}"' in listed for c in certificates if c not in gz)
    export = client.get("/hours/dashboard/export.xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet.max_row == len(gz) + 1
    met = client.get("/hours/dashboard/list/?status=met").content.decode()
    assert 'data-standing="short"' not in met
    client.force_login(world.gz_worker.user)
    assert client.get("/hours/dashboard/").status_code == 404


def test_the_learner_sees_each_certificates_hours_apart(client, world):
    c = Credential.objects.get(code="C")
    CertificateFactory(
        number="C-9", holder=world.gz_worker, credential=c, authority=world.gz_authority,
        issued_on=day(2024, 3, 1), expires_on=day(2027, 3, 1),
    )
    HoursEntryFactory(person=world.gz_worker, credential=c, category="general", hours=5, earned_on=day(2024, 6, 1), source="offline")
    client.force_login(world.gz_worker.user)
    page = client.get("/hours/my/hours/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'id="certificate-hours"' in page and "C-9" in page


def test_a_superuser_edits_a_scheme_in_the_admin_and_nonsense_is_refused(client, world):
    from hours.models import CreditScheme

    scheme = CreditScheme.objects.filter(credential__code="101").first()
    client.force_login(world.superuser)
    url = f"/admin/hours/creditscheme/{scheme.pk}/change/"
    assert client.get(url).status_code == 200
    form = {
        "credential": scheme.credential_id, "province": "", "effective_from": "2019-01-01", "source": scheme.source,
        "validity_years": 3, "hours_per_year": "32", "professional_hours_per_year": "40", "hours_per_period": "0",
        "window_years": 2, "window_hours": "64", "yearly_rule_starts": "year_after_issue", "consequence": "void",
        "hours_count_from": "", "issued_by": "authority",
    }
    refused = client.post(url, form)
    assert refused.status_code == 200 and "professional_hours_per_year" in refused.content.decode()
    form["professional_hours_per_year"] = "20"
    assert client.post(url, form).status_code == 302
    scheme.refresh_from_db()
    assert scheme.professional_hours_per_year == 20


def test_the_bulk_standings_equal_the_single_ones(world, django_assert_max_num_queries):
    from hours.selectors.ledger import standings_of

    certificates = random_world(world, 6, people=15)
    as_of = day(2026, 11, 23)
    loaded = list(Certificate.objects.select_related("authority__region"))
    with django_assert_max_num_queries(3):
        bulk = standings_of(loaded, as_of=as_of)
    assert {pk: s.status for pk, s in bulk.items()} == {c.pk: certificate_standing(c, as_of=as_of).status for c in certificates}


def test_the_dashboard_counts_people_studying_toward_a_first_certificate_in_its_regions_only(client, world):
    from bs4 import BeautifulSoup
    from django.utils import timezone

    today = timezone.localdate()
    c, b = Credential.objects.get(code="C"), Credential.objects.get(code="B")
    # The Guangzhou worker studies for C (holding none) and for B (holding it); Shenzhen's for C
    HoursEntryFactory(person=world.gz_worker, credential=c, hours=Decimal("6"), earned_on=today)
    HoursEntryFactory(person=world.gz_worker, credential=c, hours=Decimal("2.5"), earned_on=today)
    HoursEntryFactory(person=world.gz_worker, credential=b, hours=Decimal("4"), earned_on=today)
    CertificateFactory(holder=world.gz_worker, credential=b, authority=world.gz_authority)
    HoursEntryFactory(person=world.sz_worker, credential=c, hours=Decimal("3"), earned_on=today)
    # and last year's hours toward C do not count this year
    HoursEntryFactory(person=world.gz_worker, credential=c, hours=Decimal("9"), earned_on=today.replace(year=today.year - 1, day=1))

    [row] = dashboard.first_exam_hours(world.gz_reviewer, as_of=today)
    assert (row.credential, row.people, row.hours) == (c, 1, Decimal("8.5"))
    assert [(r.people, r.hours) for r in dashboard.first_exam_hours(world.province_reviewer, as_of=today)] == [(2, Decimal("11.5"))]
    assert [(r.people, r.hours) for r in dashboard.first_exam_hours(world.gz_admin, as_of=today)] == [(1, Decimal("8.5"))]
    # The page shows it
    client.force_login(world.gz_reviewer)
    overview = BeautifulSoup(client.get("/hours/dashboard/").content.decode(), "html.parser")
    assert overview.select_one("#first-exam-link")["href"] == "/hours/dashboard/first-certificate/"
    page = BeautifulSoup(client.get("/hours/dashboard/first-certificate/").content.decode(), "html.parser")
    cells = page.select_one('#first-exam-hours tr[data-credential="C"]')
    assert cells.select_one(".people").text == "1" and cells.select_one(".hours").text == "8.5"
    # A learner has no dashboard
    client.force_login(world.gz_worker.user)
    assert client.get("/hours/dashboard/first-certificate/").status_code == 404
