"""The audit portal's pages: for authority reviewers only, scoped to their regions (another
region's reviewer gets 404 for a person's evidence, log entries, dossiers and exports), in Chinese;
the log's filters and keyset pages; an entry's evidence while retained and after the purge; the
dossier's review forms; the learner's page of what is kept and their data export."""

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from hours.models import HoursEntry
from proctor.models import CaptureLogEntry, CaptureLogExport
from proctor.services.capturelog import append
from proctor.services.retention import snapshots_purge
from tests.hours.test_credit import _beat, _requests_only_where_scripted  # noqa: F401  (fixtures)
from tests.study import course, learner  # noqa: F401  (fixtures)

from .test_reviews import refusal  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
Kind = CaptureLogEntry.Kind
T0 = datetime.datetime(2026, 11, 1, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture
def entries(world):
    made = {}
    for n in range(5):
        made.setdefault("gz", []).append(append(kind=Kind.PROCTOR_EVENT, person=world.gz_worker, subject=f"attempt:{n}", payload={"n": n}, now=T0))
        made.setdefault("sz", []).append(append(kind=Kind.CONSENT_GIVEN, person=world.sz_worker, subject="consent", payload={}, now=T0))
    return made


def rows(response) -> list[int]:
    """The entries listed; none when the filter names something the reviewer cannot choose."""
    page = response.context["page"]
    return [entry.pk for entry in page.entries] if page else []


class TestWhoReachesThePortal:
    @pytest.mark.parametrize("who", ["gz_admin", "gz_staff"])
    def test_employers_and_institutions_are_refused(self, client, world, entries, who):
        client.force_login(getattr(world, who))
        for name, args in [("exam:audit_log", []), ("exam:audit_entry", [entries["gz"][0].pk]), ("exam:audit_person", [world.gz_worker.pk]),
                           ("exam:audit_verify", []), ("exam:audit_exports", []), ("exam:audit_reviews", [])]:
            assert client.get(reverse(name, args=args)).status_code == 403, name

    def test_a_learner_is_refused(self, client, world, entries):
        client.force_login(world.gz_worker.user)
        assert client.get(reverse("exam:audit_log")).status_code == 403
        assert client.get(reverse("exam:audit_person", args=[world.gz_worker.pk])).status_code == 403

    def test_the_portal_is_in_chinese_and_in_the_reviewers_menu(self, client, chinese, world, entries):
        client.force_login(world.gz_reviewer)
        page = client.get(reverse("exam:audit_log")).content.decode()
        assert "审计门户" in page and "抓拍记录" in page and "事件类型" in page


class TestScoping:
    def test_a_reviewer_sees_only_the_entries_of_their_regions_people(self, client, world, entries):
        client.force_login(world.gz_reviewer)
        assert set(rows(client.get(reverse("exam:audit_log")))) == {entry.pk for entry in entries["gz"]}
        client.force_login(world.province_reviewer)
        assert len(rows(client.get(reverse("exam:audit_log")))) == 10

    def test_another_regions_reviewer_gets_404_for_evidence_dossiers_and_exports(self, client, world, entries, django_capture_on_commit_callbacks, settings, inline_tasks):
        import base64

        settings.CAPTURELOG_SIGNING_KEY = base64.b64encode(bytes(range(32))).decode()
        client.force_login(world.gz_reviewer)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("exam:audit_exports"), {"region": world.guangzhou.pk, "since": "2026-11-01", "until": "2026-11-02"})
        export = CaptureLogExport.objects.get()
        assert response.status_code == 302 and export.status == "ready"
        assert client.get(reverse("exam:audit_export_download", args=[export.pk])).status_code == 200
        client.force_login(world.sz_reviewer)
        for name, args in [("exam:audit_entry", [entries["gz"][0].pk]), ("exam:audit_person", [world.gz_worker.pk]),
                           ("exam:audit_institution", [world.gz_institution.pk]), ("exam:audit_export", [export.pk]),
                           ("exam:audit_export_download", [export.pk]), ("exam:audit_export_status", [export.pk])]:
            assert client.get(reverse(name, args=args)).status_code == 404, name
        # nor can they export Guangzhou, nor filter the log to its people
        response = client.post(reverse("exam:audit_exports"), {"region": world.guangzhou.pk, "since": "2026-11-01", "until": "2026-11-02"})
        assert response.status_code == 200 and CaptureLogExport.objects.count() == 1
        assert rows(client.get(reverse("exam:audit_log"), {"person_id": world.gz_worker.pk})) == []
        assert rows(client.get(reverse("exam:audit_log"), {"enterprise": world.gz_enterprise.pk})) == []


class TestTheLog:
    def test_filters(self, client, world, entries):
        client.force_login(world.province_reviewer)
        assert set(rows(client.get(reverse("exam:audit_log"), {"person": world.gz_worker.id_number}))) == {e.pk for e in entries["gz"]}
        assert set(rows(client.get(reverse("exam:audit_log"), {"person": "李深圳"}))) == {e.pk for e in entries["sz"]}
        assert set(rows(client.get(reverse("exam:audit_log"), {"enterprise": world.sz_enterprise.pk}))) == {e.pk for e in entries["sz"]}
        assert set(rows(client.get(reverse("exam:audit_log"), {"kind": "proctor_event"}))) == {e.pk for e in entries["gz"]}
        assert rows(client.get(reverse("exam:audit_log"), {"since": "2026-11-02"})) == []
        assert len(rows(client.get(reverse("exam:audit_log"), {"since": "2026-11-01", "until": "2026-11-01"}))) == 10

    def test_keyset_pages_without_counting(self, client, world, entries, settings, django_assert_max_num_queries):
        settings.AUDIT_PAGE_SIZE = 4
        client.force_login(world.province_reviewer)
        seen = []
        response = client.get(reverse("exam:audit_log"))
        while True:
            seen += rows(response)
            cursor = response.context["page"].next_before
            if cursor is None:
                break
            # a fixed number: session, user, roles, the filters' choices, one page of entries, the header's memberships
            with django_assert_max_num_queries(15) as queries:
                response = client.get(reverse("exam:audit_log"), {"before": cursor})
            assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)
            # the reviewer's region paths are read once, however many policies the page asks
            region_reads = [q for q in queries.captured_queries if q["sql"].startswith('SELECT "lms_region"."path"')]
            assert len(region_reads) == 1, [q["sql"] for q in region_reads]
        everything = sorted((e.pk for group in entries.values() for e in group), reverse=True)
        assert seen == everything
        assert client.get(reverse("exam:audit_log"), {"before": "-3"}).status_code == 400


class TestEvidence:
    def test_a_snapshot_entry_shows_the_image_then_the_purge(self, client, chinese, world, learner, refusal, settings):
        client.force_login(world.gz_reviewer)
        decided = CaptureLogEntry.objects.get(kind=Kind.SNAPSHOT_DECIDED, subject=f"snapshot:{refusal.pk}")
        page = client.get(reverse("exam:audit_entry", args=[decided.pk]))
        assert page.context["evidence"].retained and reverse("proctor:snapshot_image", args=[refusal.pk]) in page.content.decode()
        assert client.get(reverse("proctor:snapshot_image", args=[refusal.pk])).status_code == 200
        client.force_login(world.sz_reviewer)
        assert client.get(reverse("proctor:snapshot_image", args=[refusal.pk])).status_code == 404
        snapshots_purge(now=refusal.received_at + datetime.timedelta(days=settings.SNAPSHOT_RETENTION_DAYS + 1))
        client.force_login(world.gz_reviewer)
        page = client.get(reverse("exam:audit_entry", args=[decided.pk]))
        assert not page.context["evidence"].retained and page.context["evidence"].purge is not None
        assert refusal.sha256 in page.content.decode() and "保留期" in page.content.decode()

    def test_the_dossier_dismisses_a_refusal_and_shows_the_hours_re_credited(self, client, chinese, world, learner, refusal):
        client.force_login(world.gz_reviewer)
        page = client.get(reverse("exam:audit_person", args=[learner.pk]))
        assert page.status_code == 200 and f'data-snapshot="{refusal.pk}"' in page.content.decode()
        assert page.context["dossier"].total_hours == Decimal("0.27")
        response = client.post(
            reverse("exam:audit_review_decide"),
            {"snapshot": str(refusal.pk), "outcome": "dismiss", "reason": "光线不足，本人在场", "next": page.request["PATH_INFO"]},
        )
        assert response.status_code == 302
        page = client.get(reverse("exam:audit_person", args=[learner.pk]))
        assert page.context["dossier"].total_hours == Decimal("1.00")
        assert sum(HoursEntry.objects.filter(person=learner).values_list("hours", flat=True)) == Decimal("1.00")
        # another region's reviewer cannot post a decision on it
        client.force_login(world.sz_reviewer)
        assert client.post(reverse("exam:audit_review_decide"), {"snapshot": str(refusal.pk), "outcome": "uphold", "reason": "x"}).status_code == 404


class TestOtherPages:
    def test_verification_page(self, client, chinese, world, entries, settings):
        import base64

        from proctor.services.capturelog import checkpoint_create

        settings.CAPTURELOG_SIGNING_KEY = base64.b64encode(bytes(range(32))).decode()
        checkpoint_create()
        client.force_login(world.gz_reviewer)
        page = client.get(reverse("exam:audit_verify"))
        assert page.status_code == 200 and page.context["state"].problem is None and page.context["state"].tips_checked == [(1, True)]

    def test_institution_and_sitting_dossiers(self, client, world):
        client.force_login(world.gz_reviewer)
        assert client.get(reverse("exam:audit_institution", args=[world.gz_institution.pk])).status_code == 200
        assert client.get(reverse("exam:audit_institution", args=[world.sz_institution.pk])).status_code == 404

    def test_my_data(self, client, chinese, world, entries):
        client.force_login(world.gz_worker.user)
        page = client.get(reverse("exam:my_data"))
        assert page.status_code == 200 and "保留" in page.content.decode()
        data = json.loads(client.get(reverse("exam:my_data_export")).content)
        assert data["person"]["id_number"] == world.gz_worker.id_number and len(data["capture_log"]) == 5
