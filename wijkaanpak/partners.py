"""Partner accountability: every partner of the public contracts, and per partner what it
promised (its contracts, signatories, the projects it leads or joins and its contributions)
beside what it delivered (each project's status and progress), as a page and as a PDF for the
partner's board.

Only public contracts count, for every visitor: a draft is no promise yet. A partner that
signed nothing public and takes part in nothing public gets an honest empty page and PDF, not
a 404: its name is no secret, the absence of a promise is the news. No contact data is shown,
not even the partner's own e-mail address. It reads contracts and projects, which is why it
lives here.
"""

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from projects import selectors
from wijkaanpak.common import pdf
from wijkaanpak.common.pages import page_of
from wijkaanpak.common.ratelimits import limit_pdf_renders

PDF_TEMPLATE = "pdf/partner.html"


# Partners on a page of /partners/: a city's few dozen fit on one; a page stays short beyond.
PARTNERS_PER_PAGE = 60


class PartnerListView(TemplateView):
    """Every partner of a public contract or project, grouped by kind, with its counts; a page
    of PARTNERS_PER_PAGE at a time, in the order of kind and name."""

    template_name = "wijkaanpak/partner_list.html"

    def get_context_data(self, **kwargs):
        page, groups, kinds = selectors.public_partner_page(
            lambda partners, per_page: page_of(self.request, partners, per_page),
            PARTNERS_PER_PAGE,
        )
        return super().get_context_data(
            page_obj=page,
            groups=[(kind, label, partners, kinds[kind]) for kind, label, partners in groups],
            partner_count=page.paginator.count,
            shows_illustrative=any(partner.is_illustrative for partner in page.object_list),
            **kwargs,
        )


class PartnerDetailView(TemplateView):
    """One partner's accountability page: promised and delivered, contract by contract, a
    page of contracts at a time; the summary counts all of them."""

    template_name = "wijkaanpak/partner_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **selectors.partner_page(
                self.kwargs["slug"],
                lambda contracts, per_page: page_of(self.request, contracts, per_page),
            ),
            **kwargs,
        )


def partner_pdf_title(partner):
    return _("Accountability of %(name)s") % {"name": partner.name}


@require_safe
@limit_pdf_renders
def partner_pdf(request, slug):
    """The partner's accountability as a tagged A4 PDF for its board, dated the day it is
    printed; rendered anew only when its HTML changes (wijkaanpak.common.pdf's cache)."""
    accountability = selectors.partner_accountability(slug)
    partner = accountability["partner"]
    data, from_cache = pdf.render_pdf_cached(
        PDF_TEMPLATE,
        {
            **accountability,
            "drawn_up_on": timezone.localdate(),
            "municipality_name": settings.MUNICIPALITY_NAME,
        },
        title=partner_pdf_title(partner),
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    response = pdf.pdf_response(data, f"verantwoording-{partner.slug}.pdf")
    response["X-Wijkaanpak-Source"] = "cache" if from_cache else "rendered"
    return response
