"""Dutch without mistakes: no page of the Dutch site shows English left over from a missing
translation, a date as 2007-10-02 or an amount as 95000.00.

The crawl of tests/wijkaanpak/test_crawl.py, on the pilot with its demo accounts, as an
anonymous visitor, a team, the editor, the budget manager and a superuser: every page each of
them reaches (the public site, the portal, every admin list, change, add, history and delete
page) is read the way tests/dutch_text.py describes.
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests import dutch_text
from tests.wijkaanpak.test_crawl import (
    _pilot_media,  # noqa: F401 (autouse fixture of the crawl's module)
    _quiet_refusals,  # noqa: F401 (autouse fixture of the crawl's module)
    admin_probes,
    crawl,
    pilot,  # noqa: F401 (the crawl's pilot, with its demo accounts and marked records)
    portal_probes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

User = get_user_model()

PERSONAS = ["anonymous", "team-centrum", "redacteur", "budgetbeheerder", "crawl-beheerder"]
# Pages that are no Dutch prose of the site: the health check's JSON is for machines.
NOT_PROSE = {"/healthz"}


def dutch_problems(result):
    """Every finding of a crawl, once per text, with the first page that shows it and on how
    many pages it appears."""
    found = {}
    for visit in result.visits:
        if not visit.text or visit.path in NOT_PROSE or not visit.text.lstrip().startswith("<"):
            continue
        for finding in dict.fromkeys(dutch_text.problems(visit.text)):
            found.setdefault(finding, []).append(visit.url)
    return [
        f"{result.persona}: {kind} {hit!r} in {where} {text!r} at {urls[0]} ({len(urls)} pages)"
        for (kind, hit, where, text), urls in found.items()
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_dutch_page_is_dutch(pilot, persona):  # noqa: F811
    client = Client(raise_request_exception=False)
    if persona != "anonymous":
        client.force_login(User.objects.get(username=persona))
    probes = admin_probes(pilot) + portal_probes() if persona != "anonymous" else []

    result = crawl(client, persona, probes=probes)

    assert result.pages > 20
    problems = dutch_problems(result)
    assert not problems, f"{len(problems)} finding(s):\n" + "\n".join(sorted(problems))
