"""The glossary (/begrippen/), the links to it where a term appears, and the note on English
pages that the content itself is in Dutch.

Tests look for anchors, lang attributes and data attributes, never for Dutch sentences.
"""

import re

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from contracts.choices import ContractStatus
from projects.models import Project
from tests.factories import (
    ContractSectionFactory,
    ProjectFactory,
    complete_contract,
    move_to,
)
from wijkaanpak.common import glossary

pytestmark = pytest.mark.django_db

GLOSSARY = "/begrippen/"
TERM_LINK = re.compile(r'<a class="term" href="/begrippen/#([a-z-]+)">([^<]*)</a>')


def english_client():
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def render(source, **context):
    return Template("{% load glossary %}" + source).render(Context(context))


# --- The page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_glossary_explains_every_term_under_its_dutch_anchor(client, language):
    client.cookies["django_language"] = language

    response = client.get(GLOSSARY)

    page = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}"' in page
    anchors = re.findall(r'<dt id="([a-z-]+)"><dfn lang="nl">([^<]+)</dfn>', page)
    assert anchors == [(term.slug, term.word) for term in glossary.sorted_terms()]
    for term in glossary.TERMS:
        assert f'href="#{term.slug}"' in page
    english_names = re.findall(r'<span class="glossary__english" lang="en">', page)
    assert len(english_names) == (len(glossary.TERMS) if language == "en" else 0)


def test_the_terms_residents_ask_about_are_there():
    for slug in (
        "trekker",
        "laagdrempelig",
        "in-natura",
        "wijkcontract",
        "wijkbudget",
        "bewonersinitiatief",
        "bewonerswens",
        "zelfwerkzaamheid",
    ):
        assert glossary.get_term(slug).explanation


def test_every_page_links_to_the_glossary_in_its_footer(client):
    page = client.get(reverse("home")).content.decode()

    footer = page[page.index('<footer class="site-footer">') :]
    assert f'href="{GLOSSARY}"' in footer


def test_the_glossary_url_is_the_dutch_one():
    assert reverse("glossary") == GLOSSARY


# --- Links where a term appears ---------------------------------------------------------------


def test_a_term_tag_links_its_label_to_the_explanation():
    html = render('{% term "trekker" label %}', label="Trekker & co")

    assert html == '<a class="term" href="/begrippen/#trekker">Trekker &amp; co</a>'
    assert render('{% term "in-natura" %}') == (
        '<a class="term" href="/begrippen/#in-natura">in natura</a>'
    )


def test_an_unknown_term_is_an_error_not_a_dead_link():
    with pytest.raises(KeyError):
        render('{% term "bestaat-niet" %}')


def test_running_text_links_the_first_mention_of_each_term_only():
    text = (
        "De Trekker zoekt een laagdrempelige plek. Bijdragen in natura zijn welkom;\n\n"
        "de trekker meldt het. Een aantrekkelijke straat, <b>laagdrempelig</b>."
    )

    html = render("{{ text|linebreaks|explain_terms }}", text=text)

    assert TERM_LINK.findall(html) == [
        ("trekker", "Trekker"),
        ("laagdrempelig", "laagdrempelige"),
        ("in-natura", "in natura"),
    ]
    # Part of another word is no mention, and the text's own markup stays text.
    assert "aantrekkelijke" in html
    assert "&lt;b&gt;laagdrempelig&lt;/b&gt;" in html


def test_a_mention_inside_a_link_is_left_alone():
    html = glossary.link_mentions(
        '<p><a href="/x/">de trekker</a> en de trekker</p>', url="/begrippen/"
    )

    assert html == (
        '<p><a href="/x/">de trekker</a> en de <a class="term" href="/begrippen/#trekker">'
        "trekker</a></p>"
    )


def signed_contract_with_terms():
    contract = complete_contract()
    ContractSectionFactory(
        contract=contract,
        heading="Rol van bewoners",
        body="Bewoners krijgen een laagdrempelige plek om mee te praten.",
    )
    ProjectFactory(contract=contract, description="Partners dragen bij in natura.")
    move_to(contract, ContractStatus.SIGNED)
    return contract


def test_the_contract_page_explains_the_terms_of_its_text(client):
    contract = signed_contract_with_terms()

    page = client.get(contract.get_absolute_url()).content.decode()

    linked = dict(TERM_LINK.findall(page))
    assert {"laagdrempelig", "in-natura", "trekker"} <= set(linked)


def test_the_project_page_links_its_lead_partner_label(client):
    contract = signed_contract_with_terms()
    project = Project.objects.get(contract=contract)

    page = client.get(project.get_absolute_url()).content.decode()

    assert "trekker" in dict(TERM_LINK.findall(page))
    assert "in-natura" in dict(TERM_LINK.findall(page))


def test_the_wijk_page_says_what_its_key_words_mean(client):
    contract = signed_contract_with_terms()

    page = client.get(reverse("neighbourhood_detail", args=[contract.neighbourhood.slug]))

    linked = set(dict(TERM_LINK.findall(page.content.decode())))
    assert {"wijkcontract", "bewonerswens", "wijkbudget", "bewonersinitiatief"} <= linked


# --- English pages of Dutch content -----------------------------------------------------------

DUTCH_ONLY = 'data-notice="dutch-only"'


def pages_of(contract):
    project = Project.objects.get(contract=contract)
    return [
        contract.get_absolute_url(),
        project.get_absolute_url(),
        reverse("neighbourhood_detail", args=[contract.neighbourhood.slug]),
    ]


def test_english_pages_say_that_the_content_is_in_dutch_and_mark_it_so():
    contract = signed_contract_with_terms()
    project = Project.objects.get(contract=contract)
    client = english_client()

    for url in pages_of(contract):
        page = client.get(url).content.decode()
        assert '<html lang="en"' in page, url
        assert page.count(DUTCH_ONLY) == 1, url
        # The note links the glossary; the contract's own words are marked as Dutch.
        notice = page[page.index(DUTCH_ONLY) :]
        assert f'href="{GLOSSARY}"' in notice[: notice.index("</div>")]
        assert f'lang="nl">{contract.title}<' in page or f'lang="nl">{project.title}<' in page, url

    contract_page = client.get(contract.get_absolute_url()).content.decode()
    for section in re.findall(r'<section class="contract-section"[^>]*>', contract_page):
        if "data-project" not in section:
            assert 'lang="nl"' in section


def test_dutch_pages_have_no_such_note(client):
    contract = signed_contract_with_terms()

    for url in pages_of(contract):
        assert DUTCH_ONLY not in client.get(url).content.decode(), url
