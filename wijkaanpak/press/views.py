"""The public news of a programme: its published press releases on a page, and as an Atom feed.

Only published releases are shown, to everyone: staff preview a draft in the admin, never here.
The releases are written in Dutch (the site's language), so their texts carry lang="nl" and the
feed says it is Dutch.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from contracts.choices import PressReleaseStatus
from contracts.models import PressRelease, Programme


def published_releases(programme):
    """The published press releases of `programme`, newest first."""
    return list(
        PressRelease.objects.filter(programme=programme, status=PressReleaseStatus.PUBLISHED)
        .select_related("programme")
        .order_by("-published_at", "-pk")
    )


@require_safe
def programme_news(request, slug):
    """The published press releases of one programme, newest first, each in full."""
    programme = get_object_or_404(Programme, slug=slug)
    releases = published_releases(programme)
    return render(
        request,
        "press/programme_news.html",
        {
            "programme": programme,
            "releases": releases,
            "shows_illustrative": any(release.is_illustrative for release in releases),
        },
    )


class ProgrammeFeed(Feed):
    """The Atom feed of a programme's published press releases, in Dutch, with absolute links."""

    feed_type = Atom1Feed
    language = settings.LANGUAGE_CODE

    def __call__(self, request, *args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return super().__call__(request, *args, **kwargs)

    def get_object(self, request, slug):
        return get_object_or_404(Programme, slug=slug)

    def title(self, programme):
        return _("News: %(programme)s") % {"programme": programme.name}

    def subtitle(self, programme):
        return _("The press releases of the programme %(programme)s of %(municipality)s.") % {
            "programme": programme.name,
            "municipality": settings.MUNICIPALITY_NAME,
        }

    def link(self, programme):
        return reverse("programme_news", kwargs={"slug": programme.slug})

    def author_name(self):
        return settings.MUNICIPALITY_NAME

    def items(self, programme):
        return published_releases(programme)

    def item_title(self, release):
        return release.title

    def item_description(self, release):
        return "\n\n".join(part for part in (release.lead, release.body) if part.strip())

    def item_link(self, release):
        return release.get_absolute_url()

    def item_pubdate(self, release):
        return release.published_at

    def item_updateddate(self, release):
        return max(release.updated_at, release.published_at)


programme_feed = require_safe(ProgrammeFeed())
