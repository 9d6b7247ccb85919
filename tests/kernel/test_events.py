"""The transactional outbox: an event is recorded with the change, delivered after commit to each
receiver in its own savepoint, and a failing receiver is retried without stopping the others."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from kernel import events
from kernel.models import OutboxMessage

pytestmark = pytest.mark.django_db

calls: list[tuple[str, dict]] = []
failures = {"left": 0}


@events.subscribe("test.thing_happened")
def first_receiver(**payload):
    calls.append(("first", payload))


@events.subscribe("test.thing_happened")
def flaky_receiver(**payload):
    if failures["left"]:
        failures["left"] -= 1
        OutboxMessage.objects.update(last_error="written by a receiver that then fails")
        raise RuntimeError("the receiver's service is down")
    calls.append(("flaky", payload))


@pytest.fixture(autouse=True)
def _reset():
    calls.clear()
    failures["left"] = 0


def test_each_receiver_gets_the_event_once():
    events.publish("test.thing_happened", thing_id=7, at=datetime.date(2026, 12, 1))
    assert sorted(name for name, _payload in calls) == ["first", "flaky"]
    assert calls[0][1] == {"thing_id": 7, "at": "2026-12-01"}
    assert OutboxMessage.objects.filter(delivered_at__isnull=True).count() == 0
    # Delivering again finds nothing to do.
    assert events.deliver(list(OutboxMessage.objects.values_list("pk", flat=True))) == 0
    assert len(calls) == 2


def test_a_failing_receiver_is_retried_later_and_stops_no_other():
    failures["left"] = 1
    events.publish("test.thing_happened", thing_id=8)
    assert [name for name, _payload in calls] == ["first"]
    pending = OutboxMessage.objects.get(delivered_at__isnull=True)
    assert pending.handler.endswith("flaky_receiver") and "service is down" in pending.last_error
    # The failing receiver's own writes were rolled back with its savepoint.
    assert not OutboxMessage.objects.filter(last_error="written by a receiver that then fails").exists()
    assert events.deliver_due(now=timezone.now()) == 0  # not due yet: it backs off
    assert events.deliver_due(now=pending.next_attempt_at + datetime.timedelta(seconds=1)) == 1
    assert [name for name, _payload in calls] == ["first", "flaky"]
    assert OutboxMessage.objects.get(pk=pending.pk).attempts == 2


def test_an_event_without_receivers_writes_nothing():
    assert events.publish("test.nobody_listens", x=1) == []
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_delivery_waits_for_the_commit_and_a_rollback_delivers_nothing():
    with transaction.atomic():
        events.publish("test.thing_happened", thing_id=9)
        assert calls == []  # not before the commit
    assert sorted(name for name, _payload in calls) == ["first", "flaky"]
    calls.clear()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            events.publish("test.thing_happened", thing_id=10)
            raise RuntimeError("the change fails")
    assert calls == [] and not OutboxMessage.objects.filter(payload__thing_id=10).exists()
