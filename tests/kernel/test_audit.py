"""Every state machine's transition writes its audit row through kernel.audit."""

import datetime
from decimal import Decimal

import pytest

from exam.models.attempts import ATTEMPT_MACHINE
from hours.models.certificates import CERTIFICATE_MACHINE, EXTENSION_MACHINE
from hours.models.offline import BATCH_MACHINE
from hours.models.study import SESSION_MACHINE
from kernel.audit import trail_of
from kernel.errors import ConflictError
from kernel.transitions import Machine

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("machine", [ATTEMPT_MACHINE, CERTIFICATE_MACHINE, EXTENSION_MACHINE, BATCH_MACHINE, SESSION_MACHINE])
def test_every_machine_has_a_move_table_over_all_its_statuses(machine: Machine):
    assert set(machine.moves) == set(machine.statuses.values)
    for source, targets in machine.moves.items():
        assert targets <= set(machine.statuses.values), source


def test_an_illegal_move_is_refused_with_the_machines_code():
    with pytest.raises(ConflictError) as refused:
        ATTEMPT_MACHINE.check("graded", "in_progress")
    assert refused.value.code == "attempt_move_illegal" and refused.value.details == {"from": "graded", "to": "in_progress"}


def test_a_certificate_revocation_leaves_an_audit_row(world):
    from hours.services.certificates import certificate_revoke, certificates_issue
    from lms.models import Credential
    from tests.factories import confirmed_pass

    confirmed_pass(world.gz_worker, Credential.objects.get(code="C"), world.gz_authority, world.gz_reviewer, months=60)
    report = certificates_issue(
        actor=world.gz_reviewer, authority=world.gz_authority, credential=Credential.objects.get(code="C"),
        people=[world.gz_worker], issued_on=datetime.date(2026, 1, 5),
    )
    [certificate] = report.issued
    certificate_revoke(actor=world.gz_reviewer, certificate=certificate, reason="证书信息有误")
    [row] = [row for row in trail_of(certificate) if row.new_state == "revoked"]
    assert row.old_state == "valid" and row.actor == world.gz_reviewer and row.extra["reason"] == "证书信息有误"


def test_an_hours_batch_decision_leaves_an_audit_row(world):
    from hours.models import BatchStatus, OfflineBatch
    from hours.services.offline import batch_transition

    batch = OfflineBatch.objects.create(
        institution=world.gz_institution, region=world.guangzhou, uploaded_by=world.gz_staff, file_name="a.csv",
        file_sha256="0" * 64, uploaded_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
    )
    batch_transition(actor=world.gz_reviewer, batch=batch, to=BatchStatus.REJECTED, reason="材料不全")
    [row] = trail_of(batch)
    assert (row.event_type, row.old_state, row.new_state, row.extra) == (
        "decided", "submitted", "rejected", {"reason": "材料不全", "ledger_entries": 0}
    )
    assert Decimal("0") == Decimal(row.extra["ledger_entries"])
