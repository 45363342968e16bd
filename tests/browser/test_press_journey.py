"""The programme's news page in a real browser: a published press release, accessibly."""

import pytest

from contracts import services
from contracts.choices import Milestone
from contracts.models import QUOTE_PLACEHOLDER, PressRelease, Programme
from tests.conftest import assert_accessible
from wijkaanpak.press import drafting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pilot(pilot_committed):
    """The pilot, committed for the live server (tests/conftest.py)."""


def test_the_news_page_with_a_published_release_and_a_draft(page, pilot):
    programme = Programme.objects.get(slug="wijkaanpak-2007-2009")
    release = drafting.draft_press_release(programme, Milestone.SIGNING)
    release.body = release.body.replace(str(QUOTE_PLACEHOLDER), "Een goede dag voor de wijken.")
    release.save()
    services.publish_press_release(release)
    draft = drafting.draft_press_release(programme, Milestone.MIDTERM)

    page.goto(release.get_absolute_url())

    assert page.locator("h1").count() == 1
    article = page.locator(f"#bericht-{release.pk}")
    assert article.is_visible()
    assert release.title in article.locator("h2").inner_text()
    assert "2 oktober 2007" in article.inner_text()
    assert draft.title not in page.locator("main").inner_text()
    assert page.locator('[data-notice="illustrative"]').is_visible()
    feed = page.locator('head link[rel="alternate"][type="application/atom+xml"]')
    assert feed.get_attribute("href") == f"/programmas/{programme.slug}/nieuws/feed/"
    assert_accessible(page)

    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page)


def test_the_empty_news_page(page, pilot):
    PressRelease.objects.all().delete()

    page.goto("/programmas/wijkaanpak-2007-2009/nieuws/")

    assert page.locator(".empty-state").is_visible()
    assert_accessible(page)
