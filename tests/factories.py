"""Factories for the test suite. Build frozen contracts with `contract_in_status`."""

import datetime
import io
import re
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from budget import services as budget_services
from budget.choices import CategoryKind
from budget.models import FundCategory
from contracts import services
from contracts.choices import AddendumKind, ContractStatus, PartnerKind, WishSource
from contracts.models import (
    AddendumSignatory,
    Contract,
    ContractParty,
    ContractSection,
    District,
    Neighbourhood,
    Partner,
    Programme,
    ResidentWish,
    SubArea,
)
from projects import invitations
from projects import services as project_services
from wijkaanpak.common.groups import EDITORS, ensure_groups


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def group_member(group, **kwargs):
    """A user (UserFactory(**kwargs)) in one of the site's staff groups, made as the demo
    accounts are: the groups and their permissions first."""
    groups = ensure_groups()
    user = UserFactory(**kwargs)
    user.groups.add(groups[group])
    return user


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Stadsdeel {n}")
    slug = factory.Sequence(lambda n: f"stadsdeel-{n}")


class NeighbourhoodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Neighbourhood
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Wijk {n}")
    slug = factory.Sequence(lambda n: f"wijk-{n}")
    district = factory.SubFactory(DistrictFactory)


class SubAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubArea

    neighbourhood = factory.SubFactory(NeighbourhoodFactory)
    name = factory.Sequence(lambda n: f"Buurt {n}")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Partner {n}")
    kind = PartnerKind.OTHER
    email = factory.Sequence(lambda n: f"partner{n}@example.org")


class ProgrammeFactory(factory.django.DjangoModelFactory):
    """A programme period, by default the pilot's two years; not the current one unless told."""

    class Meta:
        model = Programme
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Wijkaanpak ronde {n}")
    slug = factory.Sequence(lambda n: f"wijkaanpak-ronde-{n}")
    period_start = datetime.date(2007, 10, 2)
    period_end = datetime.date(2009, 10, 2)


class ContractFactory(factory.django.DjangoModelFactory):
    """A draft contract; use contract_in_status() for a later status."""

    class Meta:
        model = Contract

    neighbourhood = factory.SubFactory(NeighbourhoodFactory)
    title = factory.LazyAttribute(
        lambda contract: f"Wijkcontract {contract.neighbourhood.name}, oktober 2007 – oktober 2009"
    )
    motto = "Haarlem, daar teken ik voor!"
    period_start = datetime.date(2007, 10, 2)
    period_end = datetime.date(2009, 10, 2)
    signed_on = datetime.date(2007, 10, 2)
    signing_place = "Haarlem"


class ContractSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContractSection

    contract = factory.SubFactory(ContractFactory)
    order = factory.Sequence(lambda n: n * 10)
    heading = factory.Sequence(lambda n: f"Hoofdstuk {n}")
    body = "Tekst van dit hoofdstuk."


class ContractPartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContractParty

    contract = factory.SubFactory(ContractFactory)
    partner = factory.SubFactory(PartnerFactory)
    signatory_name = factory.Sequence(lambda n: f"A. Ondertekenaar {n}")
    signatory_function = "directeur"
    order = factory.Sequence(lambda n: n)


class ResidentWishFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResidentWish

    contract = factory.SubFactory(ContractFactory)
    title = factory.Sequence(lambda n: f"Wens {n}")
    description = "Wat bewoners vroegen."
    source = WishSource.SURVEY
    order = factory.Sequence(lambda n: n)


def complete_contract(**kwargs):
    """A draft contract that may go to "ready for signing": two sections of its own text, two
    parties with signatories and two wishes that no project takes up, each with the reason."""
    contract = ContractFactory(**kwargs)
    ContractSectionFactory.create_batch(2, contract=contract)
    ContractPartyFactory.create_batch(2, contract=contract)
    ResidentWishFactory.create_batch(
        2, contract=contract, not_taken_up_reason="Geen partner kan dit nu oppakken."
    )
    return contract


def signed_contract_with_rows(count):
    """A signed contract with `count` sections, parties and wishes, and `count` sub-areas in its
    wijk: to count a page's queries as its rows grow."""
    contract = ContractFactory()
    ContractSectionFactory.create_batch(count, contract=contract)
    ContractPartyFactory.create_batch(count, contract=contract)
    ResidentWishFactory.create_batch(count, contract=contract, not_taken_up_reason="Later.")
    for index in range(count):
        SubArea.objects.create(neighbourhood=contract.neighbourhood, name=f"Buurt {index}")
    take_step(contract, ContractStatus.READY_FOR_SIGNING)
    take_step(contract, ContractStatus.SIGNED)
    return contract


def signed_contract_and_next_draft():
    """A signed contract and, in the same wijk, the draft of the next period."""
    signed = contract_in_status(ContractStatus.SIGNED)
    draft = ContractFactory(
        neighbourhood=signed.neighbourhood,
        period_start=datetime.date(2009, 10, 2),
        period_end=datetime.date(2011, 10, 2),
        title="Tweede periode",
    )
    return signed, draft


# What a hostile user might type: markup that must show as text and never be fetched.
HOSTILE = "<script>alert(1)</script> <img src=http://evil.example/x.png>"


def image_bytes(kind="PNG", size=(4, 3), colour="green", **save_options):
    """A real image made here with Pillow (uploads are decoded, so a signature is not enough)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=kind, optimize=True, **save_options)
    return buffer.getvalue()


# Real images, encoded as the upload check encodes them anew (so the stored bytes are these).
PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG", quality=90)

# The path through the lifecycle table to each status.
_PATH = {
    ContractStatus.DRAFT: [],
    ContractStatus.READY_FOR_SIGNING: [ContractStatus.READY_FOR_SIGNING],
    ContractStatus.SIGNED: [ContractStatus.READY_FOR_SIGNING, ContractStatus.SIGNED],
    ContractStatus.COMPLETED: [
        ContractStatus.READY_FOR_SIGNING,
        ContractStatus.SIGNED,
        ContractStatus.COMPLETED,
    ],
}


def sign_contract(contract, **kwargs):
    """Register the signing of a contract that is ready for signing, by all its parties, on its
    own date and place: the one way into "signed"."""
    services.register_signing(
        contract,
        signed_on=kwargs.pop("signed_on", contract.signed_on),
        place=kwargs.pop("place", contract.signing_place),
        signed_party_ids=contract.parties.values_list("pk", flat=True),
        **kwargs,
    )
    return contract


def take_step(contract, status):
    """One lifecycle step, as staff take it: "signed" through register_signing; "completed"
    after the final evaluation is closed (close_final_evaluation)."""
    if ContractStatus(status) == ContractStatus.SIGNED:
        return sign_contract(contract)
    if ContractStatus(status) == ContractStatus.COMPLETED:
        close_final_evaluation(contract)
    return services.change_status(contract, status)


def open_final_evaluation(contract, due_date=None, **kwargs):
    """The final evaluation of a signed contract, its final round opened through the service
    (due today, or at the end of the contract's period if that is later)."""
    return project_services.open_final_round(
        contract,
        title=kwargs.pop("title", f"Eindevaluatie {contract.neighbourhood.name}"),
        due_date=due_date or max(timezone.localdate(), contract.period_end),
        user=kwargs.pop("user", None),
        **kwargs,
    )


def final_report(evaluation, project, user, **fields):
    """The report of `project` in the final round of `evaluation`, as its team hands it in."""
    return project_services.submit_report(
        evaluation.round,
        project,
        user=user,
        achieved=fields.pop("achieved", f"Opgeleverd: {project.title}."),
        status=fields.pop("status", project.status),
        percent_complete=fields.pop("percent_complete", project.percent_complete),
        **fields,
    )


def complete_final_evaluation(evaluation, user=None, verdict="fulfilled"):
    """Everything an evaluation needs before it can be closed: a report from every
    requested project, a verdict on every wish, a decision on the future."""
    user = user or group_member(EDITORS)
    for project in evaluation.round.requested_projects().filter(contract=evaluation.contract):
        if not evaluation.round.reports.filter(project=project).exists():
            final_report(evaluation, project, user)
    for wish in evaluation.contract.wishes.all():
        project_services.record_verdict(
            evaluation, wish, verdict=verdict, explanation="Zo staat het ervoor."
        )
    project_services.set_future(
        evaluation, future="continue", explanation="Het werkt, dus het gaat door."
    )
    return evaluation


def signed_and_evaluated():
    """A signed contract whose final evaluation is closed: ready to be completed."""
    contract = contract_in_status(ContractStatus.SIGNED)
    close_final_evaluation(contract)
    return contract


def close_final_evaluation(contract, user=None):
    """Open, complete and close the final evaluation of a signed contract."""
    evaluation = open_final_evaluation(contract)
    complete_final_evaluation(evaluation, user)
    return project_services.close_evaluation(evaluation, user=user)


def move_to(contract, status):
    """Take a draft contract step by step through the lifecycle to `status`, as staff do."""
    for step in _PATH[ContractStatus(status)]:
        take_step(contract, step)
    return contract


def contract_in_status(status, **kwargs):
    """A complete contract moved through the lifecycle service to `status`."""
    return move_to(complete_contract(**kwargs), status)


def draft_addendum(
    contract,
    partners=(),
    *,
    signatory_name="J. de Vries {order}",
    signatory_function="wethouder",
    **fields,
):
    """A draft addendum to the signed `contract`: by default a partner joins, to be signed on
    1 March 2008 in Haarlem. One signatory for each of `partners`, in that order, named after
    `signatory_name` (its "{order}" is the signatory's place)."""
    fields = {
        "kind": AddendumKind.PARTNER_JOINS,
        "title": "Stichting Buurtwerk sluit aan",
        "body": "Stichting Buurtwerk sluit aan als partner.",
        "signed_on": datetime.date(2008, 3, 1),
        "signing_place": "Haarlem",
        **fields,
    }
    addendum = services.create_addendum(contract, **fields)
    for order, partner in enumerate(partners):
        AddendumSignatory.objects.create(
            addendum=addendum,
            partner=partner,
            signatory_name=signatory_name.format(order=order),
            signatory_function=signatory_function,
            order=order,
        )
    return addendum


def blank_pdf(pages=1):
    """A PDF of `pages` blank A4 pages, as a scan of signed pages might be."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# --- Projects ---------------------------------------------------------------------------------


def _lead_party(project):
    """A partner that is a party to the project's contract (made one if needed)."""
    party = project.contract.parties.select_related("partner").first()
    if party is None:
        party = ContractPartyFactory(contract=project.contract)
    return party.partner


class ProjectFactory(factory.django.DjangoModelFactory):
    """A project in a draft contract; its lead partner is one of the contract's parties."""

    class Meta:
        model = "projects.Project"
        skip_postgeneration_save = True

    contract = factory.SubFactory(ContractFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Project {n}")
    summary = "Wat het project doet, in één zin."
    description = "Een uitgebreide beschrijving van het project."
    expected_result = "Wat er aan het eind anders is."
    lead_partner = factory.LazyAttribute(_lead_party)
    planned_start = datetime.date(2007, 11, 1)
    planned_end = datetime.date(2009, 6, 30)

    @factory.post_generation
    def wishes(self, create, extracted, **kwargs):
        """The wishes it answers: those given, or else the first wish of its contract (a
        project answers at least one wish before its contract can be signed)."""
        if not create:
            return
        if extracted is not None:
            self.wishes.set(extracted)
        elif (first := self.contract.wishes.first()) is not None:
            self.wishes.add(first)


class ProjectPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "projects.ProjectPartner"

    project = factory.SubFactory(ProjectFactory)
    partner = factory.SubFactory(PartnerFactory)
    contribution = "40 uur projectleiding"


class TeamMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "projects.TeamMembership"

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = "member"


def team_member(project, **user_fields):
    """A new user (UserFactory(**user_fields)) on the team of `project`."""
    return TeamMembershipFactory(project=project, user=UserFactory(**user_fields)).user


def progress_update(project, author, happened, *, status=None, percent_complete=None, **kwargs):
    """A progress update of `project` logged through the service, dated today unless `date`
    says otherwise; without a status or a percentage, the project's own stay."""
    return project_services.log_update(
        project,
        author=author,
        date=kwargs.pop("date", None) or timezone.localdate(),
        status=status or project.status,
        percent_complete=project.percent_complete if percent_complete is None else percent_complete,
        happened=happened,
        **kwargs,
    )


def project_in_signed_contract(**kwargs):
    """A project (with one wish) in a contract that is then signed: the usual state."""
    contract = complete_contract()
    project = ProjectFactory(contract=contract, **kwargs)
    project.wishes.add(contract.wishes.first())
    move_to(contract, ContractStatus.SIGNED)
    project.refresh_from_db()
    return project


# --- Invitations to a project team ---------------------------------------------------------


INVITATION_LINK = re.compile(r"(?P<url>\S+/team/uitnodiging/(?P<token>[\w-]+)/)")


def invitation_link(invitation):
    """The link in the newest mail of `invitation` in the outbox: (absolute url, path, token).

    The raw token exists only in the mail, as for the person invited."""
    email = invitation.emails.order_by("-created", "-pk").first()
    match = INVITATION_LINK.search(email.message)
    url = match["url"]
    return url, url[url.index("/team/") :], match["token"]


def invite(project, email="nieuw.teamlid@example.org", name="Nieuw Teamlid", **kwargs):
    """An invitation into the team of `project` by an editor (made if not given), through the
    service; returns (invitation, path of its link)."""
    inviter = kwargs.pop("user", None) or group_member(EDITORS, is_staff=True)
    invitation = invitations.invite(project, email=email, name=name, user=inviter, **kwargs)
    return invitation, invitation_link(invitation)[1]


# --- Budget -----------------------------------------------------------------------------------


class FundFactory(factory.django.DjangoModelFactory):
    """The fund of the pilot period, as the council decided it on 12 December 2006."""

    class Meta:
        model = "budget.Fund"

    name = "Wijkaanpak"
    total = Decimal("250000.00")
    decision_reference = "CS/SB/2006/43"
    decision_date = datetime.date(2006, 12, 12)
    period_start = datetime.date(2007, 10, 2)
    period_end = datetime.date(2009, 10, 2)


# The pilot fund's period (FundFactory's default): it ended, so it takes no applications.
PILOT_PERIOD = {
    "period_start": datetime.date(2007, 10, 2),
    "period_end": datetime.date(2009, 10, 2),
}


def open_period(today=None):
    """A fund period that holds `today` (default: today), a year on either side."""
    today = today or datetime.date.today()
    return {
        "period_start": today - datetime.timedelta(days=365),
        "period_end": today + datetime.timedelta(days=365),
    }


def fund_with_categories(organisation_ceiling=None, initiatives_ceiling=None, **kwargs):
    """A fund (FundFactory(**kwargs)) with both its categories: organisation costs and
    resident initiatives, each with the ceiling given or none."""
    fund = FundFactory(**kwargs)
    for kind, ceiling in [
        (CategoryKind.ORGANISATION, organisation_ceiling),
        (CategoryKind.INITIATIVES, initiatives_ceiling),
    ]:
        FundCategory.objects.create(fund=fund, kind=kind, ceiling=ceiling)
    return fund


def book_allocation(
    fund,
    amount,
    kind=CategoryKind.INITIATIVES,
    purpose="Buurtfeest",
    decision_date=datetime.date(2007, 11, 1),
    **kwargs,
):
    """An allocation of `fund` booked in the category of `kind` through the ledger's service,
    by no one in particular."""
    return budget_services.book_allocation(
        fund,
        category=fund.categories.get(kind=kind),
        amount=amount,
        purpose=purpose,
        decision_date=decision_date,
        user=None,
        **kwargs,
    )


def application_form_data(wish, /, **overrides):
    """What a resident posts in the application form: a valid application for `wish`."""
    data = {
        "neighbourhood": wish.contract.neighbourhood_id,
        "title": "Buurtfeest",
        "description": "Een feest voor de hele straat.",
        "wish": wish.pk,
        "project": "",
        "fit_explanation": "",
        "own_contribution": "Wij organiseren het zelf.",
        "no_other_budget": "on",
        "other_budgets_tried": "Stadsdeelbudget",
        "amount_requested": "1.250,50",
        "cost_breakdown": "Tent 800, eten 450,50",
        "contact_name": "Anna de Vries",
        "contact_email": "anna@example.org",
        "contact_phone": "",
        "website": "",
    }
    data.update(overrides)
    return data


def application_fields(contract, **overrides):
    """A valid application for the wijk and first wish of `contract`, as the fields that
    `budget.services.submit_application` takes."""
    values = {
        "neighbourhood": contract.neighbourhood,
        "title": "Buurtmoestuin",
        "description": "Een moestuin op het braakliggende stuk.",
        "wish": contract.wishes.first(),
        "own_contribution": "Tien bewoners leggen de tuin zelf aan.",
        "no_other_budget": True,
        "amount_requested": "1500.00",
        "cost_breakdown": "Hout 800, aarde 400, gereedschap 300",
        "contact_name": "J. de Vries (fictief)",
        "contact_email": "jdevries@example.org",
    }
    values.update(overrides)
    return values


def sign_addendum(addendum, user=None):
    """Sign an addendum as staff do: ready for signing (its final PDF), then signed."""
    services.mark_addendum_ready(addendum, user=user)
    return services.sign_addendum(addendum, user=user)


# --- Numbering --------------------------------------------------------------------------------


def _numbered_factories():
    """The factories above that keep a sequence of their own (a subclass shares its base's)."""
    return [
        value
        for value in globals().values()
        if isinstance(value, type)
        and issubclass(value, factory.base.BaseFactory)
        and value._meta.model is not None
        and value._meta.counter_reference is value._meta
    ]


def sequence_positions():
    """{factory: the number its next object gets}."""
    positions = {}
    for numbered in _numbered_factories():
        numbered._meta._initialize_counter()
        positions[numbered] = numbered._meta._counter.seq
    return positions


def restart_sequences(positions):
    """Number each factory's next object from `positions` (sequence_positions) again."""
    for numbered, position in positions.items():
        numbered.reset_sequence(position)
