"""The residents' leaflet of a wijk: "what we agreed in your wijk", two A4 pages as a PDF.

Printed and delivered door to door, so it is short by design: page 1 holds the contract's
facts and the residents' wishes, page 2 the projects with their lead partners, whom to
contact, how to apply to the fund and where to read the whole contract. The lists are capped
(LEAFLET_WISHES, LEAFLET_PROJECTS) and every text is shortened, here and in the template, so
that the longest texts the models allow still fit; should a page overflow all the same, its
sheet clips the rest (static/css/pdf-leaflet.css), so the leaflet is two pages, always.
It combines the contracts, projects and budget apps, which is why it lives here.
"""

import re

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from budget import selectors as budget_selectors
from budget.choices import CategoryKind
from contracts import selectors
from contracts.choices import PartnerKind
from projects import selectors as project_selectors
from wijkaanpak.common import pdf

LEAFLET_TEMPLATE = "pdf/leaflet.html"

# At most this many wishes (page 1) and projects (page 2); the rest is counted and referred
# to the full contract. Chosen so that the longest texts the models allow still fit a page.
LEAFLET_WISHES = 5
LEAFLET_PROJECTS = 5
# The longest explanation of a wish and summary of a project: two lines of the leaflet.
WISH_CHARS = 160
PROJECT_CHARS = 160
# A partner's name in the contact box, and all of them together.
PARTNER_CHARS = 40
CONTACT_CHARS = 100
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def leaflet_filename(neighbourhood):
    return f"folder-{neighbourhood.slug}.pdf"


def leaflet_title(neighbourhood):
    """The PDF's title, also its running header: short enough for one line."""
    name = Truncator(neighbourhood.name).chars(60)
    return str(_("What we agreed in %(name)s") % {"name": name})


def _fund_for(contract):
    """What the leaflet says about the fund: the latest fund that covers part of the
    contract's period, with the amount still available for resident initiatives; or None."""
    fund = budget_selectors.fund_overlapping(contract.period_start, contract.period_end)
    if fund is None:
        return None
    account = budget_selectors.fund_account(fund)
    initiatives = next(
        (line for line in account.categories if line.slug == CategoryKind.INITIATIVES), None
    )
    if initiatives is not None and initiatives.ceiling is not None:
        available = initiatives.remaining
    else:
        available = account.remaining
    return {
        "fund": fund,
        "available": max(available, 0),
        "is_illustrative": fund.is_illustrative,
    }


def short_text(text, max_chars):
    """`text` cut to at most `max_chars`: whole sentences where they fit, else whole words.

    A leaflet reads better with "Bewoners willen meer groen." than with a sentence cut off
    in the middle, so the first sentences are kept when the whole text is too long.
    """
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    kept = ""
    for sentence in SENTENCE_END.split(text):
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) > max_chars:
            break
        kept = candidate
    if kept:
        return kept
    # Not even one sentence fits: whole words, or characters for a text without spaces.
    words = text.split()
    while words and len(" ".join(words)) + 1 > max_chars:
        words.pop()
    if words:
        return " ".join(words) + "…"
    return Truncator(text).chars(max_chars)


def _lead_partners(projects):
    """The names of the lead partners of `projects` for the contact box, and how many more.

    Each partner once, in the order of their first project, names shortened; as many as fit
    in about three lines of the box (CONTACT_CHARS), so the box never outgrows the page.
    """
    partners = {}
    for project in projects:
        partners.setdefault(project.lead_partner.pk, project.lead_partner)
    names = []
    for partner in partners.values():
        name = Truncator(partner.name).chars(PARTNER_CHARS)
        if names and len(", ".join([*names, name])) > CONTACT_CHARS:
            break
        names.append(name)
    return names, len(partners) - len(names)


def leaflet_context(contract):
    """Everything the leaflet template shows of `contract` (from contracts_with_summary)."""
    neighbourhood = contract.neighbourhood
    wishes = list(contract.wishes.all())[:LEAFLET_WISHES]
    for wish in wishes:
        wish.leaflet_text = short_text(wish.description, WISH_CHARS)
    projects = project_selectors.contract_chapter_projects(contract)
    for project in projects[:LEAFLET_PROJECTS]:
        project.leaflet_text = short_text(project.summary, PROJECT_CHARS)
    fund = _fund_for(contract)
    lead_partners, more_lead_partners = _lead_partners(projects)
    return {
        "contract": contract,
        "neighbourhood": neighbourhood,
        "is_concept": not contract.is_signed,
        "municipality_name": settings.MUNICIPALITY_NAME,
        "contact_email": settings.CONTACT_EMAIL,
        "fund_url": settings.SITE_URL + reverse("budget:apply"),
        "contract_url": settings.SITE_URL
        + reverse("contracts:contract_detail", kwargs={"slug": neighbourhood.slug}),
        "wishes": wishes,
        "more_wishes": len(contract.wishes.all()) - len(wishes),
        "projects": projects[:LEAFLET_PROJECTS],
        "more_projects": max(len(projects) - LEAFLET_PROJECTS, 0),
        "lead_partners": lead_partners,
        "more_lead_partners": more_lead_partners,
        "residents_councils": [
            party.partner
            for party in contract.parties.all()
            if party.partner.kind == PartnerKind.RESIDENTS_COUNCIL
        ],
        "fund": fund,
        "shows_illustrative": selectors.has_illustrative_content(contract)
        or any(project_selectors.is_illustrative(project) for project in projects)
        or bool(fund and fund["is_illustrative"]),
    }


def render_leaflet(contract):
    """The leaflet of `contract` in Dutch, whatever the request's language: (bytes, from cache)."""
    with translation.override(settings.LANGUAGE_CODE):
        return pdf.render_pdf_cached(
            LEAFLET_TEMPLATE,
            leaflet_context(contract),
            title=leaflet_title(contract.neighbourhood),
            language=settings.LANGUAGE_CODE,
        )


@require_safe
def leaflet_pdf(request, slug):
    """The residents' leaflet of the wijk's current contract, as a two-page A4 PDF.

    The same contract, and the same visibility, as the wijk page: a draft is a 404 for
    residents and shown to staff. Every leaflet of a contract that is not signed yet (a
    draft, or ready for signing) is marked CONCEPT.
    """
    neighbourhood = selectors.get_neighbourhood_or_404(slug)
    contract = selectors.current_contract(
        neighbourhood, request.user, queryset=selectors.contracts_with_summary()
    )
    if contract is None:
        raise Http404("This neighbourhood has no contract to show")
    data, _from_cache = render_leaflet(contract)
    return pdf.pdf_response(data, leaflet_filename(neighbourhood))
