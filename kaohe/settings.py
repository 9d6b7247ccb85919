"""The one settings module: every deployment difference comes from the environment.

With nothing set it runs the embedded defaults that `make run` uses: SQLite under `var/`,
the in-memory channel layer and Celery tasks run inline. `DATABASE_URL` and `REDIS_URL`
switch to PostgreSQL, channels-redis and a real Celery broker.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KAOHE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

# The development key is public; kaohe.checks refuses to serve with it while DEBUG is off.
DEVELOPMENT_SECRET_KEY = "kaohe-development-only-key-never-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "kaohe",
    "kernel",
    "lms",
    "frontend",
    "cms",
    "proctor",
    "hours",
    "exam",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "channels",
    "csp",
    # django-ninja in the apps makes /api/docs use its own Swagger UI files from /static/, not a CDN.
    "ninja",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy below, on every page outside the two admins.
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Bodies over the limit and NUL characters are refused here, before any view reads them.
    "kernel.middleware.RequestGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "kernel.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "kaohe.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kernel.context_processors.navigation",
                "lms.context_processors.acting",
            ],
        },
    },
]

WSGI_APPLICATION = "kaohe.wsgi.application"
ASGI_APPLICATION = "kaohe.asgi.application"

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kaohe.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the ASGI server, inline tasks and tests share the file: readers
    # never wait for the writer, and a writer waits up to 20 s for another instead of failing with
    # "database is locked". Transactions take the write lock when they begin (IMMEDIATE), so two
    # that read then write cannot deadlock into that error halfway (a deferred one cannot wait).
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation costs seconds per query on the dashboard's wide aggregates and saves nothing
    # on this workload (measured in docs/performance.md): off for the application's connections.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # A connection pool per process (Django's psycopg pool). Under ASGI every HTTP request runs in
    # a thread of its own (asgiref's ThreadSensitiveContext), so persistent connections
    # (DATABASE_CONN_MAX_AGE > 0) are left open by threads that are gone: two Daphne processes
    # filled PostgreSQL's 100 connections in a minute at 500 studying learners (bench/study.py).
    # With a pool a request's connection goes back to the pool when it closes, at most
    # DATABASE_POOL_MAX_SIZE per process; Django requires CONN_MAX_AGE 0 with it (deploy/ sets both).
    if POOL_MAX_SIZE := int(os.environ.get("DATABASE_POOL_MAX_SIZE", "0")):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": min(2, POOL_MAX_SIZE),
            "max_size": POOL_MAX_SIZE,
            # A request that cannot get a connection in this time fails rather than queueing forever.
            "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
        }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "lms.User"
AUTHENTICATION_BACKENDS = ["lms.auth_backends.IdentifierBackend"]
# Wagtail's and Django's admin logins are throttled like the site's (lms.services.login).
WAGTAILADMIN_USER_LOGIN_FORM = "lms.web.forms.WagtailLoginForm"
# Failed logins (lms.services.login): a delay after LOGIN_DELAY_AFTER failures of one account within
# the window, a lock at LOGIN_LOCK_AFTER, and an address refused after LOGIN_ADDRESS_MAX_FAILURES.
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "900"))
LOGIN_DELAY_AFTER = int(os.environ.get("LOGIN_DELAY_AFTER", "5"))
LOGIN_DELAY_SECONDS = int(os.environ.get("LOGIN_DELAY_SECONDS", "30"))
LOGIN_LOCK_AFTER = int(os.environ.get("LOGIN_LOCK_AFTER", "10"))
LOGIN_ADDRESS_MAX_FAILURES = int(os.environ.get("LOGIN_ADDRESS_MAX_FAILURES", "30"))
# Registrations from one address within a window (lms.services.people): more are refused.
REGISTRATION_ADDRESS_MAX = int(os.environ.get("REGISTRATION_ADDRESS_MAX", "10"))
REGISTRATION_WINDOW_SECONDS = int(os.environ.get("REGISTRATION_WINDOW_SECONDS", "3600"))
# Behind nginx, the client's address is the last hop of X-Forwarded-For (kernel.throttle).
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR")
# Text messages to a mobile (kernel.sms): a class with send(mobile, text); the default only logs.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "kernel.sms.LoggingBackend")
LOGIN_URL = "lms:login"
LOGIN_REDIRECT_URL = "lms:home"
LOGOUT_REDIRECT_URL = "lms:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Identity photos, snapshots and other biometric files live here and are served only
# through permission-checked views, never under MEDIA_URL.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
UPLOAD_IMAGE_MAX_BYTES = int(os.environ.get("UPLOAD_IMAGE_MAX_BYTES", 5 * 1024 * 1024))
# Uploaded tables (offline batches, question banks, pass lists) are refused above this size.
UPLOAD_TABLE_MAX_BYTES = int(os.environ.get("UPLOAD_TABLE_MAX_BYTES", 2 * 1024 * 1024))
# A workbook is a zip: refused before parsing when its members declare more than this in all, or
# one member inflates more than UPLOAD_TABLE_MAX_RATIO times; a sheet is refused past
# UPLOAD_TABLE_MAX_CELLS cells (declared or streamed). Honest 2 MB workbooks inflate 5-10 times.
UPLOAD_TABLE_MAX_UNPACKED_BYTES = int(os.environ.get("UPLOAD_TABLE_MAX_UNPACKED_BYTES", 40 * 1024 * 1024))
UPLOAD_TABLE_MAX_RATIO = int(os.environ.get("UPLOAD_TABLE_MAX_RATIO", 100))
UPLOAD_TABLE_MAX_CELLS = int(os.environ.get("UPLOAD_TABLE_MAX_CELLS", 400_000))
UPLOAD_DOCUMENT_MAX_BYTES = int(os.environ.get("UPLOAD_DOCUMENT_MAX_BYTES", 5 * 1024 * 1024))
UPLOAD_IMAGE_MAX_PIXELS = int(os.environ.get("UPLOAD_IMAGE_MAX_PIXELS", 25_000_000))
# A request's fields (not its files) are refused past this (Django's own check, 400); an uploaded
# file larger than FILE_UPLOAD_MAX_MEMORY_SIZE is spooled to a temporary file, not held in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440))
FILE_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440))
# Wagtail documents (lesson videos, attachments) are refused above this size.
# Documents are always served by the permission-checked view (cms/wagtail_hooks.py: lesson media
# only to enrolled learners and staff, with HTTP Range), never by a direct link to the storage.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_MAX_UPLOAD_SIZE = int(os.environ.get("WAGTAILDOCS_MAX_UPLOAD_SIZE", 1024 * 1024 * 1024))
# kernel.middleware.RequestGuardMiddleware refuses a body over this by its Content-Length before
# reading it: a snapshot burst of a few frames of at most UPLOAD_IMAGE_MAX_BYTES fits; the editors'
# admin (document uploads) may send up to the document limit. Set the proxy's limit to match
# (nginx client_max_body_size), so that a larger body never reaches Daphne.
REQUEST_BODY_MAX_BYTES = int(os.environ.get("REQUEST_BODY_MAX_BYTES", 4 * UPLOAD_IMAGE_MAX_BYTES))
REQUEST_BODY_MAX_BYTES_BY_PREFIX = {"/cms/": WAGTAILDOCS_MAX_UPLOAD_SIZE + 1024 * 1024}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the browser scripts read it to call the API
# Whenever DEBUG is off the cookies are sent over HTTPS only, and browsers are told to use HTTPS
# for a year (HSTS; sent on HTTPS responses only). SECURE_COOKIES=0 serves a machine without TLS
# (browsers treat http://localhost as secure anyway).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else int(os.environ.get("SECURE_HSTS_SECONDS", 365 * 24 * 3600))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("TRUST_X_FORWARDED_FOR"):
    # Behind nginx, which terminates TLS and says so.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content-Security-Policy (django-csp): the pages load scripts, styles, images and fonts from the
# platform only, run no inline script or style (tests/test_templates.py), open sockets and API calls
# to the same host, and play lesson videos from the platform or an institution's HTTPS address.
# Wagtail's and Django's admin need inline scripts of their own and are excluded; documents carry
# their own "default-src 'none'" (cms.web.views.document_serve).
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/cms/", "/admin/", "/api/docs"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:", "https:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

REDIS_URL = os.environ.get("REDIS_URL", "")
# Parallel test workers share one Redis; a prefix per worker keeps their groups and keys apart.
REDIS_PREFIX = "kaohe" + os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 reads with a 5 s socket timeout by default, which ends channels-redis'
            # 5 s blocking receive (BZPOPMIN) with a TimeoutError: every idle WebSocket was closed
            # (1011) about every 5 s. A longer read timeout lets the blocking pop return.
            # redis-py's pool also stops at 100 connections per process, fewer than a busy exam room's
            # group sends (bench/exam_ws.py met MaxConnectionsError at 200 candidates).
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30, "max_connections": 1000}],
                "prefix": REDIS_PREFIX,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A message taken by a worker that dies is given to another after this long (Redis' default is an
# hour): a face check is seconds of work, so its evidence is never left waiting for long.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "300"))}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TIMEZONE = TIME_ZONE

WAGTAIL_SITE_NAME = "考核 Kaohe"
# Wagtail's own admin in Chinese first (its zh-hans catalogue), English second.
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

NINJA_PAGINATION_PER_PAGE = 50

# Real photos and clips for the face engine tests; never copied into the repository.
KAOHE_TESTDATA = Path(os.environ.get("KAOHE_TESTDATA", BASE_DIR.parent / "shared" / "testdata"))

# The server's garbage collector (kaohe/asgi.py): passes longer than GC_PAUSE_LOG_MS are logged,
# and GC_THRESHOLDS replaces CPython's (700, 10, 10) in the server process ("" keeps CPython's).
# With 5,000 sockets on two processes a full pass walks every connection's objects, 0.2-1.4 s with
# the GIL held: CPython's thresholds ran 33-36 passes over 100 ms in a 5,000-socket step of
# bench/exam_ws.py (ack p99 1.8-2.2 s). 50000,20,100 left 2-5, but its first-generation passes
# (up to a million young objects) took 0.5-0.8 s; 10000,10,100 left one of 122 ms (p99 236 ms), at
# the same resident memory. See docs/performance.md.
GC_PAUSE_LOG_MS = float(os.environ.get("GC_PAUSE_LOG_MS", "100"))
GC_THRESHOLDS = tuple(int(part) for part in os.environ.get("GC_THRESHOLDS", "10000,10,100").split(",") if part.strip())

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# `manage.py seed_demo` runs these in order; each adds its app's demo data if missing.
DEMO_SEEDERS = ["lms.demo.seed", "cms.demo.seed", "hours.demo.seed", "exam.demo.seed"]

# The study player's heartbeat, in seconds. The server refuses beats closer than 40% of it and
# credits nothing across a gap of more than three of them (a sleeping laptop is not study).
STUDY_HEARTBEAT_SECONDS = float(os.environ.get("STUDY_HEARTBEAT_SECONDS", "10"))

# The face engine (proctor.engine). The threshold on the mean distance to a person's two nearest
# reference encodings was chosen from the false-accept and false-reject rates measured on the test
# photos: see docs/face-matching.md before changing it.
FACE_MATCH_THRESHOLD = float(os.environ.get("FACE_MATCH_THRESHOLD", "0.44"))
# Who computes the 128-d encoding: "onnx" runs dlib's own ResNet weights (the same file) in ONNX
# Runtime, ~10x faster than the BLAS-less dlib wheel and equal to it within 1e-6; "dlib" is dlib
# itself, kept as the reference. Stored encodings are valid under either.
FACE_ENCODER = os.environ.get("FACE_ENCODER", "onnx")
# A snapshot burst (proctor.engine.decide_burst): FACE_BURST_FRAMES frames a fraction of a second
# apart; verified only when at least FACE_BURST_MIN_FRAMES frames have one usable face and every
# one of them is within FACE_BURST_THRESHOLD of the person (FACE_BURST_AGGREGATION: "mean2" = the
# mean distance to the two nearest references; FACE_BURST_COMBINE "all" = every frame must
# match), and no two frames are farther apart than FACE_BURST_MAX_SPREAD (then they are not one
# face). Threshold and rule are chosen by bench/faces_calibrate.py, cross-validated by person on
# 21 East Asian people: see docs/face-matching.md for the error rates with their intervals.
FACE_BURST_THRESHOLD = float(os.environ.get("FACE_BURST_THRESHOLD", "0.380"))
FACE_BURST_AGGREGATION = os.environ.get("FACE_BURST_AGGREGATION", "mean2")
FACE_BURST_COMBINE = os.environ.get("FACE_BURST_COMBINE", "all")
FACE_BURST_FRAMES = int(os.environ.get("FACE_BURST_FRAMES", "2"))
FACE_BURST_MIN_FRAMES = int(os.environ.get("FACE_BURST_MIN_FRAMES", "2"))
# dlib's own same-person line; above the farthest genuine pair of consecutive video frames (0.53).
FACE_BURST_MAX_SPREAD = float(os.environ.get("FACE_BURST_MAX_SPREAD", "0.60"))
# Liveness (proctor.engine.liveness), calibrated by bench/faces_liveness.py on the shared video:
# a burst whose largest registered variation between frames is below FACE_STILL_BELOW is one still
# picture sent several times; a head turn is a yaw of FACE_TURN_AT (inter-ocular distances) with
# a change of FACE_TURN_CHANGE across the frames; a probe whose encoding is within
# FACE_REPLAY_BELOW of an earlier capture of the person is a re-sent copy.
FACE_STILL_BELOW = float(os.environ.get("FACE_STILL_BELOW", "1.5"))
FACE_TURN_AT = float(os.environ.get("FACE_TURN_AT", "0.20"))
FACE_TURN_CHANGE = float(os.environ.get("FACE_TURN_CHANGE", "0.15"))
FACE_REPLAY_BELOW = float(os.environ.get("FACE_REPLAY_BELOW", "0.20"))
# The exam room's limits across connections (exam.realtime.consumers): each connection has its own
# token bucket (burst 20, 5 frames a second); all of an attempt's or a user's connections together
# may send EXAM_ROOM_SHARED_FRAMES frames per EXAM_ROOM_SHARED_WINDOW seconds (two devices' worth),
# and an attempt's room events (each an incident) are refused past EXAM_ROOM_EVENTS_PER_MINUTE.
EXAM_ROOM_SHARED_WINDOW = int(os.environ.get("EXAM_ROOM_SHARED_WINDOW", "10"))
EXAM_ROOM_SHARED_FRAMES = int(os.environ.get("EXAM_ROOM_SHARED_FRAMES", "140"))
EXAM_ROOM_EVENTS_PER_MINUTE = int(os.environ.get("EXAM_ROOM_EVENTS_PER_MINUTE", "30"))
# Face checks run on their own queue so that a burst of snapshots never delays other tasks.
FACE_QUEUE = os.environ.get("FACE_QUEUE", "faces" + os.environ.get("PYTEST_XDIST_WORKER", ""))
CELERY_TASK_ROUTES = {"proctor.tasks.snapshot_check": {"queue": FACE_QUEUE}}
# The server asks for each snapshot (proctor.services.requests): a request is open for
# EVIDENCE_WINDOW_SECONDS from its due time (the player learns of it at its next heartbeat, then
# takes and uploads the burst); a share of requests carries a head-turn challenge. A credited
# stretch spans two verified snapshots no further apart than the course's maximum interval plus
# EVIDENCE_GRACE_SECONDS.
EVIDENCE_WINDOW_SECONDS = int(os.environ.get("EVIDENCE_WINDOW_SECONDS", "45"))
EVIDENCE_GRACE_SECONDS = int(os.environ.get("EVIDENCE_GRACE_SECONDS", "60"))
EVIDENCE_CHALLENGE_SHARE = float(os.environ.get("EVIDENCE_CHALLENGE_SHARE", "0.2"))
# A snapshot still waiting for its check after this long is queued again (a worker died).
SNAPSHOT_REQUEUE_SECONDS = int(os.environ.get("SNAPSHOT_REQUEUE_SECONDS", "180"))
# Retention tiers (PIPL; docs/audit.md "Retention"), applied daily by proctor.tasks.retention_apply:
# - snapshot and exam video evidence: images deleted after SNAPSHOT_RETENTION_DAYS (180);
# - evidence under review or appeal: held until decided, plus RETENTION_REVIEW_HOLD_DAYS;
# - face templates and reference images: until consent is withdrawn or the account closes;
# - the capture log, hashes and decisions: kept (the log is append-only).
SNAPSHOT_RETENTION_DAYS = int(os.environ.get("SNAPSHOT_RETENTION_DAYS", "180"))

# A 学时 (class hour) is this many minutes of study: a lesson may award at most its length in
# 学时 (cms.rules.credit). Forty-five minutes is the class hour of the continuing-education rules.
MINUTES_PER_CREDIT_HOUR = int(os.environ.get("MINUTES_PER_CREDIT_HOUR", "45"))
RETENTION_REVIEW_HOLD_DAYS = int(os.environ.get("RETENTION_REVIEW_HOLD_DAYS", "30"))
# An appeal against a review's decision may be lodged within this many days of it.
APPEAL_WINDOW_DAYS = int(os.environ.get("APPEAL_WINDOW_DAYS", "15"))
# The longest period one capture-log export may cover, and the audit portal's page size.
CAPTURELOG_EXPORT_MAX_DAYS = int(os.environ.get("CAPTURELOG_EXPORT_MAX_DAYS", "400"))
AUDIT_PAGE_SIZE = int(os.environ.get("AUDIT_PAGE_SIZE", "50"))
# Live video of the exam room over WebRTC (docs/video.md). The media worker listens on
# VIDEO_CHANNEL (`manage.py runworker media`, never inside Daphne; with the in-memory channel layer
# of the embedded default it runs inside the server's process). VIDEO overrides the fields of
# proctor.rules.video.VideoSetting: the camera the browser is asked for (320x240, 5 frames a
# second, 150 kbit/s), how often a frame is sampled for presence (5 s) and identity (30 s), and
# how long each condition lasts before it becomes an incident, when a link is poor (step down,
# then close) and how long the clips around a finding are (10 s before, 10 s after, 2 frames a second).
VIDEO_CHANNEL = os.environ.get("VIDEO_CHANNEL", "media")
VIDEO_ANSWER_TIMEOUT = float(os.environ.get("VIDEO_ANSWER_TIMEOUT", "6"))
VIDEO_ANALYSIS_THREADS = int(os.environ.get("VIDEO_ANALYSIS_THREADS", "1"))
VIDEO_EMBEDDED_WORKER = os.environ.get("VIDEO_EMBEDDED_WORKER", "1") == "1"
# STUN/TURN servers for both peers, as JSON in the RTCIceServer shape, e.g.
# [{"urls": ["turn:turn.example.cn:3478"], "username": "kaohe", "credential": "..."}]
# (proctor.rules.video.ice_servers; check proctor.E003). None by default: nothing outside the platform.
VIDEO_ICE_SERVERS_JSON = os.environ.get("VIDEO_ICE_SERVERS", "[]")
VIDEO = {
    name: float(os.environ[f"VIDEO_{name.upper()}"])
    for name in (
        "presence_every", "identity_every", "no_face_after", "connect_timeout", "silent_after",
        "poor_below", "poor_for", "clip_before", "clip_after", "clip_fps", "clip_max",
        "width", "height", "frame_rate", "max_bitrate", "frozen_after", "several_after", "mismatch_after", "covered_after",
    )
    if os.environ.get(f"VIDEO_{name.upper()}")
}
for _name in ("width", "height", "frame_rate", "max_bitrate", "frozen_after", "several_after", "mismatch_after", "covered_after"):
    if _name in VIDEO:
        VIDEO[_name] = int(VIDEO[_name])
# Version of the biometric consent text (proctor/consent.py). A new version asks every learner again.
BIOMETRIC_CONSENT_VERSION = "2026-12"

# Domain events are delivered after commit (kernel.events). Tests that run inside a transaction
# that never commits turn this on, so events are delivered when published (tests/conftest.py).
EVENTS_DELIVER_AT_PUBLISH = False

# The capture log's signed checkpoints (docs/audit.md). The Ed25519 private key never enters the
# database: CAPTURELOG_SIGNING_KEY holds it (PKCS#8 PEM, or the 32-byte seed in base64), or
# CAPTURELOG_SIGNING_KEY_FILE names a file that does. With neither and DEBUG on, a development key
# is generated at CAPTURELOG_DEVELOPMENT_KEY_FILE on first use; with neither and DEBUG off no
# checkpoint is signed (system check proctor.W001).
CAPTURELOG_SIGNING_KEY = os.environ.get("CAPTURELOG_SIGNING_KEY", "")
CAPTURELOG_SIGNING_KEY_FILE = os.environ.get("CAPTURELOG_SIGNING_KEY_FILE", "")
CAPTURELOG_DEVELOPMENT_KEY_FILE = Path(
    os.environ.get("CAPTURELOG_DEVELOPMENT_KEY_FILE", VAR_DIR / "capturelog-signing-key.dev.pem")
)
# How often celery beat signs a checkpoint: entries appended after the last one can be removed
# undetected by whoever can write the database, so this is the window such a removal has.
CAPTURELOG_CHECKPOINT_SECONDS = int(os.environ.get("CAPTURELOG_CHECKPOINT_SECONDS", "3600"))

# Periodic work, run by `celery beat` in production (the embedded default runs none of it).
CELERY_BEAT_SCHEDULE = {
    # A domain event whose receiver failed is delivered again (kernel.events).
    "outbox-deliver-due": {"task": "kernel.tasks.outbox_deliver_due", "schedule": 60},
    "capturelog-checkpoint": {"task": "proctor.tasks.capturelog_checkpoint", "schedule": CAPTURELOG_CHECKPOINT_SECONDS},
    "retention-apply": {"task": "proctor.tasks.retention_apply", "schedule": 24 * 3600},
    # A snapshot whose check was lost is checked again; a request nobody answered is missed.
    "snapshots-requeue-stale": {"task": "proctor.tasks.snapshots_requeue_stale", "schedule": 60},
    "evidence-requests-expire": {"task": "proctor.tasks.evidence_requests_expire", "schedule": 60},
    # A lesson whose tab closed without a word is credited once its evidence settles.
    "lessons-credit-due": {"task": "hours.tasks.lessons_credit_due", "schedule": 600},
    # Certificates past their expiry expire, and those whose hours rule voids them are voided.
    "certificates-review": {"task": "hours.tasks.certificates_review", "schedule": 24 * 3600},
    # The dashboard's standing table, recomputed: a year ends, a certificate expires, a holder moves.
    "standings-rebuild": {"task": "hours.tasks.standings_rebuild", "schedule": 24 * 3600},
    # An exam whose time ran out with the candidate gone is submitted and graded within seconds
    # (a connected room does it at the deadline itself).
    "exam-attempts-close-due": {"task": "exam.tasks.attempts_close_due", "schedule": 15},
    # An exam snapshot decided while its event's delivery failed still becomes an incident.
    "exam-snapshots-settle-due": {"task": "exam.tasks.snapshots_settle_due", "schedule": 300},
}

# The electronic certificate's font: a CJK OpenType collection and the index of its Simplified
# Chinese face (Debian's fonts-noto-cjk: 2 is Noto Sans CJK SC).
CERTIFICATE_FONT = Path(os.environ.get("CERTIFICATE_FONT", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"))
CERTIFICATE_FONT_INDEX = int(os.environ.get("CERTIFICATE_FONT_INDEX", "2"))
# The issuer's electronic seal (电子签章) on certificate PDFs and hours statements (docs/certificates.md):
# a PAdES signature made by pyHanko with a PEM private key and its X.509 certificate. With neither
# set and DEBUG on, a self-signed development pair is generated once under var/; with neither set
# and DEBUG off, documents are refused (system check hours.W001).
CERTIFICATE_SEAL_KEY_FILE = os.environ.get("CERTIFICATE_SEAL_KEY_FILE", "")
CERTIFICATE_SEAL_CERT_FILE = os.environ.get("CERTIFICATE_SEAL_CERT_FILE", "")
CERTIFICATE_SEAL_DEVELOPMENT_DIR = Path(os.environ.get("CERTIFICATE_SEAL_DEVELOPMENT_DIR", VAR_DIR / "seal"))
# An issuer's own seal key, where it has one (a training institution sealing under its own name,
# notice 003): a JSON object from the organisation's unified social credit code (or its id) to
# {"key": "/path/key.pem", "cert": "/path/cert.pem"}. An issuer not listed is sealed with the key above,
# its name as the signer's. Read when sealing; a malformed value is refused then (seal_key_invalid).
CERTIFICATE_SEAL_ORGANISATION_KEYS = os.environ.get("CERTIFICATE_SEAL_ORGANISATION_KEYS", "{}")
# The public address the certificate's QR code points at (e.g. https://kaohe.example.cn); empty:
# the address of the request that downloads the PDF.
KAOHE_PUBLIC_URL = os.environ.get("KAOHE_PUBLIC_URL", "").rstrip("/")
