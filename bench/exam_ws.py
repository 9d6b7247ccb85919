"""The exam room under load: answer acknowledgement latency over real WebSocket connections to one
or more Daphne processes on the Redis channel layer, for a ladder of connected candidates; then
grading: submissions per second on one core and the statements of one submission.

    uv run --frozen python bench/exam_ws.py [--sizes 100,500,1000,2000,5000] [--interval 10]
        [--duration 30] [--open-rate 50] [--settle 10] [--processes 1,2] [--client-processes 2]
        [--db-name kaohe_bench_ws] [--pg-url postgres://postgres@127.0.0.1:5432] [--port 0]
        [--reuse] [--grading 10000] [--conn-max-age 60]
    uv run --frozen python bench/exam_ws.py --grading 5000 --sizes 0     # grading only

Flags or environment: BENCH_DB_NAME (the database, dropped and recreated unless --reuse finds it
seeded), BENCH_PG_URL (the PostgreSQL server), BENCH_REDIS_URL (the channel layer),
BENCH_DAPHNE_PORT (the first Daphne port; 0 picks free ones), so the bench never collides with
another database or server on the machine. With --reuse a database seeded before (its rooms are
kept in <tmp>/<db-name>.json) is used again, attempts put back where they were.

Each step of the ladder opens N sockets gradually (--open-rate per second, spread round-robin over
the Daphne processes), each joins (and the first time starts), and once all sockets of all client
processes are in (a barrier across them) answers a random
question of its paper every --interval seconds on average (uniform in [0.5, 1.5] × interval) for
--duration seconds. Handshake failures (a refused or timed-out opening) are counted apart from
the errors of open sockets. Per step: ack p50/p95/p99 (send → `ack`, which the server sends after
commit), answers/s, join p50/p95, Daphne's CPU per answer (ms, all processes, from /proc, in the
answering window) and per join (from the step's start until the last socket is in) and the
client's CPU. The client runs in --client-processes processes of its own on the same machine, so
the figures are those of a loaded machine: read the CPU per answer and the ratios, and note the
load average printed with each step.

Grading: `attempt_submit` over --grading attempts in progress in this process (one core):
submissions/s, CPU per submission (getrusage) and the statements of one submission, counted
with CaptureQueriesContext. The results go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import random
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402  (with ROOT on the path)
from bench.common import children_cpu, cpu_seconds, load, machine, pct, raise_file_limit, rss_mb  # noqa: E402

DB_NAME = os.environ.get("BENCH_DB_NAME", "kaohe_bench_ws")
SERVER = common.PG_URL
warnings.filterwarnings("ignore", "pkg_resources is deprecated")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
# Another application to compare (a module on PYTHONPATH that wraps the project's).
ASGI_APPLICATION = os.environ.get("BENCH_ASGI_APP", "kaohe.asgi:application")
SECRET_KEY = "bench-only-key-" + "b" * 40
SEED = 20261123
P99_STOP_MS = 1000
SETTLE_SECONDS = 10.0  # --settle: after every socket is in, before the answers are timed
SLOW_MS = 200  # an answer slower than this is counted by when it was sent
# Daphne's time for the application to accept a socket, as in deploy/ (its default is 5 s).
CONNECT_TIMEOUT = int(os.environ.get("BENCH_CONNECT_TIMEOUT", "20"))
TARGET_MS = 200


def environment(conn_max_age: str | None) -> dict[str, str]:
    extra = {} if conn_max_age is None else {"DATABASE_CONN_MAX_AGE": conn_max_age}
    return common.environment(database_url=f"{SERVER}/{DB_NAME}", redis_url=REDIS_URL, secret_key=SECRET_KEY, **extra)


# Seeding ------------------------------------------------------------------------------------------


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
    room_people = common.bulk_people(ws_candidates, 0)
    grade_people = common.bulk_people(grading, ws_candidates)
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


# The candidates -----------------------------------------------------------------------------------


class Round:
    """One client process's share of a step. `barrier` (a multiprocessing.Barrier of the client
    processes) holds every process's answering until every socket of every process is in, so that
    the answering window measures answers beside 5,000 open sockets, not beside the other
    process's joins still queued."""

    def __init__(self, size: int, barrier=None) -> None:
        self.size = size
        self.barrier = barrier
        self.latencies: list[float] = []  # ms, send -> ack
        self.joins: list[float] = []  # ms, connect + join (+ start)
        self.errors: dict[str, int] = {}
        self.handshake_failures = 0
        self.dropped = 0  # open sockets that broke
        self.timeouts = 0
        self.ready = 0
        self.all_in = asyncio.Event()
        self.answering_from = 0.0
        self.joined_at = 0.0
        self.slow_at: list[float] = []  # s into the answering window, of each answer slower than SLOW_MS

    def arrived(self) -> None:
        self.ready += 1
        if self.ready == self.size:
            self.joined_at = time.monotonic()
            asyncio.ensure_future(self._all_in())

    async def _all_in(self) -> None:
        if self.barrier is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.barrier.wait)
        # The servers finish what the last joins left queued (their evidence plans, the pushes)
        # before the answers are timed: the window measures answering, the join columns the wave.
        await asyncio.sleep(SETTLE_SECONDS)
        self.answering_from = time.monotonic()
        self.all_in.set()

    def error(self, key: str) -> None:
        self.errors[key] = self.errors.get(key, 0) + 1

    def as_json(self) -> dict:
        return {
            "latencies": self.latencies, "joins": self.joins, "errors": self.errors,
            "handshake_failures": self.handshake_failures, "dropped": self.dropped, "timeouts": self.timeouts,
            "answering_from": self.answering_from, "joined_at": self.joined_at, "slow_at": self.slow_at,
        }


async def candidate(
    port: int, room: dict, start_at: float, duration: float, interval: float, result: Round, rng: random.Random
) -> None:
    """Open the socket at `start_at`, join (the first time also start), wait until every candidate
    of this client is in, then answer a random question every ~`interval` s for `duration` s."""
    from websockets.asyncio.client import connect

    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    started = time.perf_counter()
    arrived = opened = False
    try:
        async with connect(
            f"ws://127.0.0.1:{port}/ws/exam/attempts/{room['attempt']}/",
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": f"sessionid={room['session']}"},
            proxy=None,
            open_timeout=30,
            ping_interval=None,
            max_queue=64,
        ) as ws:
            opened = True
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
            await asyncio.sleep(rng.uniform(0, interval))
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
                    took = (time.perf_counter() - sent) * 1000
                    result.latencies.append(took)
                    if took > SLOW_MS:  # by when it was sent
                        result.slow_at.append(time.monotonic() - took / 1000 - result.answering_from)
                else:
                    result.error(reply.get("code", "?"))
                await asyncio.sleep(rng.uniform(0.5 * interval, 1.5 * interval))
    except Exception as failure:  # a refused or broken connection
        if opened:
            result.dropped += 1
        else:
            result.handshake_failures += 1
        result.error(type(failure).__name__)
        if not arrived:
            result.arrived()


async def run_client(ports: list[int], rooms: list[dict], first: int, every: int, open_rate: float, duration: float,
                     interval: float, seed: int, barrier=None) -> dict:
    """This client's share of the step: rooms first, first + every, ... (the k-th socket of the step
    opens at k / open_rate s, on port k mod len(ports))."""
    rng = random.Random(seed)
    mine = list(range(first, len(rooms), every))
    result = Round(len(mine), barrier)
    if not mine:
        if barrier is not None:
            barrier.wait()
        return result.as_json()
    begin = time.monotonic() + 0.5
    await asyncio.gather(*(
        candidate(ports[k % len(ports)], rooms[k], begin + k / open_rate, duration, interval, result, rng) for k in mine
    ))
    return result.as_json()


def client_child(arguments: list, queue) -> None:
    raise_file_limit()
    queue.put(asyncio.run(run_client(*arguments)))


def run_step(ports: list[int], rooms: list[dict], *, clients: int, open_rate: float, duration: float, interval: float,
             seed: int) -> dict:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    barrier = context.Barrier(clients)
    children = [
        context.Process(target=client_child, args=([ports, rooms, k, clients, open_rate, duration, interval, seed + k, barrier], queue))
        for k in range(clients)
    ]
    for child in children:
        child.start()
    parts = [queue.get() for _child in children]
    for child in children:
        child.join()
    merged = {"latencies": [], "joins": [], "slow_at": [], "errors": {}, "handshake_failures": 0, "dropped": 0, "timeouts": 0,
              "answering_from": max((part["answering_from"] for part in parts), default=0.0),
              "joined_at": max((part["joined_at"] for part in parts), default=0.0)}
    for part in parts:
        merged["latencies"] += part["latencies"]
        merged["slow_at"] += part["slow_at"]
        merged["joins"] += part["joins"]
        for key in ("handshake_failures", "dropped", "timeouts"):
            merged[key] += part[key]
        for key, count in part["errors"].items():
            merged["errors"][key] = merged["errors"].get(key, 0) + count
    return merged


def gc_passes(logs: list[Path], offsets: list[int]) -> list[float]:
    """The milliseconds of each long garbage-collector pass the Daphne processes logged since `offsets`."""
    import re

    passes = []
    for path, offset in zip(logs, offsets, strict=False):
        with path.open("rb") as log:
            log.seek(offset)
            passes += [float(ms) for ms in re.findall(rb"gc pass of generation \d took (\d+) ms", log.read())]
    return passes


def latency_series(env: dict[str, str], rooms: list[dict], sizes: list[int], args, processes: int) -> list[dict]:
    log_dir = Path(tempfile.mkdtemp(prefix="bench-exam-ws-"))
    servers = [
        common.start_daphne(env, log_dir / f"daphne{k}.log", (args.port + k) if args.port else 0,
                            application=ASGI_APPLICATION, connect_timeout=CONNECT_TIMEOUT)
        for k in range(processes)
    ]
    ports = [port for _process, port in servers]
    warm_up(ports, rooms)
    print(
        f"\n{processes} Daphne process{'es' if processes > 1 else ''} ({ASGI_APPLICATION}) on ports {ports}, "
        f"DATABASE_CONN_MAX_AGE={env.get('DATABASE_CONN_MAX_AGE', '0')}; sockets open at {args.open_rate:g}/s, "
        f"answer every {args.interval:g} s on average for {args.duration:g} s, {args.client_processes} client processes"
    )
    print(f"{'N':>5} {'answers':>8} {'ans/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'join p50':>8} {'join p95':>8} "
          f"{'hs fail':>7} {'dropped':>7} {'errors':>6} {'CPU/ans ms':>10} {'CPU/join ms':>11} {'daphne CPU':>10} {'client CPU':>10}  load")
    rows = []
    try:
        for n in sizes:
            if n > len(rooms):
                print(f"{n}: only {len(rooms)} candidates seeded")
                break
            samples: list[tuple[float, float]] = []
            sampling = threading.Event()

            def sample() -> None:
                while not sampling.is_set():
                    samples.append((time.monotonic(), sum(cpu_seconds(process.pid) for process, _port in servers)))
                    sampling.wait(0.25)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            client_before = children_cpu()
            log_sizes = [path.stat().st_size for path in sorted(log_dir.glob("daphne*.log"))]
            result = run_step(ports, rooms[:n], clients=args.client_processes, open_rate=args.open_rate,
                              duration=args.duration, interval=args.interval, seed=SEED + n)
            sampling.set()
            sampler.join()
            # Daphne's CPU while the candidates answered (after every socket was in), not while they joined.
            window = [(at, cpu) for at, cpu in samples if result["answering_from"] <= at <= result["answering_from"] + args.duration]
            daphne_cpu = window[-1][1] - window[0][1] if len(window) > 1 else float("nan")
            wall = window[-1][0] - window[0][0] if len(window) > 1 else float("nan")
            # And while they joined: from the step's start until the last socket of every client was in.
            joining = [(at, cpu) for at, cpu in samples if at <= result["joined_at"]]
            join_cpu = joining[-1][1] - joining[0][1] if len(joining) > 1 else float("nan")
            client_cpu = (children_cpu() - client_before) / max(1e-9, samples[-1][0] - samples[0][0])
            lat = result["latencies"]
            errors = sum(result["errors"].values()) - result["handshake_failures"] - result["dropped"] + result["timeouts"]
            row = {
                "n": n, "processes": processes, "answers": len(lat), "answers_per_s": len(lat) / args.duration,
                "p50": pct(lat, 50), "p95": pct(lat, 95), "p99": pct(lat, 99),
                "join_p50": pct(result["joins"], 50), "join_p95": pct(result["joins"], 95),
                "handshake_failures": result["handshake_failures"], "dropped": result["dropped"], "errors": errors,
                "cpu_per_answer_ms": daphne_cpu / max(1, len(lat)) * 1000 * (args.duration / wall if wall == wall and wall else 1),
                "daphne_cpu": daphne_cpu / wall, "client_cpu": client_cpu, "load": load(),
                "cpu_per_join_ms": join_cpu / max(1, len(result["joins"])) * 1000,
            }
            rows.append(row)
            print(
                f"{n:>5} {len(lat):>8} {row['answers_per_s']:>6.1f} {row['p50']:>7.1f} {row['p95']:>7.1f} {row['p99']:>7.1f} "
                f"{row['join_p50']:>8.0f} {row['join_p95']:>8.0f} {row['handshake_failures']:>7} {row['dropped']:>7} "
                f"{errors:>6} {row['cpu_per_answer_ms']:>10.2f} {row['cpu_per_join_ms']:>11.2f} {row['daphne_cpu']:>10.0%} {row['client_cpu']:>10.0%}  {row['load']}"
                + (f"  {result['errors']}" if result["errors"] else ""),
                flush=True,
            )
            row["rss_mb"] = [round(rss_mb(process.pid)) for process, _port in servers]
            print(f"      Daphne resident memory after the step: {row['rss_mb']} MB; GC thresholds "
                  f"{env['GC_THRESHOLDS'] or 'CPython defaults' if 'GC_THRESHOLDS' in env else 'the settings default'}", flush=True)
            passes = gc_passes(sorted(log_dir.glob("daphne*.log")), log_sizes)
            if passes:
                # kernel.gcpauses logs every pass of the collector over GC_PAUSE_LOG_MS (100 ms).
                print(f"      gc passes over 100 ms in the step: {len(passes)}, {sum(passes) / 1000:.1f} s in all, "
                      f"longest {max(passes):.0f} ms", flush=True)
            if result["slow_at"]:
                # When the slow answers were sent: a burst at one moment (a stall) or all along (saturation).
                buckets = [0] * 10
                for at in result["slow_at"]:
                    buckets[min(9, max(0, int(at / args.duration * 10)))] += 1
                print(f"      answers over {SLOW_MS} ms by tenth of the window: {buckets}", flush=True)
            if row["p99"] > P99_STOP_MS and row["handshake_failures"] > n / 10:
                print("stopping: p99 over 1 s and a tenth of the handshakes failed")
                break
            time.sleep(2)
    finally:
        for process, _port in servers:
            common.stop(process, wait=10)
    return rows


def warm_up(ports: list[int], rooms: list[dict]) -> None:
    """A few sockets one after another on each process, so that the first step does not measure
    the threads' and connections' first use (a join leaves an attempt as it was)."""

    async def one(port: int, room: dict) -> None:
        from websockets.asyncio.client import connect

        async with connect(
            f"ws://127.0.0.1:{port}/ws/exam/attempts/{room['attempt']}/", origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": f"sessionid={room['session']}"}, proxy=None, open_timeout=60,
        ) as ws:
            await ws.send(json.dumps({"type": "join", "seq": 1}))
            await asyncio.wait_for(ws.recv(), 60)

    async def all_of() -> None:
        for port in ports:
            for room in rooms[:8]:
                try:
                    await one(port, room)
                except Exception as failure:  # noqa: BLE001  (a warm-up that fails is only reported)
                    print(f"warm-up on {port}: {type(failure).__name__}")

    asyncio.run(all_of())


# Grading ------------------------------------------------------------------------------------------


def grade(sitting_id: int) -> dict:
    """Submit every attempt in progress of the sitting, one after another, in this process."""
    import resource

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from exam.models import Attempt, AttemptStatus
    from exam.services.attempts import attempt_submit

    attempts = list(
        Attempt.objects.filter(sitting_id=sitting_id, status=AttemptStatus.IN_PROGRESS)
        .select_related("candidate__user")
        .order_by("pk")
    )
    if not attempts:
        return {"n": 0}
    # The key cache: every version of the bank once (a sitting's papers share one bank).
    from exam.models import Paper
    from exam.selectors.keys import keys_of

    keys_of({item["version_id"] for items in Paper.objects.filter(attempt__sitting_id=sitting_id).values_list("items", flat=True)[:200] for item in items})
    attempt_submit(attempt=attempts[0], candidate=attempts[0].candidate)
    with CaptureQueriesContext(connection) as context:
        attempt_submit(attempt=attempts[1], candidate=attempts[1].candidate)
    statements = [query["sql"].split()[0] for query in context.captured_queries]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    began = time.perf_counter()
    passed = 0
    for attempt in attempts[2:]:
        graded = attempt_submit(attempt=attempt, candidate=attempt.candidate)
        passed += bool(graded.passed)
    seconds = time.perf_counter() - began
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    n = len(attempts) - 2
    return {"n": n, "passed": passed, "seconds": seconds, "cpu_ms": cpu / max(1, n) * 1000, "statements": statements}


def grade_sweep(sitting_id: int) -> dict:
    """The deadline sweep over the same attempts: batches of attempts_close_overdue, with the CPU
    per submission of this process (its push thread included) and the statements sent."""
    import resource

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from exam.models import Attempt, AttemptStatus
    from exam.services.attempts import SWEEP_BATCH, attempts_close_overdue

    Attempt.objects.filter(sitting_id=sitting_id, status=AttemptStatus.IN_PROGRESS).update(deadline=timezone.now())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    began = time.perf_counter()
    with CaptureQueriesContext(connection) as context:
        counts = attempts_close_overdue(sitting_id=sitting_id)
    seconds = time.perf_counter() - began
    usage = resource.getrusage(resource.RUSAGE_SELF)
    n = counts["submitted"]
    batches = -(-n // SWEEP_BATCH)
    return {
        "n": n, "seconds": seconds, "cpu_ms": (usage.ru_utime + usage.ru_stime - cpu_before) / max(1, n) * 1000,
        "statements": len(context.captured_queries), "batches": batches,
    }


def reset_grading(sitting_id: int) -> None:
    from django.utils import timezone

    from exam.models import Attempt, AttemptEvent, AttemptStatus
    from kernel.models import AuditEvent

    ids = list(Attempt.objects.filter(sitting_id=sitting_id).values_list("pk", flat=True))
    AttemptEvent.objects.filter(attempt__sitting_id=sitting_id, to_status__in=["submitted", "graded"]).delete()
    AuditEvent.objects.filter(object_type="exam.attempt", object_id__in=[str(pk) for pk in ids]).delete()
    Attempt.objects.filter(sitting_id=sitting_id).update(
        status=AttemptStatus.IN_PROGRESS, submitted_at=None, graded_at=None, score=None, max_score=None,
        passed=None, grading=[], deadline=timezone.now() + datetime.timedelta(hours=10),
    )


def reset_rooms(rooms: list[dict]) -> None:
    """--reuse: the room attempts back to identity verified, without answers."""
    from exam.models import Attempt, AttemptAnswer, AttemptStatus

    ids = [room["attempt"] for room in rooms]
    AttemptAnswer.objects.filter(attempt_id__in=ids).delete()
    Attempt.objects.filter(pk__in=ids).update(status=AttemptStatus.IDENTITY_VERIFIED, started_at=None, deadline=None)


def main() -> None:
    global DB_NAME, SERVER, SETTLE_SECONDS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,500,1000,2000,5000", help="the ladder of connected candidates (0: none)")
    parser.add_argument("--duration", type=float, default=30, help="seconds of answering per step")
    parser.add_argument("--interval", type=float, default=10, help="mean seconds between a candidate's answers")
    parser.add_argument("--open-rate", type=float, default=50, help="sockets opened per second")
    parser.add_argument("--settle", type=float, default=SETTLE_SECONDS,
                        help="seconds between the last socket in and the first timed answer")
    parser.add_argument("--processes", default="1", help="Daphne processes, e.g. 1,2: one series each")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--grading", type=int, default=10_000, help="attempts to grade (0: no grading)")
    parser.add_argument("--conn-max-age", default=os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
    common.add_database_flags(parser, db_name=DB_NAME)
    args = parser.parse_args()
    SETTLE_SECONDS = args.settle  # read by the client processes, forked after this
    DB_NAME, SERVER = args.db_name, args.pg_url.rstrip("/")
    raise_file_limit()

    env = environment(None)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE")})
    sizes = [int(n) for n in args.sizes.split(",") if int(n)]
    print(f"machine: {machine()}; Python {platform.python_version()}; {datetime.datetime.now():%Y-%m-%d %H:%M}; {load()}")
    data = common.database_prepare(SERVER, DB_NAME, reuse=args.reuse)
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(f"database: {DB_NAME}, {cursor.fetchone()[0].split(' on ')[0]}; channel layer and pushes: {REDIS_URL}")
    if data is not None:
        if len(data["rooms"]) < max(sizes, default=0) or data["grading"] < args.grading:
            raise SystemExit(f"{DB_NAME} was seeded smaller: run without --reuse")
        reset_rooms(data["rooms"])
        reset_grading(data["grade_sitting"])
        print(f"reusing {DB_NAME} ({len(data['rooms'])} room candidates, {data['grading']} to grade)")
    else:
        common.migrate()
        data = seed(max(sizes, default=0), args.grading)
        data["grading"] = args.grading
        print("seeding: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in data["timings"].items()))
        common.seed_save(DB_NAME, {key: data[key] for key in ("rooms", "grade_sitting", "grading")})
    connection.close()

    # Answer latency ------------------------------------------------------------------------------
    if sizes:
        for processes in (int(p) for p in args.processes.split(",")):
            latency_series(environment(args.conn_max_age), data["rooms"], sizes, args, processes)
            connection.close()
            reset_rooms(data["rooms"])

    # Grading -------------------------------------------------------------------------------------
    if not args.grading:
        return
    sitting = data["grade_sitting"]
    print(f"\ngrading: attempt_submit over {args.grading:,} attempts in progress, 7 answers each, one process; {load()}")
    outcome = grade(sitting)
    print(
        f"{outcome['n']:,} graded in {outcome['seconds']:.1f} s: {outcome['n'] / outcome['seconds']:.0f} submissions/s, "
        f"CPU {outcome['cpu_ms']:.2f} ms per submission in this process ({outcome['passed']:,} passed); "
        f"statements of one submission: {len(outcome['statements'])} ({', '.join(outcome['statements'])}); {load()}"
    )
    reset_grading(sitting)
    sweep = grade_sweep(sitting)
    print(f"deadline sweep (attempts_close_overdue, {sweep['batches']} batches of at most 200): {sweep['n']:,} graded in "
          f"{sweep['seconds']:.1f} s, {sweep['n'] / sweep['seconds']:.0f} submissions/s, CPU {sweep['cpu_ms']:.2f} ms per "
          f"submission in this process, {sweep['statements']} statements in all ({sweep['statements'] / max(1, sweep['batches']):.1f} "
          f"a batch); {load()}")
    reset_grading(sitting)


if __name__ == "__main__":
    main()
