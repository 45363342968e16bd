"""Rate limits shared by every process, behind zero or one trusted proxy.

The counters live in the cache "ratelimit": in the tests the database cache
(wijkaanpak.common.cache, rolled back with each test), and in one test a real Redis server on
127.0.0.1:6379. Every test counts under a key prefix of its own (tests/conftest.py), so no
test uses up another's limit. Messages are asserted by their error code or marker, so they
hold in English and after the Dutch translation.
"""

import datetime
import importlib
import uuid

import pytest
import redis
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from post_office.models import Email

from budget.models import InitiativeApplication
from tests.conftest import require, require_postgres, run_at_once
from tests.factories import application_form_data, project_in_signed_contract
from wijkaanpak.common import checks, ratelimits

APPLY_URL = reverse("budget:apply")
RESET_URL = reverse("projects:password_reset")
PROXY = "10.0.0.1"


@pytest.fixture
def redis_ratelimits(settings):
    """The rate limits on the real Redis server, as with REDIS_URL set."""
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
        running = True
    except redis.exceptions.ConnectionError:
        running = False
    require(running, "needs a Redis server on 127.0.0.1:6379")
    prefix = f"wijkaanpak-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": prefix,
        },
    }
    client = redis.Redis(host="127.0.0.1", port=6379)
    yield client, prefix
    keys = client.keys(f"{prefix}:*")
    if keys:
        client.delete(*keys)


def error_codes(response):
    return [error.code for error in response.context["form"].non_field_errors().as_data()]


def apply(client, wish, forwarded_for=None, **fields):
    extra = {"REMOTE_ADDR": PROXY}
    if forwarded_for:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(APPLY_URL, application_form_data(wish, **fields), **extra)


# --- The application form -----------------------------------------------------------------------


def test_with_no_trusted_proxy_a_forged_forwarded_for_does_not_dodge_the_limit(
    client, fund, wish, settings
):
    assert settings.CACHES["ratelimit"]["BACKEND"] == "wijkaanpak.common.cache.DatabaseCache"
    settings.TRUSTED_PROXY_COUNT = 0
    settings.RATELIMIT_APPLICATIONS = "2/h"
    for number in range(2):
        response = apply(client, wish, f"198.51.100.{number}", title=f"Feest {number}")
        assert response.status_code == 302

    response = apply(client, wish, "203.0.113.77", title="Feest 3")

    assert response.status_code == 429
    assert ratelimits.RATE_LIMITED in error_codes(response)
    assert InitiativeApplication.objects.count() == 2
    # The counters are in the database's table, under a key that names no address.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {settings.RATELIMIT_CACHE_TABLE}")  # noqa: S608
        keys = [row[0] for row in cursor.fetchall()]
    assert keys
    assert not any(PROXY in key or "198.51.100" in key for key in keys)


def test_behind_one_proxy_each_resident_has_a_counter_of_their_own(
    client, fund, wish, settings, redis_ratelimits
):
    server, prefix = redis_ratelimits
    settings.TRUSTED_PROXY_COUNT = 1
    settings.RATELIMIT_APPLICATIONS = "2/h"
    anna, bram = "198.51.100.10", "198.51.100.20"
    for number in range(2):
        assert apply(client, wish, anna, title=f"Anna {number}").status_code == 302

    refused = apply(client, wish, anna, title="Anna 3")
    # What Anna's browser adds to the left of the header is not believed either.
    forged = apply(client, wish, f"192.0.2.1, {anna}", title="Anna 4")
    other = apply(client, wish, bram, title="Bram 1")

    assert refused.status_code == 429
    assert forged.status_code == 429
    assert other.status_code == 302
    assert sorted(InitiativeApplication.objects.values_list("title", flat=True)) == [
        "Anna 0",
        "Anna 1",
        "Bram 1",
    ]
    keys = [key.decode() for key in server.keys(f"{prefix}:*")]
    assert len(keys) == 2  # one counter for each resident, in the shared Redis
    assert not any(anna in key or bram in key or PROXY in key for key in keys)


def test_honeypot_hits_are_refused_quietly_and_leave_the_residents_limit_alone(
    client, fund, wish, settings, caplog
):
    settings.RATELIMIT_APPLICATIONS = "2/h"
    for _attempt in range(5):
        response = apply(client, wish, website="http://spam.example")
        assert response.status_code == 302
        assert response.url == reverse("budget:apply_received")
    assert not InitiativeApplication.objects.exists()
    assert "honeypot" in caplog.text

    assert apply(client, wish, title="Echt 1").status_code == 302
    assert apply(client, wish, title="Echt 2").status_code == 302
    assert apply(client, wish, title="Echt 3").status_code == 429
    assert InitiativeApplication.objects.count() == 2
    # A bot on an address that is over the limit still sees the usual outcome.
    assert apply(client, wish, website="http://spam.example").status_code == 302


# --- The password reset -------------------------------------------------------------------------


def test_too_many_reset_requests_get_a_form_error_and_no_mail(client, db, settings, caplog):
    settings.RATELIMIT_PASSWORD_RESETS = "2/h"
    get_user_model().objects.create_user("teamlid", "teamlid@example.org", "x" * 16)
    for _attempt in range(2):
        assert client.post(RESET_URL, {"email": "teamlid@example.org"}).status_code == 302
    mails = Email.objects.count()

    response = client.post(RESET_URL, {"email": "teamlid@example.org"})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert ratelimits.RATE_LIMITED in error_codes(response)
    assert "data-error-summary" in response.content.decode()
    assert Email.objects.count() == mails
    assert "Rate limit reached (password-resets)" in caplog.text
    # Another address may ask.
    assert (
        client.post(RESET_URL, {"email": "x@example.org"}, REMOTE_ADDR="192.0.2.5").status_code
        == 302
    )


# --- PDFs ---------------------------------------------------------------------------------------


def forget():
    """Forget every rendered PDF: the PDF cache and the cached public pages."""
    cache.clear()
    caches["pages"].clear()


def test_only_a_pdf_rendered_anew_counts_and_one_too_many_is_a_429(
    client, editor_user, settings, caplog
):
    settings.RATELIMIT_PDF_RENDERS = "1/h"
    project = project_in_signed_contract()
    url = reverse("leaflet_pdf", kwargs={"slug": project.contract.neighbourhood.slug})
    forget()

    rendered = client.get(url)
    from_cache = [client.get(url) for _attempt in range(3)]
    forget()  # the next one must be rendered again: one render too many
    refused = client.get(url)

    assert rendered.status_code == 200
    assert all(response.status_code == 200 for response in from_cache)
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("text/html")
    assert int(refused["Retry-After"]) > 0
    assert 'data-error="429"' in refused.content.decode()
    assert "Rate limit reached (pdf-renders)" in caplog.text
    assert not any(":pdf:" in key for key in cache._cache)  # nothing was rendered or stored
    # Another address is not affected, nor a signed-in colleague on the same address: staff
    # count by their account.
    forget()
    assert client.get(url, REMOTE_ADDR="192.0.2.8").status_code == 200
    forget()
    client.force_login(editor_user)
    assert client.get(url).status_code == 200


def _patterns(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


# PDFs that are stored files, never rendered in the request: the admin's signed originals,
# final PDFs and scans.
STORED_ONLY = {"original.pdf", "final.pdf", "<int:scan_id>.pdf"}


def test_every_view_of_a_pdf_limits_its_renders():
    pdf_views = [
        (route, view)
        for route, view in _patterns(get_resolver())
        if route.removesuffix("$").endswith(".pdf")
    ]
    assert len(pdf_views) >= 6
    unlimited = [
        route
        for route, view in pdf_views
        if not getattr(view, "limits_pdf_renders", False)
        and route.rsplit("/", 1)[-1].removesuffix("$") not in STORED_ONLY
    ]
    assert unlimited == []


# --- The cache and its checks -------------------------------------------------------------------


def test_the_database_cache_counts_each_increment_and_keeps_the_expiry(db, settings):
    counters = caches["ratelimit"]
    table = settings.RATELIMIT_CACHE_TABLE
    assert counters.add("count", 1, 3600)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT expires FROM {table}")  # noqa: S608
        expires = cursor.fetchone()[0]

    assert [counters.incr("count") for _step in range(3)] == [2, 3, 4]
    assert counters.get("count") == 4
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT expires FROM {table}")  # noqa: S608
        assert cursor.fetchone()[0] == expires
    with pytest.raises(ValueError):
        counters.incr("missing")
    counters.set("gone", 5, -1)
    with pytest.raises(ValueError):
        counters.incr("gone")


class _Editor:
    """What the migration's functions use of a schema editor."""

    def __init__(self):
        self.connection = connection

    def execute(self, sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)

    def quote_name(self, name):
        return connection.ops.quote_name(name)


def test_migrate_makes_the_table_of_the_counters(db, settings):
    migration = importlib.import_module("wijkaanpak.common.migrations.0001_ratelimit_cache_table")
    assert migration.TABLE == settings.RATELIMIT_CACHE_TABLE

    migration.drop_table(None, _Editor())
    assert settings.RATELIMIT_CACHE_TABLE not in connection.introspection.table_names()
    migration.create_table(None, _Editor())
    migration.create_table(None, _Editor())  # again: nothing happens

    assert settings.RATELIMIT_CACHE_TABLE in connection.introspection.table_names()
    assert caches["ratelimit"].add("fresh", 1, 60)
    assert caches["ratelimit"].incr("fresh") == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_increments_at_the_same_moment_all_count():
    require_postgres()
    counters = caches["ratelimit"]
    counters.add("race", 0, 3600)

    def increment():
        try:
            counters.incr("race")
        finally:
            connection.close()

    run_at_once([increment] * 12)

    assert counters.get("race") == 12
    counters.delete("race")


def test_the_checks_refuse_a_cache_per_process_and_warn_of_an_old_security_txt(settings):
    assert checks.ratelimit_cache(None) == []
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    assert [error.id for error in checks.ratelimit_cache(None)] == ["common.E001"]

    today = datetime.date.today()
    settings.SECURITY_TXT_EXPIRES_DATE = today + datetime.timedelta(days=200)
    assert checks.security_txt_expiry(None) == []
    settings.SECURITY_TXT_EXPIRES_DATE = today + datetime.timedelta(days=10)
    assert [warning.id for warning in checks.security_txt_expiry(None)] == ["common.W001"]
    settings.SECURITY_TXT_EXPIRES_DATE = today - datetime.timedelta(days=1)
    assert "has expired" in checks.security_txt_expiry(None)[0].msg
