"""How long the authority dashboard's counts and one person's hours explanation take on a
province-sized ledger in PostgreSQL.

    uv run --frozen python bench/eligibility.py [--people 100000] [--keep|--reuse] [--reps 3] [--jit both|default|off]
        [--explain] [--db-name kaohe_bench] [--pg-url postgres://postgres@127.0.0.1:5432] [--no-former]

The dashboard reads the standing table (hours.models.standing): the bench rebuilds it first
(`standings_rebuild`, timed), then measures the dashboard on it, and once the former path, the
rules in SQL group by group (`figures_by_rules_in_sql`), for comparison (--no-former skips it).
BENCH_DB_NAME and BENCH_PG_URL (or the flags) choose the database and the server.

The script drops and recreates its own database `kaohe_bench` on the PostgreSQL server of
`BENCH_PG_URL` (default postgres://postgres@127.0.0.1:5432), points DATABASE_URL at it before Django
starts, migrates it (which seeds the credentials and the credit-hour schemes) and seeds, with COPY:

- Guangdong (440000) with Guangzhou (440100) and Shenzhen (440300); the provincial department and
  the Guangzhou bureau, one authority reviewer each; five enterprises in each city;
- N people (user, person, current employment, half in each city), each with one certificate: 60%
  安管人员C类 (C), 40% 土建施工员 (101), issued on a day of 2021-2025 for 3 years, Guangzhou's by the
  Guangzhou bureau and Shenzhen's by the province. A certificate whose three years ended before
  the day of evaluation was extended by three years (half of them) or has expired; 2% of the
  others are revoked;
- 20 ledger entries per person (offline training, 2-24 hours, 60% professional post knowledge),
  85% within the certificate's validity and 90% of its credential, the rest anywhere in
  2021-2026 or of the other credential; then ANALYZE.

It then measures, on the day of evaluation 2026-11-23, a first run and the median of --reps more,
with the server's `jit` setting and with `SET jit = off` (JIT compilation of the long group queries
costs more than running them on PostgreSQL's defaults):

1. `hours.dashboard.figures(certificates_counted(reviewer))`: the authority dashboard's counts, for
   the province's reviewer (every certificate) and the Guangzhou reviewer (half of them);
2. `standing_rows` for the province: the (certificate, standing) pairs behind the list and export;
3. one person's `certificate_standing(...).explanation` in Chinese, as /my/hours/ shows it.

The SQL queries of each are counted with CaptureQueriesContext: the dashboard's count does not
grow with the number of people. With --explain (or when the province's count takes more than 3 s)
it prints EXPLAIN ANALYZE of the slowest group query (JIT summary with the server's setting, the
whole plan with jit off). --keep reuses a database seeded earlier.
The results go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = os.environ.get("BENCH_DB_NAME", "kaohe_bench")
SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
AS_OF = datetime.date(2026, 11, 23)
SEED = 20261123
ENTRIES_PER_PERSON = 20
CITIES = (("440100", "广州市", "440106"), ("440300", "深圳市", "440304"))  # code, name, ID-number district
ENTERPRISES_PER_CITY = 5


def machine() -> str:
    model = platform.processor() or "unknown"
    cores = os.cpu_count() or 0
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "Model name":
                model = value.strip()
            elif key.strip() == "CPU(s)":
                cores = int(value.strip())
    except (OSError, subprocess.CalledProcessError, ValueError):
        pass
    return f"{cores}-core {model}"


def server_connect(dbname: str = "postgres"):
    import psycopg

    return psycopg.connect(f"{SERVER}/{dbname}", autocommit=True)


def database_has_people() -> bool:
    import psycopg

    with server_connect() as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            return False
    try:
        with server_connect(DB_NAME) as conn:
            return bool(conn.execute("SELECT EXISTS (SELECT 1 FROM lms_person)").fetchone()[0])
    except psycopg.Error:
        return False


def recreate_database() -> None:
    with server_connect() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


# Seeding -------------------------------------------------------------------------------------------


# Column defaults for the seeding's COPY: the model's defaults live in Django, not in the
# database, and a field added to a model since this bench was written must not break it.
_TYPE_DEFAULTS = {
    "character varying": "''", "text": "''", "boolean": "false", "integer": "0", "bigint": "0", "smallint": "0",
    "numeric": "0", "jsonb": "'{}'::jsonb", "timestamp with time zone": "now()", "date": "current_date",
}


def _default_missing(cursor, table: str, columns: list[str]) -> None:
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL AND column_name <> 'id'",
        [table],
    )
    for name, data_type in cursor.fetchall():
        if name not in columns and data_type in _TYPE_DEFAULTS:
            cursor.execute(f'ALTER TABLE {table} ALTER COLUMN "{name}" SET DEFAULT {_TYPE_DEFAULTS[data_type]}')


def _copy(cursor, table: str, columns: list[str], lines: list[str]) -> None:
    _default_missing(cursor, table, columns)
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for start in range(0, len(lines), 50_000):
            copy.write("".join(lines[start : start + 50_000]))


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _reset_sequence(cursor, table: str) -> None:
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
    )


def seed(people: int) -> dict[str, float]:
    from django.db import connection

    from kernel.validators import id_number_check_char, uscc_check_char
    from lms.models import (
        Credential,
        Membership,
        Organisation,
        OrganisationKind,
        Person,
        Region,
        RegionLevel,
        Role,
        User,
    )

    timings: dict[str, float] = {}
    rng = random.Random(SEED)
    started = time.perf_counter()

    province = Region.objects.get(code="440000")  # created by hours 0004 with the schemes
    cities = [
        Region.objects.create(code=code, name=name, level=RegionLevel.CITY, parent=province) for code, name, _ in CITIES
    ]
    province_authority = Organisation.objects.create(kind=OrganisationKind.AUTHORITY, name="广东省住房和城乡建设厅", region=province)
    city_authority = Organisation.objects.create(kind=OrganisationKind.AUTHORITY, name="广州市住房和城乡建设局", region=cities[0])
    for username, authority in (("bench-province", province_authority), ("bench-guangzhou", city_authority)):
        user = User.objects.create_user(username=username, password=None)
        Membership.objects.create(user=user, organisation=authority, role=Role.AUTHORITY_REVIEWER)
    enterprises: list[list[Organisation]] = []
    for c, city in enumerate(cities):
        row = []
        for e in range(ENTERPRISES_PER_CITY):
            body = f"91{city.code}{c * 100 + e + 1:09d}"
            row.append(
                Organisation.objects.create(
                    kind=OrganisationKind.ENTERPRISE, name=f"{city.name}基准建设工程有限公司{e + 1}",
                    credit_code=body + uscc_check_char(body), region=city,
                )
            )
        enterprises.append(row)
    issuers = [city_authority, province_authority]  # Guangzhou's certificates, Shenzhen's
    credentials = {c.code: c for c in Credential.objects.filter(code__in=["C", "101"])}
    other = {"C": "101", "101": "C"}
    now = datetime.datetime.now(datetime.timezone.utc).isoformat()

    user_base = (User.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    person_base = (Person.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    users, persons, employments, certificates = [], [], [], []
    ledger_plan = []  # (person id, credential code, other code, issued, last day)
    first_day, last_day_2026 = datetime.date(2021, 1, 1), AS_OF - datetime.timedelta(days=1)
    ledger_days = (last_day_2026 - first_day).days + 1
    issue_days = (datetime.date(2025, 12, 31) - first_day).days + 1
    for i in range(people):
        city = i % 2
        district = CITIES[city][2]
        birth = datetime.date(1965, 1, 1) + datetime.timedelta(days=(i // 1000) * 100)
        first17 = f"{district}{birth:%Y%m%d}{i % 1000:03d}"
        id_number = first17 + id_number_check_char(first17)
        user_id, person_id = user_base + i, person_base + i
        users.append(f"{user_id}\t!\tf\t{id_number}\t\t\t\tf\tt\t{now}\n")
        persons.append(f"{person_id}\t{user_id}\t基准{i:06d}\t{id_number}\t139{i:08d}\tbachelor\tnone\t\t{now}\n")
        enterprise = enterprises[city][rng.randrange(ENTERPRISES_PER_CITY)]
        employments.append(f"{person_id}\t{enterprise.pk}\t\t2020-01-01\t{now}\n")
        code = "C" if rng.random() < 0.6 else "101"
        issued = first_day + datetime.timedelta(days=rng.randrange(issue_days))
        expires = _add_years(issued, 3)
        status = "valid"
        if expires < AS_OF:
            if rng.random() < 0.5:
                expires = _add_years(expires, 3)  # extended
            else:
                status = "expired"
        elif rng.random() < 0.02:
            status = "revoked"
        authority = issuers[city]
        number = f"{authority.region.code}{issued:%Y}{code}{i:07d}"
        certificates.append(
            f"{number}\t{person_id}\t{credentials[code].pk}\t{authority.pk}\t{issued}\t{expires}\t{status}\t{uuid.UUID(int=rng.getrandbits(128), version=4)}\t{now}\n"
        )
        ledger_plan.append((person_id, code, issued, min(expires, last_day_2026)))
    timings["generate people"] = time.perf_counter() - started

    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # the psycopg cursor
        t = time.perf_counter()
        _copy(cursor, "lms_user", ["id", "password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff", "is_active", "date_joined"], users)
        _copy(cursor, "lms_person", ["id", "user_id", "real_name", "id_number", "mobile", "education", "professional_title", "id_photo", "created_at"], persons)
        _copy(cursor, "lms_employment", ["person_id", "enterprise_id", "position", "start_date", "created_at"], employments)
        _copy(cursor, "hours_certificate", ["number", "holder_id", "credential_id", "authority_id", "issued_on", "expires_on", "status", "public_id", "created_at"], certificates)
        for table in ("lms_user", "lms_person"):
            _reset_sequence(cursor, table)
        timings["copy people, employments, certificates"] = time.perf_counter() - t
        del users, persons, employments, certificates

        t = time.perf_counter()
        hours_choices = ("2", "4", "6", "8", "8", "12", "16", "24")
        columns = ["person_id", "credential_id", "category", "hours", "earned_on", "source", "evidence", "reason", "created_at"]
        _default_missing(cursor, "hours_hoursentry", columns)
        with cursor.copy(f"COPY hours_hoursentry ({', '.join(columns)}) FROM STDIN") as copy:
            chunk = []
            for person_id, code, issued, last in ledger_plan:
                own, theirs = credentials[code].pk, credentials[other[code]].pk
                span = (last - issued).days + 1
                for _ in range(ENTRIES_PER_PERSON):
                    if rng.random() < 0.85 and span > 0:
                        day = issued + datetime.timedelta(days=rng.randrange(span))
                    else:
                        day = first_day + datetime.timedelta(days=rng.randrange(ledger_days))
                    credential_id = own if rng.random() < 0.9 else theirs
                    category = "professional" if rng.random() < 0.6 else "general"
                    chunk.append(
                        f"{person_id}\t{credential_id}\t{category}\t{rng.choice(hours_choices)}\t{day}\toffline\t{{}}\t\t{now}\n"
                    )
                if len(chunk) >= 100_000:
                    copy.write("".join(chunk))
                    chunk = []
            copy.write("".join(chunk))
        timings["copy ledger"] = time.perf_counter() - t

        t = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")
        timings["vacuum analyze"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started
    return timings


# Measuring -----------------------------------------------------------------------------------------


def measure(fn, reps: int):
    """(first run s, median of the following runs s, queries per run, per-query seconds of the last run, result)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    result = None
    captured: list[dict] = []
    for _ in range(reps + 1):
        with CaptureQueriesContext(connection) as context:
            started = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - started)
        captured = context.captured_queries
    return times[0], statistics.median(times[1:] or times), len(captured), [float(q["time"]) for q in captured], result


def explain_slowest_group(actor, as_of: datetime.date, jit: str | None) -> None:
    """EXPLAIN ANALYZE the slowest of the province's group queries: in full with `jit` off, only the
    JIT summary and the totals with the server's setting."""
    from django.db import connection
    from django.db.models import Count

    from hours.models import CertificateStatus
    from hours.selectors import dashboard

    with connection.cursor() as cursor:
        cursor.execute(f"SET jit = {jit}" if jit else "RESET jit")
    valid = dashboard.certificates_counted(actor).filter(status=CertificateStatus.VALID)
    slowest = None
    groups = dashboard.with_standing(valid, as_of=as_of)
    for queryset in groups:
        counted = queryset.order_by().values_list("credential_id", "standing").annotate(n=Count("pk"))
        started = time.perf_counter()
        list(counted)
        elapsed = time.perf_counter() - started
        if slowest is None or elapsed > slowest[0]:
            slowest = (elapsed, counted)
    if slowest is None:
        return
    elapsed, counted = slowest
    sql, params = counted.query.get_compiler(connection=connection).as_sql()
    print(
        f"\nslowest of {len(groups)} group queries with jit = {jit or 'server default'}: {elapsed:.3f} s, "
        f"{len(sql):,} characters of SQL, {sql.count('SUM(')} SUM subqueries; EXPLAIN (ANALYZE, BUFFERS):"
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        lines = [line for (line,) in cursor.fetchall()]
        cursor.execute("RESET jit")
    if jit is None:
        keep = ("JIT", "Functions:", "Options:", "Timing:", "Planning Time", "Execution Time")
        lines = lines[:1] + [line for line in lines if line.strip().startswith(keep)]
    for line in lines:
        print("  " + (line if len(line) <= 240 else line[:240] + " ..."))


def main() -> None:
    global DB_NAME, SERVER
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--keep", "--reuse", action="store_true", help="reuse an existing seeded database")
    parser.add_argument("--db-name", default=DB_NAME)
    parser.add_argument("--pg-url", default=SERVER)
    parser.add_argument("--no-former", action="store_true", help="do not measure the former path (rules in SQL)")
    parser.add_argument("--reps", type=int, default=3, help="timed repetitions after a first (cold) run")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest group query")
    parser.add_argument(
        "--jit", choices=["both", "default", "off"], default="both",
        help="measure the dashboard with the server's jit setting, with SET jit = off, or both (default)",
    )
    args = parser.parse_args()
    DB_NAME, SERVER = args.db_name, args.pg_url.rstrip("/")

    print(
        f"machine: {machine()}; Python {platform.python_version()}; {datetime.datetime.now():%Y-%m-%d %H:%M}; "
        + "load %.2f %.2f %.2f" % os.getloadavg()
    )
    reuse = args.keep and database_has_people()
    if not reuse:
        recreate_database()
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "kaohe.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import translation

    from hours.models import Certificate, HoursEntry
    from hours.selectors import dashboard
    from hours.selectors.ledger import certificate_standing
    from lms.models import Person, User

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(f"database: {DB_NAME}, {cursor.fetchone()[0].split(' on ')[0]}")
    if reuse:
        print("seeding: reusing the existing database (--keep)")
    else:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"migrate: {time.perf_counter() - started:.1f} s")
        timings = seed(args.people)
        print("seeding: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items()))
    print(
        f"data: {Person.objects.count():,} people, {Certificate.objects.count():,} certificates "
        f"({Certificate.objects.filter(status='valid').count():,} valid), {HoursEntry.objects.count():,} ledger entries"
    )

    from hours.services.standing import standings_rebuild

    started = time.perf_counter()
    written = standings_rebuild(as_of=AS_OF)
    print(f"standing table rebuilt: {written:,} certificates in {time.perf_counter() - started:.1f} s; " + "load %.2f %.2f %.2f" % os.getloadavg())
    if not args.no_former:
        actor = User.objects.get(username="bench-province")
        first, _median, queries, _per_query, items = measure(
            lambda: dashboard.figures_by_rules_in_sql(dashboard.certificates_counted(User.objects.get(pk=actor.pk)), as_of=AS_OF), 0
        )
        table = {item.credential.code: dict(item.counts) for item in dashboard.figures(dashboard.certificates_counted(actor), as_of=AS_OF)}
        former = {item.credential.code: dict(item.counts) for item in items}
        print(f"former path (rules in SQL), province reviewer: {first:.2f} s, {queries} SQL queries; same counts as the table: {former == table}")

    province = User.objects.get(username="bench-province")
    province_seconds = 0.0
    settings_to_try = {"both": [None, "off"], "default": [None], "off": ["off"]}[args.jit]
    for jit in settings_to_try:
        with connection.cursor() as cursor:
            if jit:
                cursor.execute(f"SET jit = {jit}")
            cursor.execute("SHOW jit")
            shown = cursor.fetchone()[0]
        print(f"\nas of {AS_OF}, PostgreSQL jit = {shown}; first run, then the median of {args.reps} runs")
        for username, label in (("bench-province", "province reviewer"), ("bench-guangzhou", "Guangzhou reviewer")):
            actor = User.objects.get(username=username)

            def counts(actor=actor):
                # A fresh user object each time, as each request has: the roles are read again.
                actor = User.objects.get(pk=actor.pk)
                return dashboard.figures(dashboard.certificates_counted(actor), as_of=AS_OF)

            first, median, queries, per_query, items = measure(counts, args.reps)
            total = sum(item.total for item in items)
            print(
                f"dashboard figures, {label}: first {first:.2f} s, median {median:.2f} s, {queries} SQL queries "
                f"(slowest {max(per_query):.2f} s) for {total:,} valid certificates"
            )
            for item in items:
                print(f"    {item.credential.code}: " + ", ".join(f"{s} {item.counts[s]:,}" for s in dashboard.STATUSES))
            if username == "bench-province" and jit is None:
                province_seconds = median

        def rows():
            actor = User.objects.get(pk=province.pk)
            return dashboard.standing_rows(dashboard.certificates_counted(actor), as_of=AS_OF)

        first, median, queries, _per_query, result = measure(rows, max(1, args.reps // 2))
        print(f"standing_rows, province reviewer: first {first:.2f} s, median {median:.2f} s, {queries} SQL queries, {len(result):,} rows")

        def first_exam():
            # The dashboard's other table: people with this year's hours of a credential they hold no certificate of.
            return dashboard.first_exam_hours(User.objects.get(pk=province.pk), as_of=AS_OF)

        first, median, queries, _per_query, result = measure(first_exam, args.reps)
        print(
            f"first_exam_hours, province reviewer: first {first:.2f} s, median {median:.2f} s, {queries} SQL queries, "
            + ", ".join(f"{r.credential.code} {r.people:,} people" for r in result)
        )
    with connection.cursor() as cursor:
        cursor.execute("RESET jit")

    for code in ("C", "101"):
        pk = (
            Certificate.objects.filter(status="valid", credential__code=code, issued_on__year=2024)
            .order_by("holder_id").values_list("pk", flat=True).first()
        )
        if pk is None:
            continue

        def explanation(pk=pk):
            with translation.override("zh-hans"):
                certificate = Certificate.objects.select_related("credential", "authority__region").get(pk=pk)
                standing = certificate_standing(certificate, as_of=AS_OF)
                return standing.status, standing.explanation

        first, median, queries, _per_query, (status, text) = measure(explanation, max(20, args.reps))
        print(
            f"one person's explanation ({code} certificate, {status}): first {first * 1000:.1f} ms, "
            f"median {median * 1000:.1f} ms, {queries} SQL queries: {text}"
        )

    if args.explain or province_seconds > 3:
        explain_slowest_group(province, AS_OF, None)
        explain_slowest_group(province, AS_OF, "off")


if __name__ == "__main__":
    main()
