"""The cache of public pages (wijkaanpak.common.pagecache): what anonymous visitors get, what
is kept, when it is dropped, and the HTTP headers that let browsers and proxies revalidate."""

import datetime
import gzip
import socket
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.urls import reverse

from contracts import services as contract_services
from contracts.choices import Milestone
from contracts.models import Neighbourhood, Partner, PressRelease
from projects import services as project_services
from projects.choices import Visibility
from projects.models import ReportingRound
from tests.access import personas
from tests.conftest import require
from tests.factories import (
    ProgrammeFactory,
    ProjectFactory,
    book_allocation,
    fund_with_categories,
    group_member,
    open_period,
    progress_update,
    project_in_signed_contract,
    team_member,
)
from wijkaanpak.common import pagecache
from wijkaanpak.common.groups import EDITORS

PUBLIC = "public, max-age=0, must-revalidate"


@pytest.fixture
def project(db):
    return project_in_signed_contract(title="Speeltuin Boerhaavepark")


@pytest.fixture
def author(project):
    return team_member(project, username="teamlid")


@pytest.fixture
def editor(db):
    return group_member(EDITORS, username="redacteur", is_staff=True)


def public_urls(project):
    slug = project.contract.neighbourhood.slug
    return [
        reverse("home"),
        reverse("contracts:neighbourhood_list"),
        reverse("neighbourhood_detail", kwargs={"slug": slug}),
        reverse("contracts:contract_detail", kwargs={"slug": slug}),
        reverse("projects:project_detail", kwargs={"pk": project.pk}),
        reverse("partner_list"),
        reverse("partner_detail", kwargs={"slug": project.lead_partner.slug}),
        reverse("budget:account"),
        reverse("accessibility"),
        reverse("glossary"),
    ]


def text(response):
    return response.content.decode()


# --- Anonymous public pages -------------------------------------------------------------------


def test_anonymous_public_pages_set_no_cookie_and_do_not_vary_by_cookie(client, project):
    for url in public_urls(project):
        for _ in range(2):  # a miss, then a hit
            response = client.get(url)
            assert response.status_code == 200, url
            assert not response.cookies, url
            assert "cookie" not in response.get("Vary", "").lower(), url
            assert response["Cache-Control"] == PUBLIC, url
            assert "csrfmiddlewaretoken" not in text(response), url
        assert response[pagecache.HIT_HEADER] == "hit", url


def test_a_hit_serves_the_same_bytes_without_a_query(client, project, django_assert_num_queries):
    url = reverse("neighbourhood_detail", kwargs={"slug": project.contract.neighbourhood.slug})
    first = client.get(url)
    assert first[pagecache.HIT_HEADER] == "miss"

    with django_assert_num_queries(0):
        again = client.get(url)

    assert again[pagecache.HIT_HEADER] == "hit"
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Content-Language"] == "nl"


def test_the_query_string_is_part_of_the_key(client, project):
    url = reverse("contracts:neighbourhood_list")
    assert client.get(url)[pagecache.HIT_HEADER] == "miss"
    assert client.get(url, {"q": "x"})[pagecache.HIT_HEADER] == "miss"
    assert client.get(url, {"q": "x"})[pagecache.HIT_HEADER] == "hit"


def test_a_page_is_cached_per_language(client, project):
    url = reverse("projects:project_detail", kwargs={"pk": project.pk})
    dutch = client.get(url)
    assert '<html lang="nl">' in text(dutch)

    client.get(reverse("set_language"), {"language": "en", "next": url})
    english = client.get(url)
    assert english[pagecache.HIT_HEADER] == "miss"
    assert '<html lang="en">' in text(english)
    assert client.get(url)[pagecache.HIT_HEADER] == "hit"

    client.get(reverse("set_language"), {"language": "nl", "next": url})
    again = client.get(url)
    assert again[pagecache.HIT_HEADER] == "hit"
    assert again.content == dutch.content


def test_pages_that_need_csrf_are_not_cached_nor_public(client, db):
    for _ in range(2):
        response = client.get(reverse("budget:apply"))
        assert pagecache.HIT_HEADER not in response
        assert "public" not in response.get("Cache-Control", "")
        assert response["Cache-Control"].startswith("private")


# --- Logged-in users --------------------------------------------------------------------------


def test_logged_in_users_neither_get_nor_fill_cached_pages(client, project, editor):
    url = reverse("projects:project_detail", kwargs={"pk": project.pk})
    client.get(url)
    assert client.get(url)[pagecache.HIT_HEADER] == "hit"

    staff = personas.log_in(Client(), editor)
    for _ in range(2):
        response = staff.get(url)
        assert response.status_code == 200
        assert pagecache.HIT_HEADER not in response
        assert "private" in response["Cache-Control"]
        assert "no-store" in response["Cache-Control"]
        assert "gzip" not in response.get("Content-Encoding", "")


def test_what_staff_see_never_reaches_anonymous_visitors(client, editor):
    draft = ProjectFactory(title="Concept: nog geheim")
    url = reverse("projects:project_detail", kwargs={"pk": draft.pk})
    staff = personas.log_in(Client(), editor)
    for _ in range(2):
        seen = staff.get(url)
        assert seen.status_code == 200
        assert draft.title in text(seen)
    assert client.get(url).status_code == 404


def test_a_visitor_with_a_message_waiting_gets_no_cached_page(client, project, settings):
    url = reverse("home")
    client.get(url)
    # A message in the cookie of Django's message framework, as after a redirect.
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpResponse
    from django.test import RequestFactory

    storage = CookieStorage(RequestFactory().get("/"))
    response = HttpResponse()
    storage._store([Message(constants.INFO, "Bericht voor deze bezoeker")], response)
    client.cookies[storage.cookie_name] = response.cookies[storage.cookie_name].value

    shown = client.get(url)
    assert pagecache.HIT_HEADER not in shown
    assert "public" not in shown.get("Cache-Control", "")


# --- Exact invalidation: every kind of write ---------------------------------------------------


def _project_url(project):
    return reverse("projects:project_detail", kwargs={"pk": project.pk})


def _wijk_url(project):
    return reverse("neighbourhood_detail", kwargs={"slug": project.contract.neighbourhood.slug})


def public_update(project, author, editor):
    progress_update(project, author, "De speeltuin is open")
    return _project_url(project), ["De speeltuin is open"], []


def internal_update(project, author, editor):
    progress_update(project, author, "Intern: budget krap", visibility=Visibility.INTERNAL)
    return _project_url(project), [], ["Intern: budget krap"]


def hidden_update(project, author, editor, *, before=None):
    update = before
    project_services.hide_update(update, user=editor, reason="Bevat een telefoonnummer")
    return _project_url(project), [], [update.happened]


def _hidden_update_before(project, author):
    return progress_update(project, author, "Bel Jan op 06-12345678")


def renamed_wijk(project, author, editor):
    neighbourhood = project.contract.neighbourhood
    neighbourhood.name = "Nieuwe Wijknaam"
    neighbourhood.save()
    return _wijk_url(project), ["Nieuwe Wijknaam"], []


def partner_renamed_by_queryset(project, author, editor):
    Partner.objects.filter(pk=project.lead_partner_id).update(name="Woonstichting Hernoemd")
    return _project_url(project), ["Woonstichting Hernoemd"], []


def raw_sql_write(project, author, editor):
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Neighbourhood._meta.db_table} SET name = %s WHERE id = %s",  # noqa: S608
            ["Wijk Via SQL", project.contract.neighbourhood_id],
        )
    return _wijk_url(project), ["Wijk Via SQL"], []


def _ledger_before(project, author):
    return fund_with_categories(name="Wijkfonds nu", **open_period())


def ledger_booking_in_existing_fund(project, author, editor, *, before=None):
    book_allocation(before, Decimal("4321.00"), purpose="Buurtfeest nu")
    return reverse("budget:account"), ["4.321,00"], []


def round_renamed(project, author, editor, *, before=None):
    ReportingRound.objects.filter(pk=before.pk).update(title="Tussenevaluatie hernoemd")
    url = reverse(
        "projects:round_review",
        kwargs={"slug": project.contract.neighbourhood.slug, "round_pk": before.pk},
    )
    return url, ["Tussenevaluatie hernoemd"], []


def _round_before(project, author):
    editor = group_member(EDITORS, username="rondemaker", is_staff=True)
    return project_services.open_round(
        title="Tussenevaluatie 2008",
        due_date=datetime.date.today() + datetime.timedelta(days=30),
        contracts=[project.contract],
        user=editor,
    )


def press_release_published(project, author, editor, *, before=None):
    contract_services.publish_press_release(before, user=editor)
    url = reverse("programme_news", kwargs={"slug": before.programme.slug})
    return url, ["Wijkcontracten getekend"], []


def _press_release_before(project, author):
    programme = ProgrammeFactory()
    contract_services.assign_to_programme(programme, [project.contract])
    return PressRelease.objects.create(
        programme=programme,
        milestone=Milestone.values[0],
        title="Wijkcontracten getekend",
        lead="Vijf wijken tekenden.",
        body="De gemeente en haar partners tekenden de wijkcontracten.",
    )


# (write, what exists before the page is first cached)
WRITES = {
    "public update": (public_update, None),
    "internal update": (internal_update, None),
    "hidden update": (hidden_update, _hidden_update_before),
    "wijk renamed (save)": (renamed_wijk, None),
    "partner renamed (queryset update)": (partner_renamed_by_queryset, None),
    "raw SQL": (raw_sql_write, None),
    "ledger booking": (ledger_booking_in_existing_fund, _ledger_before),
    "round renamed": (round_renamed, _round_before),
    "press release published": (press_release_published, _press_release_before),
}


@pytest.mark.parametrize("kind", list(WRITES))
def test_every_kind_of_write_shows_at_once_and_nothing_internal_is_cached(
    client, project, author, editor, kind
):
    write, before = WRITES[kind]
    earlier = before(project, author) if before else None
    # The pages as cached before the write: fill them and make sure they are hits.
    pages = {_project_url(project), _wijk_url(project), reverse("budget:account")}
    if earlier is not None and isinstance(earlier, ReportingRound):
        pages.add(
            reverse(
                "projects:round_review",
                kwargs={"slug": project.contract.neighbourhood.slug, "round_pk": earlier.pk},
            )
        )
    if isinstance(earlier, PressRelease):
        pages.add(reverse("programme_news", kwargs={"slug": earlier.programme.slug}))
    for page in pages:
        client.get(page)
        assert client.get(page)[pagecache.HIT_HEADER] == "hit", page

    kwargs = {"before": earlier} if before else {}
    url, shown, never = write(project, author, editor, **kwargs)

    response = client.get(url)
    assert response.status_code == 200
    assert response[pagecache.HIT_HEADER] == "miss"
    for expected in shown:
        assert expected in text(response), expected
    for secret in never:
        assert secret not in text(response), secret
    # And the entry made now holds no more than what anonymous visitors may see.
    again = client.get(url)
    assert again[pagecache.HIT_HEADER] == "hit"
    assert again.content == response.content


def test_a_write_in_a_transaction_drops_pages_again_when_it_commits(project):
    from django.db import transaction

    with transaction.atomic():
        Partner.objects.filter(pk=project.lead_partner_id).update(name="Tijdens de transactie")
        during = pagecache.current_version()
    # The test's own transaction is still open: the commit of the block above is a savepoint,
    # so only the write's own replacement counts here; a real commit runs the second one.
    assert pagecache.current_version() == during
    assert any(func is pagecache._new_version for _sids, func, _robust in connection.run_on_commit)


def test_reading_does_not_change_the_version(client, project):
    before = pagecache.current_version()
    for url in public_urls(project):
        client.get(url)
    assert pagecache.current_version() == before


# --- HTTP: revalidation and compression -------------------------------------------------------


def test_a_browser_that_holds_the_page_gets_a_304(client, project):
    url = _project_url(project)
    first = client.get(url)
    etag = first["ETag"]

    unchanged = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304
    assert unchanged["Cache-Control"] == PUBLIC

    Partner.objects.filter(pk=project.lead_partner_id).update(name="Andere trekker")
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert "Andere trekker" in text(changed)


def test_the_etag_differs_per_language(client, project):
    url = _project_url(project)
    dutch = client.get(url)["ETag"]
    client.get(reverse("set_language"), {"language": "en", "next": url})
    assert client.get(url, HTTP_IF_NONE_MATCH=dutch).status_code == 200


def test_public_pages_are_compressed_when_the_browser_accepts_it(client, project):
    url = _project_url(project)
    plain = client.get(url)
    for _ in range(2):
        compressed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate")
        assert compressed["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in compressed["Vary"]
        assert gzip.decompress(compressed.content) == plain.content
    assert "Content-Encoding" not in plain


def test_pages_with_a_csrf_token_are_never_compressed(client, db):
    # BREACH: a compressed page that holds a secret and reflects input leaks the secret.
    response = client.get(reverse("budget:apply"), HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in response


# --- The language switch ----------------------------------------------------------------------


def test_the_language_switch_is_a_get_that_sets_the_language(client, db):
    response = client.get(reverse("set_language"), {"language": "en", "next": "/wijken/"})
    assert response.status_code == 302
    assert response["Location"] == "/wijken/"
    assert response.cookies["django_language"].value == "en"
    assert "no-store" in response["Cache-Control"]
    assert '<html lang="en">' in text(client.get("/wijken/"))


@pytest.mark.parametrize(
    "target", ["https://elders.example/", "//elders.example/", "javascript:alert(1)", ""]
)
def test_the_language_switch_returns_only_to_this_site(client, db, target):
    response = client.get(reverse("set_language"), {"language": "en", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("language", ["xx", "", "nl' OR 1=1", "e" * 500])
def test_the_language_switch_refuses_an_unknown_language_in_dutch(client, db, language):
    response = client.get(reverse("set_language"), {"language": language, "next": "/wijken/"})
    assert response.status_code == 400
    assert not response.cookies
    assert '<html lang="nl">' in text(response)
    assert 'href="/wijken/"' in text(response)
    assert '<html lang="nl">' in text(client.get("/wijken/"))


def test_the_language_switch_without_a_language_changes_nothing(client, db):
    response = client.get(reverse("set_language"))
    assert response.status_code == 302
    assert not response.cookies


# --- Documents --------------------------------------------------------------------------------


def test_a_public_document_is_not_rendered_again_for_a_repeat_request(client, project):
    url = reverse("partner_pdf", kwargs={"slug": project.lead_partner.slug})
    first = client.get(url)
    assert first.status_code == 200
    assert first["X-Wijkaanpak-Source"] == "rendered"

    again = client.get(url)
    assert again[pagecache.HIT_HEADER] == "hit"
    assert again["X-Wijkaanpak-Source"] == "cache"
    assert again.content == first.content
    assert "Content-Encoding" not in client.get(url, HTTP_ACCEPT_ENCODING="gzip")


# --- Redis ------------------------------------------------------------------------------------


def _redis_up():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


def test_pages_are_cached_and_dropped_in_redis(client, project, settings):
    require(_redis_up(), "needs Redis at 127.0.0.1:6379")
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/5",
            "KEY_PREFIX": "test-pages",
        },
    }
    caches["pages"].clear()
    url = _project_url(project)
    assert client.get(url)[pagecache.HIT_HEADER] == "miss"
    assert client.get(url)[pagecache.HIT_HEADER] == "hit"

    Partner.objects.filter(pk=project.lead_partner_id).update(name="Trekker in Redis")
    response = client.get(url)
    assert response[pagecache.HIT_HEADER] == "miss"
    assert "Trekker in Redis" in text(response)
    caches["pages"].clear()


def test_a_cache_server_that_is_down_neither_breaks_pages_nor_refuses_writes(
    client, project, settings
):
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/5",  # nothing listens there
        },
    }
    url = _project_url(project)
    Partner.objects.filter(pk=project.lead_partner_id).update(name="Trekker zonder cache")

    response = client.get(url)
    assert response.status_code == 200
    assert "Trekker zonder cache" in text(response)
    assert pagecache.HIT_HEADER not in response
