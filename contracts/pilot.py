"""The contracts parts of a pilot file: districts, wijken, partners and signed contracts.

Loaded by the framework in :mod:`wijkaanpak.common.pilot`, which reads and checks the file and
discovers this module. Four top-level keys, in this order:

``districts`` (order 10)
    ``[{slug, name}]``
``neighbourhoods`` (order 20)
    ``[{slug, name, district: <district slug>, description?, sub_areas?: [name, ...]}]``
``partners`` (order 30)
    ``[{name, kind, email?, website?, is_illustrative?, source_note?}]``
``programmes`` (order 45)
    ``[{slug, name, period_start, period_end, description?, is_current?, is_illustrative?,
    contracts: [{neighbourhood, period_start}], college_decisions?: [{reference, meeting_date,
    subject, portfolio_holder?, author?, context?: [text], approved: [text], communication?:
    [text], committee?, is_illustrative?}]}]``
``contracts`` (order 40)
    ``[{neighbourhood: <slug>, title, period_start, period_end, motto?, signed_on?,
    signing_place?, is_illustrative?, sections: [{heading, paragraphs: [text, ...]}],
    parties: [{partner: <partner name>, signatory_name?, signatory_function?}],
    wishes: [{title, description?, source, not_taken_up_reason?}],
    lifecycle?: [{status, at, note?}]}]``

A contract is created as a draft; its lifecycle steps (ready for signing, signed) are walked
at :data:`SIGNING_ORDER`, once every part ordered before it has run, because what those parts
add (a contract's projects) is part of the signed text and cannot be added to a frozen
contract. Lifecycle moments without an offset are read in the site's time zone. A section's
paragraphs are joined with blank lines.

The apps above find these records through the :class:`ContractLoadContext` every load gets
(``context.contract("centrum", date(2007, 10, 2))``, ``context.partner(…)``), without importing
this module. A part ordered before :data:`SIGNING_ORDER` finds the contracts this load creates
still in draft and may add to their text; a part ordered from it on finds them in the status
the file gives.

Loading twice changes nothing. Every record is matched on its natural key: district and
neighbourhood by slug, partner by name, contract by neighbourhood and start of period. A record
that exists is left exactly as it is, together with what belongs to it (a neighbourhood's
sub-areas; a contract's sections, parties, wishes and lifecycle): staff may have edited it since,
and loading the file again must not undo their work. Only what is missing is created.
"""

import datetime
from dataclasses import dataclass, field
from typing import Annotated

import pydantic
from django.utils.translation import gettext_lazy as _

from contracts import documents, services
from contracts.choices import ContractStatus, PartnerKind, WishSource
from contracts.models import (
    CollegeDecision,
    Contract,
    ContractParty,
    ContractSection,
    District,
    Neighbourhood,
    Partner,
    Programme,
    ResidentWish,
    SignedOriginal,
    SubArea,
)
from wijkaanpak.common.pilot import (
    AFTER_ALL_PARTS,
    AnyText,
    Boolean,
    IsoDate,
    IsoMoment,
    Item,
    LoadContext,
    Text,
    call,
    choice,
    fail,
    register_context,
    register_part,
    register_step,
)

# Sections get orders 10, 20, 30, … like the standard sections, so staff can slot one in between.
ORDER_STEP = 10
# Parts ordered below this run while the contracts this load creates are still drafts; then
# those contracts are walked through their lifecycle (signed); parts from here on build on that.
SIGNING_ORDER = 90


# --- The items of the file --------------------------------------------------------------------


class DistrictItem(Item):
    slug: Text
    name: Text


class NeighbourhoodItem(Item):
    slug: Text
    name: Text
    district: Text
    description: AnyText = ""
    sub_areas: list[Text] = []


class PartnerItem(Item):
    name: Text
    kind: choice(PartnerKind)
    email: AnyText = ""
    website: AnyText = ""
    is_illustrative: Boolean = False
    source_note: AnyText = ""


class SectionItem(Item):
    heading: Text
    paragraphs: Annotated[list[Text], pydantic.Field(min_length=1)]


class PartyItem(Item):
    partner: Text
    signatory_name: AnyText = ""
    signatory_function: AnyText = ""


class WishItem(Item):
    title: Text
    description: AnyText = ""
    source: choice(WishSource)
    not_taken_up_reason: AnyText = ""


class LifecycleStepItem(Item):
    status: choice(ContractStatus)
    at: IsoMoment
    note: AnyText = ""


class ContractItem(Item):
    neighbourhood: Text
    title: Text
    motto: AnyText = ""
    period_start: IsoDate
    period_end: IsoDate
    signed_on: IsoDate | None = None
    signing_place: AnyText = ""
    is_illustrative: Boolean = False
    sections: list[SectionItem]
    parties: list[PartyItem]
    wishes: list[WishItem]
    lifecycle: list[LifecycleStepItem] = []


class ContractRefItem(Item):
    neighbourhood: Text
    period_start: IsoDate


class CollegeDecisionItem(Item):
    reference: Text
    meeting_date: IsoDate
    subject: Text
    portfolio_holder: AnyText = ""
    author: AnyText = ""
    context: list[Text] = []
    approved: Annotated[list[Text], pydantic.Field(min_length=1)]
    communication: list[Text] = []
    committee: AnyText = ""
    is_illustrative: Boolean = False


class ProgrammeItem(Item):
    slug: Text
    name: Text
    period_start: IsoDate
    period_end: IsoDate
    description: AnyText = ""
    is_current: Boolean = False
    is_illustrative: Boolean = False
    contracts: list[ContractRefItem] = []
    college_decisions: list[CollegeDecisionItem] = []


# --- What later parts find --------------------------------------------------------------------


@register_context
@dataclass
class ContractLoadContext(LoadContext):
    """A load's context with the contract domain's records, for the parts of every app."""

    # The contracts the file names, by (neighbourhood slug, start of period).
    contracts: dict[tuple[str, datetime.date], Contract] = field(default_factory=dict)
    # New contracts with the lifecycle steps still to walk at SIGNING_ORDER: (contract, steps,
    # path of the contract in the file).
    pending_lifecycles: list[tuple[Contract, list[LifecycleStepItem], str]] = field(
        default_factory=list
    )

    def district(self, slug, path):
        return self.find(District, "slug", slug, path)

    def neighbourhood(self, slug, path):
        return self.find(Neighbourhood, "slug", slug, path)

    def partner(self, name, path):
        return self.find(Partner, "name", name, path)

    def contract(self, neighbourhood_slug, period_start, path=""):
        """A contract of this file (or already in the database), for parts that build on it."""
        key = (neighbourhood_slug, period_start)
        if key not in self.contracts:
            neighbourhood = self.neighbourhood(neighbourhood_slug, path)
            found = Contract.objects.filter(
                neighbourhood=neighbourhood, period_start=period_start
            ).first()
            if found is None:
                raise fail(
                    path,
                    "unknown_reference",
                    _("no contract of %(neighbourhood)s starting on %(start)s"),
                    neighbourhood=neighbourhood_slug,
                    start=period_start.isoformat(),
                )
            self.contracts[key] = found
        return self.contracts[key]


# --- The parts --------------------------------------------------------------------------------


@register_part("districts", order=10, schema=DistrictItem, unique_by=("slug",))
def load_districts(items, context):
    """Districts (stadsdelen), matched by slug."""
    for index, item in enumerate(items):
        context.get_or_create(
            District,
            {"slug": item.slug},
            lambda item=item: District(slug=item.slug, name=item.name),
            f"districts[{index}]",
        )


@register_part("neighbourhoods", order=20, schema=NeighbourhoodItem, unique_by=("slug",))
def load_neighbourhoods(items, context):
    """Wijken, matched by slug; the sub-areas come with a new wijk only.

    An existing wijk keeps its own list of sub-areas: staff may have renamed or removed one, and
    adding the file's name back would duplicate it.
    """
    for index, item in enumerate(items):
        path = f"neighbourhoods[{index}]"
        if Neighbourhood.objects.filter(slug=item.slug).exists():
            context.count(Neighbourhood, created=False)
            continue
        neighbourhood = context.save_new(
            Neighbourhood(
                slug=item.slug,
                name=item.name,
                district=context.district(item.district, f"{path}.district"),
                description=item.description,
            ),
            path,
        )
        for position, name in enumerate(item.sub_areas, start=1):
            context.save_new(
                SubArea(neighbourhood=neighbourhood, name=name, order=position * ORDER_STEP),
                f"{path}.sub_areas[{position - 1}]",
            )


@register_part("partners", order=30, schema=PartnerItem, unique_by=("name",))
def load_partners(items, context):
    """Partner organisations, matched by name."""
    for index, item in enumerate(items):
        context.get_or_create(
            Partner,
            {"name": item.name},
            lambda item=item: Partner(
                name=item.name,
                kind=item.kind,
                email=item.email,
                website=item.website,
                is_illustrative=item.is_illustrative,
                source_note=item.source_note,
            ),
            f"partners[{index}]",
        )


@register_part(
    "contracts", order=40, schema=ContractItem, unique_by=("neighbourhood", "period_start")
)
def load_contracts(items, context):
    """Contracts, matched by wijk and start of period; a new one is built in full.

    A contract that exists is left as it is, whatever its status: once signed it cannot change
    anyway, and a draft belongs to the staff who are writing it.
    """
    for index, item in enumerate(items):
        path = f"contracts[{index}]"
        neighbourhood = context.neighbourhood(item.neighbourhood, f"{path}.neighbourhood")
        contract = Contract.objects.filter(
            neighbourhood=neighbourhood, period_start=item.period_start
        ).first()
        if contract is not None:
            context.count(Contract, created=False)
        else:
            contract = _create_contract(item, neighbourhood, context, path)
        context.contracts[(neighbourhood.slug, item.period_start)] = contract


def _create_contract(item, neighbourhood, context, path):
    """Create a contract as staff would: a draft with its text, parties and wishes.

    Its lifecycle steps are walked later (see walk_lifecycles), after the parts that add to
    its text, such as its projects.
    """
    contract = call(
        path,
        services.create_contract,
        neighbourhood=neighbourhood,
        title=item.title,
        period_start=item.period_start,
        period_end=item.period_end,
        motto=item.motto,
        signed_on=item.signed_on,
        signing_place=item.signing_place,
        is_illustrative=item.is_illustrative,
    )
    context.count(Contract, created=True)
    context.mark_new(contract)

    _write_sections(contract, item.sections, context, f"{path}.sections")
    for position, party in enumerate(item.parties, start=1):
        party_path = f"{path}.parties[{position - 1}]"
        context.save_new(
            ContractParty(
                contract=contract,
                partner=context.partner(party.partner, f"{party_path}.partner"),
                signatory_name=party.signatory_name,
                signatory_function=party.signatory_function,
                order=position * ORDER_STEP,
            ),
            party_path,
        )
    for position, wish in enumerate(item.wishes, start=1):
        context.save_new(
            ResidentWish(
                contract=contract,
                title=wish.title,
                description=wish.description,
                source=wish.source,
                not_taken_up_reason=wish.not_taken_up_reason,
                order=position * ORDER_STEP,
            ),
            f"{path}.wishes[{position - 1}]",
        )
    context.pending_lifecycles.append((contract, item.lifecycle, path))
    return contract


def _write_sections(contract, items, context, path):
    """Give the contract the file's sections, starting from the standard sections it got.

    create_contract starts every contract with the municipality's standard sections, as it does
    for staff. A standard section whose heading the file has gets the file's text, so its
    history reads "started from the standard, then written"; the file's other sections are
    added, and standard sections the file leaves out are removed: the file is the text.
    """
    standard = {section.heading.casefold(): section for section in contract.sections.all()}
    for position, item in enumerate(items, start=1):
        section = standard.pop(item.heading.casefold(), None) or ContractSection(contract=contract)
        section.heading = item.heading
        section.body = "\n\n".join(paragraph.strip() for paragraph in item.paragraphs)
        section.order = position * ORDER_STEP
        section._change_reason = context.note
        call(f"{path}[{position - 1}]", section.full_clean)
        section.save()
    for leftover in standard.values():
        leftover._change_reason = context.note
        leftover.delete()
    context.count(ContractSection, created=True, number=len(items))


@register_part("programmes", order=45, schema=ProgrammeItem, unique_by=("slug",))
def load_programmes(items, context):
    """Programme periods, matched by slug, with their contracts and the college's decisions.

    A contract the file names joins the programme when it belongs to none yet; one that staff
    put in another programme stays there. A decision is matched by its reference number.
    """
    for index, item in enumerate(items):
        path = f"programmes[{index}]"
        programme, _created = context.get_or_create(
            Programme,
            {"slug": item.slug},
            lambda item=item: Programme(
                slug=item.slug,
                name=item.name,
                period_start=item.period_start,
                period_end=item.period_end,
                description=item.description,
                # One programme is current: a file's never takes that from another.
                is_current=item.is_current
                and not Programme.objects.filter(is_current=True).exists(),
                is_illustrative=item.is_illustrative,
            ),
            path,
        )
        contracts = []
        for position, ref in enumerate(item.contracts):
            contract = context.contract(
                ref.neighbourhood, ref.period_start, f"{path}.contracts[{position}]"
            )
            if contract.programme_id is None:
                Contract.objects.filter(pk=contract.pk).update(programme=programme)
                contract.programme = programme
            contracts.append(contract)
        for position, decision in enumerate(item.college_decisions):
            _load_college_decision(
                programme, contracts, decision, context, f"{path}.college_decisions[{position}]"
            )


def _load_college_decision(programme, contracts, item, context, path):
    if CollegeDecision.objects.filter(reference=item.reference).exists():
        context.count(CollegeDecision, created=False)
        return
    decision = context.save_new(
        CollegeDecision(
            programme=programme,
            reference=item.reference,
            meeting_date=item.meeting_date,
            subject=item.subject,
            portfolio_holder=item.portfolio_holder,
            author=item.author,
            context="\n\n".join(item.context),
            approved="\n\n".join(item.approved),
            communication="\n\n".join(item.communication),
            committee=item.committee,
            is_illustrative=item.is_illustrative,
        ),
        path,
    )
    decision.contracts.set(contracts)


# --- Steps ------------------------------------------------------------------------------------


@register_step(order=SIGNING_ORDER)
def walk_lifecycles(context):
    """Walk the contracts this load created through their lifecycle steps (backdated) by the
    lifecycle service, as staff would after writing them: "signed" through register_signing,
    with the file's date and place and every party, so its checks apply to the pilot too."""
    while context.pending_lifecycles:
        contract, steps, path = context.pending_lifecycles.pop(0)
        for index, step in enumerate(steps):
            note = step.note or context.note
            step_path = f"{path}.lifecycle[{index}]"
            if step.status == ContractStatus.SIGNED:
                # Signed as staff sign: with the file's date and place, by every party.
                call(
                    step_path,
                    services.register_signing,
                    contract,
                    signed_on=contract.signed_on,
                    place=contract.signing_place,
                    signed_party_ids=contract.parties.values_list("pk", flat=True),
                    note=note,
                    at=step.at,
                )
            else:
                call(
                    step_path,
                    services.change_status,
                    contract,
                    step.status,
                    note=note,
                    at=step.at,
                    public_address=context.public_address or None,
                )
        _stamp_history(contract, context.note)


@register_step(order=AFTER_ALL_PARTS)
def archive_missing_originals(context):
    """Give the file's signed contracts their archived original if they lack one.

    A contract signed by this load got it at signing (register_signing archives it); one
    loaded before archiving existed gets it now, once. The count shows what was archived.
    """
    for contract in context.contracts.values():
        contract.refresh_from_db(fields=["status"])
        if contract.is_signed and not SignedOriginal.objects.filter(contract=contract).exists():
            documents.archive_contract(contract, public_address=context.public_address or None)
            context.count(SignedOriginal, created=True)
        elif contract.is_signed:
            context.count(SignedOriginal, created=context.is_new(contract))


def _stamp_history(contract, note):
    # The service writes some history rows itself (the contract, its standard sections, each
    # status step) without a reason; a new contract's rows all come from this load.
    for model, lookup in (
        (Contract, {"id": contract.pk}),
        (ContractSection, {"contract_id": contract.pk}),
        (ContractParty, {"contract_id": contract.pk}),
        (ResidentWish, {"contract_id": contract.pk}),
    ):
        model.history.filter(history_change_reason__isnull=True, **lookup).update(
            history_change_reason=note
        )
