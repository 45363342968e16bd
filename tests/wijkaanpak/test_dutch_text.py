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
    admin_probes,
    crawl,
    pilot,  # noqa: F401 (the crawl's pilot, with its demo accounts and marked records)
    portal_probes,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("module_pilot_media", "quiet_refusals"),
]

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


@pytest.mark.slow
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


# --- What the reader finds, and what it leaves alone -------------------------------------------


def kinds(page_html):
    return [(kind, hit) for kind, hit, _where, _text in dutch_text.problems(page_html)]


def test_english_leftovers_in_text_and_in_what_is_read_out_are_found():
    page = (
        "<title>Save and continue</title><p>Geen <b>Yes</b></p>"
        '<img alt="Search"><input type="submit" value="Delete"><a title="View on site">x</a>'
    )

    assert kinds(page) == [
        ("English", "Save and"),
        ("English", "Yes"),
        ("English", "Search"),
        ("English", "Delete"),
        ("English", "View on site"),
    ]


def test_iso_dates_and_english_amounts_are_found():
    page = "<p>Betaald op 2007-11-20: € 500.00, samen 95000.00 en € 250,000 (12.50%).</p>"

    assert kinds(page) == [
        ("ISO date", "2007-11-20"),
        ("English number", "€ 500.00"),
        ("English number", "95000.00"),
        ("English number", "€ 250,000"),
        ("English number", "12.50%"),
    ]


def test_dutch_words_dates_and_amounts_pass():
    page = (
        "<p>Het project is klaar of bijna; de Status, het Filter en de Trekker. "
        "Op 2 oktober 2007 in Haarlem: € 95.000,00 en € 750,-, paragraaf 1.5, 02-10-2007.</p>"
    )

    assert kinds(page) == []


def test_what_is_no_prose_of_the_site_is_left_alone():
    page = (
        '<input type="text" name="date" value="2007-10-02"><textarea>Save</textarea>'
        "<script>var label = 'Delete';</script><style>.x{}</style><template><p>Add</p></template>"
        "<p><code>sha256sum contract.pdf</code> <pre>Yes</pre></p>"
        '<select><option lang="en">English</option></select><p lang="en">View on site</p>'
        "<p>Het bestand contracts/signed/2007-10-02-centrum.pdf, backup-2026-11-30.json, "
        "https://example.org/2007-10-02/, beheer@example.org en "
        "65f2d6be5037a1c0e3f8b2d4c6a8e0f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3</p>"
    )

    assert kinds(page) == []


def test_an_element_after_another_language_is_read_again():
    assert kinds('<p><span lang="en">Search</span> Search</p>') == [("English", "Search")]
