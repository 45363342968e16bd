"""The residents' leaflet of a wijk: "what we agreed in your wijk", two A4 pages as a PDF.

Printed and delivered door to door, so it is short by design: page 1 holds the contract's
facts and the residents' wishes, page 2 the projects with their lead partners, whom to
contact, how to apply to the fund and where to read the whole contract. The lists are capped
(LEAFLET_WISHES, LEAFLET_PROJECTS) and hold as many items as their titles and texts leave
room for (WISH_PAGE_LINES, PROJECT_PAGE_LINES). A wish's or project's text is its first
whole sentences, never a sentence cut off; only a title longer than two lines and names are
shortened, so that the longest texts the models allow still fit. Should a page overflow all
the same, its sheet clips the rest (static/css/pdf-leaflet.css): two pages, always.
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
from wijkaanpak.common.ratelimits import limit_pdf_renders

LEAFLET_TEMPLATE = "pdf/leaflet.html"

# At most this many wishes (page 1) and projects (page 2); the rest is counted and referred
# to the full contract. Chosen so that the longest texts the models allow still fit a page.
LEAFLET_WISHES = 5
LEAFLET_PROJECTS = 5
# A line of a wish's or project's text on the leaflet holds about this many characters, a
# line of its (bold, larger) title about TITLE_LINE_CHARS.
LINE_CHARS = 80
TITLE_LINE_CHARS = 55
# A text is what fits in two lines: its first whole sentences. When the first sentence is
# longer, it may take three lines, where the page has room; a longer one is left out (the
# title stays), never cut off.
TEXT_LINES = 2
LONGEST_TEXT_LINES = 3
# A title takes one or two lines; only a title longer than two lines is shortened. A title
# line is taller than a text line (12.5 pt bold against 10.5 to 11 pt text).
TITLE_LINES = 2
TITLE_LINE_HEIGHT = 1.25
# The height of the titles and texts of all wishes (page 1) and all projects (page 2)
# together, in text lines: what the longest names, the CONCEPT banner and the boxes the page
# holds still leave room for (page 1: five two-line titles with two lines of text; page 2:
# five one-line titles with two lines of text). A list shows fewer items when they need more,
# and counts the rest.
WISH_PAGE_LINES = 22.5
PROJECT_PAGE_LINES = 16.5
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


def whole_sentences(text, max_chars):
    """The first whole sentences of `text` that together fit in `max_chars`; "" when even the
    first sentence is longer. A leaflet says "Bewoners willen meer groen." or nothing, never
    a sentence cut off in the middle."""
    kept = ""
    for sentence in SENTENCE_END.split(" ".join(text.split())):
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) > max_chars:
            break
        kept = candidate
    return kept


def text_choices(*texts):
    """What the leaflet may print of an item, best first, each with the lines it takes: of
    each of `texts` in turn (a project's summary before its description) its whole sentences
    in two lines, then a first sentence of up to three lines; at last nothing."""
    for text in texts:
        for lines in (TEXT_LINES, LONGEST_TEXT_LINES):
            kept = whole_sentences(text, lines * LINE_CHARS)
            if kept:
                yield kept, lines_of(kept, LINE_CHARS)
    yield "", 0


def lines_of(text, chars_per_line):
    return -(-len(text) // chars_per_line)


def fit_items(items, texts_of, max_items, page_lines):
    """The first of `items` (at most `max_items`) that fit `page_lines` together, each with
    its `leaflet_title` and `leaflet_text`.

    First every item gets its best text of at most two lines (or none), so that as many items
    as possible are shown; then, in order, an item whose preferred text is longer (a summary
    whose first sentence takes three lines) gets it where the page still has room. The first
    item is always shown.
    """
    rows, used = [], 0.0
    for item in items[:max_items]:
        title = Truncator(" ".join(item.title.split())).chars(TITLE_LINES * TITLE_LINE_CHARS)
        height = lines_of(title, TITLE_LINE_CHARS) * TITLE_LINE_HEIGHT
        choices = list(text_choices(*texts_of(item)))
        compact = next(choice for choice in choices if choice[1] <= TEXT_LINES)
        if rows and used + height + compact[1] > page_lines:
            break
        rows.append([item, title, choices[0], compact])
        used += height + compact[1]
    for row in rows:
        _item, _title, preferred, chosen = row
        if preferred != chosen and used + preferred[1] - chosen[1] <= page_lines:
            used += preferred[1] - chosen[1]
            row[3] = preferred
    for item, title, _preferred, (text, _lines) in rows:
        item.leaflet_title, item.leaflet_text = title, text
    return [row[0] for row in rows]


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
    all_wishes = list(contract.wishes.all())
    wishes = fit_items(all_wishes, lambda wish: [wish.description], LEAFLET_WISHES, WISH_PAGE_LINES)
    projects = project_selectors.contract_chapter_projects(contract)
    shown_projects = fit_items(
        projects,
        lambda project: [project.summary, project.description],
        LEAFLET_PROJECTS,
        PROJECT_PAGE_LINES,
    )
    fund = _fund_for(contract)
    lead_partners, more_lead_partners = _lead_partners(projects)
    return {
        "contract": contract,
        "neighbourhood": neighbourhood,
        "is_concept": not contract.is_signed,
        "municipality_name": settings.MUNICIPALITY_NAME,
        "contact_email": settings.CONTACT_EMAIL,
        "contact_person": settings.CONTACT_PERSON,
        "contact_phone": settings.CONTACT_PHONE,
        "fund_url": settings.SITE_URL + reverse("budget:apply"),
        "contract_url": settings.SITE_URL
        + reverse("contracts:contract_detail", kwargs={"slug": neighbourhood.slug}),
        "wishes": wishes,
        "more_wishes": len(all_wishes) - len(wishes),
        "projects": shown_projects,
        "more_projects": len(projects) - len(shown_projects),
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
@limit_pdf_renders
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
