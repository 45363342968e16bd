"""Public pages of the contract domain: the list of wijken and the contract texts."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView

from contracts import selectors
from wijkaanpak.pdf import render_pdf


class NeighbourhoodListView(ListView):
    """All wijken by district, with the status of the contract each visitor may see."""

    template_name = "contracts/neighbourhood_list.html"
    context_object_name = "neighbourhoods"

    def get_queryset(self):
        return selectors.neighbourhoods_with_current_contract(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["shows_illustrative"] = any(
            n.current_contract.is_illustrative
            for n in context["neighbourhoods"]
            if n.current_contract
        )
        return context


class ContractDetailMixin:
    """The full text of one contract, with its other versions and the demo-data flag."""

    template_name = "contracts/contract_detail.html"
    context_object_name = "contract"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contract = self.object
        context["neighbourhood"] = contract.neighbourhood
        context["other_contracts"] = selectors.other_contracts(contract, self.request.user)
        context["shows_illustrative"] = selectors.has_illustrative_content(contract)
        return context


class CurrentContractView(ContractDetailMixin, DetailView):
    """The wijk's current contract: the latest one the visitor may see."""

    def get_object(self, queryset=None):
        neighbourhood = selectors.get_neighbourhood_or_404(self.kwargs["slug"])
        contract = selectors.current_contract(
            neighbourhood, self.request.user, queryset=selectors.contracts_with_history()
        )
        if contract is None:
            raise Http404("This neighbourhood has no contract to show")
        return contract

    def get_context_data(self, **kwargs):
        return super().get_context_data(is_current=True, **kwargs)


class ContractVersionView(ContractDetailMixin, DetailView):
    """One particular contract of a wijk, e.g. of an earlier period."""

    def get_object(self, queryset=None):
        return selectors.contract_version_or_404(
            self.kwargs["slug"], self.kwargs["pk"], self.request.user
        )

    def get_context_data(self, **kwargs):
        current = selectors.current_contract(self.object.neighbourhood, self.request.user)
        return super().get_context_data(
            is_current=current is not None and current.pk == self.object.pk, **kwargs
        )


@require_safe
def contract_pdf(request, slug):
    """The wijk's current contract as a print-ready, tagged A4 PDF (in Dutch, always).

    The same contract, and the same visibility, as CurrentContractView: a draft is a 404 for
    residents and a marked concept for staff. Unsigned contracts carry a CONCEPT mark.
    """
    neighbourhood = selectors.get_neighbourhood_or_404(slug)
    contract = selectors.current_contract(
        neighbourhood, request.user, queryset=selectors.contracts_with_text()
    )
    if contract is None:
        raise Http404("This neighbourhood has no contract to show")
    # The contract is a Dutch document, whatever the visitor's language.
    with translation.override(settings.LANGUAGE_CODE):
        pdf = render_pdf(
            "pdf/contract.html",
            {
                "contract": contract,
                "neighbourhood": neighbourhood,
                "municipality_name": settings.MUNICIPALITY_NAME,
                "fund_url": f"{settings.SITE_URL}/initiatieven/aanvragen/",
                "is_concept": not contract.is_signed,
            },
            title=contract.title,
            language=settings.LANGUAGE_CODE,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        False, f"wijkcontract-{neighbourhood.slug}.pdf"
    )
    return response
