"""The exam room under load: answer acknowledgement latency over real WebSocket connections to one
Daphne process on the Redis channel layer, for a rising number of candidates; then how many papers
a second `attempt_submit` grades.

    uv run --frozen python bench/exam_ws.py [--sizes 10,25,50,100,200,400] [--duration 25]
        [--grading 10000] [--grade-processes 1[,2]] [--conn-max-age 0[,60]]

About 14 minutes with the defaults (7.5 of them grading); the figures in docs/performance.md come
from `--conn-max-age 0,60 --grade-processes 1,2` (22 minutes).

The script drops and recreates its own database `kaohe_bench_ws` on the PostgreSQL server of
`BENCH_PG_URL` (default postgres://postgres@127.0.0.1:5432), migrates it and seeds:

- the Guangzhou authority; a 安管人员C类 bank (`exam.testing.make_bank`, 4 questions of each type per
  topic, 24 in all) and an exam of 7 questions (3 single, 2 multiple, 2 true or false);
- max(sizes) candidates (users and people with bulk_create) in a sitting open now, each with an
  attempt made and identity-verified through the services (`attempt_create`,
  `attempt_verify_identity`) and a logged-in session made with Django's SessionStore;
- --grading more candidates in a second sitting, with attempts in progress, papers drawn by
  `exam.drawing.draw_paper` and all 7 answers (three in four right) written with bulk_create.

Then it starts ONE Daphne (`python -m daphne kaohe.asgi:application`) with REDIS_URL =
`BENCH_REDIS_URL` (default redis://127.0.0.1:6379/5) as the channel layer, and for each N runs N
simulated candidates in this process (asyncio, the `websockets` client, one connection each with
the session cookie and the Origin the server checks), arriving over a few seconds: each joins and
starts (the first round; later rounds resume), and once every candidate of the round is in, answers
a random question of its paper every 2-5 s (uniform) for --duration seconds. The join figures are
connect + join (+ start) during that arrival; the latency of
an answer is from sending the frame to reading its `ack` (which the server sends after the
transaction has committed). It prints p50/p95/p99 per N, the answers per second, the CPU used by
Daphne and by the client, and stops after the round whose p99 passes 1 s or where connections or
answers fail. The client shares the machine with Daphne, PostgreSQL and Redis. Daphne runs with
the settings' DATABASE_CONN_MAX_AGE (0: a new PostgreSQL connection for every database call of a
consumer) unless --conn-max-age gives others, one series each. BENCH_ASGI_APP names another
application to serve (module:attribute on PYTHONPATH), to compare a change without editing the code.

Last, grading: `attempt_submit` (submit and grade in one transaction, the room's pushes on commit)
over all --grading attempts in one process and, with --grade-processes 1,2, split between 2
processes (the attempts are put back in progress in between); submissions per second.
The results go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "kaohe_bench_ws"
SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
warnings.filterwarnings("ignore", "pkg_resources is deprecated")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
# Another application to compare (a module on PYTHONPATH that wraps the project's).
ASGI_APPLICATION = os.environ.get("BENCH_ASGI_APP", "kaohe.asgi:application")
SECRET_KEY = "bench-only-key-" + "b" * 40
SEED = 20261123
P99_STOP_MS = 1000
TARGET_MS = 200


def machine() -> str:
    model, ram = platform.processor() or "unknown", 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = int(line.split()[1]) // 1024 // 1024
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, {ram} GB RAM"


def environment(conn_max_age: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"{SERVER}/{DB_NAME}",
        REDIS_URL=REDIS_URL,
        SECRET_KEY=SECRET_KEY,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SETTINGS_MODULE="kaohe.settings",
        PYTHONWARNINGS="ignore::UserWarning",
    )
    if conn_max_age is not None:
        env["DATABASE_CONN_MAX_AGE"] = conn_max_age
    return env


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# Seeding ------------------------------------------------------------------------------------------


def _people(count: int, offset: int) -> list:
    """`count` users and people with valid ID numbers, unusable passwords, bulk-created."""
    from django.contrib.auth.hashers import make_password

    from kernel.validators import id_number_check_char
    from lms.models import Person, User

    unusable = make_password(None)
    users, people = [], []
    for i in range(offset, offset + count):
        birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=i // 900)
        first17 = f"440106{birth:%Y%m%d}{i % 900 + 100:03d}"
        id_number = first17 + id_number_check_char(first17)
        users.append(User(username=id_number, password=unusable))
        people.append((id_number, f"137{i:08d}", f"考生{i:05d}"))
    users = User.objects.bulk_create(users, batch_size=2000)
    persons = Person.objects.bulk_create(
        [
            Person(user=user, real_name=name, id_number=id_number, mobile=mobile, education="bachelor")
            for user, (id_number, mobile, name) in zip(users, people)
        ],
        batch_size=2000,
    )
    for person, user in zip(persons, users):
        person.user = user
    return persons


def seed(ws_candidates: int, grading: int) -> dict:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from exam.models import (
        Attempt,
        AttemptAnswer,
        AttemptEvent,
        AttemptStatus,
        Paper,
        QuestionVersion,
    )
    from exam.rules.drawing import draw_paper
    from exam.services.attempts import attempt_create, attempt_verify_identity
    from exam.services.papers import bank_pool, exam_requirements
    from exam.testing import make_bank, make_exam, make_sitting
    from lms.models import Credential, OrganisationKind, RegionLevel
    from lms.services.organisations import organisation_create, region_create

    timings: dict[str, float] = {}
    rng = random.Random(SEED)
    now = timezone.now()
    t = time.perf_counter()
    province = region_create(code="440000", name="广东省", level=RegionLevel.PROVINCE)
    city = region_create(code="440100", name="广州市", level=RegionLevel.CITY, parent=province)
    authority = organisation_create(kind=OrganisationKind.AUTHORITY, name="广州市住房和城乡建设局", region=city)
    credential = Credential.objects.get(code="C")
    make_bank(credential, per_topic=4)
    exam = make_exam(credential, duration_minutes=600)
    start = now - datetime.timedelta(minutes=10)
    room_people = _people(ws_candidates, 0)
    grade_people = _people(grading, ws_candidates)
    room_sitting = make_sitting(exam, authority, room_people, starts_at=start, hours=12)
    grade_sitting = make_sitting(exam, authority, grade_people, starts_at=start, hours=12)
    timings["people, bank, sittings"] = time.perf_counter() - t

    t = time.perf_counter()
    rooms = []
    for person in room_people:
        attempt = attempt_create(sitting=room_sitting, candidate=person)
        attempt_verify_identity(attempt=attempt, method="bench", evidence={})
        session = SessionStore()
        session[SESSION_KEY] = str(person.user.pk)
        session[BACKEND_SESSION_KEY] = "lms.auth_backends.IdentifierBackend"
        session[HASH_SESSION_KEY] = person.user.get_session_auth_hash()
        session.create()
        rooms.append({"attempt": attempt.pk, "session": session.session_key})
    timings[f"{ws_candidates} attempts through the services, sessions"] = time.perf_counter() - t

    t = time.perf_counter()
    pool = bank_pool(credential.pk)
    requirements = exam_requirements(exam)
    versions = {v.pk: v for v in QuestionVersion.objects.filter(pk__in=[e.version_id for e in pool])}
    deadline = now + datetime.timedelta(hours=10)
    attempts = Attempt.objects.bulk_create(
        [
            Attempt(
                sitting=grade_sitting, candidate=person, status=AttemptStatus.IN_PROGRESS, created_at=now,
                identity_verified_at=now, identity_method="bench", started_at=now, deadline=deadline,
            )
            for person in grade_people
        ],
        batch_size=2000,
    )
    papers, answers, events = [], [], []
    pool_json = [[e.version_id, e.kind, e.topic] for e in pool]
    for attempt in attempts:
        paper_seed = rng.getrandbits(62)
        items = draw_paper(pool, requirements, paper_seed)
        papers.append(
            Paper(attempt=attempt, seed=paper_seed, blueprint=[[r.kind, r.topic, r.count] for r in requirements],
                  pool=pool_json, items=items, drawn_at=now)
        )
        for item in items:
            version = versions[item["version_id"]]
            if rng.random() < 0.75:
                chosen = list(version.correct)
            else:
                wrong = [o for o in version.option_ids if o not in version.correct]
                chosen = [rng.choice(wrong)]
            answers.append(AttemptAnswer(attempt=attempt, version=version, option_ids=chosen, answered_at=now))
        for source, to in (("", "created"), ("created", "identity_verified"), ("identity_verified", "in_progress")):
            events.append(AttemptEvent(attempt=attempt, from_status=source, to_status=to, at=now))
    Paper.objects.bulk_create(papers, batch_size=2000)
    AttemptAnswer.objects.bulk_create(answers, batch_size=5000)
    AttemptEvent.objects.bulk_create(events, batch_size=5000)
    timings[f"{grading} attempts in progress with {len(answers)} answers, bulk"] = time.perf_counter() - t
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"rooms": rooms, "grade_sitting": grade_sitting.pk, "timings": timings}


# The server ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_daphne(env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen, int]:
    import urllib.request

    port = free_port()
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), ASGI_APPLICATION],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"Daphne exited:\n{log_path.read_text()[-3000:]}")
        try:
            with opener.open(f"http://127.0.0.1:{port}/login/", timeout=5) as response:
                if response.status == 200:
                    return process, port
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"Daphne did not answer:\n{log_path.read_text()[-3000:]}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# The candidates -----------------------------------------------------------------------------------


class Round:
    def __init__(self, size: int) -> None:
        self.size = size
        self.latencies: list[float] = []  # ms, send -> ack
        self.joins: list[float] = []  # ms, connect + join (+ start)
        self.errors: dict[str, int] = {}
        self.failed_connections = 0
        self.timeouts = 0
        self.ready = 0
        self.all_in = asyncio.Event()
        self.answering_from = 0.0

    def arrived(self) -> None:
        self.ready += 1
        if self.ready == self.size:
            self.answering_from = time.monotonic()
            self.all_in.set()

    def error(self, key: str) -> None:
        self.errors[key] = self.errors.get(key, 0) + 1


async def candidate(port: int, room: dict, duration: float, ramp: float, result: Round, rng: random.Random) -> None:
    """Connect and join (the first round also starts), wait until every candidate of the round is
    in, then answer a random question every 2-5 s for `duration` seconds."""
    from websockets.asyncio.client import connect

    await asyncio.sleep(rng.uniform(0, ramp))
    started = time.perf_counter()
    arrived = False
    try:
        async with connect(
            f"ws://127.0.0.1:{port}/ws/exam/attempts/{room['attempt']}/",
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": f"sessionid={room['session']}"},
            proxy=None,
            open_timeout=60,
            ping_interval=None,
        ) as ws:
            seq = 0

            async def ask(message: dict) -> dict:
                nonlocal seq
                seq += 1
                message["seq"] = seq
                await ws.send(json.dumps(message))
                while True:
                    reply = json.loads(await asyncio.wait_for(ws.recv(), 30))
                    if reply.get("seq") == seq:
                        return reply

            state = await ask({"type": "join"})
            if state.get("status") == "identity_verified":
                state = await ask({"type": "start"})
            result.arrived()
            arrived = True
            if state.get("status") != "in_progress":
                result.error(f"state {state.get('status') or state.get('code')}")
                return
            result.joins.append((time.perf_counter() - started) * 1000)
            questions = state["questions"]
            await result.all_in.wait()
            stop_at = result.answering_from + duration
            await asyncio.sleep(rng.uniform(0, 5))
            while time.monotonic() < stop_at:
                question = rng.choice(questions)
                ids = [option["id"] for option in question["options"]]
                if question["kind"] == "multiple":
                    options = rng.sample(ids, rng.randint(1, len(ids)))
                else:
                    options = [rng.choice(ids)]
                sent = time.perf_counter()
                try:
                    reply = await ask({"type": "answer", "question": question["id"], "options": options})
                except TimeoutError:
                    result.timeouts += 1
                    return
                if reply["type"] == "ack":
                    result.latencies.append((time.perf_counter() - sent) * 1000)
                else:
                    result.error(reply.get("code", "?"))
                await asyncio.sleep(rng.uniform(2, 5))
    except Exception as failure:  # a refused or broken connection
        result.failed_connections += 1
        result.error(type(failure).__name__)
        if not arrived:
            result.arrived()


async def run_round(port: int, rooms: list[dict], duration: float, rng: random.Random) -> Round:
    result = Round(len(rooms))
    ramp = min(10.0, 1 + len(rooms) / 40)  # connections arrive over a few seconds, not at once
    await asyncio.gather(*(candidate(port, room, duration, ramp, result, rng) for room in rooms))
    return result


def latency_series(env: dict[str, str], rooms: list[dict], sizes: list[int], duration: float) -> None:
    log_path = Path(tempfile.mkdtemp(prefix="bench-exam-ws-")) / "daphne.log"
    daphne, port = start_daphne(env, log_path)
    print(
        f"\nDaphne ({ASGI_APPLICATION}) pid {daphne.pid} on 127.0.0.1:{port}, DATABASE_CONN_MAX_AGE={env.get('DATABASE_CONN_MAX_AGE', '0')}; "
        f"every candidate joins, then answers every 2-5 s for {duration:.0f} s"
    )
    print(f"{'N':>5} {'answers':>8} {'ans/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} "
          f"{'join p50':>8} {'join p95':>8} {'failed':>6} {'errors':>6} {'daphne CPU':>10} {'client CPU':>10}")
    rng = random.Random(SEED)
    crossed = None
    last = 0
    try:
        for n in sizes:
            daphne_cpu, client_cpu, wall = cpu_seconds(daphne.pid), sum(os.times()[:2]), time.perf_counter()
            result = asyncio.run(run_round(port, rooms[:n], duration, rng))
            wall = time.perf_counter() - wall
            daphne_cpu = (cpu_seconds(daphne.pid) - daphne_cpu) / wall
            client_cpu = (sum(os.times()[:2]) - client_cpu) / wall
            lat = result.latencies
            errors = sum(result.errors.values()) + result.timeouts - result.failed_connections
            p99 = pct(lat, 99)
            last = n
            print(
                f"{n:>5} {len(lat):>8} {len(lat) / duration:>6.1f} {pct(lat, 50):>7.1f} {pct(lat, 95):>7.1f} "
                f"{p99:>7.1f} {max(lat, default=float('nan')):>7.1f} {pct(result.joins, 50):>8.0f} {pct(result.joins, 95):>8.0f} "
                f"{result.failed_connections:>6} {errors:>6} {daphne_cpu:>10.0%} {client_cpu:>10.0%}"
                + (f"  {result.errors}" if result.errors else "")
            )
            if crossed is None and p99 > TARGET_MS:
                crossed = n
            if p99 > P99_STOP_MS or result.failed_connections or errors > len(lat) / 100:
                print(f"stopping: p99 {p99:.0f} ms, {result.failed_connections} failed connections, {errors} errors")
                break
            time.sleep(2)
    finally:
        daphne.terminate()
        daphne.wait(10)
    print(
        f"p99 passes {TARGET_MS} ms at N = {crossed}" if crossed
        else f"p99 stayed under {TARGET_MS} ms up to N = {last}"
    )


# Grading ------------------------------------------------------------------------------------------


def grade(sitting_id: int, part: int = 0, parts: int = 1, go_at: float | None = None) -> dict:
    from exam.models import Attempt, AttemptStatus
    from exam.services.attempts import attempt_submit

    attempts = list(
        Attempt.objects.filter(sitting_id=sitting_id, status=AttemptStatus.IN_PROGRESS)
        .select_related("candidate__user")
        .order_by("pk")
    )[part::parts]
    if go_at:
        time.sleep(max(0.0, go_at - time.time()))
    began = time.time()
    passed = 0
    for attempt in attempts:
        graded = attempt_submit(attempt=attempt, candidate=attempt.candidate)
        passed += bool(graded.passed)
    return {"n": len(attempts), "passed": passed, "began": began, "ended": time.time()}


def reset_grading(sitting_id: int) -> None:
    from exam.models import Attempt, AttemptEvent, AttemptStatus

    AttemptEvent.objects.filter(attempt__sitting_id=sitting_id, to_status__in=["submitted", "graded"]).delete()
    Attempt.objects.filter(sitting_id=sitting_id).update(
        status=AttemptStatus.IN_PROGRESS, submitted_at=None, graded_at=None, score=None, max_score=None,
        passed=None, grading=[],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,25,50,100,200,400")
    parser.add_argument("--duration", type=float, default=25, help="seconds of answering per round")
    parser.add_argument("--grading", type=int, default=10_000)
    parser.add_argument("--grade-processes", default="1", help="e.g. 1,2: one grading run per count")
    parser.add_argument(
        "--conn-max-age", default="0",
        help="DATABASE_CONN_MAX_AGE of Daphne, or several (0,60): one series each (settings default: 0)",
    )
    parser.add_argument("--grade-child", nargs=4, type=float, help=argparse.SUPPRESS)  # sitting, part, parts, go_at
    args = parser.parse_args()

    env = environment(None)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE")})
    if args.grade_child:
        import django

        django.setup()
        sitting, part, parts, go_at = args.grade_child
        print(json.dumps(grade(int(sitting), int(part), int(parts), go_at)))
        return

    sizes = [int(n) for n in args.sizes.split(",")]
    print(f"machine: {machine()}; Python {platform.python_version()}; {datetime.datetime.now():%Y-%m-%d %H:%M}")
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(f"database: {DB_NAME}, {cursor.fetchone()[0].split(' on ')[0]}; channel layer and pushes: {REDIS_URL}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - started:.1f} s")
    data = seed(max(sizes), args.grading)
    print("seeding: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in data["timings"].items()))
    connection.close()

    # Answer latency ------------------------------------------------------------------------------
    for conn_max_age in args.conn_max_age.split(","):
        latency_series(environment(conn_max_age), data["rooms"], sizes, args.duration)

    # Grading -------------------------------------------------------------------------------------
    sitting = data["grade_sitting"]
    if not args.grading:
        return
    print(f"\ngrading: attempt_submit over {args.grading:,} attempts in progress, 7 answers each")
    for processes in (int(p) for p in args.grade_processes.split(",")):
        if processes == 1:
            outcome = [grade(sitting)]
        else:
            go_at = time.time() + 25  # time for the children to start Django
            children = [
                subprocess.Popen(
                    [sys.executable, __file__, "--grade-child", str(sitting), str(part), str(processes), str(go_at)],
                    cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
                )
                for part in range(processes)
            ]
            outcome = [json.loads(child.communicate()[0].strip().splitlines()[-1]) for child in children]
        total = sum(o["n"] for o in outcome)
        seconds = max(o["ended"] for o in outcome) - min(o["began"] for o in outcome)
        print(
            f"{processes} process{'es' if processes > 1 else ''}: {total:,} graded in {seconds:.1f} s, "
            f"{total / seconds:.0f} submissions/s ({sum(o['passed'] for o in outcome):,} passed)"
        )
        reset_grading(sitting)
        connection.close()


if __name__ == "__main__":
    main()
