"""Reads of the contract domain for the public pages and the admin."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Lower
from django.http import Http404

from contracts.choices import (
    PUBLIC_STATUSES,
    AddendumStatus,
    ContractStatus,
    DistributionStatus,
)
from contracts.models import (
    Addendum,
    CollegeDecision,
    Contract,
    ContractParty,
    ContractSection,
    ContractStatusChange,
    Distribution,
    Neighbourhood,
    Programme,
    ResidentWish,
    SubArea,
)


def _parties():
    return ContractParty.objects.select_related("partner").order_by("order", "pk")


def _wishes():
    return ResidentWish.objects.order_by("order", "pk")


def contracts_with_text():
    """Contracts with everything their full text shows, in a fixed number of queries."""
    return Contract.objects.select_related(
        "neighbourhood__district", "signed_original", "final_document"
    ).prefetch_related(
        Prefetch("sections", queryset=ContractSection.objects.order_by("order", "pk")),
        Prefetch("parties", queryset=_parties()),
        Prefetch("wishes", queryset=_wishes()),
        "neighbourhood__sub_areas",
    )


def contracts_with_history():
    """Contracts with their full text and their status changes (the public contract page)."""
    return contracts_with_text().prefetch_related(
        Prefetch(
            "status_changes",
            queryset=ContractStatusChange.objects.order_by("changed_at", "pk"),
        )
    )


def contracts_with_summary():
    """Contracts with what the wijk page shows of them: parties and wishes, not the text."""
    return Contract.objects.select_related("neighbourhood__district").prefetch_related(
        Prefetch("parties", queryset=_parties()),
        Prefetch("wishes", queryset=_wishes()),
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


def contract_version_or_404(slug, pk, user):
    """One contract of the wijk `slug`, if the visitor may see it; else Http404.

    A contract of another wijk is a 404 too, so a URL can never show a contract under the
    wrong wijk's name.
    """
    contract = (
        contracts_with_history().visible_to(user).filter(neighbourhood__slug=slug, pk=pk).first()
    )
    if contract is None:
        raise Http404("No such contract for this neighbourhood")
    return contract


def other_contracts(contract, user):
    """The other contracts of the same wijk that the visitor may see, newest first."""
    return (
        Contract.objects.visible_to(user)
        .filter(neighbourhood_id=contract.neighbourhood_id)
        .exclude(pk=contract.pk)
        .order_by("-period_start", "-pk")
    )


def has_illustrative_content(contract):
    """Whether a page showing this contract and its parties shows demo data.

    Uses the prefetched parties, so it costs no query on the public pages.
    """
    if contract is None:
        return False
    return contract.is_illustrative or any(
        party.partner.is_illustrative for party in contract.parties.all()
    )


def college_decisions(contract):
    """The college's decisions on `contract`, oldest first (one query)."""
    return list(
        CollegeDecision.objects.filter(contracts=contract).order_by("meeting_date", "reference")
    )


def get_neighbourhood_or_404(slug):
    try:
        return Neighbourhood.objects.select_related("district").get(slug=slug)
    except Neighbourhood.DoesNotExist:
        raise Http404("Unknown neighbourhood") from None


def neighbourhoods_with_districts():
    """All wijken with their district and areas, for lists."""
    return Neighbourhood.objects.select_related("district").prefetch_related("sub_areas")


def _with_visible_contracts(neighbourhoods, user, programme=None):
    """`neighbourhoods` with the contracts `user` may see (of `programme` when given),
    latest first, as `visible_contracts`: attach_current_contract() picks the current one."""
    visible = Contract.objects.visible_to(user).order_by("-period_start", "-pk")
    if programme is not None:
        visible = visible.filter(programme=programme)
    return neighbourhoods.prefetch_related(
        Prefetch("contracts", queryset=visible, to_attr="visible_contracts")
    )


def attach_current_contract(neighbourhoods):
    """Give each wijk of a page `current_contract` (or None) from its `visible_contracts`;
    returns them as a list. "Current" means the same as in current_contract()."""
    neighbourhoods = list(neighbourhoods)
    for neighbourhood in neighbourhoods:
        contracts = neighbourhood.visible_contracts
        neighbourhood.current_contract = contracts[0] if contracts else None
    return neighbourhoods


def search_neighbourhoods(user, query=""):
    """The wijken whose name, district or area contains `query` (all without one), by
    district and name, for the list of wijken; page them, then attach_current_contract().

    Three queries for a page however many wijken and contracts there are.
    """
    neighbourhoods = neighbourhoods_with_districts()
    if query:
        in_area = SubArea.objects.filter(neighbourhood=OuterRef("pk"), name__icontains=query)
        neighbourhoods = neighbourhoods.filter(
            Q(name__icontains=query) | Q(district__name__icontains=query) | Exists(in_area)
        )
    return _with_visible_contracts(neighbourhoods, user).order_by("district__name", "name", "pk")


def home_neighbourhoods(programme, user, limit):
    """At most `limit` wijken for the home page, by name, each with `current_contract`, and
    how many there are in all: the wijken with a contract of `programme` that `user` may see,
    or every wijk when there is no programme.

    Four queries however many wijken and contracts there are.
    """
    neighbourhoods = neighbourhoods_with_districts()
    if programme is not None:
        in_programme = Contract.objects.visible_to(user).filter(programme=programme)
        neighbourhoods = neighbourhoods.filter(pk__in=in_programme.values("neighbourhood_id"))
    # By name: residents look for their wijk, not for its district.
    neighbourhoods = _with_visible_contracts(neighbourhoods, user, programme).order_by(
        Lower("name"), "pk"
    )
    return attach_current_contract(neighbourhoods[:limit]), neighbourhoods.count()


def current_contracts(user, programme=None):
    """Each wijk's current contract for `user` (of `programme` when given), as a queryset."""
    visible = Contract.objects.visible_to(user)
    if programme is not None:
        visible = visible.filter(programme=programme)
    latest = visible.filter(neighbourhood=OuterRef("neighbourhood")).order_by(
        "-period_start", "-pk"
    )
    return visible.filter(pk=Subquery(latest.values("pk")[:1]))


def current_programme():
    """The current programme (Programme.objects.current()), or None."""
    return Programme.objects.current()


def other_programmes(programme):
    """Every programme but `programme`, latest first: the ones a page links to."""
    programmes = Programme.objects.order_by("-period_start", "name")
    if programme is not None:
        programmes = programmes.exclude(pk=programme.pk)
    return list(programmes)


def get_programme_or_404(slug):
    try:
        return Programme.objects.get(slug=slug)
    except Programme.DoesNotExist:
        raise Http404("No programme with this slug") from None


def programme_contracts(programme):
    """The public contracts of `programme` by wijk name, with their wijk, district and wishes.

    Two queries however many contracts and wishes there are. Drafts never appear: the
    programme's pages and its report are public.
    """
    return list(
        Contract.objects.public()
        .filter(programme=programme)
        .select_related("neighbourhood__district")
        .prefetch_related(Prefetch("wishes", queryset=_wishes()))
        .order_by("neighbourhood__name", "period_start", "pk")
    )


def public_programme_contracts(programme):
    """The public contracts of `programme`, as a queryset (for counts and sums)."""
    return Contract.objects.public().filter(programme=programme)


def programme_contract_list(programme):
    """The public contracts of `programme` by wijk name, with their wijk and district and
    `project_count`: a queryset to page (the programme's page)."""
    return (
        public_programme_contracts(programme)
        .select_related("neighbourhood__district")
        .annotate(project_count=Count("projects"))
        .order_by("neighbourhood__name", "period_start", "pk")
    )


def shows_illustrative(contracts):
    """Whether any of `contracts` (a queryset) is demo data. One query."""
    return contracts.filter(is_illustrative=True).exists()


@dataclass(frozen=True)
class Signing:
    """The contracts signed (or to be signed) on one date: how many, whether all of them are
    signed, and which wijken when all of them are among the contracts shown (else empty: a
    date of hundreds of wijken is told by its number)."""

    date: datetime.date | None
    is_signed: bool
    size: int
    neighbourhoods: tuple


def programme_signings(contracts, shown=()):
    """The signing dates of `contracts` (a queryset), no date last. One query."""
    groups = (
        contracts.order_by()
        .values("signed_on")
        .annotate(
            size=Count("pk"),
            signed=Count(
                "pk", filter=Q(status__in=(ContractStatus.SIGNED, ContractStatus.COMPLETED))
            ),
        )
    )
    by_date = {}
    for contract in shown:
        by_date.setdefault(contract.signed_on, []).append(contract.neighbourhood)
    signings = [
        Signing(
            date=group["signed_on"],
            is_signed=group["signed"] == group["size"],
            size=group["size"],
            neighbourhoods=tuple(by_date.get(group["signed_on"], ()))
            if len(by_date.get(group["signed_on"], ())) == group["size"]
            else (),
        )
        for group in groups
    ]
    return sorted(signings, key=lambda s: (s.date is None, s.date or datetime.date.min))


@dataclass(frozen=True)
class ContractRound:
    """Contracts that share their signing date and period: one round of the programme."""

    signed_on: datetime.date | None
    period_start: datetime.date
    period_end: datetime.date
    # True once the signing has happened (any contract of the round signed); the wijken's
    # own status badges show which contracts still wait for their signatures.
    is_signed: bool
    # How many wijken the round has, and which, when they are all among `shown` (else empty:
    # a round of hundreds of wijken is told by its number).
    size: int
    neighbourhoods: tuple

    @property
    def midterm(self):
        """The midterm review falls halfway through the period."""
        return self.period_start + (self.period_end - self.period_start) / 2


def contract_rounds(contracts, shown=()):
    """The key dates of the programme, derived from the public ones of `contracts`.

    `contracts` is a queryset of current contracts (current_contracts()); `shown` the wijken
    on the page, each with `current_contract`. Contracts with the same signing date and period
    form one round (the five pilot wijken of 2007 are one round; a later round of wijken is
    another). Drafts do not count: their dates are not public yet. One query, however many
    contracts there are.
    """
    key = ("signed_on", "period_start", "period_end")
    groups = (
        contracts.filter(status__in=PUBLIC_STATUSES)
        .values(*key)
        .annotate(
            size=Count("pk"),
            signed=Count(
                "pk", filter=Q(status__in=(ContractStatus.SIGNED, ContractStatus.COMPLETED))
            ),
        )
        .order_by()
    )
    on_page = {}
    for neighbourhood in shown:
        contract = neighbourhood.current_contract
        if contract is not None and contract.is_public:
            on_page.setdefault(
                (contract.signed_on, contract.period_start, contract.period_end), []
            ).append(neighbourhood)
    rounds = []
    for group in groups:
        neighbourhoods = on_page.get(tuple(group[field] for field in key), [])
        rounds.append(
            ContractRound(
                signed_on=group["signed_on"],
                period_start=group["period_start"],
                period_end=group["period_end"],
                is_signed=group["signed"] > 0,
                size=group["size"],
                neighbourhoods=tuple(neighbourhoods)
                if len(neighbourhoods) == group["size"]
                else (),
            )
        )
    return sorted(rounds, key=lambda r: (r.period_start, r.signed_on or r.period_start))


# --- What waits for the editors (the admin's desk) ----------------------------------------------


def draft_contracts():
    """Contracts still being written."""
    return Contract.objects.filter(status=ContractStatus.DRAFT)


def draft_addenda():
    """Addenda still being written: not signed yet."""
    return Addendum.objects.filter(status=AddendumStatus.DRAFT)


def contracts_ready_for_signing():
    """Contracts ready for signing, the first planned signing first; those without a planned
    date (`signed_on`) last."""
    return (
        Contract.objects.filter(status=ContractStatus.READY_FOR_SIGNING)
        .select_related("neighbourhood")
        .order_by(F("signed_on").asc(nulls_last=True), "neighbourhood__name", "pk")
    )


def signed_contracts_without_distribution():
    """Signed (or completed) contracts whose signed original has not gone out to the parties.

    A contract counts as distributed once a distribution of the contract itself (not of one of
    its addenda) is in the outbox or delivered. Distributions that failed for good do not
    count: nobody got the PDF from them, so the contract waits to be sent again.
    """
    distributed = (
        Distribution.objects.with_delivery_status()
        .filter(addendum__isnull=True)
        .exclude(delivery=DistributionStatus.FAILED)
        .values("contract_id")
    )
    return Contract.objects.filter(
        status__in=(ContractStatus.SIGNED, ContractStatus.COMPLETED)
    ).exclude(pk__in=distributed)
