"""A real Daphne server for service-run tests: its own database, its own Redis channel layer, its
own processes, nothing shared with the test process but the network.

The pytest database of the embedded-defaults pass is an in-memory SQLite that no other process can
open, so the server gets a database of its own in both of CI's passes:

- without DATABASE_URL (or with a SQLite one): a temporary SQLite file;
- with a PostgreSQL DATABASE_URL: a fresh database `kaohe_daphne_<xdist worker>_<pid>_<n>` on the
  same server, created here and dropped (WITH (FORCE)) on teardown.

It is migrated with `manage.py migrate` in a subprocess (once per test process: the migrated
database is kept as a template for the session, so a second module's server is a copy, not a second
migrate), and Daphne (`python -m daphne -b 127.0.0.1 -p 0 kaohe.asgi:application`, the port it picked
read from its log) runs on the channels-redis layer in both passes: REDIS_URL when the run has one
(CI's service pass), else a private `redis-server --port <free port> --save "" --appendonly no`
started here (absent redis-server: a skip, a failure under CI=true). The server's processes see
their own Redis key prefix and face queue (`REDIS_PREFIX` and `FACE_QUEUE` in settings follow the
`PYTEST_XDIST_WORKER` given to them, here `daphne_<worker>_<pid>_<n>`), so xdist workers and the
test processes themselves never share channel groups, cache keys or queues. Everything is stopped
and removed on teardown; the server's keys in a shared Redis are deleted.

Use it from a test module:

    from tests.daphne import daphne_server  # noqa: F401  (the module-scoped fixture)

    def test_something(daphne_server):
        server = daphne_server
        server.url          # "http://127.0.0.1:<port>", for requests or a browser
        server.ws_url       # "ws://127.0.0.1:<port>"
        server.origin       # the Origin header a WebSocket client must send ("http://127.0.0.1:<port>")
        server.env          # the environment of the server's processes (DATABASE_URL, REDIS_URL, ...)
        server.run_python("from lms.models import User; print(User.objects.count())")  # -> stdout
        server.manage("check")                  # any manage.py command in the server's database
        data = server.seed_exam(candidates=2)   # a question bank, an exam and an open sitting: see
                                                # seed_exam_sitting() for what comes back
        with server.explained():                # an exception inside gets Daphne's log as a note
            ...
        server.log()                            # Daphne's stderr so far

A module that needs other settings (a browser test needs the static files: `static=True` serves
them through Django's ASGIStaticFilesHandler) defines its own module fixture around `serve`:

    @pytest.fixture(scope="module")
    def server(request, tmp_path_factory):
        with serve(tmp_path_factory.mktemp("daphne"), templates=session_templates(request), static=True) as running:
            yield running

`server.start_celery_worker()` starts a Celery worker on the server's face queue (snapshot checks
queued during an exam; with REDIS_URL set Celery no longer runs tasks inline) that stops with the
server. Teardown also kills it.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
START_TIMEOUT = 90  # seconds for Daphne to import the project and listen, on a loaded machine
SECRET_KEY = "daphne-tests-only-key-" + "d" * 40
PASSWORD = "correct-horse-battery-9"
_counter = itertools.count(1)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "pgsql://"))


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def _admin_connect(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(urlunsplit(("postgresql", parts.netloc, "/postgres", "", "")), autocommit=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the test process dies, even killed (Linux)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _stop(process: subprocess.Popen | None, timeout: float = 10) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


class ServerError(RuntimeError):
    pass


@dataclass
class DaphneServer:
    url: str
    ws_url: str
    origin: str
    port: int
    env: dict[str, str]
    log_path: Path
    processes: list[subprocess.Popen] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def log(self) -> str:
        """Daphne's stderr (and its logging) so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    @contextlib.contextmanager
    def explained(self, lines: int = 80) -> Iterator[None]:
        """Re-raise any exception with the tail of Daphne's log attached as a note."""
        try:
            yield
        except BaseException as failure:
            tail = "\n".join(self.log().splitlines()[-lines:])
            failure.add_note(f"--- Daphne's log (last {lines} lines) ---\n{tail}")
            raise

    def run_python(self, code: str, timeout: float = 180) -> str:
        """Run Python in the server's database and settings (`manage.py shell -c`); its stdout."""
        return self.manage("shell", "-v", "0", "-c", code, timeout=timeout)

    def manage(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode:
            raise ServerError(f"manage.py {args[0]} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
        return done.stdout

    def seed_exam(self, **options) -> dict:
        """seed_exam_sitting(**options) run in the server's database; what it returned."""
        started = time.perf_counter()
        out = self.run_python(
            "import json\nfrom tests.daphne import seed_exam_sitting\n"
            f"print('SEEDED ' + json.dumps(seed_exam_sitting(**{options!r})))"
        )
        line = next(line for line in out.splitlines() if line.startswith("SEEDED "))
        self.timings["seed_exam"] = time.perf_counter() - started
        return json.loads(line.removeprefix("SEEDED "))

    def start_celery_worker(self, queues: list[str] | None = None) -> subprocess.Popen:
        """A Celery worker (solo pool) on the server's face queue, or on `queues`; stopped with the
        server. Do not put "default" in a shared Redis: other runs' tasks may be waiting there."""
        queues = queues or [self.env["FACE_QUEUE"]]
        log = open(self.log_path.with_name("celery.log"), "ab")  # noqa: SIM115 (closed with the process)
        worker = subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "kaohe", "worker", "-P", "solo", "-c", "1", "-Q", ",".join(queues),
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
        )
        log.close()
        self.processes.append(worker)
        return worker

    def start_media_worker(self, **video: str) -> subprocess.Popen:
        """A media worker (`manage.py runworker media`, exam.realtime.media) on the server's Redis,
        stopped with the server; `video` sets VIDEO_* variables of its own (VIDEO_PRESENCE_EVERY="1")."""
        log = open(self.log_path.with_name("media.log"), "ab")  # noqa: SIM115 (closed with the process)
        env = {**self.env, **{f"VIDEO_{name.upper()}": str(value) for name, value in video.items()}}
        worker = subprocess.Popen(
            [PYTHON, "manage.py", "runworker", env.get("VIDEO_CHANNEL", "media")],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
        )
        log.close()
        self.processes.append(worker)
        return worker

    def media_log(self) -> str:
        path = self.log_path.with_name("media.log")
        return path.read_text(errors="replace") if path.exists() else ""


# Databases ----------------------------------------------------------------------------------------


@dataclass
class Templates:
    """Migrated databases kept for the test session, one per kind, copied for each server."""

    sqlite: Path | None = None
    postgres: str | None = None  # the template database's URL
    folder: Path | None = None


def _copy_sqlite(source: Path, target: Path) -> None:
    with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _create_postgres(url: str, template: str | None = None) -> None:
    name = urlsplit(url).path.lstrip("/")
    with _admin_connect(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if template:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{urlsplit(template).path.lstrip("/")}"')
        else:
            conn.execute(f'CREATE DATABASE "{name}"')


def _drop_postgres(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with _admin_connect(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_TEMPLATES = pytest.StashKey["Templates"]()


def session_templates(request) -> Templates:
    """This test process's migrated templates, made on first use and dropped when pytest ends."""
    config = request.config
    templates = config.stash.get(_TEMPLATES, None)
    if templates is None:
        templates = Templates(folder=request.getfixturevalue("tmp_path_factory").mktemp("daphne-templates"))
        config.stash[_TEMPLATES] = templates

        def drop() -> None:
            if templates.postgres:
                _drop_postgres(templates.postgres)

        config.add_cleanup(drop)
    return templates


# The server ---------------------------------------------------------------------------------------


def _redis_for(folder: Path, processes: list) -> str:
    """A private Redis for a run that has none."""
    if not os.path.exists(REDIS_SERVER):
        if os.environ.get("CI") == "true":
            pytest.fail(f"redis-server is missing at {REDIS_SERVER} under CI (apt-get install redis-server)")
        pytest.skip(f"redis-server is not installed at {REDIS_SERVER} (apt-get install redis-server)")
    for _ in range(5):
        port = _free_port()
        log = open(folder / "redis.log", "ab")  # noqa: SIM115
        process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(folder)],
            stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
        )
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and process.poll() is None:
            if _redis_ping(port):
                processes.append(process)
                return f"redis://127.0.0.1:{port}/0"
            time.sleep(0.05)
        _stop(process)  # the port was taken meanwhile: another one
    raise ServerError(f"redis-server did not start: {(folder / 'redis.log').read_text(errors='replace')[-2000:]}")


def _forget_redis_keys(redis_url: str, prefixes: list[str]) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        for prefix in prefixes:
            keys = list(client.scan_iter(match=prefix + "*", count=1000))
            if keys:
                client.delete(*keys)
    except redis.RedisError:
        pass
    finally:
        client.close()


def _wait_listening(process: subprocess.Popen, log_path: Path, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    pattern = re.compile(r"Listening on TCP address 127\.0\.0\.1:(\d+)")
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace") if log_path.exists() else ""
        found = pattern.search(text)
        if found:
            return int(found.group(1))
        if process.poll() is not None:
            raise ServerError(f"Daphne exited with {process.returncode}:\n{text[-5000:]}")
        time.sleep(0.1)
    raise ServerError(f"Daphne did not listen within {timeout} s:\n{log_path.read_text(errors='replace')[-5000:]}")


def _wait_http(url: str, process: subprocess.Popen, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    problem: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"Daphne exited with {process.returncode}:\n{log_path.read_text(errors='replace')[-5000:]}")
        try:
            with opener.open(url + "/login/", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError) as error:
            problem = error
        time.sleep(0.2)
    raise ServerError(f"{url}/login/ did not answer within {timeout} s ({problem}):\n{log_path.read_text(errors='replace')[-5000:]}")


@contextlib.contextmanager
def serve(folder: Path, *, templates: Templates | None = None, static: bool = False) -> Iterator[DaphneServer]:
    """A migrated database of its own, a Redis channel layer and a Daphne serving the project.
    `folder` (empty, temporary) receives the SQLite file, media and logs."""
    started = time.perf_counter()
    tag = f"daphne_{_worker()}_{os.getpid()}_{next(_counter)}"
    timings: dict[str, float] = {}
    processes: list[subprocess.Popen] = []
    outer_url = os.environ.get("DATABASE_URL", "")
    postgres = _is_postgres(outer_url)
    database_url = (
        _with_database(outer_url, f"kaohe_{tag}".lower())
        if postgres
        else f"sqlite:///{folder / 'kaohe.sqlite3'}"
    )
    shared_redis = os.environ.get("REDIS_URL", "")
    log_path = folder / "daphne.log"
    database_made = False
    try:
        redis_url = shared_redis or _redis_for(folder, processes)
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("PYTEST_", "DJANGO_ALLOW_ASYNC_UNSAFE"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="kaohe.settings",
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            SECRET_KEY=SECRET_KEY,
            DEBUG="0",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            # The harness speaks plain HTTP on loopback: secure cookies would never come back.
            SECURE_COOKIES="0",
            KAOHE_VAR_DIR=str(folder / "var"),
            # settings derive REDIS_PREFIX ("kaohe" + it) and FACE_QUEUE from the worker's name.
            PYTEST_XDIST_WORKER=tag,
            FACE_QUEUE=f"faces{tag}",
            LOG_LEVEL="INFO",  # Daphne says which port it took at INFO
            PYTHONUNBUFFERED="1",
            PYTHONWARNINGS="ignore::UserWarning",
        )
        if env.pop("PYTHONDONTWRITEBYTECODE", None):
            # Where bytecode is not written, every process compiles the project and its packages
            # again (seconds each): the server's processes keep theirs outside the checkout.
            env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "kaohe-daphne-pycache")
        env.pop("CELERY_BROKER_URL", None)

        # Daphne imports the project while the database is made: nothing connects before a request.
        application = "tests.daphne:static_application" if static else "kaohe.asgi:application"
        log = open(log_path, "ab")  # noqa: SIM115
        daphne = subprocess.Popen(
            [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", "0", application],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
        )
        log.close()
        processes.append(daphne)
        server = DaphneServer(
            url="", ws_url="", origin="", port=0, env=env, log_path=log_path, processes=processes, timings=timings
        )

        t = time.perf_counter()
        if postgres:
            template = templates.postgres if templates else None
            _create_postgres(database_url, template)
            database_made = True
            if not template:
                server.manage("migrate", "--noinput", "-v", "0")
                if templates is not None:
                    templates.postgres = _with_database(outer_url, f"kaohe_{tag}_template".lower())
                    _create_postgres(templates.postgres, database_url)
        else:
            path = folder / "kaohe.sqlite3"
            database_made = True
            if templates is not None and templates.sqlite:
                _copy_sqlite(templates.sqlite, path)
            else:
                server.manage("migrate", "--noinput", "-v", "0")
                if templates is not None:
                    templates.sqlite = templates.folder / "migrated.sqlite3"
                    _copy_sqlite(path, templates.sqlite)
        timings["database"] = time.perf_counter() - t

        t = time.perf_counter()
        port = _wait_listening(daphne, log_path, START_TIMEOUT)
        server.port = port
        server.url = f"http://127.0.0.1:{port}"
        server.ws_url = f"ws://127.0.0.1:{port}"
        server.origin = server.url
        _wait_http(server.url, daphne, log_path, 30)
        timings["daphne ready after the database"] = time.perf_counter() - t
        timings["total"] = time.perf_counter() - started
        yield server
    finally:
        for process in reversed(processes):
            _stop(process)
        if shared_redis:
            _forget_redis_keys(
                shared_redis,
                [f"kaohe{tag}", f"faces{tag}", f"_kombu.binding.faces{tag}", f"_kombu.binding_permanent.faces{tag}"],
            )
        if postgres and database_made:
            _drop_postgres(database_url)
        for name in ("kaohe.sqlite3", "kaohe.sqlite3-wal", "kaohe.sqlite3-shm"):
            (folder / name).unlink(missing_ok=True)
        shutil.rmtree(folder / "var", ignore_errors=True)


@pytest.fixture(scope="module")
def daphne_server(request, tmp_path_factory) -> Iterator[DaphneServer]:
    """Daphne with its own database and Redis channel layer, for the whole test module."""
    with serve(tmp_path_factory.mktemp("daphne"), templates=session_templates(request)) as server:
        yield server


def __getattr__(name: str):
    # `tests.daphne:static_application`, for Daphne's command line: the project's application with
    # the static files served, as a browser needs them (Daphne alone serves none).
    if name == "static_application":
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

        from kaohe.asgi import application

        return ASGIStaticFilesHandler(application)
    raise AttributeError(name)


# Data ---------------------------------------------------------------------------------------------


def seed_exam_sitting(*, candidates: int = 1, per_topic: int = 3, duration_minutes: int = 60) -> dict:
    """Run inside the server's database (`DaphneServer.seed_exam`): a Guangzhou authority with a
    proctor, `candidates` registered learners, a 安管人员C类 bank (`exam.testing.make_bank`), an exam
    (3 single choice at 1 point, 2 multiple choice at 2, 2 true or false at 1; pass mark 6) and a
    sitting open from ten minutes ago for three hours with the learners as candidates.

    Returns {"sitting", "authority", "proctor": {"login", "password"}, "candidates": [{"login",
    "password", "person", "name"}], "questions": {version id: {"kind", "correct"}} for the whole
    bank, "points": {kind: "1.00"...}, "pass_mark"}. Passwords go through the production hasher."""
    import datetime

    from django.utils import timezone

    from exam.models import QuestionVersion
    from exam.testing import make_bank, make_exam, make_sitting
    from lms.models import Credential, OrganisationKind, RegionLevel, Role, User
    from lms.services.organisations import (
        membership_grant,
        organisation_create,
        region_create,
    )
    from lms.services.people import person_register
    from tests.factories import make_id_number

    province = region_create(code="440000", name="广东省", level=RegionLevel.PROVINCE)
    city = region_create(code="440100", name="广州市", level=RegionLevel.CITY, parent=province)
    authority = organisation_create(kind=OrganisationKind.AUTHORITY, name="广州市住房和城乡建设局", region=city)
    proctor = User.objects.create_user(username="proctor", password=PASSWORD, first_name="监考员")
    membership_grant(user=proctor, organisation=authority, role=Role.PROCTOR)
    people = []
    for n in range(candidates):
        people.append(
            person_register(
                real_name=f"考生{'甲乙丙丁戊己庚辛壬癸'[n % 10]}{n // 10 or ''}",
                id_number=make_id_number(sequence=100 + n),
                mobile=f"139{n + 1:08d}",
                education="bachelor",
                password=PASSWORD,
            )
        )
    credential = Credential.objects.get(code="C")
    make_bank(credential, per_topic=per_topic)
    exam = make_exam(credential, duration_minutes=duration_minutes, review_allowed=True)
    sitting = make_sitting(
        exam, authority, people, starts_at=timezone.now() - datetime.timedelta(minutes=10), hours=3
    )
    versions = QuestionVersion.objects.filter(question__credential=credential).select_related("question")
    return {
        "sitting": sitting.pk,
        "authority": authority.pk,
        "proctor": {"login": proctor.username, "password": PASSWORD},
        "candidates": [
            {"login": person.mobile, "password": PASSWORD, "person": person.pk, "name": person.real_name}
            for person in people
        ],
        "questions": {str(v.pk): {"kind": v.question.kind, "correct": list(v.correct)} for v in versions},
        "points": {kind: str(exam.points_for(kind)) for kind in ("single", "multiple", "true_false")},
        "pass_mark": str(exam.pass_mark),
    }
