"""How long the authority's review list and a bulk approval take with 10,000 applications.

    uv run --frozen python bench/applications.py [--applications 10000] [--approve 1000] [--reps 5]

Drops and recreates its own PostgreSQL database `kaohe_bench_apps` on `BENCH_PG_URL` (default
postgres://postgres@127.0.0.1:5432), points DATABASE_URL at it before Django starts, migrates it
and seeds with bulk inserts: Guangzhou (440100) under Guangdong, its authority and one reviewer,
20 enterprises, N people each employed by one of them, and N applications for 安管人员C类 through
the enterprises, verified and submitted for one published sitting (capacity N), then ANALYZE.

It measures, first run and the median of --reps more:

1. the review list as the page renders it: the count of enterprise-submitted applications (the
   paginator) and the first page of 50 with candidate, kind, enterprise and sitting, and the
   number of SQL queries (it does not grow with N);
2. the same list filtered by enterprise;
3. `applications_approve` of --approve applications (eligibility checked again and a seat given
   under the sitting's lock for each), once.

The results go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "kaohe_bench_apps"
SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def seed(n: int):
    from django.db import connection
    from django.utils import timezone

    from exam.models import Application, ApplicationPath, ApplicationStatus
    from exam.testing import make_bank, make_exam
    from kernel.validators import id_number_check_char, uscc_check_char
    from lms.models import (
        Credential,
        Employment,
        Membership,
        Organisation,
        OrganisationKind,
        Person,
        Region,
        RegionLevel,
        SafetyTraining,
        User,
    )

    province, _ = Region.objects.get_or_create(code="440000", defaults={"name": "广东省", "level": RegionLevel.PROVINCE})
    city, _ = Region.objects.get_or_create(code="440100", defaults={"name": "广州市", "level": RegionLevel.CITY, "parent": province})
    authority = Organisation.objects.create(kind=OrganisationKind.AUTHORITY, name="广州市住建局", region=city)
    reviewer = User.objects.create(username="bench-reviewer")
    Membership.objects.create(user=reviewer, organisation=authority, role="authority_reviewer")
    enterprises = []
    for index in range(20):
        body = f"914401{index + 1:011d}"
        enterprises.append(
            Organisation.objects.create(kind=OrganisationKind.ENTERPRISE, name=f"广州建设{index}公司", region=city, credit_code=body + uscc_check_char(body))
        )
    credential = Credential.objects.get(code="C")
    make_bank(credential)
    exam = make_exam(credential)
    now = timezone.now()
    sitting = exam.sittings.create(
        authority=authority, venue="广州考点", starts_at=now + datetime.timedelta(days=20),
        ends_at=now + datetime.timedelta(days=20, hours=2), open_for_applications=True, capacity=n,
    )
    users = [User(username=f"bench{i}", password="!") for i in range(n)]
    User.objects.bulk_create(users, batch_size=2000)
    users = list(User.objects.filter(username__startswith="bench").exclude(pk=reviewer.pk).order_by("pk"))
    people = []
    for i, user in enumerate(users):
        birth = datetime.date(1970 + i % 30, 1 + i % 12, 1 + i % 28)
        # unique past 1,000 people a birth date: the district varies too
        first17 = f"44{(i // 1000) % 100:02d}06{birth:%Y%m%d}{i % 1000:03d}"
        people.append(
            Person(user=user, real_name=f"考生{i}", id_number=first17 + id_number_check_char(first17), mobile=f"139{i:08d}",
                   education="bachelor", management_since=datetime.date(2015, 1, 1))
        )
    Person.objects.bulk_create(people, batch_size=2000)
    people = list(Person.objects.order_by("pk"))
    Employment.objects.bulk_create(
        [Employment(person=p, enterprise=enterprises[i % 20], start_date=datetime.date(2020, 1, 1)) for i, p in enumerate(people)],
        batch_size=2000,
    )
    # The employers' annual safety training, which an A, B or C approval checks again.
    trained = now.date() - datetime.timedelta(days=30)
    SafetyTraining.objects.bulk_create(
        [
            SafetyTraining(person=p, enterprise=enterprises[i % 20], year=trained.year, passed_on=trained,
                           recorded_by=reviewer, recorded_at=now)
            for i, p in enumerate(people)
        ],
        batch_size=2000,
    )
    Application.objects.bulk_create(
        [
            Application(
                candidate=p, credential=credential, path=ApplicationPath.ENTERPRISE, enterprise=enterprises[i % 20],
                sitting=sitting, region_path=city.path, status=ApplicationStatus.ENTERPRISE_SUBMITTED,
                handler_name="经办", handler_mobile="13800001111", insurance_proof="insurance-proofs/bench",
                insurance_proof_type="application/pdf", submitted_at=now - datetime.timedelta(seconds=i),
                enterprise_submitted_at=now,
            )
            for i, p in enumerate(people)
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return reviewer, enterprises


def timed(function, reps: int):
    start = time.perf_counter()
    function()
    first = time.perf_counter() - start
    runs = []
    for _ in range(reps):
        start = time.perf_counter()
        function()
        runs.append(time.perf_counter() - start)
    return first, statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--approve", type=int, default=1_000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print the SQL of one approval and a profile of the bulk")
    args = parser.parse_args()
    recreate_database()
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaohe.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.paginator import Paginator
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from exam.models import ApplicationStatus
    from exam.selectors.applications import applications_for
    from exam.services.applications import applications_approve
    from lms.models import User

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    reviewer, enterprises = seed(args.applications)
    print(f"seeded {args.applications} applications in {time.perf_counter() - start:.1f} s")

    def page(**filters):
        actor = User.objects.get(pk=reviewer.pk)  # roles read afresh, as in a request
        paginator = Paginator(applications_for(actor, status=ApplicationStatus.ENTERPRISE_SUBMITTED, **filters), 50)
        rows = list(paginator.get_page(1))
        [(r.candidate.real_name, r.credential.name, r.enterprise.name, r.sitting.exam.title) for r in rows]
        return paginator.count

    with CaptureQueriesContext(connection) as queries:
        count = page()
    first, median = timed(page, args.reps)
    print(f"review list, first page of {count}: first {first * 1000:.1f} ms, median {median * 1000:.1f} ms, {len(queries)} queries")
    first, median = timed(lambda: page(enterprise_id=enterprises[3].pk), args.reps)
    print(f"review list filtered by enterprise: first {first * 1000:.1f} ms, median {median * 1000:.1f} ms")
    ids = list(applications_for(reviewer, status=ApplicationStatus.ENTERPRISE_SUBMITTED).values_list("pk", flat=True)[: args.approve])
    if args.profile:
        with CaptureQueriesContext(connection) as queries:
            applications_approve(actor=User.objects.get(pk=reviewer.pk), ids=ids[:1])
        print(f"one approval: {len(queries)} queries")
        for query in queries.captured_queries:
            print("  ", query["sql"][:220])
        ids = ids[1:]
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    start = time.perf_counter()
    report = applications_approve(actor=User.objects.get(pk=reviewer.pk), ids=ids)
    elapsed = time.perf_counter() - start
    if args.profile:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    print(
        f"bulk approval of {len(ids)}: {elapsed:.2f} s ({elapsed / max(len(ids), 1) * 1000:.1f} ms each), "
        f"{len(report.approved)} approved, {len(report.refused)} refused"
    )


if __name__ == "__main__":
    main()
