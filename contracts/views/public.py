"""Public pages of the contract domain: the list of wijken and the contract texts."""

from django.http import Http404
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, TemplateView

from contracts import documents, selectors
from contracts.forms import NeighbourhoodSearchForm
from wijkaanpak.common import archive, pdf
from wijkaanpak.common.pages import page_of
from wijkaanpak.common.ratelimits import limit_pdf_renders


class NeighbourhoodListView(TemplateView):
    """The wijken by district, a page at a time, with a search and the status of the contract
    each visitor may see. Four queries however many wijken there are."""

    template_name = "contracts/neighbourhood_list.html"
    paginate_by = 30

    def get_context_data(self, **kwargs):
        form = NeighbourhoodSearchForm(self.request.GET)
        query = form.query()
        page = page_of(
            self.request,
            selectors.search_neighbourhoods(self.request.user, query),
            self.paginate_by,
            keep=["q"] if query else [],
        )
        neighbourhoods = selectors.attach_current_contract(page.object_list)
        return super().get_context_data(
            form=form,
            query=query,
            page_obj=page,
            neighbourhoods=neighbourhoods,
            shows_illustrative=any(
                n.current_contract.is_illustrative for n in neighbourhoods if n.current_contract
            ),
            **kwargs,
        )


class ContractDetailMixin:
    """The full text of one contract, with its other versions and the demo-data flag."""

    template_name = "contracts/contract_detail.html"
    context_object_name = "contract"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contract = self.object
        context["neighbourhood"] = contract.neighbourhood
        context["other_contracts"] = selectors.other_contracts(contract, self.request.user)
        context["college_decisions"] = selectors.college_decisions(contract)
        context["shows_illustrative"] = selectors.has_illustrative_content(contract) or any(
            decision.is_illustrative for decision in context["college_decisions"]
        )
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
@limit_pdf_renders
def contract_pdf(request, slug):
    """The wijk's current contract as a print-ready, tagged A4 PDF (in Dutch, always).

    The same contract, and the same visibility, as CurrentContractView: a draft is a 404 for
    residents and a marked concept for staff. A signed contract is its archived original, byte
    for byte, with the SHA-256 fingerprint as ETag (so a browser that has it gets a 304); a
    contract that is ready for signing is its final PDF, the file that will be signed, the
    same way; a draft carries a CONCEPT mark and is rendered again only when it changed.
    """
    neighbourhood = selectors.get_neighbourhood_or_404(slug)
    contract = selectors.current_contract(
        neighbourhood, request.user, queryset=selectors.contracts_with_text()
    )
    if contract is None:
        raise Http404("This neighbourhood has no contract to show")
    return _contract_pdf_response(request, contract)


@require_safe
@limit_pdf_renders
def contract_version_pdf(request, slug, pk):
    """One particular contract of a wijk as PDF (e.g. an earlier one), with the same rules."""
    contract = selectors.contract_version_or_404(slug, pk, request.user)
    return _contract_pdf_response(request, contract)


def _contract_pdf_response(request, contract):
    # The signed original, or the final PDF while it is ready for signing: a stored file.
    original = documents.published_document(contract)
    if original is not None and (unchanged := pdf.not_modified(request, original.sha256)):
        return unchanged
    try:
        data, source = documents.contract_pdf(contract)
    except archive.ArchiveError as error:
        return archive.unavailable_response(request, error)
    if original is not None and contract.is_signed:
        cache_control = "public, max-age=3600"
    elif original is not None:
        # A final PDF gives way to a new print, or to a draft again: checked on every use.
        cache_control = "no-cache"
    else:
        # A concept changes until it is signed; staff previews of drafts are private.
        cache_control = "no-cache" if contract.is_public else "private, no-store"
    filename = documents.contract_filename(contract)
    if source == "archive":
        response = pdf.stored_pdf_response(
            request,
            original.file.name,
            data,
            filename,
            fingerprint=original.sha256,
            cache_control=cache_control,
        )
    else:
        response = pdf.pdf_response(
            data,
            filename,
            fingerprint=original.sha256 if original else None,
            cache_control=cache_control,
        )
    response["X-Wijkaanpak-Source"] = source
    return response
