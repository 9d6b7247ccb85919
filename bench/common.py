"""What the server benches (exam_ws.py, study.py) set up alike: the machine line, a PostgreSQL
database of their own made afresh or kept from an earlier run (--reuse), the environment of the
processes they start, Daphne processes as deploy/Procfile runs them, and CPU read from /proc.

A bench imports this as `bench.common` once it has put the repository's root on `sys.path`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The defaults of the flags every server bench has (BENCH_DB_NAME is each bench's own).
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DAPHNE_PORT = int(os.environ.get("BENCH_DAPHNE_PORT", "0"))


def add_database_flags(parser: argparse.ArgumentParser, *, db_name: str) -> None:
    """--db-name, --pg-url, --port and --reuse, which keep a bench apart from other databases and
    servers on the machine."""
    parser.add_argument("--db-name", default=db_name)
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--port", type=int, default=DAPHNE_PORT, help="first Daphne port (0: free ports)")
    parser.add_argument("--reuse", action="store_true", help="use the database seeded by an earlier run")


# The machine --------------------------------------------------------------------------------------


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


def load() -> str:
    return "load %.2f %.2f %.2f" % os.getloadavg()


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def raise_file_limit() -> None:
    """As many open files as the hard limit allows: every socket of a client is one."""
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of one process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident memory of one process in MB, from /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children_cpu() -> float:
    """CPU seconds of this process's children that have ended (the client processes of a step)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# The database -------------------------------------------------------------------------------------


def database_exists(server: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def recreate_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def _seed_file(name: str) -> Path:
    return Path(tempfile.gettempdir()) / f"{name}.json"


def database_prepare(server: str, name: str, *, reuse: bool) -> dict | None:
    """The seed an earlier run saved (seed_save) when `reuse` is asked for and both it and the
    database are still there; otherwise None, the database dropped and created empty."""
    saved = _seed_file(name)
    if reuse and database_exists(server, name) and saved.exists():
        return json.loads(saved.read_text())
    recreate_database(server, name)
    return None


def seed_save(name: str, seed: dict) -> None:
    """What a later --reuse needs of this run's seed (JSON), beside the database of that name."""
    _seed_file(name).write_text(json.dumps(seed))


def migrate() -> None:
    """The project's migrations on the (new, empty) database, timed; after django.setup()."""
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - started:.1f} s")


# The servers --------------------------------------------------------------------------------------


def environment(*, database_url: str, redis_url: str, secret_key: str, **extra: str) -> dict[str, str]:
    """This process's environment with the settings of the processes a bench starts (Daphne, a
    Celery worker) and `extra` ones, e.g. DATABASE_CONN_MAX_AGE."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY=secret_key,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SETTINGS_MODULE="kaohe.settings",
        PYTHONWARNINGS="ignore::UserWarning",
        **extra,
    )
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_daphne(
    env: dict[str, str], log_path: Path, port: int = 0, *, application: str = "kaohe.asgi:application",
    connect_timeout: int = 20, proxy_headers: bool = False,
) -> tuple[subprocess.Popen, int]:
    """One Daphne process on `port` (0: a free one), returned once it answers the login page.
    `connect_timeout` is Daphne's time for the application to accept a socket (deploy/ sets 20 s;
    Daphne's own default is 5 s)."""
    import urllib.request

    port = port or free_port()
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
            + (["--proxy-headers"] if proxy_headers else [])
            + ["--websocket_connect_timeout", str(connect_timeout), application],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 600  # a loaded machine starts Django slowly
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


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, wait: float = 30) -> None:
    """Ask a process to end with `sig`, and kill it if it has not within `wait` s."""
    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(wait)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# Seeding ------------------------------------------------------------------------------------------


def bulk_people(count: int, offset: int) -> list:
    """`count` users and people with valid ID numbers, unusable passwords, bulk-created; the
    numbers follow from `offset`, so that two calls with offsets `count` apart never collide."""
    import datetime

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
