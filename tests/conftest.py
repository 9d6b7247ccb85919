import os
import threading
from dataclasses import dataclass

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db.models.signals import post_migrate

from lms.models import (
    Organisation,
    OrganisationKind,
    Person,
    Region,
    RegionLevel,
    Role,
    User,
)

from .factories import (
    EmploymentFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    RegionFactory,
    UserFactory,
)


def pytest_configure(config):
    # Tests run with DEBUG off, like production; the server entry points refuse the public
    # development key there, so the suite uses a key of its own.
    if settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        settings.SECRET_KEY = "tests-only-key-" + "k" * 40
    # With DEBUG off documents are sealed only with a configured key: the suite makes its own pair
    # once per run (hours.services.seal), as a deployment configures the authority's.
    if not settings.CERTIFICATE_SEAL_KEY_FILE:
        import tempfile
        from pathlib import Path

        from hours.services.seal import create_development_pair

        directory = Path(tempfile.mkdtemp(prefix="kaohe-seal-"))
        create_development_pair(directory / "key.pem", directory / "cert.pem")
        settings.CERTIFICATE_SEAL_KEY_FILE = str(directory / "key.pem")
        settings.CERTIFICATE_SEAL_CERT_FILE = str(directory / "cert.pem")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The production hasher spends about a second per password by design; tests make hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_answer_keys():
    # Rolled-back tests reuse ids, so the per-process cache of question versions starts empty.
    from exam.selectors.keys import forget

    forget()
    yield
    forget()


@pytest.fixture(autouse=True)
def _events_in_rolled_back_tests(request, settings):
    """A test wrapped in a transaction that is rolled back never commits, so nothing published
    would be delivered: there, deliver at publish, as the commit would have (kernel.events).
    Transactional tests (live servers, Daphne, threads) commit for real and deliver after commit."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or names & {
        "transactional_db", "live_server", "wagtail_tree"
    }
    settings.EVENTS_DELIVER_AT_PUBLISH = not transactional


@pytest.fixture(autouse=True, scope="session")
def _no_gc_pause_log_after_the_run():
    """kaohe.asgi, imported by the tests, logs the collector's long passes (kernel.gcpauses); the
    passes after the run would write to pytest's closed streams ("--- Logging error ---")."""
    yield
    from kernel import gcpauses

    gcpauses.unwatch()


@pytest.fixture(autouse=True)
def _a_channel_layer_per_test():
    """Each test gets a channel layer of its own, as each test has an event loop of its own.

    Channels caches one layer per process, and channels-redis keeps asyncio locks in it: a consumer
    cancelled while it waits for the lock that guards the specific channels' backup queue leaves
    that lock's wait count raised (channels_redis 4.3, RedisChannelLayer.receive_single acquires
    outside its try), so the lock outlives its loop and the next test's loop meets "Lock is bound
    to a different event loop" (CI, stop 23). A server has one loop for the life of the process, so
    the leak is harmless there; tests/kaohe/test_platform.py shows it happens."""
    from channels.layers import channel_layers

    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


@pytest.fixture(autouse=True)
def _fresh_throttles(settings):
    # Throttle counters live in the cache (kernel.throttle), shared by the workers' Redis in CI:
    # each test counts under a namespace of its own, so it starts with none.
    import uuid

    settings.THROTTLE_NAMESPACE = uuid.uuid4().hex[:12]


@pytest.fixture(autouse=True)
def _private_media(tmp_path, settings):
    # Each test writes its private and public files to its own folder.
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def testdata():
    """The shared real photos. Absent outside the project's machines: skip there, fail under CI."""
    path = settings.KAOHE_TESTDATA
    if not path.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"KAOHE_TESTDATA {path} is missing under CI")
        pytest.skip(f"the shared test photos are not at {path} (set KAOHE_TESTDATA)")
    return path


class FaceTasks:
    """Counts the face checks sent to the queue and those the worker has finished (Celery's own
    signals): `wait_done()` returns as soon as every check sent so far has run, its transaction
    and what it delivers after commit included, with no polling."""

    TASK = "proctor.tasks.snapshot_check"

    def __init__(self):
        self.sent = 0
        self.finished = 0
        self.changed = threading.Condition()

    def _sent(self, sender=None, **kwargs):
        if sender == self.TASK:
            with self.changed:
                self.sent += 1

    def _finished(self, sender=None, **kwargs):
        if getattr(sender, "name", None) == self.TASK:
            with self.changed:
                self.finished += 1
                self.changed.notify_all()

    def wait_done(self, timeout: float = 90.0) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.finished >= self.sent, timeout)


@pytest.fixture
def inline_tasks():
    """Celery tasks run inline, as on the embedded defaults, also in CI's Redis run: for tests of
    what a task produces (an export's contents), not of the queue (those use face_worker)."""
    from kaohe.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = eager


@pytest.fixture
def face_worker(settings):
    """A real Celery worker, in a thread of this process, consuming this test process's face queue
    (through Redis in CI's service run, Celery's in-process transport on the embedded defaults).
    Its `tasks` (FaceTasks) say when the checks sent so far are done."""
    from celery import signals
    from celery.contrib.testing.worker import start_worker

    from kaohe.celery import app

    tasks = FaceTasks()
    signals.before_task_publish.connect(tasks._sent, weak=False)
    signals.task_postrun.connect(tasks._finished, weak=False)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(
            app, queues=[settings.FACE_QUEUE], pool="solo", concurrency=1, perform_ping_check=False, loglevel="WARNING"
        ) as worker:
            worker.tasks = tasks
            yield worker
    finally:
        app.conf.task_always_eager = eager
        signals.before_task_publish.disconnect(tasks._sent)
        signals.task_postrun.disconnect(tasks._finished)


@dataclass
class World:
    """Two tenants of every kind: Guangzhou (under the Guangdong province) and Shenzhen."""

    province: Region
    guangzhou: Region
    shenzhen: Region
    province_authority: Organisation
    gz_authority: Organisation
    sz_authority: Organisation
    gz_enterprise: Organisation
    sz_enterprise: Organisation
    gz_institution: Organisation
    sz_institution: Organisation
    province_reviewer: User
    gz_reviewer: User
    sz_reviewer: User
    gz_admin: User
    sz_admin: User
    gz_staff: User
    sz_staff: User
    gz_worker: Person
    sz_worker: Person
    loner: Person
    superuser: User


@pytest.fixture
def world(db) -> World:
    province = RegionFactory(code="440000", name="广东省", level=RegionLevel.PROVINCE)
    guangzhou = RegionFactory(code="440100", name="广州市", level=RegionLevel.CITY, parent=province)
    shenzhen = RegionFactory(code="440300", name="深圳市", level=RegionLevel.CITY, parent=province)

    def org(kind, name, region):
        return OrganisationFactory(kind=kind, name=name, region=region)

    province_authority = org(OrganisationKind.AUTHORITY, "广东省住建厅", province)
    gz_authority = org(OrganisationKind.AUTHORITY, "广州市住建局", guangzhou)
    sz_authority = org(OrganisationKind.AUTHORITY, "深圳市住建局", shenzhen)
    gz_enterprise = org(OrganisationKind.ENTERPRISE, "广州建工", guangzhou)
    sz_enterprise = org(OrganisationKind.ENTERPRISE, "深圳建工", shenzhen)
    gz_institution = org(OrganisationKind.INSTITUTION, "广州培训学校", guangzhou)
    sz_institution = org(OrganisationKind.INSTITUTION, "深圳培训学校", shenzhen)

    def member(organisation, role):
        return MembershipFactory(organisation=organisation, role=role).user

    gz_worker = PersonFactory(real_name="张广州")
    sz_worker = PersonFactory(real_name="李深圳")
    EmploymentFactory(person=gz_worker, enterprise=gz_enterprise)
    EmploymentFactory(person=sz_worker, enterprise=sz_enterprise)
    return World(
        province=province,
        guangzhou=guangzhou,
        shenzhen=shenzhen,
        province_authority=province_authority,
        gz_authority=gz_authority,
        sz_authority=sz_authority,
        gz_enterprise=gz_enterprise,
        sz_enterprise=sz_enterprise,
        gz_institution=gz_institution,
        sz_institution=sz_institution,
        province_reviewer=member(province_authority, Role.AUTHORITY_REVIEWER),
        gz_reviewer=member(gz_authority, Role.AUTHORITY_REVIEWER),
        sz_reviewer=member(sz_authority, Role.AUTHORITY_REVIEWER),
        gz_admin=member(gz_enterprise, Role.ENTERPRISE_ADMIN),
        sz_admin=member(sz_enterprise, Role.ENTERPRISE_ADMIN),
        gz_staff=member(gz_institution, Role.INSTITUTION_STAFF),
        sz_staff=member(sz_institution, Role.INSTITUTION_STAFF),
        gz_worker=gz_worker,
        sz_worker=sz_worker,
        loner=PersonFactory(real_name="王无业"),
        superuser=UserFactory(username="root", is_superuser=True, is_staff=True),
    )


@pytest.fixture
def chinese(client):
    """A client whose pages come in Simplified Chinese (the default, stated for clarity)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Every database test starts with the rows the data migrations seeded.

    A transactional test ends by flushing every table, and those rows go with it. pytest-django
    runs transactional tests last, but xdist's `--dist loadfile` sends a file's tests to a worker
    together, so another file's tests can follow a flush on the same worker. Put the rows back
    (within the test, so a test that uses the database sees them; a cheap check otherwise).

    The flush also meets the capture log's database guards, which refuse it as they would refuse
    anyone: SQLite's flush is a DELETE per table, PostgreSQL's a TRUNCATE. The guards have no off
    switch a connection could flip (an attacker's connection could flip it too), so the test, as
    the tables' owner, drops them just before the flush (this fixture's teardown runs before
    pytest-django's) and the flush's post_migrate signal puts them back (_capturelog_guards_back).
    Non-transactional tests roll back, never flush, and keep the guards throughout."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & {"db", "transactional_db", "live_server", "wagtail_tree"}:
        yield
        return
    transactional = (marker is not None and marker.kwargs.get("transaction")) or names & {"transactional_db", "live_server", "wagtail_tree"}
    request.getfixturevalue("transactional_db" if transactional else "db")
    restore_reference_data()
    yield
    if transactional:
        from django.db import connection

        from proctor.models import guards

        guards.remove(connection)


def _capturelog_guards_back(sender, using="default", **kwargs):
    from django.db import connections

    from proctor.models import guards

    if guards.missing(connections[using]):
        guards.install(connections[using])


# After every flush (and every migrate), in the flush's own connection outside any transaction.
post_migrate.connect(_capturelog_guards_back, sender=django_apps.get_app_config("proctor"), dispatch_uid="capturelog-guards-back")


def restore_reference_data() -> None:
    import importlib

    from django.apps import apps
    from django.db import connection

    from hours.models import CreditScheme
    from lms.models import Credential
    from proctor.models import CaptureLogHead, guards

    if not Credential.objects.exists():
        importlib.import_module("lms.migrations.0003_seed_credentials").seed(apps, None)
    if not CreditScheme.objects.exists():
        importlib.import_module("hours.migrations.0004_seed_credit_schemes").seed(apps, None)
        importlib.import_module("hours.migrations.0010_scheme_issuer_and_open_ended").seed(apps, None)
    if not CaptureLogHead.objects.exists():
        importlib.import_module("proctor.migrations.0002_capture_log_head").create_head(apps, None)
    if guards.missing(connection):  # a flush that sent no post_migrate (available_apps)
        guards.install(connection)
    _restore_wagtail_tree()


@pytest.fixture
def wagtail_tree(transactional_db):
    """The Wagtail root page, default site, locale and collection (restored with the reference
    data); requesting it makes the test transactional, as a live server needs."""


def _restore_wagtail_tree() -> None:
    from wagtail.models import Collection, Locale, Page, Site

    Locale.objects.get_or_create(language_code="zh-hans")
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(instance=Page(title="Root", slug="root", content_type=_page_type()))
    if not Site.objects.filter(is_default_site=True).exists():
        home = root.get_children().first()
        if home is None:
            home = root.add_child(instance=Page(title="Home", slug="home", content_type=_page_type()))
        Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)


def _page_type():
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Page

    return ContentType.objects.get_for_model(Page)
