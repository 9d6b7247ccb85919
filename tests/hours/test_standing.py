"""The standing table (hours.models.standing) says what the pure rules say, certificate by
certificate, after a rebuild and after random writes through the services that keep it."""

import datetime
import random
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from hours.models import Certificate, CertificateStanding, CertificateStatus
from hours.selectors import dashboard
from hours.selectors.ledger import certificate_standing
from hours.services import hours_adjust
from hours.services.certificates import certificate_revoke, certificate_transition
from hours.services.standing import standings_rebuild

from .test_dashboard import random_world

pytestmark = pytest.mark.django_db


def by_rules(as_of) -> dict[int, str]:
    return {
        c.pk: certificate_standing(c, as_of=as_of).status
        for c in Certificate.objects.filter(status=CertificateStatus.VALID).select_related("authority__region")
    }


def in_table() -> dict[int, str]:
    return dict(
        CertificateStanding.objects.filter(certificate_status=CertificateStatus.VALID).values_list("certificate_id", "standing")
    )


def counts_by_rules(as_of) -> dict[str, Counter]:
    counts: dict[str, Counter] = {}
    for c in Certificate.objects.filter(status=CertificateStatus.VALID).select_related("credential", "authority__region"):
        counts.setdefault(c.credential.code, Counter())[certificate_standing(c, as_of=as_of).status] += 1
    return counts


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_the_table_equals_the_rules_after_a_rebuild_and_random_writes(world, seed):
    today = timezone.localdate()
    rng = random.Random(seed)
    certificates = random_world(world, seed, people=25)
    # Written behind the services' back: the table knows nothing until it is rebuilt.
    assert not CertificateStanding.objects.exists()
    assert standings_rebuild() == len(certificates)
    assert in_table() == by_rules(today)
    reviewers = {world.gz_authority.pk: world.gz_reviewer, world.sz_authority.pk: world.sz_reviewer}
    for _ in range(30):
        certificate = rng.choice(certificates)
        certificate.refresh_from_db()
        move = rng.random()
        if move < 0.7:
            # A ledger write: hours added (or taken back) for the holder's credential.
            hours_adjust(
                actor=reviewers[certificate.authority_id], person=certificate.holder, credential=certificate.credential,
                category=rng.choice(["general", "professional"]), hours=Decimal(rng.choice([2, 4, 8, 16, 24])),
                earned_on=today - datetime.timedelta(days=rng.randint(0, 2000)), reason="随机补录学时用于核对",
            )
        elif move < 0.85 and certificate.status == CertificateStatus.VALID:
            certificate_transition(
                certificate=certificate, to=CertificateStatus.VALID, reason="延续",
                expires_on=certificate.expires_on + datetime.timedelta(days=365 * 3),
            )
        elif certificate.status in (CertificateStatus.VALID, CertificateStatus.EXPIRED):
            certificate_revoke(actor=reviewers[certificate.authority_id], certificate=certificate, reason="随机吊销用于核对")
        # After every write the table says what the rules say.
        assert in_table() == by_rules(today)
    # And the dashboard's counts, read from the table, are the rules' counts.
    figures = dashboard.figures(Certificate.objects.all(), as_of=today)
    assert {item.credential.code: item.counts for item in figures} == {
        code: counts for code, counts in counts_by_rules(today).items()
    }


def test_the_dashboard_reads_the_table_in_a_few_queries(world, django_assert_max_num_queries):
    random_world(world, 21, people=30)
    call_command("standings_rebuild")
    today = timezone.localdate()
    counted = dashboard.certificates_counted(world.province_reviewer)
    with django_assert_max_num_queries(3):  # the credentials, the GROUP BY, the certificates without a row
        figures = dashboard.figures(counted, as_of=today)
    assert sum(item.total for item in figures) == len(by_rules(today))
