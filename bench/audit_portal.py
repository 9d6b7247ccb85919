"""How fast the audit portal is on a capture log of millions of entries in PostgreSQL: a filtered
page of the log, a person's dossier and an export of a region and a day.

    uv run --frozen python bench/audit_portal.py [--entries 2000000] [--people 20000] [--keep] [--reps 5]

The script drops and recreates its own database `kaohe_bench_audit` on the PostgreSQL server of
`BENCH_PG_URL` (default postgres://postgres@127.0.0.1:5432), points DATABASE_URL at it before Django
starts and migrates it (which installs the capture log's guards). It seeds Guangdong with Guangzhou
and Shenzhen, a reviewer of each city's bureau, five enterprises per city and N people employed
half in each; then, with COPY, a valid hash chain of E entries over 30 days (snapshot received and
decided, proctoring events; each about a random person), the head row, and one signed checkpoint
every simulated hour (as celery beat does; each walks the hour's new entries before signing); then ANALYZE.

It measures a first run and the median of --reps more of:

1. the Guangzhou reviewer's first page of the log (no filter), a page deep in the log (keyset
   cursor at the middle), a page filtered to one person, to one enterprise, to a kind, to a
   decision and to a day;
2. one person's dossier (exam.selectors.audit.person_dossier; the seeded people have no study or
   exams, so this measures the dossier's fixed cost);
3. an export of Guangzhou for one day (proctor.services.exports.export_build), with its size.

The SQL queries of each page are counted. The results go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from eligibility import machine  # noqa: E402

DB_NAME = "kaohe_bench_audit"
SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
T0 = datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC)
SEED = 20261202


def server_connect(dbname: str = "postgres"):
    import psycopg

    return psycopg.connect(f"{SERVER}/{dbname}", autocommit=True)


def recreate_database() -> None:
    with server_connect() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def seed(entries: int, people: int) -> dict:
    from django.db import connection

    from lms.models import (
        Employment,
        Membership,
        Organisation,
        OrganisationKind,
        Person,
        Region,
        RegionLevel,
        Role,
        User,
    )
    from proctor.rules.capturelog import GENESIS, canonical, entry_hash
    from proctor.services.capturelog import checkpoint_create
    from tests.factories import make_credit_code, make_id_number

    rng = random.Random(SEED)
    started = time.perf_counter()
    province, _ = Region.objects.get_or_create(code="440000", defaults={"name": "广东省", "level": RegionLevel.PROVINCE})
    cities = [
        Region.objects.get_or_create(code=code, defaults={"name": name, "level": RegionLevel.CITY, "parent": province})[0]
        for code, name in (("440100", "广州市"), ("440300", "深圳市"))
    ]
    reviewers = []
    enterprises = {}
    n = 0
    for city in cities:
        bureau = Organisation.objects.create(kind=OrganisationKind.AUTHORITY, name=f"{city.name}住建局", region=city)
        reviewer = User.objects.create(username=f"reviewer-{city.code}")
        Membership.objects.create(user=reviewer, organisation=bureau, role=Role.AUTHORITY_REVIEWER)
        reviewers.append(reviewer)
        for _ in range(5):
            n += 1
            enterprises.setdefault(city.code, []).append(
                Organisation.objects.create(kind=OrganisationKind.ENTERPRISE, name=f"{city.name}建工{n}", credit_code=make_credit_code(n), region=city)
            )
    users = User.objects.bulk_create([User(username=f"p{i}") for i in range(people)], batch_size=5000)
    persons = Person.objects.bulk_create(
        [
            Person(user=user, real_name=f"测试{i}", id_number=make_id_number(sequence=i % 1000, birth=datetime.date(1950, 1, 1) + datetime.timedelta(days=i // 1000)),
                   mobile=f"139{i:08d}", education="bachelor")
            for i, user in enumerate(users)
        ],
        batch_size=5000,
    )
    Employment.objects.bulk_create(
        [
            Employment(person=person, enterprise=rng.choice(enterprises[cities[i % 2].code]), start_date=datetime.date(2023, 1, 1))
            for i, person in enumerate(persons)
        ],
        batch_size=5000,
    )
    person_ids = [person.pk for person in persons]
    kinds = ["snapshot_received", "snapshot_decided", "proctor_event"]
    decisions = ["verified"] * 8 + ["mismatch", "no_face"]
    span = 30 * 86400
    previous = GENESIS
    columns = ["kind", "person_id", "subject", "payload", "created_at", "previous_hash", "hash"]
    hours = 30 * 24
    per_hour = max(1, entries // hours)
    signing = 0.0
    i = 0
    for hour in range(hours):
        count = per_hour if hour < hours - 1 else entries - i
        with connection.cursor() as cursor:
            raw = cursor.connection
            with raw.cursor() as pg, pg.copy(f"COPY proctor_capturelogentry ({', '.join(columns)}) FROM STDIN") as copy:
                for _ in range(count):
                    kind = kinds[i % 3]
                    person_id = rng.choice(person_ids)
                    at = T0 + datetime.timedelta(microseconds=int(i * span * 1_000_000 / entries))
                    subject = f"snapshot:{i // 3:032x}" if kind != "proctor_event" else f"attempt:{i % 5000}"
                    payload = {"decision": rng.choice(decisions), "distance": 0.31} if kind == "snapshot_decided" else {"sha256": f"{i:064x}"}
                    digest = entry_hash(previous, canonical(kind=kind, person_id=person_id, subject=subject, payload=payload, created_at=at))
                    copy.write_row((kind, person_id, subject, json.dumps(payload), at, previous, digest))
                    previous = digest
                    i += 1
            cursor.execute("UPDATE proctor_captureloghead SET length = %s, hash = %s WHERE id = 1", [i, previous])
        # An hourly checkpoint, as celery beat signs them (each walks only the hour's new entries).
        started_signing = time.perf_counter()
        checkpoint_create(now=T0 + datetime.timedelta(hours=hour + 1))
        signing += time.perf_counter() - started_signing
    seeded = time.perf_counter() - started - signing
    signed = signing
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"seed_seconds": seeded, "checkpoint_seconds": signed}


def timed(function, reps: int) -> tuple[float, float, int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    # The seeding filled the connection's query log to its cap, at which the context counts nothing.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        function()
        first = time.perf_counter() - started
    runs = []
    for _ in range(reps):
        started = time.perf_counter()
        function()
        runs.append(time.perf_counter() - started)
    return first * 1000, statistics.median(runs) * 1000, len(queries.captured_queries)


def measure(reps: int) -> list[tuple[str, float, float, int]]:
    from exam.selectors import audit as selectors
    from lms.models import Employment, Organisation, OrganisationKind, Region, User
    from proctor.models import CaptureLogEntry, CaptureLogExport
    from proctor.selectors.portal import log_page
    from proctor.services.exports import export_build

    reviewer = User.objects.get(username="reviewer-440100")
    gz = Region.objects.get(code="440100")
    enterprise = Organisation.objects.filter(kind=OrganisationKind.ENTERPRISE, region=gz).first()
    person_id = Employment.objects.filter(enterprise=enterprise).values_list("person_id", flat=True).first()
    middle = CaptureLogEntry.objects.order_by("-id").values_list("id", flat=True).first() // 2
    day = datetime.date(2026, 10, 2)

    def page(**filters):
        before = filters.pop("before", None)
        return lambda: list(log_page(reviewer, selectors.log_filter(reviewer, **filters), before=before, size=50).entries)

    results = []
    for label, function in [
        ("log: first page, no filter", page()),
        ("log: page at the middle (keyset)", page(before=middle)),
        ("log: one person", page(person_id=person_id)),
        ("log: one enterprise", page(enterprise=enterprise.pk)),
        ("log: kind = proctor_event", page(kind="proctor_event")),
        ("log: decision = mismatch", page(decision="mismatch")),
        ("log: one day", page(since=day, until=day)),
        ("log: one person, one day", page(person_id=person_id, since=day, until=day)),
        ("dossier of one person", lambda: selectors.person_dossier(reviewer, person_id)),
    ]:
        results.append((label, *timed(function, reps)))

    since = datetime.datetime(2026, 10, 2, tzinfo=datetime.UTC)

    def export():
        made = CaptureLogExport.objects.create(
            requested_by=reviewer, region=gz, since=since, until=since + datetime.timedelta(days=1),
            created_at=datetime.datetime.now(datetime.UTC),
        )
        done = export_build(export_id=made.pk)
        export.last = done

    first, median, queries = timed(export, max(1, reps // 2))
    results.append((f"export: Guangzhou, one day ({export.last.total} entries, {export.last.file.size // 1024} KiB)", first, median, queries))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=2_000_000)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="reuse a database seeded earlier")
    options = parser.parse_args()
    if not options.keep:
        recreate_database()
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaohe.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("CAPTURELOG_SIGNING_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    import django

    django.setup()
    from django.core.management import call_command

    info = {}
    if not options.keep:
        call_command("migrate", verbosity=0)
        info = seed(options.entries, options.people)
    else:
        from django.db import connection

        call_command("migrate", verbosity=0)  # the indexes of a newer checkout
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("SELECT count(*) FROM proctor_capturelogentry")
            print(f"kept database: {cursor.fetchone()[0]} entries")
    load = os.getloadavg()
    print(f"machine: {machine()}; {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if info:
        print(f"seeded {options.entries} entries, {options.people} people in {info['seed_seconds']:.0f} s; "
              f"720 hourly checkpoints over them in {info['checkpoint_seconds']:.1f} s")
    print(f"{'what':60} {'first ms':>10} {'median ms':>10} {'queries':>8}")
    for label, first, median, queries in measure(options.reps):
        print(f"{label:60} {first:10.1f} {median:10.1f} {queries:8d}")
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
