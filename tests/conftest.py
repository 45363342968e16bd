"""Shared fixtures and what the tests use across apps: personas, the fund, the pilot, collected
static files, the browser; and the rule that CI skips nothing."""

import contextlib
import logging
import os
import shutil
import threading
import uuid
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.cache import cache, caches
from django.core.management import call_command
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.dispatch import receiver
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_sendfile.utils import _get_sendfile
from hypothesis import settings as hypothesis_settings

from tests import factories, pdf_memo
from tests.access import personas
from tests.factories import (
    UserFactory,
    fund_with_categories,
    group_member,
    open_period,
    project_in_signed_contract,
)
from tests.otp import login_request, totp_code, totp_device, verify_otp
from tests.pilot_snapshot import PilotSnapshot
from wijkaanpak.common.groups import BUDGET_MANAGERS, EDITORS

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Hypothesis (tests/hostile): in CI the same examples every run, so a failure is reproducible
# and the time is known; "dev" tries ten times as many, freshly drawn. Each property sets its
# own max_examples; the profile multiplies it (tests/hostile/strategies.py, `examples`).
# HYPOTHESIS_PROFILE=dev picks one explicitly.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("dev", print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "dev"))


def pytest_addoption(parser):
    parser.addoption(
        "--record-access-policy",
        action="store_true",
        help="write tests/access_policy.md from what the code answers now (tests/access)",
    )


def require(condition, reason):
    """Skip a test whose tool is missing locally; in CI a missing tool is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must run this test, but: {reason}")
    pytest.skip(reason)


def require_postgres():
    """Skip (locally) or fail (in CI) a test of what only PostgreSQL does."""
    require(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")


_plain_force_login = Client.force_login
_plain_login = Client.login


def plain_force_login(client, user):
    """Client.force_login as Django has it: the session has not passed the second factor."""
    _plain_force_login(client, user)


def _force_login(self, user, backend=None):
    _plain_force_login(self, user, backend)
    if user.is_staff or user.is_superuser:
        verify_otp(self, user)


def _login(self, **credentials):
    credentials.setdefault("request", login_request())
    logged_in = _plain_login(self, **credentials)
    if logged_in:
        user = get_user_model().objects.get(pk=self.session[SESSION_KEY])
        if user.is_staff or user.is_superuser:
            verify_otp(self, user)
    return logged_in


@pytest.fixture(scope="session", autouse=True)
def _staff_sessions_pass_the_second_factor():
    """Every staff login of the test client (force_login, login) passes the second factor
    (tests/otp.py), so tests of the admin need no code; django-axes gets the request it needs.
    The tests of the second factor use `plain_force_login`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Client, "force_login", _force_login)
        patch.setattr(Client, "login", _login)
        yield


@pytest.fixture(scope="session", autouse=True)
def _collected_static(tmp_path_factory):
    """Collect static files once, so pages render with a manifest storage as in production.

    Django's manifest storage, not WhiteNoise's compressing one: compressing every file takes
    a minute and tests nothing about our pages (.ci/run collects with the real one).
    """
    root = tmp_path_factory.mktemp("staticfiles")
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


@receiver(setting_changed)
def _forget_sendfile_backend(setting, **kwargs):
    """django-sendfile2 looks its backend up once per process; a test that sets
    SENDFILE_BACKEND (tests/wijkaanpak/test_protected_files.py) gets the one it names."""
    if setting == "SENDFILE_BACKEND":
        _get_sendfile.cache_clear()


@receiver(setting_changed)
def _forget_cached_pages(**kwargs):
    """A test that changes a setting (the municipality's name, a contact address) sees pages
    rendered with it: in production settings never change while the site runs."""
    with contextlib.suppress(Exception):  # a test may point the cache at a server that is down
        caches["pages"].clear()


@pytest.fixture(scope="session", autouse=True)
def _caches_of_this_worker():
    """Under pytest-xdist, each worker keeps its caches to itself: with REDIS_URL set, the
    workers would share one Redis database, where one test's `cache.clear()` empties the other
    worker's counters and PDFs. A worker then caches as without REDIS_URL (in memory and in its
    own test database); the tests of Redis itself (test_rate_limits) name their own server."""
    if not (os.environ.get("PYTEST_XDIST_WORKER") and settings.REDIS_URL):
        yield
        return
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 200},
        },
        "ratelimit": {
            "BACKEND": "wijkaanpak.common.cache.DatabaseCache",
            "LOCATION": settings.RATELIMIT_CACHE_TABLE,
        },
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    with override_settings(CACHES=caches):
        yield


@pytest.fixture(scope="session", autouse=True)
def _pdf_renders_remembered():
    """WeasyPrint renders each distinct PDF once per session (tests/pdf_memo.py): the same HTML
    reading the same files gives the bytes of the first, real render. Loading the pilot signs
    five contracts, and most of a load was rendering their PDFs again."""
    with pytest.MonkeyPatch.context() as patch:
        yield pdf_memo.install(patch)


@pytest.fixture
def real_pdf_renders(_pdf_renders_remembered):
    """For a test that times WeasyPrint itself: every render in it is a real one."""
    _pdf_renders_remembered.enabled = False
    yield
    _pdf_renders_remembered.enabled = True


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Hashing passwords properly costs a tenth of a second each; tests need no such strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Django's test set-up swaps EMAIL_BACKEND for locmem; the site's mail goes to the outbox.
    settings.EMAIL_BACKEND = "wijkaanpak.common.mail.OutboxBackend"
    # Rate-limit counters of this test only: the database cache's table is not emptied between
    # tests that commit (browser tests), and Redis outlives them all.
    settings.RATELIMIT_CACHE_PREFIX = f"rl-{uuid.uuid4().hex}:"
    # Public pages and PDFs cached by an earlier test show rows its rollback took away, or
    # spare a test the render it is about.
    caches["pages"].clear()
    caches["default"].clear()
    # The language a request in English left active in this thread (LocaleMiddleware does
    # not undo it): every test starts in the site's own language, as a new thread does.
    translation.deactivate()


@pytest.fixture
def deliver_mail(mailoutbox):
    """Call it to deliver the outbox as `manage.py send_queued_mail` does (through the
    in-memory backend of EMAIL_URL=memory://); returns every mail delivered in this test."""
    from post_office.mail import get_queued, send_queued

    def deliver():
        while get_queued().exists():
            send_queued()
        return mailoutbox

    return deliver


# --- The same names in every test ---------------------------------------------------------------

# Where the factories' numbering starts for the next test, and the module, package and session
# fixtures it has passed (tests/factories.py, sequence_positions).
_numbering = {"positions": None, "passed": set()}


@pytest.fixture(autouse=True)
def _the_same_factory_names_in_every_test(request):
    """Each test numbers its factory objects from the same point ("Wijk 7", "user12"), so the
    same fixture makes the same contract in every test of a module, and the session's PDF memo
    (tests/pdf_memo.py) renders its PDF once instead of once per test: most of the suite's
    time was WeasyPrint rendering contracts that differed only in their number.

    Objects that outlive a test, made by a module, package or session fixture, keep their
    numbers: those fixtures are set up before this one (pytest orders by scope), and when a
    test brings one that no test before it had, the starting point moves past whatever it
    made."""
    definitions = request.node._fixtureinfo.name2fixturedefs
    shared = {
        (name, "" if scope == "session" else request.node.module.__name__)
        for name in request.fixturenames
        if name in definitions
        and (scope := definitions[name][-1].scope) in ("module", "package", "session")
    }
    if _numbering["positions"] is None or not shared <= _numbering["passed"]:
        _numbering["passed"] |= shared
        _numbering["positions"] = factories.sequence_positions()
    factories.restart_sequences(_numbering["positions"])


# --- The pilot, loaded once per module ----------------------------------------------------------


def _commits(item):
    """Whether a test commits to the database, as pytest-django tells them apart: such a test
    ends by emptying every table (Django's flush), also of the rows migrations made."""
    marker = item.get_closest_marker("django_db")
    return bool(
        {"transactional_db", "live_server"} & set(item.fixturenames)
        or (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """In each module, the tests that use the module's pilot (fixture `pilot`) run last, so the
    tests before them see an empty database: the pilot stays loaded from the first test that
    asks for it to the end of its module. A stable sort: other orders are kept (and
    pytest-django's grouping, which runs after this, too).

    Tests that commit are marked `transactional`. For pytest-xdist (`-n 2 --dist loadgroup`,
    see the Makefile) each module is one group and its committing tests another: a worker
    takes groups in the order pytest-django sorts the tests, committing ones last, so their
    flush never empties the migrations' rows (standard sections, groups) under a test that
    reads them, and a module's pilot is loaded on one worker only."""
    first_of_module = {}
    for index, item in enumerate(items):
        first_of_module.setdefault(item.module.__name__, index)
    items.sort(
        key=lambda item: (first_of_module[item.module.__name__], "pilot" in item.fixturenames)
    )
    for item in items:
        group = item.module.__name__
        if _commits(item):
            item.add_marker(pytest.mark.transactional)
            group += ":transactional"
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="module")
def pilot_media(tmp_path_factory):
    """The media folder of a module's pilot: its archived PDFs."""
    return tmp_path_factory.mktemp("pilot-media")


@pytest.fixture(scope="session")
def _pilot_snapshot(tmp_path_factory):
    """The session's pilot: loaded once, then copied in (tests/pilot_snapshot.py)."""
    return PilotSnapshot(tmp_path_factory.mktemp("pilot-snapshot"))


@pytest.fixture(scope="module")
def _pilot_loaded(django_db_setup, django_db_blocker, pilot_media, _pilot_snapshot):
    """Put the pilot in place once for the module, in a transaction rolled back after it.

    Loading renders and archives five contract PDFs (seconds each time); the session loads it
    once and copies it in after (tests/pilot_snapshot.py). Every test of the module runs in
    its own savepoint inside this transaction (pytest-django's `db`), so each starts from the
    pilot as loaded, and the database is as clean after the module as before it. For tests
    that only read the pilot or change it within the test.
    """
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=pilot_media,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
    ):
        cache.clear()
        with transaction.atomic():
            _pilot_snapshot.put_in_place(pilot_media)
            yield
            transaction.set_rollback(True)
        cache.clear()


@pytest.fixture
def pilot(_pilot_loaded, _test_settings, db, settings, pilot_media):
    """The Haarlem pilot as `load_pilot_data` loads it (see _pilot_loaded), with its media."""
    settings.MEDIA_ROOT = pilot_media


@pytest.fixture
def pilot_committed(transactional_db, _pilot_snapshot, settings):
    """The pilot, committed, for a test whose live server reads it (the browser tests):
    copied in from the session's first load (tests/pilot_snapshot.py), its archived files in
    this test's media folder. The test's flush empties it again."""
    _pilot_snapshot.put_in_place(settings.MEDIA_ROOT)


@pytest.fixture
def module_pilot_media(_test_settings, settings, pilot_media):
    """The module's archived PDFs, not the empty media folder every test gets: for modules that
    load the pilot in a fixture of their own (the crawl, the permission matrix)."""
    settings.MEDIA_ROOT = pilot_media


@pytest.fixture
def quiet_refusals():
    """Log only server errors: the many 403s and 404s of a crawl or the matrix are expected."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


# --- Personas ---------------------------------------------------------------------------------


@pytest.fixture
def resident(client):
    """An anonymous visitor: the Django test client without a login."""
    return client


@pytest.fixture
def editor_user(db):
    """A municipal staff member in the editors group (the `redacteur` demo account)."""
    return group_member(EDITORS, username="redacteur", is_staff=True)


@pytest.fixture
def budget_manager_user(db):
    """A staff member in the budget managers group (the `budgetbeheerder` demo account): the
    fund's admin, and view rights only on contracts."""
    return group_member(BUDGET_MANAGERS, username="budgetbeheerder", is_staff=True)


@pytest.fixture
def superuser(db):
    return UserFactory(username="beheerder", is_staff=True, is_superuser=True)


@pytest.fixture
def other_user(db):
    """A logged-in user with no rights at all."""
    return UserFactory(username="buitenstaander")


def staff_client():
    """A new test client, logged in as a staff member outside every group (`medewerker`):
    staff, without any right (tests/access_policy.md)."""
    return personas.log_in(Client(), UserFactory(username="medewerker", is_staff=True))


def editor_client():
    """A new test client, logged in as an editor (`redacteur`): who may view drafts of
    contracts, addenda and projects, and every update."""
    return personas.log_in(Client(), group_member(EDITORS, username="redacteur", is_staff=True))


@pytest.fixture
def editor(client, editor_user):
    """The test client, logged in as the editor."""
    return personas.log_in(client, editor_user)


@pytest.fixture
def budget_manager(client, budget_manager_user):
    """The test client, logged in as the budget manager."""
    return personas.log_in(client, budget_manager_user)


# --- The fund and what an application is for --------------------------------------------------


@pytest.fixture
def fund(request, db):
    """A fund with both its categories: the pilot's € 250.000 without ceilings, for a period
    that holds today (so it takes applications), or what a test module sets in FUND_TERMS
    (the arguments of `fund_with_categories`; PILOT_PERIOD for the pilot's own dates)."""
    return fund_with_categories(**{**open_period(), **getattr(request.module, "FUND_TERMS", {})})


@pytest.fixture
def project(db):
    """A project in a signed contract."""
    return project_in_signed_contract()


@pytest.fixture
def wish(project):
    """A wish of the signed contract of `project`: what a resident applies for."""
    return project.contract.wishes.first()


# --- Counting, threads, PDF tools, recorded calls, signatories --------------------------------


def count_queries(client, url):
    """How many queries a GET of `url` takes; the page must answer 200."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def run_at_once(targets, timeout=60):
    """Run each callable in a thread of its own, all started before any is waited for."""
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)


@pytest.fixture
def poppler():
    """poppler-utils, which the tests marked `pdf` read PDFs with (tests/pdf_reading.py)."""
    for tool in ("pdftotext", "pdfinfo"):
        require(
            shutil.which(tool), f"{tool} is missing (poppler-utils, scripts/system-packages.sh)"
        )


@pytest.fixture
def calls_to(monkeypatch):
    """Call `calls_to(owner, "name")` to record the argument of each later call to owner.name,
    which still goes through; it returns the list it records in."""

    def record(owner, name):
        calls = []
        original = getattr(owner, name)

        def recording(argument):
            calls.append(argument)
            return original(argument)

        monkeypatch.setattr(owner, name, recording)
        return calls

    return record


def assert_signatories_in(text, signatories):
    """Each signatory (a contract's party, an addendum's signatory) is in `text`: the partner,
    the name and the function."""
    for signatory in signatories:
        assert signatory.partner.name in text
        assert signatory.signatory_name in text
        assert signatory.signatory_function in text


# --- Browser ----------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (Playwright's own browser cannot be fetched)."""
    require(os.path.exists(CHROMIUM), f"{CHROMIUM} is missing (scripts/system-packages.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, settings):
    """A fresh browser tab with no cookies; requests to any other host are refused."""
    # The live server serves static files through the finders, which know no hashed names.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    context = browser.new_context(base_url=live_server.url, locale="nl-NL")
    context.route(
        lambda url: not url.startswith(live_server.url),
        lambda route: route.abort(),
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def log_in(page, username, password="correct-horse-battery"):
    """Log in to the admin in the browser tab `page` (the factories' password), with a code of
    the account's TOTP app as its second factor (an app is enrolled if it has none)."""
    device = totp_device(get_user_model().objects.get(username=username))
    device.last_t = -1  # a code may be used once: let a second login in the same 30 s pass
    device.save(update_fields=["last_t"])
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_auth-username", username)
    page.fill("#id_auth-password", password)
    page.locator("#login-form [type=submit]:visible").last.click()
    page.fill("#id_token-otp_token", totp_code(device))
    page.locator("#login-form [type=submit]:visible").last.click()  # "Next", not "Back"
    page.wait_for_url(lambda url: urlsplit(url).path == "/admin/")


def axe_audit(page):
    """axe-core's WCAG 2.1 A/AA audit of the page as it is now (`.response["violations"]`)."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]},
    )


def assert_accessible(page):
    """axe-core finds no WCAG 2.1 A/AA violation on the page as it is now."""
    results = axe_audit(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"
