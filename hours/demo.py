"""The learning side of the demo data: the first demo learner is enrolled in the first course; the
Guangdong reviewer has issued 安管人员C certificates to the employed demo learners in 2024, and
their earlier hours are in the ledger, so the dashboard and each learner's page show standings."""

import datetime
from decimal import Decimal

from django.utils import timezone

from cms.models import CoursePage
from lms.models import Credential, Organisation, Person, User

from .models import Certificate, HoursEntry, Pass, PassList, PassListStatus
from .services import enrol
from .services.certificates import certificates_issue
from .services.offline import hours_adjust

# (mobile, hours a year 2024 and 2025): one who met the rule, one short in 2025, two on their way
DEMO_HOURS = {"13800138001": (8, 8), "13800138002": (8, 5), "13800138003": (10, 8), "13800138004": (4, 0)}


def seed() -> list:
    person = Person.objects.filter(mobile="13800138001").first()
    course = CoursePage.objects.live().order_by("path").first()
    if person and course:
        enrol(person=person, course=course)
    reviewer = User.objects.filter(username="gd-reviewer").first()
    authority = Organisation.objects.filter(memberships__user=reviewer).first() if reviewer else None
    credential = Credential.objects.filter(code="C").first()
    if not (reviewer and authority and credential) or Certificate.objects.filter(credential=credential).exists():
        return []
    people = list(Person.objects.filter(mobile__in=DEMO_HOURS))
    # Certificates come only of a province-confirmed pass: the demo's pass list of February 2024.
    pass_list, _created = PassList.objects.get_or_create(
        source="demo:2024-02", credential=credential,
        defaults={
            "authority": authority, "label": "演示数据：2024年2月安管人员C类考核合格名单", "status": PassListStatus.CONFIRMED,
            "compiled_by": reviewer, "compiled_at": timezone.now(), "decided_by": reviewer, "decided_at": timezone.now(),
        },
    )
    for learner in people:
        Pass.objects.get_or_create(
            pass_list=pass_list, person=learner,
            defaults={"passed_on": datetime.date(2024, 2, 20), "keep_until": datetime.date(2025, 2, 20)},
        )
    certificates_issue(actor=reviewer, authority=authority, credential=credential, people=people, issued_on=datetime.date(2024, 3, 1))
    for learner in people:
        for year, hours in zip((2024, 2025), DEMO_HOURS[learner.mobile]):
            if hours and not HoursEntry.objects.filter(person=learner, earned_on__year=year).exists():
                hours_adjust(
                    actor=reviewer, person=learner, credential=credential, category="general", hours=Decimal(hours),
                    earned_on=datetime.date(year, 6, 1), reason="演示数据：线下培训历史学时",
                )
    return []
