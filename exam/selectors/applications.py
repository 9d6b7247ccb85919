"""Reads of applications (报名) and admission tickets, each scoped to the acting user
(exam.policies.applications_visible): another tenant's application is a 404, on pages and API."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core import signing
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from hours.models import Certificate, CertificateStatus, HoursEntry
from lms.models import Credential, Employment, Organisation, Person, SafetyTraining, User

from .. import policies
from ..errors import ERRORS
from ..models import ACTIVE, Application, ApplicationPath, ApplicationStatus, Sitting
from ..rules import admission

TICKET_SALT = "kaohe.exam.ticket"
S = ApplicationStatus


def applications_for(
    actor: User,
    *,
    status: str = "",
    enterprise_id: int | None = None,
    credential_id: int | None = None,
    sitting_id: int | None = None,
) -> QuerySet[Application]:
    """The applications the actor sees, newest first, filtered; every row's candidate, kind,
    enterprise and sitting come in the same query (the review list has no N+1)."""
    queryset = Application.objects.filter(policies.applications_visible(actor)).select_related(
        "candidate", "credential", "enterprise", "sitting__exam"
    )
    if status:
        queryset = queryset.filter(status=status)
    if enterprise_id:
        queryset = queryset.filter(enterprise_id=enterprise_id)
    if credential_id:
        queryset = queryset.filter(credential_id=credential_id)
    if sitting_id:
        queryset = queryset.filter(sitting_id=sitting_id)
    return queryset.order_by("-submitted_at", "-id")


def application_get(actor: User, pk: int) -> Application:
    application = (
        Application.objects.filter(policies.applications_visible(actor), pk=pk)
        .select_related("candidate__user", "credential", "enterprise__region", "sitting__exam", "sitting__authority")
        .first()
    )
    if application is None:
        raise ERRORS.error("application_not_found")
    return application


def my_applications(person: Person) -> QuerySet[Application]:
    return (
        Application.objects.filter(candidate=person)
        .select_related("credential", "enterprise", "institution", "sitting__exam")
        .order_by("-submitted_at", "-id")
    )


def status_counts(actor: User, *, notices: bool = False) -> dict[str, int]:
    """How many applications the actor sees in each status (the home pages' notifications)."""
    queryset = Application.objects.filter(policies.applications_visible(actor))
    if notices:
        # A submitted application through an institution waits for the institution (its own
        # notice), not for the enterprise or the authority.
        queryset = queryset.exclude(path=ApplicationPath.INSTITUTION, status=S.SUBMITTED)
    rows = queryset.values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def open_sittings(person: Person | None = None, *, now: datetime.datetime | None = None) -> QuerySet[Sitting]:
    """Sittings published for applications whose applications have not closed."""
    now = now or timezone.now()
    return (
        Sitting.objects.filter(open_for_applications=True, starts_at__gt=now)
        .filter(Q(applications_close_at__isnull=True) | Q(applications_close_at__gt=now))
        .select_related("exam__credential", "authority")
        .annotate(seats_taken=Count("applications", filter=Q(applications__seat__isnull=False)))
        .order_by("starts_at", "id")
    )


def sittings_for_enterprise(enterprise: Organisation, credential_id: int, *, now: datetime.datetime | None = None):
    """Sittings of the kind an enterprise may choose: open, held by an authority covering its region."""
    path = enterprise.region.path
    return [
        sitting
        for sitting in open_sittings(now=now).filter(exam__credential_id=credential_id)
        if path.startswith(sitting.authority.region.path)
    ]


def credentials() -> QuerySet[Credential]:
    return Credential.objects.all()


# Eligibility ------------------------------------------------------------------------------------


def current_employer_id(person: Person) -> int | None:
    return Employment.objects.filter(person=person, end_date__isnull=True).values_list("enterprise_id", flat=True).first()


@dataclass(frozen=True)
class Question:
    """Whether a person may sit for a credential: through an enterprise, for a sitting, leaving out
    one application of theirs (the one being decided) from the overlap."""

    person: Person
    credential: Credential
    enterprise: Organisation | None
    sitting: Sitting | None
    exclude_id: int | None = None
    # The Guangdong candidate's own application: the enterprise attests the training later.
    training_later: bool = False


def eligibility_facts(
    *,
    person: Person,
    credential: Credential,
    enterprise: Organisation | None,
    sitting: Sitting | None,
    today: datetime.date,
    exclude_id: int | None = None,
    training_later: bool = False,
) -> admission.Facts:
    [facts] = eligibility_facts_many(
        [Question(person, credential, enterprise, sitting, exclude_id, training_later)], today=today
    )
    return facts


def eligibility_facts_many(questions: list[Question], *, today: datetime.date) -> list[admission.Facts]:
    """The facts of admission.failures for each question, in six queries however many there are
    (a bulk approval of a thousand applications asks them all at once): valid certificates, live
    applications (for the overlaps), current employers, the sittings' authorities, hours and the
    employers' safety trainings."""
    people = {question.person.pk for question in questions}
    credentials = {question.credential.pk for question in questions}
    certificates: dict[tuple[int, int], str] = {}
    for holder, credential, number in (
        Certificate.objects.filter(
            # A certificate with no end of validity (长期有效, NULL) is valid whatever the date.
            Q(expires_on__gte=today) | Q(expires_on__isnull=True),
            holder_id__in=people, credential_id__in=credentials, status=CertificateStatus.VALID,
        ).order_by("pk").values_list("holder_id", "credential_id", "number")
    ):
        certificates.setdefault((holder, credential), number)
    live: dict[int, list[tuple[int, datetime.datetime, datetime.datetime]]] = {}
    if any(question.sitting is not None for question in questions):
        for pk, candidate, starts, ends in Application.objects.filter(
            candidate_id__in=people, status__in=ACTIVE, sitting__isnull=False
        ).values_list("pk", "candidate_id", "sitting__starts_at", "sitting__ends_at"):
            live.setdefault(candidate, []).append((pk, starts, ends))
    employers: dict[int, tuple[int, str, str]] = {}
    for person, enterprise, region, name in (
        Employment.objects.filter(person_id__in=people, end_date__isnull=True)
        .order_by("-start_date", "-pk")
        .values_list("person_id", "enterprise_id", "enterprise__region__path", "enterprise__name")
    ):
        employers.setdefault(person, (enterprise, region or "", name))
    trained: dict[tuple[int, int], datetime.date] = {}
    if employers:
        for person, enterprise, passed_on in SafetyTraining.objects.filter(
            # No upper bound: a record is never dated after the day it is made (the service refuses it).
            person_id__in=employers, enterprise_id__in={employer[0] for employer in employers.values()},
        ).values_list("person_id", "enterprise_id", "passed_on"):
            key = (person, enterprise)
            trained[key] = max(passed_on, trained.get(key, passed_on))
    authorities = {
        pk: (path, name)
        for pk, path, name in Organisation.objects.filter(
            pk__in={question.sitting.authority_id for question in questions if question.sitting is not None}
        ).values_list("pk", "region__path", "name")
    }
    hours = {
        (row["person_id"], row["credential_id"]): row["total"]
        for row in HoursEntry.objects.filter(person_id__in=people, credential_id__in=credentials)
        .values("person_id", "credential_id").annotate(total=Sum("hours"))
    }
    facts = []
    for question in questions:
        person, credential, enterprise, sitting = question.person, question.credential, question.enterprise, question.sitting
        overlapping = sitting is not None and any(
            pk != question.exclude_id and starts < sitting.ends_at and ends > sitting.starts_at
            for pk, starts, ends in live.get(person.pk, ())
        )
        employer = employers.get(person.pk, (None, "", ""))
        facts.append(admission.Facts(
            credential_code=credential.code,
            credential_family=credential.family,
            birth_date=person.birth_date,
            education=person.education,
            professional_title=person.professional_title,
            management_since=person.management_since,
            employer_id=employer[0],
            employer_region=employer[1],
            employer_name=employer[2],
            training_required=not question.training_later,
            safety_trained_on=trained.get((person.pk, employer[0])),
            sitting_region=authorities[sitting.authority_id][0] if sitting is not None else "",
            sitting_authority=authorities[sitting.authority_id][1] if sitting is not None else "",
            enterprise_id=enterprise.pk if enterprise else None,
            enterprise_name=enterprise.name if enterprise else "",
            hours=hours.get((person.pk, credential.pk)) or Decimal(0),
            hours_required=sitting.hours_required if sitting else Decimal(0),
            valid_certificate=certificates.get((person.pk, credential.pk)),
            overlapping=overlapping,
        ))
    return facts


def seats_taken(sitting: Sitting) -> int:
    return Application.objects.filter(sitting=sitting, seat__isnull=False).count()


def insurance_on_record(person: Person, enterprise: Organisation, today: datetime.date) -> bool:
    """Whether the platform holds a social-insurance record of the person with the enterprise for
    this month or the last. It has no feed of insurance records yet, so the enterprise always
    uploads the proof (参保证明)."""
    return False


# Admission tickets ------------------------------------------------------------------------------


def ticket_token(application: Application) -> str:
    """The signed token the ticket's QR code carries: the application and its ticket number."""
    return signing.dumps({"a": application.pk, "t": application.ticket_number}, salt=TICKET_SALT, compress=True)


def ticket_lookup(actor: User, *, token: str = "", number: str = "") -> Application:
    """The ticket a proctor reads at the door, by its QR token or its number, for a sitting the
    actor proctors. Refused: ticket_invalid (forged or altered token), ticket_unknown,
    ticket_other_sitting."""
    if token:
        try:
            payload = signing.loads(token.strip(), salt=TICKET_SALT)
        except signing.BadSignature:
            raise ERRORS.error("ticket_invalid")
        application = Application.objects.filter(pk=payload.get("a"), ticket_number=payload.get("t")).first()
    else:
        application = Application.objects.filter(ticket_number=number.strip().upper()).first() if number.strip() else None
    if application is None or application.status not in (S.APPROVED, S.PRINTED):
        raise ERRORS.error("ticket_unknown")
    if not policies.can_proctor(actor, application.sitting):
        raise ERRORS.error("ticket_other_sitting")
    return Application.objects.select_related("candidate", "credential", "sitting__exam").get(pk=application.pk)


def ticket_lookup_by_id(actor: User, pk: int) -> Application:
    """A ticket holder's application for a proctor of its sitting; a 404 for anyone else."""
    application = Application.objects.filter(pk=pk, status__in=(S.APPROVED, S.PRINTED)).select_related("candidate", "sitting").first()
    if application is None or not policies.can_proctor(actor, application.sitting):
        raise ERRORS.error("application_not_found")
    return application
