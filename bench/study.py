"""Studying learners under load: heartbeats and snapshot bursts over real HTTP to Daphne processes
(the production shape: PostgreSQL, Redis as the Celery broker), at a ladder of learners studying
at once; then how many face checks one Celery worker process completes on the queued bursts.

    uv run --frozen python bench/study.py [--learners 1000,3000,10000] [--duration 60]
        [--heartbeat 30] [--snapshot-every 60] [--processes 2] [--client-processes 2]
        [--workers 1,2] [--worker-seconds 60] [--poll] [--db-name kaohe_bench_study]
        [--pg-url postgres://postgres@127.0.0.1:5432] [--port 0] [--reuse]
    uv run --frozen python bench/study.py --learners 0 --workers 1,2   # face checks only

Flags or environment: BENCH_CONN_MAX_AGE (default 0: with persistent connections Daphne's HTTP
requests leak them, see docs/performance.md), BENCH_DB_NAME (the database, dropped and recreated unless --reuse finds it
seeded), BENCH_PG_URL, BENCH_REDIS_URL (the Celery broker; its `faces` queue is emptied at the
start), BENCH_DAPHNE_PORT (the first Daphne port; 0 picks free ones).

The goal (issue 18): 10,000 learners studying at once, a heartbeat every 30 s and a snapshot burst
a minute each, i.e. about 330 heartbeats/s and 170 uploads/s, heartbeat p99 <= 100 ms, an upload
stored and queued within 200 ms, and the face checks keeping up.

Seeding (bulk inserts): N learners with a Django session each, consent, a complete face profile
(the ID photo and three webcam captures of the person in the test clip, encoded once by the real
engine and shared), enrolled in one course of one long lesson, an open study session each. Each
step of the ladder first gives every learner one evidence request (the server's request for a
burst, with its one-time nonce, as `hours.services.credit.study_evidence_due` schedules them),
due at a random moment of the step's first --snapshot-every seconds: that is the server choosing
a burst a minute per learner. The server's own 60-180 s schedule is not used: the next request
of a session waits for the previous burst's decision, and no worker runs during the HTTP steps.

The clients (--client-processes, asyncio + aiohttp, one Django session cookie and CSRF token per
learner) do what the study player (frontend/static/frontend/player.js) does: a heartbeat every
--heartbeat s (random phase per learner; `STUDY_HEARTBEAT_SECONDS` is set to it on the server, so
the 40 % flood rule applies to that interval) with the sequence, the position advanced by the
wall-clock time and `playing`; when a reply carries `evidence`, the burst is "taken" (the
player's 300 ms between frames, 1.5 s after a head-turn prompt) and uploaded as multipart
`frame` fields with the `nonce`. The frames are real JPEG frames of the clip (frontal stretches),
each made unique with a JPEG comment (the server refuses bytes it has seen). With --poll the client
also polls the decision as the player does (after 1 s, then 1.5 times longer each time, at most
every 10 s; it polled every 0.5 s ten times, then every 2 s, before 2026-12-04), for at most
--poll-seconds. Arrivals follow the schedule (an open model): latency is counted from the moment
a heartbeat was due, not when it could be sent, so a slow server is not hidden.

Per step: heartbeats/s and uploads/s achieved, heartbeat p50/p95/p99, upload p50/p95/p99 (the
response comes after the commit and the `snapshot_check` task's push to Redis), errors by code,
the `faces` queue length over time, Daphne's CPU per request and per learner, the client's CPU
and the load average.

Then the face checks: a `celery -A kaohe worker -Q faces -c C` (as deploy/Procfile runs it) for
each C of --workers drains the queued bursts for --worker-seconds: checks/s (decisions stored per
second, after the first), the worker's CPU per check, the decisions, and how many worker cores
170 bursts/s would need. The results go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import io
import os
import platform
import random
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402  (with ROOT on the path)
from bench.common import (  # noqa: E402
    children_cpu,
    cpu_seconds,
    load,
    machine,
    pct,
    raise_file_limit,
    stop,
)

DB_NAME = os.environ.get("BENCH_DB_NAME", "kaohe_bench_study")
SERVER = common.PG_URL
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
warnings.filterwarnings("ignore", "pkg_resources is deprecated")
SECRET_KEY = "bench-only-key-" + "s" * 40
SEED = 20261203
FACE_QUEUE = "faces"
GOAL_LEARNERS = 10_000
GOAL_HEARTBEAT_P99_MS = 100
GOAL_UPLOAD_MS = 200
# The stretches of the test clip (tests/faces.py) in which every frame matches the references of
# `give_live_profile` at the settings' threshold (found with the engine: 38 of its frontal frames).
STRETCHES = ((89, 96), (155, 165), (174, 190))
WARM_UP = 40  # learners seeded beyond the ladder's largest step, for the servers' first requests
CSRF = "benchcsrf" + "x" * 23  # a 32-character unmasked secret: cookie and header alike


def environment(conn_max_age: str, heartbeat: float, media: Path) -> dict[str, str]:
    return common.environment(
        database_url=f"{SERVER}/{DB_NAME}", redis_url=REDIS_URL, secret_key=SECRET_KEY,
        DATABASE_CONN_MAX_AGE=conn_max_age,
        STUDY_HEARTBEAT_SECONDS=f"{heartbeat:g}",
        PRIVATE_MEDIA_ROOT=str(media / "private"),
        MEDIA_ROOT=str(media / "public"),
    )


def redis():
    import redis as redis_py

    return redis_py.Redis.from_url(REDIS_URL)


def queue_length() -> int:
    try:
        return int(redis().llen(FACE_QUEUE))
    except Exception:  # noqa: BLE001  (a sample that fails is only missing)
        return -1


# Frames -------------------------------------------------------------------------------------------


def clip_frames() -> dict[int, bytes]:
    """The stretches' frames as a browser's canvas sends them (640 wide at most, JPEG 0.85)."""
    from tests import faces

    out = {}
    for first, last in STRETCHES:
        for index in range(first, last + 1):
            image = faces._clip()[index].convert("RGB")
            image.thumbnail((640, 480))
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=85)
            out[index] = buffer.getvalue()
    return out


def unique(jpeg: bytes, tag: str) -> bytes:
    """The same picture as new bytes: a JPEG comment (COM segment) after the start marker."""
    text = tag.encode()
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text + jpeg[2:]


def burst(frames: dict[int, bytes], count: int, rng: random.Random, tag: str) -> list[bytes]:
    """`count` frames of one stretch, up to six frames (a fifth of a second) apart."""
    fits = [(a, b) for a, b in STRETCHES if b - a >= 3 * (count - 1)]
    first, last = rng.choice(fits)
    step = min(6, (last - first) // max(1, count - 1))
    start = rng.randint(first, last - step * (count - 1))
    return [unique(frames[start + step * k], f"{tag}-{k}") for k in range(count)]


# Seeding ------------------------------------------------------------------------------------------


def seed(n: int) -> dict:
    from decimal import Decimal

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.utils import timezone

    from hours.models import Enrolment, EnrolmentSource, LessonProgress, StudySession
    from lms.models import OrganisationKind, RegionLevel
    from lms.services.organisations import organisation_create, region_create
    from proctor.models import BiometricConsent, FaceReference
    from tests import faces
    from tests.factories import course_publish, lesson_add

    timings: dict[str, float] = {}
    now = timezone.now()
    t = time.perf_counter()
    province = region_create(code="440000", name="广东省", level=RegionLevel.PROVINCE)
    city = region_create(code="440100", name="广州市", level=RegionLevel.CITY, parent=province)
    institution = organisation_create(kind=OrganisationKind.INSTITUTION, name="广州市安全培训学校", region=city)
    # A 600-minute lesson: a learner never reaches its end during the bench.
    course = course_publish(institution, "安全生产法规", summary="法规", credentials=("C",))
    lesson = lesson_add(course, "第一课", video_url="https://video.example.com/a.webm", minutes=Decimal("600"))
    people = common.bulk_people(n, 0)
    timings["course, people"] = time.perf_counter() - t

    t = time.perf_counter()
    faces.give_live_profile(people[0])  # the real engine's encodings, once
    consent = BiometricConsent.objects.get(person=people[0])
    references = list(FaceReference.objects.filter(person=people[0]))
    BiometricConsent.objects.bulk_create(
        [BiometricConsent(person=p, version=consent.version, text_sha256=consent.text_sha256, given_at=now) for p in people[1:]],
        batch_size=5000,
    )
    FaceReference.objects.bulk_create(
        [
            FaceReference(person=p, source=r.source, image=r.image.name, sha256=r.sha256, encoding=r.encoding, created_at=now)
            for p in people[1:]
            for r in references
        ],
        batch_size=5000,
    )
    timings["consent and 4 references each"] = time.perf_counter() - t

    t = time.perf_counter()
    enrolments = Enrolment.objects.bulk_create(
        [Enrolment(person=p, course=course, source=EnrolmentSource.SELF, credential_id=course.credentials.get().pk) for p in people],
        batch_size=5000,
    )
    rng = random.Random(SEED)
    progress = LessonProgress.objects.bulk_create(
        [LessonProgress(enrolment=e, lesson=lesson, position=0) for e in enrolments], batch_size=5000
    )
    start_at = [rng.uniform(0, 3000) for _ in people]
    hour = datetime.timedelta(hours=1)  # the last beat long ago: the first of the bench is never "too soon"
    sessions = StudySession.objects.bulk_create(
        [
            StudySession(person=p, progress=g, started_at=now - hour, last_beat_at=now - hour, last_position=position)
            for p, g, position in zip(people, progress, start_at)
        ],
        batch_size=5000,
    )
    expire = now + datetime.timedelta(days=14)
    keys, rows = [], []
    for person in people:
        store = SessionStore()
        key = store._get_new_session_key()
        data = {
            SESSION_KEY: str(person.user.pk),
            BACKEND_SESSION_KEY: "lms.auth_backends.IdentifierBackend",
            HASH_SESSION_KEY: person.user.get_session_auth_hash(),
        }
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        keys.append(key)
    Session.objects.bulk_create(rows, batch_size=5000)
    timings["enrolments, progress, sessions, login sessions"] = time.perf_counter() - t
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    learners = [
        {"person": p.pk, "cookie": key, "session": str(s.pk)} for p, key, s in zip(people, keys, sessions)
    ]
    return {"learners": learners, "lesson": lesson.pk, "timings": timings}


def requests_schedule(learners: list[dict], spread: float, lead: float) -> int:
    """One open evidence request per learner, due at a random moment of [lead, lead + spread] s from
    now, as the server schedules them (nonce, frames, a head-turn challenge at the settings' share);
    open requests left from an earlier step are cancelled first."""
    import secrets

    from django.conf import settings
    from django.utils import timezone

    from proctor.models import Challenge, EvidenceRequest, RequestStatus
    from proctor.services.requests import CHALLENGE_FRAMES

    now = timezone.now()
    EvidenceRequest.objects.filter(context_kind="study", status=RequestStatus.SCHEDULED).update(
        status=RequestStatus.CANCELLED, closed_at=now
    )
    rng = random.Random()
    window = datetime.timedelta(seconds=settings.EVIDENCE_WINDOW_SECONDS)
    rows = []
    for learner in learners:
        due = now + datetime.timedelta(seconds=lead + rng.uniform(0, spread))
        challenge = rng.choice([Challenge.TURN_LEFT, Challenge.TURN_RIGHT]) if rng.random() < settings.EVIDENCE_CHALLENGE_SHARE else ""
        rows.append(
            EvidenceRequest(
                person_id=learner["person"], context_kind="study", context_id=learner["session"],
                nonce=secrets.token_urlsafe(32), challenge=challenge,
                frames=CHALLENGE_FRAMES if challenge else settings.FACE_BURST_FRAMES,
                due_at=due, expires_at=due + window, created_at=now,
            )
        )
    EvidenceRequest.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def session_states(learners: list[dict]) -> dict[str, tuple[int, float]]:
    from hours.models import StudySession

    ids = [learner["session"] for learner in learners]
    return {
        str(pk): (sequence, position)
        for pk, sequence, position in StudySession.objects.filter(pk__in=ids).values_list("pk", "last_sequence", "last_position")
    }


def in_process(learners: list[dict], frames: dict[int, bytes]) -> dict:
    """The services alone, in this process, on learners no step uses: the statements and the time
    of one heartbeat and of one upload (stored, committed, its check pushed to Redis)."""
    import statistics

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hours.services.credit import study_snapshot_record
    from hours.services.study import heartbeat_record
    from lms.models import Person
    from proctor.models import EvidenceRequest, RequestStatus

    rng = random.Random(SEED)
    states = session_states(learners)
    people = {p.pk: p for p in Person.objects.filter(pk__in=[learner["person"] for learner in learners])}
    requests_schedule(learners, spread=0, lead=-1)
    nonces = dict(EvidenceRequest.objects.filter(
        context_id__in=[learner["session"] for learner in learners], status=RequestStatus.SCHEDULED
    ).values_list("context_id", "nonce"))
    frame_counts = dict(EvidenceRequest.objects.filter(status=RequestStatus.SCHEDULED).values_list("context_id", "frames"))
    beat_ms, beat_cpu, up_ms, up_cpu, beat_sql, up_sql = [], [], [], [], [], []
    for learner in learners:
        person = people[learner["person"]]
        sequence, position = states[learner["session"]]
        started, cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as context:
            heartbeat_record(person=person, session_id=learner["session"], sequence=sequence + 1, position=position + 1, playing=True)
        beat_ms.append((time.perf_counter() - started) * 1000)
        beat_cpu.append((time.process_time() - cpu) * 1000)
        beat_sql.append(len(context.captured_queries))
        data = burst(frames, frame_counts[learner["session"]], rng, f"p-{learner['session']}-{time.time_ns()}")
        started, cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as context:
            study_snapshot_record(person=person, session_id=learner["session"], frames=data, nonce=nonces[learner["session"]])
        up_ms.append((time.perf_counter() - started) * 1000)
        up_cpu.append((time.process_time() - cpu) * 1000)
        up_sql.append(len(context.captured_queries))
    median = statistics.median
    return {
        "beat_ms": median(beat_ms[2:]), "beat_cpu_ms": median(beat_cpu[2:]), "beat_sql": median(beat_sql),
        "up_ms": median(up_ms[2:]), "up_cpu_ms": median(up_cpu[2:]), "up_sql": median(up_sql),
    }


# The server ---------------------------------------------------------------------------------------


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its children (a Celery worker's pool)."""
    total = 0.0
    pids = [pid]
    try:
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == pid:
                    pids.append(int(entry.name))
    except OSError:
        pass
    for one in pids:
        try:
            total += cpu_seconds(one)
        except (OSError, IndexError):
            pass
    return total


# The learners -------------------------------------------------------------------------------------


class Tally:
    def __init__(self) -> None:
        self.beats: list[float] = []  # ms, from the moment the beat was due
        self.beat_service: list[float] = []  # ms, from the moment it was sent
        self.uploads: list[float] = []  # ms, send -> 202 (stored, committed, queued)
        self.polls = 0
        self.errors: dict[str, int] = {}
        self.late = 0  # beats sent more than 1 s after they were due (the client fell behind)

    def error(self, key: str) -> None:
        self.errors[key] = self.errors.get(key, 0) + 1

    def as_json(self) -> dict:
        return dict(vars(self))


async def learner(http, port: int, me: dict, state: tuple[int, float], frames: dict[int, bytes], begin: float,
                  duration: float, beat_every: float, poll: float, tally: Tally, rng: random.Random) -> None:
    import aiohttp

    sequence, position = state
    base = f"http://127.0.0.1:{port}/api/study/sessions/{me['session']}"
    headers = {"Cookie": f"sessionid={me['cookie']}; csrftoken={CSRF}", "X-CSRFToken": CSRF,
               "Referer": f"http://127.0.0.1:{port}/", "Origin": f"http://127.0.0.1:{port}"}
    answered: set[str] = set()
    tasks: list[asyncio.Task] = []

    async def upload(request: dict) -> None:
        # The burst as the player takes it: 300 ms between frames; after a prompt, 1.5 s more.
        count = request["frames"]
        await asyncio.sleep(0.3 * (count - 1) + (1.5 if request["challenge"] else 0))
        form = aiohttp.FormData()
        for index, data in enumerate(burst(frames, count, rng, f"{me['session']}-{request['id']}")):
            form.add_field("frame", data, filename=f"frame-{index}.jpg", content_type="image/jpeg")
        form.add_field("nonce", request["nonce"])
        sent = time.perf_counter()
        try:
            async with http.post(f"{base}/snapshots", data=form, headers=headers) as response:
                body = await response.json(content_type=None)
                if response.status != 202:
                    tally.error(f"upload {response.status} {body.get('code')}")
                    return
                tally.uploads.append((time.perf_counter() - sent) * 1000)
        except Exception as failure:  # noqa: BLE001  (counted, the learner goes on)
            tally.error(f"upload {type(failure).__name__}")
            return
        if poll:
            address = f"http://127.0.0.1:{port}/api/proctor/snapshots/{body['id']}"
            until = time.monotonic() + poll
            wait = 0.0 if body.get("status") == "decided" else 1.0
            while time.monotonic() <= until:
                if wait:
                    await asyncio.sleep(wait)
                wait = min(10.0, max(1.0, wait * 1.5))  # the player's backoff (player.js `decision`)
                try:
                    async with http.get(address, headers=headers) as response:
                        data = await response.json(content_type=None)
                        tally.polls += 1
                        if data.get("status") == "decided":
                            break
                except Exception as failure:  # noqa: BLE001
                    tally.error(f"poll {type(failure).__name__}")

    due = begin + rng.uniform(0, beat_every)
    last_sent = None
    while due < begin + duration:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        if STOP is not None and STOP.is_set():
            break
        now = time.monotonic()
        if now - due > 1:
            tally.late += 1
        if last_sent is not None:
            position += now - last_sent
        last_sent = now
        sequence += 1
        sent = time.monotonic()
        try:
            async with http.post(f"{base}/heartbeats", json={"sequence": sequence, "position": position, "playing": True},
                                 headers=headers) as response:
                body = await response.json(content_type=None)
                done = time.monotonic()
                if response.status == 200:
                    tally.beats.append((done - due) * 1000)
                    tally.beat_service.append((done - sent) * 1000)
                    evidence = body.get("evidence")
                    if evidence and evidence["id"] not in answered:
                        answered.add(evidence["id"])
                        tasks.append(asyncio.create_task(upload(evidence)))
                else:
                    tally.error(f"beat {response.status} {body.get('code')}")
        except Exception as failure:  # noqa: BLE001
            tally.error(f"beat {type(failure).__name__}")
        due += beat_every
    if tasks:
        await asyncio.gather(*tasks)


async def run_client(ports: list[int], learners: list[dict], states: dict, frames: dict[int, bytes], first: int, every: int,
                     begin_wall: float, duration: float, beat_every: float, poll: float, seed: int) -> dict:
    import aiohttp

    rng = random.Random(seed)
    tally = Tally()
    mine = list(range(first, len(learners), every))
    # time.time() is shared by the processes; monotonic clocks start where each process pleases.
    begin = time.monotonic() + (begin_wall - time.time())
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=75)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, trust_env=False) as http:
        await asyncio.gather(*(
            learner(http, ports[k % len(ports)], learners[k], states[learners[k]["session"]], frames, begin, duration,
                    beat_every, poll, tally, rng)
            for k in mine
        ))
    return tally.as_json()


STOP = None  # in a client process: the parent's "stop sending" flag


def client_child(arguments: list, queue, stop_flag) -> None:
    global STOP
    STOP = stop_flag
    raise_file_limit()
    queue.put(asyncio.run(run_client(*arguments)))


def db_connections() -> int:
    """This database's connections now (the Daphne processes', the worker's, this one's)."""
    import psycopg

    try:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [DB_NAME]).fetchone()[0]
    except psycopg.Error:
        return -1


def run_step(ports, learners, states, frames, *, clients: int, begin_wall: float, duration: float, beat_every: float,
             poll: float, seed: int, abort: threading.Event | None = None) -> dict:
    import multiprocessing
    import queue as queues

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    stop_flag = context.Event()
    children = [
        context.Process(target=client_child, args=(
            [ports, learners, states, frames, k, clients, begin_wall, duration, beat_every, poll, seed + k], queue, stop_flag))
        for k in range(clients)
    ]
    for child in children:
        child.start()
    parts = []
    while len(parts) < len(children):
        try:
            parts.append(queue.get(timeout=1))
        except queues.Empty:
            if abort is not None and abort.is_set() and not stop_flag.is_set():
                # PostgreSQL is shared: the clients send nothing more (what is in flight ends).
                stop_flag.set()
    for child in children:
        child.join()
    merged = Tally().as_json()
    merged["aborted"] = stop_flag.is_set()
    for part in parts:
        for key in ("beats", "beat_service", "uploads"):
            merged[key] += part[key]
        merged["polls"] += part["polls"]
        merged["late"] += part["late"]
        for key, count in part["errors"].items():
            merged["errors"][key] = merged["errors"].get(key, 0) + count
    return merged


def ladder(env: dict[str, str], data: dict, frames: dict[int, bytes], sizes: list[int], args) -> list[dict]:
    from django.db import connection

    log_dir = Path(tempfile.mkdtemp(prefix="bench-study-"))
    # As deploy/Procfile runs them (behind nginx, hence --proxy-headers).
    servers = [
        common.start_daphne(env, log_dir / f"daphne{k}.log", (args.port + k) if args.port else 0, proxy_headers=True)
        for k in range(args.processes)
    ]
    ports = [port for _process, port in servers]
    # The servers' first requests (imports, connections, Wagtail's page tree) on learners no step uses.
    warm = data["learners"][-WARM_UP // 2:]
    requests_schedule(warm, spread=0, lead=-1)
    states = session_states(warm)
    connection.close()
    run_step(ports, warm, states, frames, clients=1, begin_wall=time.time() + 0.5, duration=4, beat_every=4, poll=0, seed=SEED)
    print(
        f"\n{args.processes} Daphne process{'es' if args.processes > 1 else ''} on {ports} (logs {log_dir}), "
        f"DATABASE_CONN_MAX_AGE={args.conn_max_age}, Celery broker {REDIS_URL}; a heartbeat every {args.heartbeat:g} s, "
        f"a burst every {args.snapshot_every:g} s per learner, {args.duration:g} s per step, "
        f"{args.client_processes} client processes{', polling decisions' if args.poll else ''}"
    )
    print(f"{'N':>6} {'beats/s':>7} {'goal':>5} {'up/s':>5} {'goal':>5} {'beat p50':>8} {'p95':>6} {'p99':>6} "
          f"{'up p50':>6} {'p95':>6} {'p99':>6} {'late':>5} {'errors':>6} {'queue':>6} {'CPU/req ms':>10} "
          f"{'daphne':>6} {'client':>6} {'CPU/learner':>11}  load")
    rows = []
    try:
        for n in sizes:
            if n > len(data["learners"]) - WARM_UP:
                print(f"{n}: only {len(data['learners'])} learners seeded")
                break
            learners = data["learners"][:n]
            # Due from 13 s before the clients start (a learner's next beat picks its request up within
            # the request's 45 s window) to a minute later: one burst per learner per minute.
            requests_schedule(learners, spread=args.snapshot_every, lead=-13.0)
            states = session_states(learners)
            connection.close()
            samples: list[tuple[float, float, int]] = []
            sampling, abort = threading.Event(), threading.Event()
            connections: list[int] = []

            def sample() -> None:
                while not sampling.is_set():
                    samples.append((time.monotonic(), sum(cpu_seconds(p.pid) for p, _port in servers), queue_length()))
                    connections.append(db_connections())
                    if connections[-1] > args.max_db_connections:
                        abort.set()
                    sampling.wait(1.0)

            queue_before = queue_length()
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            client_before = children_cpu()
            began = time.monotonic()
            # The clients start together a little later (the requests fall due from `lead` s on).
            result = run_step(ports, learners, states, frames, clients=args.client_processes, begin_wall=time.time() + 1.5,
                              duration=args.duration, beat_every=args.heartbeat, poll=args.poll_seconds if args.poll else 0,
                              seed=SEED + n, abort=abort)
            wall = time.monotonic() - began
            sampling.set()
            sampler.join()
            window = [s for s in samples if began + 1.5 <= s[0] <= began + 1.5 + args.duration]
            daphne_cpu = (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0]) if len(window) > 1 else float("nan")
            client_cpu = (children_cpu() - client_before) / wall
            beats, uploads = result["beats"], result["uploads"]
            requests = len(beats) + len(uploads) + result["polls"]
            queue_series = [q for _at, _cpu, q in samples[:: max(1, len(samples) // 8)]]
            row = {
                "n": n, "beats_per_s": len(beats) / args.duration, "goal_beats": n / args.heartbeat,
                "uploads_per_s": len(uploads) / args.duration, "goal_uploads": n / args.snapshot_every,
                "beat_p50": pct(beats, 50), "beat_p95": pct(beats, 95), "beat_p99": pct(beats, 99),
                "beat_service_p99": pct(result["beat_service"], 99),
                "up_p50": pct(uploads, 50), "up_p95": pct(uploads, 95), "up_p99": pct(uploads, 99),
                "late": result["late"], "errors": result["errors"], "polls": result["polls"],
                "queue": queue_length() - max(0, queue_before), "queue_series": queue_series,
                "cpu_per_request_ms": daphne_cpu * args.duration / max(1, requests) * 1000,
                "daphne_cpu": daphne_cpu, "client_cpu": client_cpu,
                "cpu_per_learner_ms_s": daphne_cpu / n * 1000, "load": load(),
                "connections": max(connections, default=-1), "aborted": result["aborted"],
            }
            rows.append(row)
            print(
                f"{n:>6} {row['beats_per_s']:>7.1f} {row['goal_beats']:>5.0f} {row['uploads_per_s']:>5.1f} "
                f"{row['goal_uploads']:>5.0f} {row['beat_p50']:>8.0f} {row['beat_p95']:>6.0f} {row['beat_p99']:>6.0f} "
                f"{row['up_p50']:>6.0f} {row['up_p95']:>6.0f} {row['up_p99']:>6.0f} {row['late']:>5} "
                f"{sum(row['errors'].values()):>6} {row['queue']:>6} {row['cpu_per_request_ms']:>10.2f} "
                f"{row['daphne_cpu']:>6.0%} {row['client_cpu']:>6.0%} {row['cpu_per_learner_ms_s']:>8.2f} ms/s  {row['load']}",
                flush=True,
            )
            if row["aborted"]:
                print(f"       stopped early: {row['connections']} PostgreSQL connections of {DB_NAME} "
                      f"(over --max-db-connections {args.max_db_connections}); the rates above are per the full "
                      f"{args.duration:g} s, the latencies those of the requests sent until then")
            print(f"       peak PostgreSQL connections {row['connections']}; "
                  f"heartbeat service p99 (from send) {row['beat_service_p99']:.0f} ms; faces queue every "
                  f"{len(samples) // 8 or 1} s: {queue_series}"
                  + (f"; polls {row['polls']}" if args.poll else "")
                  + (f"; errors {row['errors']}" if row["errors"] else ""), flush=True)
            if row["beat_p99"] > 10_000 or row["aborted"]:
                print("stopping the ladder: heartbeat p99 over 10 s" if not row["aborted"] else "stopping the ladder")
                break
            # The next step's learners include these: their next beat must not come "too soon".
            time.sleep(0.4 * args.heartbeat + 1)
    finally:
        for process, _port in servers:
            stop(process)
    return rows


# The face checks ----------------------------------------------------------------------------------


def ensure_queued(minimum: int, frames: dict[int, bytes]) -> int:
    """Bursts in the face queue: those the ladder left, topped up through the service if fewer."""
    from django.utils import timezone

    from hours.models import StudySession
    from hours.services.credit import study_snapshot_record
    from lms.models import Person
    from proctor.models import EvidenceRequest, RequestStatus

    queued = queue_length()
    if queued >= minimum:
        return queued
    rng = random.Random(SEED)
    sessions = list(StudySession.objects.select_related("person").order_by("?")[: minimum - queued])
    requests_schedule([{"person": s.person_id, "session": str(s.pk)} for s in sessions], spread=0, lead=0)
    for session in sessions:
        request = EvidenceRequest.objects.get(context_id=str(session.pk), status=RequestStatus.SCHEDULED)
        study_snapshot_record(
            person=Person.objects.get(pk=session.person_id), session_id=session.pk,
            frames=burst(frames, request.frames, rng, f"w-{request.pk}"), nonce=request.nonce, now=timezone.now(),
        )
    return queue_length()


def worker_series(env: dict[str, str], concurrencies: list[int], seconds: float, frames: dict[int, bytes]) -> list[dict]:
    from django.db import connection

    from proctor.models import Snapshot, SnapshotStatus

    rows = []
    log_dir = Path(tempfile.mkdtemp(prefix="bench-study-worker-"))
    print(f"\nface checks: celery -A kaohe worker -Q {FACE_QUEUE} -c C --prefetch-multiplier 1 for {seconds:g} s each "
          f"(logs {log_dir}); {load()}")
    print(f"{'C':>2} {'checks':>6} {'checks/s':>8} {'s/check':>7} {'CPU/check ms':>12} {'worker CPU':>10} "
          f"{'cores for 170/s':>15} {'queue left':>10}  decisions; load")
    for concurrency in concurrencies:
        need = int(seconds * 12 * concurrency) + 50
        queued = ensure_queued(need, frames)
        connection.close()
        with open(log_dir / f"worker{concurrency}.log", "ab") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "kaohe", "worker", "-Q", FACE_QUEUE, "-c", str(concurrency),
                 "-n", f"faces-bench{concurrency}@%h", "--prefetch-multiplier", "1", "--without-gossip",
                 "--without-mingle", "-l", "warning"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        try:
            def decided() -> int:
                return Snapshot.objects.filter(status=SnapshotStatus.DECIDED).count()

            start_count = decided()
            deadline = time.monotonic() + 600
            while decided() == start_count:  # the worker's start and dlib's models
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the worker did not decide anything:\n{(log_dir / f'worker{concurrency}.log').read_text()[-3000:]}")
                time.sleep(0.5)
            t0, c0, cpu0 = time.monotonic(), decided(), tree_cpu(worker.pid)
            since = datetime.datetime.now(datetime.timezone.utc)
            time.sleep(seconds)
            t1, c1, cpu1 = time.monotonic(), decided(), tree_cpu(worker.pid)
        finally:
            stop(worker, signal.SIGTERM, 60)
        checks = c1 - c0
        rate = checks / (t1 - t0)
        outcome: dict[str, int] = {}
        for decision in Snapshot.objects.filter(decided_at__gte=since).values_list("decision", flat=True):
            outcome[decision] = outcome.get(decision, 0) + 1
        connection.close()
        cpu_per_check = (cpu1 - cpu0) / max(1, checks) * 1000
        row = {
            "c": concurrency, "checks": checks, "rate": rate, "cpu_per_check_ms": cpu_per_check,
            "worker_cpu": (cpu1 - cpu0) / (t1 - t0), "cores": 170 * cpu_per_check / 1000,
            "queued": queued, "left": queue_length(), "decisions": outcome, "load": load(),
        }
        rows.append(row)
        print(f"{concurrency:>2} {checks:>6} {rate:>8.2f} {1 / rate if rate else float('nan'):>7.2f} {cpu_per_check:>12.0f} "
              f"{row['worker_cpu']:>10.0%} {row['cores']:>15.0f} {row['left']:>10}  {outcome}; {row['load']}", flush=True)
    return rows


def main() -> None:
    global DB_NAME, SERVER
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", default="1000,3000,10000", help="the ladder of learners studying at once (0: none)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of studying per step")
    parser.add_argument("--heartbeat", type=float, default=30, help="seconds between a learner's heartbeats")
    parser.add_argument("--snapshot-every", type=float, default=60, help="seconds per burst per learner")
    parser.add_argument("--processes", type=int, default=2, help="Daphne processes (one per core in production)")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--poll", action="store_true", help="poll each burst's decision as the player does")
    parser.add_argument("--poll-seconds", type=float, default=20, help="with --poll, for at most this long")
    parser.add_argument("--workers", default="1,2", help="face worker concurrencies to measure (0: none)")
    parser.add_argument("--worker-seconds", type=float, default=60)
    # 0, not deploy's 60: under Daphne, Django's HTTP requests each run on a thread of their own,
    # and persistent connections pile up until PostgreSQL refuses more (docs/performance.md).
    parser.add_argument("--conn-max-age", default=os.environ.get("BENCH_CONN_MAX_AGE", "0"),
                        help="DATABASE_CONN_MAX_AGE of the Daphne processes and the worker")
    parser.add_argument("--max-db-connections", type=int, default=60,
                        help="end a step when the bench database holds more connections (PostgreSQL is shared)")
    common.add_database_flags(parser, db_name=DB_NAME)
    args = parser.parse_args()
    DB_NAME, SERVER = args.db_name, args.pg_url.rstrip("/")
    raise_file_limit()
    sizes = [int(n) for n in args.learners.split(",") if int(n)]
    concurrencies = [int(c) for c in args.workers.split(",") if int(c)]
    if "KAOHE_TESTDATA" not in os.environ and Path("/work/shared/testdata").exists():
        os.environ["KAOHE_TESTDATA"] = "/work/shared/testdata"
    media = Path(tempfile.gettempdir()) / f"{DB_NAME}-media"
    env = environment(args.conn_max_age, args.heartbeat, media)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE",
                                           "STUDY_HEARTBEAT_SECONDS", "PRIVATE_MEDIA_ROOT", "MEDIA_ROOT")})
    print(f"machine: {machine()}; Python {platform.python_version()}; {datetime.datetime.now():%Y-%m-%d %H:%M}; {load()}")
    needed = max(sizes + [1000 if concurrencies else 0]) + WARM_UP
    data = common.database_prepare(SERVER, DB_NAME, reuse=args.reuse)
    if data is not None and len(data["learners"]) < needed:
        raise SystemExit(f"{DB_NAME} was seeded smaller: run without --reuse")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    redis().delete(FACE_QUEUE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(f"database: {DB_NAME}, {cursor.fetchone()[0].split(' on ')[0]}; Celery broker {REDIS_URL} "
              f"(queue '{FACE_QUEUE}' emptied); private media {media}")
    if data is not None:
        print(f"reusing {DB_NAME} ({len(data['learners'])} learners)")
    else:
        common.migrate()
        data = seed(needed)
        print("seeding: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in data["timings"].items()))
        common.seed_save(DB_NAME, {key: data[key] for key in ("learners", "lesson")})
    frames = clip_frames()
    print(f"frames: {len(frames)} frames of the test clip, {sum(map(len, frames.values())) // len(frames) // 1024} KB each "
          f"on average; a burst is {settings.FACE_BURST_FRAMES} frames (4 with a head-turn challenge, "
          f"{settings.EVIDENCE_CHALLENGE_SHARE:.0%} of requests)")
    connection.close()
    alone = in_process(data["learners"][-WARM_UP:-WARM_UP // 2], frames)
    print(f"the services alone, in this process: a heartbeat {alone['beat_ms']:.1f} ms ({alone['beat_cpu_ms']:.1f} ms CPU, "
          f"{alone['beat_sql']:.0f} statements), an upload {alone['up_ms']:.1f} ms ({alone['up_cpu_ms']:.1f} ms CPU, "
          f"{alone['up_sql']:.0f} statements, the task's push to Redis included); {load()}")
    connection.close()
    if sizes:
        ladder(env, data, frames, sizes, args)
        print(f"after the ladder: {load()}")
    if concurrencies:
        worker_series(env, concurrencies, args.worker_seconds, frames)
    print(f"done: {load()}")


if __name__ == "__main__":
    main()
