"""Reads of the contract domain for the public pages and the admin."""

from django.db.models import Prefetch
from django.http import Http404

from contracts.models import Contract, ContractParty, ContractSection, Neighbourhood, ResidentWish


def contracts_with_text():
    """Contracts with everything their full text shows, in a fixed number of queries."""
    return Contract.objects.select_related("neighbourhood__district").prefetch_related(
        Prefetch("sections", queryset=ContractSection.objects.order_by("order", "pk")),
        Prefetch(
            "parties", queryset=ContractParty.objects.select_related("partner").order_by("order")
        ),
        Prefetch("wishes", queryset=ResidentWish.objects.order_by("order", "pk")),
        "neighbourhood__sub_areas",
    )


def current_contract(neighbourhood, user, queryset=None):
    """The contract a visitor sees for a wijk: the latest one they may see, or None.

    Residents see the latest contract from "ready for signing" on; staff also see a newer
    draft, which the page marks as a concept.
    """
    queryset = Contract.objects.all() if queryset is None else queryset
    return (
        queryset.visible_to(user)
        .filter(neighbourhood=neighbourhood)
        .order_by("-period_start", "-pk")
        .first()
    )


def get_neighbourhood_or_404(slug):
    try:
        return Neighbourhood.objects.select_related("district").get(slug=slug)
    except Neighbourhood.DoesNotExist:
        raise Http404("Unknown neighbourhood") from None


def neighbourhoods_with_districts():
    """All wijken with their district and areas, for lists."""
    return Neighbourhood.objects.select_related("district").prefetch_related("sub_areas")
