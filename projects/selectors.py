"""Reads of the projects domain for the public pages: the wijk page, a project, a round review;
what waits for the editors (the admin's desk); and, at the end, what each partner contributes
to some contracts, the municipality's contribution first.

Every function for the public pages costs a fixed number of queries, however many projects,
wishes, partners, updates or reports there are: related rows come through
`Prefetch(..., to_attr=...)` or a subquery, never through a query per row in a template.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Greatest
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from contracts.choices import PUBLIC_STATUSES, ContractStatus, PartnerKind
from contracts.models import Contract, ContractParty, Neighbourhood, Partner, ResidentWish
from projects.choices import CLOSED_STATUSES, ProjectStatus, RoundKind, WishVerdict
from projects.models import (
    ContractEvaluation,
    ProgressUpdate,
    Project,
    ProjectPartner,
    ProjectReport,
    ReportingRound,
    WishVerdictRecord,
)

# Newest first, as the model orders them; spelled out because the subquery below needs it too.
UPDATE_ORDER = ("-date", "-created_at", "-pk")


def _public_updates():
    return ProgressUpdate.objects.public().order_by(*UPDATE_ORDER)


def _wishes():
    return ResidentWish.objects.order_by("order", "pk")


def _participants():
    return ProjectPartner.objects.select_related("partner").order_by("order", "pk")


def is_illustrative(project):
    """Whether showing this project shows demo data (its own flag, its contract's, its lead
    partner's). Uses select_related rows only."""
    return (
        project.is_illustrative
        or project.contract.is_illustrative
        or project.lead_partner.is_illustrative
    )


# --- The wijk page ------------------------------------------------------------------------------


def contract_projects(contract):
    """The projects of `contract` for the wijk page, each with `wish_list` and `latest_update`.

    `latest_update` is the newest public, non-hidden update (or None): its id comes from a
    subquery and the rows from one more query, so only one update per project is loaded however
    long the timelines grow. Three queries in all.
    """
    if contract is None:
        return []
    latest_public = _public_updates().filter(project=OuterRef("pk")).values("pk")[:1]
    projects = list(
        Project.objects.filter(contract=contract)
        .select_related("lead_partner", "contract")
        .prefetch_related(Prefetch("wishes", queryset=_wishes(), to_attr="wish_list"))
        .annotate(latest_update_id=Subquery(latest_public))
        .order_by("number", "pk")
    )
    update_ids = [p.latest_update_id for p in projects if p.latest_update_id is not None]
    updates = ProgressUpdate.objects.in_bulk(update_ids) if update_ids else {}
    for project in projects:
        project.latest_update = updates.get(project.latest_update_id)
    return projects


def wishes_with_projects(contract, projects):
    """The contract's wishes, each with `answering_projects`: the projects that answer it.

    Built from the prefetched rows of `contract` (contracts.selectors.contracts_with_summary)
    and of `projects` (contract_projects), so it costs no query.
    """
    if contract is None:
        return []
    by_wish = {}
    for project in projects:
        for wish in project.wish_list:
            by_wish.setdefault(wish.pk, []).append(project)
    wishes = list(contract.wishes.all())
    for wish in wishes:
        wish.answering_projects = by_wish.get(wish.pk, [])
    return wishes


def published_rounds(contract):
    """The reporting rounds of `contract` in which at least one of its projects reported; the
    final round has a page of its own (final_evaluation), so it is not among them."""
    if contract is None:
        return []
    return list(
        ReportingRound.objects.filter(contracts=contract, reports__project__contract=contract)
        .exclude(kind=RoundKind.FINAL)
        .distinct()
        .order_by("due_date", "pk")
    )


# --- The project page -----------------------------------------------------------------------


def project_detail_queryset(user):
    """Projects the visitor may open, with everything the project page shows.

    Residents see projects of public contracts; staff also those of drafts (the page marks
    them as a concept). The timeline comes from public_timeline(), a page at a time.
    """
    return (
        Project.objects.visible_to(user)
        .select_related("contract__neighbourhood__district", "lead_partner")
        .prefetch_related(
            Prefetch("participants", queryset=_participants(), to_attr="participant_list"),
            Prefetch("wishes", queryset=_wishes(), to_attr="wish_list"),
        )
    )


def public_timeline(project):
    """The updates of `project` the public page shows, newest first: public and not hidden,
    for everyone, staff included, because this is the public page (the portal shows the
    internal ones). A queryset, to be paged."""
    return _public_updates().filter(project=project)


def project_shows_illustrative(project):
    """Whether the project page shows demo data (needs project_detail_queryset's rows)."""
    return is_illustrative(project) or any(
        participant.partner.is_illustrative for participant in project.participant_list
    )


# --- The contract text, chapter 2 -----------------------------------------------------------


def contract_chapter_projects(contract):
    """The projects of `contract` as its text describes them (chapter 2): partners and wishes.

    Three queries. Status and progress are left out on purpose: chapter 2 is the signed promise.
    """
    if contract is None or contract.pk is None:
        return []
    return list(
        Project.objects.filter(contract=contract)
        .select_related("lead_partner")
        .prefetch_related(
            Prefetch("participants", queryset=_participants(), to_attr="participant_list"),
            Prefetch("wishes", queryset=_wishes(), to_attr="wish_list"),
        )
        .order_by("number", "pk")
    )


# --- Round reviews --------------------------------------------------------------------------


def round_review(slug, round_pk):
    """Everything the public review of reporting round `round_pk` for wijk `slug` shows.

    Returns a dict with `neighbourhood`, `round`, `contracts` (each with `review_projects`,
    each project with `report`, its report for this round or None, and `is_late`),
    `projects` (all of them), `handed_in_count`, `is_past_due` and `shows_illustrative`.
    Raises Http404 unless the round includes a public contract of that wijk. Five queries
    however many projects and reports.

    Who handed a report in is deliberately not loaded: team members' names are personal data
    and never shown on public pages.
    """
    neighbourhood = get_object_or_404(Neighbourhood.objects.select_related("district"), slug=slug)
    # A final round has its own page (final_evaluation); the views send its visitors there.
    round_ = get_object_or_404(ReportingRound.objects.exclude(kind=RoundKind.FINAL), pk=round_pk)
    reports = ProjectReport.objects.filter(round=round_).defer("submitted_by")
    # The projects asked to report (ReportingRound.requested_projects: all but the cancelled
    # ones), plus any project that reported before it was cancelled: a handed-in report
    # never disappears from the review.
    projects = (
        Project.objects.filter(~Q(status=ProjectStatus.CANCELLED) | Q(reports__round=round_))
        .distinct()
        .select_related("lead_partner")
        .prefetch_related(Prefetch("reports", queryset=reports, to_attr="round_reports"))
        .order_by("number", "pk")
    )
    contracts = list(
        Contract.objects.public()
        .filter(neighbourhood=neighbourhood, reporting_rounds=round_)
        .order_by("period_start", "pk")
        .prefetch_related(Prefetch("projects", queryset=projects, to_attr="review_projects"))
    )
    if not contracts:
        raise Http404("This round does not include a public contract of this neighbourhood")
    is_past_due = round_.is_past_due(timezone.localdate())
    for contract in contracts:
        for project in contract.review_projects:
            report = project.round_reports[0] if project.round_reports else None
            if report is not None:
                report.handed_in_late = timezone.localdate(report.submitted_at) > round_.due_date
            project.report = report
            project.is_late = report is None and is_past_due
    all_projects = [project for contract in contracts for project in contract.review_projects]
    return {
        "neighbourhood": neighbourhood,
        "round": round_,
        "contracts": contracts,
        "projects": all_projects,
        "handed_in_count": sum(1 for project in all_projects if project.report is not None),
        "is_past_due": is_past_due,
        "shows_illustrative": round_.is_illustrative
        or any(is_illustrative(project) for project in all_projects),
    }


# --- A programme: its projects, midterm rounds and final evaluations -------------------------
# For the programme's page and the council's report, over all its public contracts at once.


def programme_projects(contracts):
    """The projects of `contracts` as {contract id: [projects by number]}, each project with
    `wish_list`. Two queries however many contracts, projects and wishes."""
    by_contract = {contract.pk: [] for contract in contracts}
    contract_of = {contract.pk: contract for contract in contracts}
    projects = (
        Project.objects.filter(contract__in=list(by_contract))
        .select_related("lead_partner")
        .prefetch_related(Prefetch("wishes", queryset=_wishes(), to_attr="wish_list"))
        .order_by("number", "pk")
    )
    for project in projects:
        # The contract is at hand: no query per project for it (is_illustrative() reads it).
        project.contract = contract_of[project.contract_id]
        by_contract[project.contract_id].append(project)
    return by_contract


def programme_midterm_rounds(contracts):
    """The midterm rounds that ask any of `contracts` to report, by due date.

    Each round has `contract_ids` (which of `contracts` it asks) and `report_list` (the
    reports handed in for the projects of those contracts). Who handed a report in is never
    loaded: a team member's name is personal data. Three queries.
    """
    ids = [contract.pk for contract in contracts]
    if not ids:
        return []
    reports = (
        ProjectReport.objects.filter(project__contract__in=ids)
        .defer("submitted_by")
        .order_by("project__number", "pk")
    )
    rounds = list(
        ReportingRound.objects.filter(kind=RoundKind.MIDTERM, contracts__in=ids)
        .distinct()
        .prefetch_related(
            Prefetch(
                "contracts",
                queryset=Contract.objects.filter(pk__in=ids).only("pk"),
                to_attr="asked_contracts",
            ),
            Prefetch("reports", queryset=reports, to_attr="report_list"),
        )
        .order_by("due_date", "pk")
    )
    for round_ in rounds:
        round_.contract_ids = {contract.pk for contract in round_.asked_contracts}
    return rounds


def programme_midterm_round_counts(contracts, shown=()):
    """The midterm rounds that ask any of `contracts` (a queryset) to report, by due date,
    each with `wijk_count` (how many of them it asks) and `contract_ids` (which of `shown`,
    a page of them, it asks). Two queries however many contracts the rounds ask."""
    rounds = list(
        ReportingRound.objects.filter(kind=RoundKind.MIDTERM, contracts__in=contracts)
        .annotate(wijk_count=Count("contracts", distinct=True))
        .order_by("due_date", "pk")
    )
    asked = defaultdict(set)
    if rounds and shown:
        links = ReportingRound.contracts.through.objects.filter(
            reportinground__in=[round_.pk for round_ in rounds],
            contract__in=[contract.pk for contract in shown],
        ).values_list("reportinground_id", "contract_id")
        for round_id, contract_id in links:
            asked[round_id].add(contract_id)
    for round_ in rounds:
        round_.contract_ids = asked[round_.pk]
    return rounds


def programme_shows_illustrative(contracts):
    """Whether the projects, midterm rounds or final evaluations of `contracts` (a queryset)
    hold demo data. At most three queries."""
    return (
        Project.objects.filter(contract__in=contracts)
        .filter(Q(is_illustrative=True) | Q(lead_partner__is_illustrative=True))
        .exists()
        or ReportingRound.objects.filter(
            kind=RoundKind.MIDTERM, contracts__in=contracts, is_illustrative=True
        ).exists()
        or ContractEvaluation.objects.filter(contract__in=contracts, is_illustrative=True).exists()
    )


def programme_evaluations(contracts):
    """The final evaluations of `contracts` as {contract id: evaluation}, each with
    `verdict_list` (its verdicts per wish, in the wishes' order). Who closed it is never
    loaded. Two queries."""
    verdicts = WishVerdictRecord.objects.select_related("wish").order_by("wish__order", "wish__pk")
    evaluations = (
        ContractEvaluation.objects.filter(contract__in=[contract.pk for contract in contracts])
        .defer("closed_by", "snapshot")
        .prefetch_related(Prefetch("verdicts", queryset=verdicts, to_attr="verdict_list"))
    )
    return {evaluation.contract_id: evaluation for evaluation in evaluations}


def is_final_round_of(slug, round_pk):
    """Whether `round_pk` is the final round of a public contract of wijk `slug`: its old
    review address then leads to the wijk's final evaluation."""
    return ReportingRound.objects.filter(
        pk=round_pk,
        kind=RoundKind.FINAL,
        contracts__in=Contract.objects.public().filter(neighbourhood__slug=slug),
    ).exists()


# --- What waits for the editors (the admin's desk) ----------------------------------------------

# A running project without a progress update for this long needs a word with its team.
SILENCE = datetime.timedelta(days=90)


def delayed_projects():
    """Projects whose latest progress update says they are delayed."""
    return Project.objects.filter(status=ProjectStatus.DELAYED)


def running_projects():
    """Projects being carried out: of a signed contract that is not completed yet, and
    neither done nor cancelled."""
    return Project.objects.filter(contract__status=ContractStatus.SIGNED).exclude(
        status__in=CLOSED_STATUSES
    )


def silent_projects(today=None, silence=SILENCE):
    """Running projects without a progress update in the `silence` (90 days) up to `today`.

    Only updates that are not hidden count (a hidden update was taken back); their date is the
    day the team reports on. A project that started (its planned start, or its contract's
    signing when later) less than `silence` ago is not silent yet, even without any update.
    """
    today = today or timezone.localdate()
    cutoff = today - silence
    recent = ProgressUpdate.objects.filter(hidden=False, date__gt=cutoff).values("project_id")
    return (
        running_projects()
        .exclude(pk__in=recent)
        .alias(started_on=Greatest("planned_start", "contract__signed_on"))
        .filter(started_on__lte=cutoff)
    )


def late_projects(round_, today=None):
    """Projects of the round without a report once the due date has passed."""
    today = today or timezone.localdate()
    if today <= round_.due_date:
        return Project.objects.none()
    return round_.requested_projects().exclude(reports__round=round_)


def rounds_with_late_reports(today=None):
    """The reporting rounds past their due date in which reports are missing, newest due date
    first: a list of (round, number of late reports). One query per round past due."""
    today = today or timezone.localdate()
    rounds = ReportingRound.objects.filter(due_date__lt=today).order_by("-due_date", "-pk")
    counted = ((round_, late_projects(round_, today).count()) for round_ in rounds)
    return [(round_, count) for round_, count in counted if count]


# --- Partner accountability (/partners/): what one partner promised and delivered ---------------
#
# Only public contracts (ready for signing, signed, completed) and their projects count: a
# draft is no promise yet, and its content never reaches these pages. Nothing here loads an
# e-mail address or telephone number: not the partner's own (Partner.email), nor anyone's.

# Projects not closed and not behind: planned or on schedule.
RUNNING_STATUSES = frozenset({ProjectStatus.PLANNED, ProjectStatus.ON_SCHEDULE})


@dataclass(frozen=True)
class DeliverySummary:
    """Promised against delivered for a set of projects: how many are done, running (planned
    or on schedule), delayed and cancelled, and the sum of the partner's contributions given
    as an amount (`amounts`) beside those given only in words (`in_kind`)."""

    done: int = 0
    running: int = 0
    delayed: int = 0
    cancelled: int = 0
    amount: Decimal = Decimal("0")
    amounts: int = 0
    in_kind: int = 0

    @property
    def total(self):
        return self.done + self.running + self.delayed + self.cancelled

    @classmethod
    def of(cls, projects):
        """The summary of `projects` from partner_accountability (with `contribution`)."""
        statuses = [project.status for project in projects]
        contributions = [p.contribution for p in projects if p.contribution is not None]
        given = [c.amount for c in contributions if c.amount is not None]
        return cls(
            done=statuses.count(ProjectStatus.DONE),
            running=sum(1 for status in statuses if status in RUNNING_STATUSES),
            delayed=statuses.count(ProjectStatus.DELAYED),
            cancelled=statuses.count(ProjectStatus.CANCELLED),
            amount=sum(given, Decimal("0")),
            amounts=len(given),
            in_kind=len(contributions) - len(given),
        )


def _public_partner_rows():
    """Every partner that is a party to a public contract or takes part in a project of one,
    in the order of /partners/: by kind (the order of PartnerKind), then by name."""
    party = ContractParty.objects.filter(
        partner=OuterRef("pk"), contract__status__in=PUBLIC_STATUSES
    )
    leads = Project.objects.public().filter(lead_partner=OuterRef("pk"))
    joins = ProjectPartner.objects.filter(
        partner=OuterRef("pk"), project__contract__status__in=PUBLIC_STATUSES
    )
    kind_order = Case(
        *(When(kind=kind, then=Value(index)) for index, kind in enumerate(PartnerKind.values)),
        default=Value(len(PartnerKind.values)),
    )
    return (
        Partner.objects.filter(Exists(party) | Exists(leads) | Exists(joins))
        .defer("email")
        .order_by(kind_order, "name", "pk")
    )


def _count_promises(partners):
    """Give each of `partners` its `contract_count` (public contracts it is a party to) and
    `project_count` (public projects it leads or joins), in three queries."""
    ids = [partner.pk for partner in partners]
    contracts = dict(
        ContractParty.objects.filter(partner_id__in=ids, contract__status__in=PUBLIC_STATUSES)
        .order_by()
        .values("partner_id")
        .annotate(n=Count("contract", distinct=True))
        .values_list("partner_id", "n")
    )
    led = dict(
        Project.objects.public()
        .filter(lead_partner_id__in=ids)
        .order_by()
        .values("lead_partner_id")
        .annotate(n=Count("pk"))
        .values_list("lead_partner_id", "n")
    )
    # Joined without leading, so a project it leads and joins counts once.
    joined = dict(
        ProjectPartner.objects.filter(
            partner_id__in=ids, project__contract__status__in=PUBLIC_STATUSES
        )
        .exclude(project__lead_partner=F("partner"))
        .order_by()
        .values("partner_id")
        .annotate(n=Count("project", distinct=True))
        .values_list("partner_id", "n")
    )
    for partner in partners:
        partner.contract_count = contracts.get(partner.pk, 0)
        partner.project_count = led.get(partner.pk, 0) + joined.get(partner.pk, 0)


def _by_kind(partners):
    by_kind = defaultdict(list)
    for partner in partners:
        by_kind[partner.kind].append(partner)
    return [(kind, label, by_kind[kind]) for kind, label in PartnerKind.choices if by_kind[kind]]


def public_partner_page(paginate, per_page):
    """A page of /partners/: every partner that is a party to a public contract or takes
    part in a project of one, by kind (the order of PartnerKind) and name.
    `paginate(partners, per_page)` (wijkaanpak.common.pages.page_of) picks the page. Returns
    the page; its partners as a list of (kind, label, partners), each partner with
    `contract_count` (public contracts it is a party to) and `project_count` (public
    projects it leads or joins); and {kind: how many partners of that kind there are on all
    pages}. Six queries, whatever the number of partners."""
    page = paginate(_public_partner_rows(), per_page)
    partners = list(page.object_list)
    _count_promises(partners)
    kinds = dict(
        _public_partner_rows()
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    return page, _by_kind(partners), kinds


def _partner_contracts(slug):
    """The partner `slug` (Http404 when there is none), its own projects (a queryset: those it
    leads or joins) and its public contracts (a queryset, wijk by wijk, each prefetched with
    `partner_parties` and `partner_projects`)."""
    partner = get_object_or_404(Partner.objects.defer("email"), slug=slug)
    joined = ProjectPartner.objects.filter(partner=partner)
    own = Project.objects.filter(Q(lead_partner=partner) | Q(pk__in=joined.values("project_id")))
    projects = (
        own.select_related("lead_partner")
        .defer("lead_partner__email")
        .prefetch_related(Prefetch("participants", queryset=joined, to_attr="contributions"))
        .order_by("number", "pk")
    )
    contracts = (
        Contract.objects.public()
        .filter(
            Q(pk__in=ContractParty.objects.filter(partner=partner).values("contract_id"))
            | Q(pk__in=own.values("contract_id"))
        )
        .select_related("neighbourhood")
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=ContractParty.objects.filter(partner=partner),
                to_attr="partner_parties",
            ),
            Prefetch("projects", queryset=projects, to_attr="partner_projects"),
        )
        .order_by("neighbourhood__name", "period_start", "pk")
    )
    return partner, own, contracts


def _with_roles(partner, contracts):
    """`contracts` (a list from _partner_contracts) with each one's `party` and `summary`, and
    each project's `role` and `contribution`; returns every project of them."""
    for contract in contracts:
        contract.party = contract.partner_parties[0] if contract.partner_parties else None
        for project in contract.partner_projects:
            project.role = "lead" if project.lead_partner_id == partner.pk else "participant"
            project.contribution = project.contributions[0] if project.contributions else None
        contract.summary = DeliverySummary.of(contract.partner_projects)
    return [project for contract in contracts for project in contract.partner_projects]


def _shows_illustrative(partner, contracts, projects):
    return (
        partner.is_illustrative
        or any(contract.is_illustrative for contract in contracts)
        or any(is_illustrative(project) for project in projects)
    )


def partner_accountability(slug):
    """Everything the PDF of partner `slug` shows (a document: every contract); Http404 when
    there is no such partner.

    Returns a dict with `partner`; `contracts`, the public contracts it is a party to or
    whose projects it leads or joins (wijk by wijk), each with `party` (its ContractParty:
    signatory and function, or None), `partner_projects` and `summary`; `summary` over all of
    them; and `shows_illustrative`. Each project has `role` ("lead" or "participant") and
    `contribution` (the partner's ProjectPartner row, or None). Five queries however many
    contracts and projects.
    """
    partner, _own, contracts = _partner_contracts(slug)
    contracts = list(contracts)
    all_projects = _with_roles(partner, contracts)
    return {
        "partner": partner,
        "contracts": contracts,
        "summary": DeliverySummary.of(all_projects),
        "shows_illustrative": _shows_illustrative(partner, contracts, all_projects),
    }


# The partner's page lists its contracts a page at a time (each with up to some twenty
# projects): a partner can be in hundreds.
PARTNER_CONTRACTS_PER_PAGE = 10


def partner_page(slug, page_of):
    """What /partners/<slug>/ shows: partner_accountability's dict, but `contracts` only the
    page of them that `page_of` (wijkaanpak.common.pages.page_of with the request) picks, in
    `page_obj`, and `summary` over all of them counted in the database. A fixed number of
    queries and a bounded page however many contracts and projects the partner has."""
    partner, own, contracts = _partner_contracts(slug)
    page = page_of(contracts, PARTNER_CONTRACTS_PER_PAGE)
    contracts = list(page.object_list)
    projects = _with_roles(partner, contracts)
    return {
        "partner": partner,
        "contracts": contracts,
        "page_obj": page,
        "summary": partner_delivery_summary(partner, own),
        "shows_illustrative": _shows_illustrative(partner, contracts, projects),
    }


def partner_delivery_summary(partner, own):
    """The DeliverySummary of the projects `own` (a queryset) of public contracts, from the
    database: two queries however many projects."""
    projects = own.filter(contract__status__in=PUBLIC_STATUSES)
    counts = projects.aggregate(
        done=Count("pk", filter=Q(status=ProjectStatus.DONE)),
        running=Count("pk", filter=Q(status__in=RUNNING_STATUSES)),
        delayed=Count("pk", filter=Q(status=ProjectStatus.DELAYED)),
        cancelled=Count("pk", filter=Q(status=ProjectStatus.CANCELLED)),
    )
    given = ProjectPartner.objects.filter(partner=partner, project__in=projects).aggregate(
        amount_sum=Sum("amount"),
        amounts=Count("pk", filter=Q(amount__isnull=False)),
        in_kind=Count("pk", filter=Q(amount__isnull=True)),
    )
    return DeliverySummary(
        **counts,
        # Quantized as a sum of the cents-exact amounts (SQLite's SUM loses the scale).
        amount=Decimal("0")
        if given["amount_sum"] is None
        else given["amount_sum"].quantize(Decimal("0.01")),
        amounts=given["amounts"],
        in_kind=given["in_kind"],
    )


# --- Contributions: what each partner brings in (the municipal contribution first) -----------


@dataclass
class PartnerContribution:
    """What one partner contributes to some contracts, from its own regular budget.

    `led_projects`: the projects it leads (trekker); `joined_projects`: those it takes part in
    without leading them; `with_amount`: its contributions that name an amount (ProjectPartner
    rows), summed in `amount_total`; `in_kind`: those without an amount (hours, work, rooms).
    """

    partner: Partner
    led_projects: list = field(default_factory=list)
    joined_projects: list = field(default_factory=list)
    with_amount: list = field(default_factory=list)
    in_kind: list = field(default_factory=list)

    @property
    def is_municipality(self):
        return self.partner.kind == PartnerKind.MUNICIPALITY

    @property
    def amount_total(self):
        return sum((row.amount for row in self.with_amount), Decimal("0.00"))

    @property
    def contributions(self):
        """Every contribution of the partner, with an amount or in kind, in project order."""
        return sorted(self.with_amount + self.in_kind, key=lambda row: _project_order(row.project))

    @property
    def is_illustrative(self):
        return self.partner.is_illustrative or any(
            is_illustrative(project) for project in self.led_projects + self.joined_projects
        )

    @property
    def led_count(self):
        return len(self.led_projects)

    @property
    def joined_count(self):
        return len(self.joined_projects)

    @property
    def in_kind_count(self):
        return len(self.in_kind)


@dataclass
class MunicipalContribution:
    """The municipality's contribution (gemeentelijke bijdrage): the rows of every partner of
    the kind "municipality" (usually one), with their projects and amounts taken together."""

    rows: list

    @property
    def led_projects(self):
        return [project for row in self.rows for project in row.led_projects]

    @property
    def joined_projects(self):
        return [project for row in self.rows for project in row.joined_projects]

    @property
    def amount_total(self):
        return sum((row.amount_total for row in self.rows), Decimal("0.00"))

    @property
    def in_kind(self):
        return [item for row in self.rows for item in row.in_kind]

    @property
    def led_count(self):
        return sum(row.led_count for row in self.rows)

    @property
    def joined_count(self):
        return sum(row.joined_count for row in self.rows)

    @property
    def in_kind_count(self):
        return sum(row.in_kind_count for row in self.rows)

    def __bool__(self):
        return bool(self.rows)


def _project_order(project):
    return (project.contract.neighbourhood.name, project.contract.period_start, project.number)


def partner_contributions(contracts, *, public_only=True):
    """Per partner, what it contributes to `contracts` (a queryset or a list of contracts):
    a list of PartnerContribution, the municipality first, then the others by name.

    Only contracts residents may read count unless `public_only` is False (a page that has
    already decided its visitor may read these contracts, or a staff document). Two queries
    however many contracts, projects and partners.
    """
    projects = Project.objects.filter(contract__in=contracts)
    if public_only:
        projects = projects.public()
    projects = (
        projects.select_related("lead_partner", "contract__neighbourhood")
        .prefetch_related(
            Prefetch("participants", queryset=_participants(), to_attr="participant_list")
        )
        .order_by("contract__neighbourhood__name", "contract__period_start", "number", "pk")
    )
    rows = {}

    def row_of(partner):
        if partner.pk not in rows:
            rows[partner.pk] = PartnerContribution(partner=partner)
        return rows[partner.pk]

    for project in projects:
        row_of(project.lead_partner).led_projects.append(project)
        for participant in project.participant_list:
            participant.project = project  # the prefetched project, with its contract
            row = row_of(participant.partner)
            if participant.partner_id != project.lead_partner_id:
                row.joined_projects.append(project)
            if participant.amount is None:
                row.in_kind.append(participant)
            else:
                row.with_amount.append(participant)
    return sorted(rows.values(), key=_contribution_order)


def _contribution_order(row):
    """The municipality first, then the other partners by name."""
    return (not row.is_municipality, row.partner.name.casefold(), row.partner.pk)


@dataclass
class Contributions:
    """What every partner contributes to some contracts: `rows` (from partner_contributions,
    the municipality first), with the municipal contribution and the total of the amounts."""

    rows: list

    @property
    def municipal(self):
        return MunicipalContribution(rows=[row for row in self.rows if row.is_municipality])

    @property
    def total(self):
        return sum((row.amount_total for row in self.rows), Decimal("0.00"))

    @property
    def is_illustrative(self):
        return any(row.is_illustrative for row in self.rows)

    def __bool__(self):
        return bool(self.rows)


def contributions(contracts, *, public_only=True):
    """Contributions of every partner to `contracts`; see partner_contributions. Two queries."""
    return Contributions(rows=partner_contributions(contracts, public_only=public_only))


def municipal_contribution(contracts, *, public_only=True):
    """The municipality's contribution to `contracts`, summed apart from the other partners'."""
    return contributions(contracts, public_only=public_only).municipal


def programme_contributions(programme):
    """What each partner contributes to the public contracts of `programme`: two queries."""
    return contributions(Contract.objects.filter(programme=programme))


@dataclass
class ContributionCount:
    """What one partner contributes to some contracts, counted rather than listed (a whole
    programme's page): the projects it leads and joins, its contributions with an amount
    (`with_amount`, summed in `amount_total`) and in kind. Reads like PartnerContribution's
    counts, so templates/projects/includes/contributions.html's compact table shows either."""

    partner: Partner
    led_count: int = 0
    joined_count: int = 0
    with_amount: int = 0
    amount_total: Decimal = Decimal("0.00")
    in_kind_count: int = 0
    is_illustrative: bool = False

    @property
    def is_municipality(self):
        return self.partner.kind == PartnerKind.MUNICIPALITY


@dataclass
class CountedContributions(Contributions):
    """Contributions counted (contribution_counts): the municipality and the largest other
    partners in `rows`, the rest summed in `others` (a ContributionCount whose `partner` is
    None, with `partner_count`), or None when every partner has a row of its own."""

    others: ContributionCount | None = None

    @property
    def total(self):
        rest = self.others.amount_total if self.others else Decimal("0.00")
        return super().total + rest


def _others(rows):
    others = ContributionCount(partner=None)
    others.partner_count = len(rows)
    for row in rows:
        others.led_count += row.led_count
        others.joined_count += row.joined_count
        others.with_amount += row.with_amount
        others.amount_total += row.amount_total
        others.in_kind_count += row.in_kind_count
    return others


def contribution_counts(contracts, largest=20):
    """Contributions of every partner to the public projects of `contracts` (a queryset), as
    CountedContributions: counts and sums from the database, never a list of projects. The
    municipality and the `largest` other partners (by amount, then projects) have a row each;
    the others are summed in one row, so the table stays short however many partners there
    are. Three queries however many contracts, projects and partners."""
    projects = Project.objects.public().filter(contract__in=contracts)
    counts = defaultdict(dict)
    for row in (
        projects.order_by()
        .values("lead_partner_id")
        .annotate(led=Count("pk"), illustrative=Count("pk", filter=Q(is_illustrative=True)))
    ):
        counts[row["lead_partner_id"]].update(led=row["led"], illustrative=row["illustrative"])
    for row in (
        ProjectPartner.objects.filter(project__in=projects)
        .order_by()
        .values("partner_id")
        .annotate(
            joined=Count("project", filter=~Q(project__lead_partner=F("partner")), distinct=True),
            with_amount=Count("pk", filter=Q(amount__isnull=False)),
            amount_sum=Sum("amount"),
            in_kind=Count("pk", filter=Q(amount__isnull=True)),
            illustrative=Count("project", filter=Q(project__is_illustrative=True), distinct=True),
        )
    ):
        own = counts[row["partner_id"]]
        own.update(
            joined=row["joined"],
            with_amount=row["with_amount"],
            amount=row["amount_sum"],
            in_kind=row["in_kind"],
            illustrative=own.get("illustrative", 0) + row["illustrative"],
        )
    rows = [
        ContributionCount(
            partner=partner,
            led_count=counts[partner.pk].get("led", 0),
            joined_count=counts[partner.pk].get("joined", 0),
            with_amount=counts[partner.pk].get("with_amount", 0),
            amount_total=counts[partner.pk].get("amount") or Decimal("0.00"),
            in_kind_count=counts[partner.pk].get("in_kind", 0),
            is_illustrative=partner.is_illustrative or bool(counts[partner.pk].get("illustrative")),
        )
        for partner in Partner.objects.filter(pk__in=list(counts)).defer("email")
    ]
    by_size = sorted(
        (row for row in rows if not row.is_municipality),
        key=lambda row: (-row.amount_total, -(row.led_count + row.joined_count), row.partner.pk),
    )
    shown = [row for row in rows if row.is_municipality] + by_size[:largest]
    return CountedContributions(
        rows=sorted(shown, key=_contribution_order),
        others=_others(by_size[largest:]) if by_size[largest:] else None,
    )


def programme_contribution_counts(programme):
    """What each partner contributes to the public contracts of `programme`, counted: three
    queries (contribution_counts)."""
    return contribution_counts(Contract.objects.filter(programme=programme))


# --- The final evaluation (eindevaluatie) -------------------------------------------------------


def published_evaluation(contract):
    """The closed final evaluation of `contract`, or None: what the wijk and contract pages
    show as the outcome. One query."""
    if contract is None or contract.pk is None:
        return None
    return (
        ContractEvaluation.objects.filter(contract=contract, closed_at__isnull=False)
        .select_related("round")
        .first()
    )


def snapshot_figures(snapshot):
    """The frozen snapshot with labels for its codes, for the page and the PDF."""
    status_labels = dict(ProjectStatus.choices)
    verdict_labels = dict(WishVerdict.choices)
    return {
        "date": datetime.date.fromisoformat(snapshot["date"]) if snapshot.get("date") else None,
        "average_percent": snapshot.get("average_percent"),
        "project_count": len(snapshot.get("projects", [])),
        "projects": [
            {**project, "label": status_labels.get(project["status"], project["status"])}
            for project in snapshot.get("projects", [])
        ],
        "status_counts": [
            {"status": status, "label": status_labels.get(status, status), "count": count}
            for status, count in snapshot.get("status_counts", {}).items()
            if count
        ],
        "verdict_counts": [
            {"verdict": verdict, "label": verdict_labels.get(verdict, verdict), "count": count}
            for verdict, count in snapshot.get("verdict_counts", {}).items()
        ],
    }


def final_evaluation(slug):
    """Everything the public final evaluation of wijk `slug` shows, for its current public
    contract (the latest from "ready for signing" on).

    Returns a dict with `neighbourhood`, `contract` (or None), `evaluation` (the closed one, or
    None: the page then shows what will come), `pending` (an evaluation that is not closed
    yet, or None), `projects` (each with `report`, its report in the final round, or None),
    `verdicts` (the wishes of the contract, each with `verdict`), `figures` (from the frozen
    snapshot), `period_ended` and `shows_illustrative`. Raises Http404 for an unknown wijk.
    At most seven queries however many projects and wishes.

    Who handed a report in or closed the evaluation is not loaded: personal data.
    """
    neighbourhood = get_object_or_404(Neighbourhood.objects.select_related("district"), slug=slug)
    contract = (
        Contract.objects.public()
        .filter(neighbourhood=neighbourhood)
        .order_by("-period_start", "-pk")
        .first()
    )
    evaluation = (
        ContractEvaluation.objects.filter(contract=contract).select_related("round").first()
        if contract is not None
        else None
    )
    result = {
        "neighbourhood": neighbourhood,
        "contract": contract,
        "evaluation": None,
        "pending": None,
        "projects": [],
        "verdicts": [],
        "figures": None,
        "shows_illustrative": bool(contract and contract.is_illustrative),
        "period_ended": bool(contract and contract.period_end < timezone.localdate()),
    }
    if evaluation is None:
        return result
    if not evaluation.is_closed:
        result["pending"] = evaluation
        return result
    reports = ProjectReport.objects.filter(round=evaluation.round).defer("submitted_by")
    projects = list(
        Project.objects.filter(contract=contract)
        .select_related("lead_partner", "contract")
        .prefetch_related(Prefetch("reports", queryset=reports, to_attr="final_reports"))
        .order_by("number", "pk")
    )
    for project in projects:
        project.report = project.final_reports[0] if project.final_reports else None
    records = {record.wish_id: record for record in evaluation.verdicts.all()}
    wishes = list(contract.wishes.order_by("order", "pk"))
    for wish in wishes:
        wish.verdict = records.get(wish.pk)
    result.update(
        evaluation=evaluation,
        projects=projects,
        verdicts=wishes,
        figures=snapshot_figures(evaluation.snapshot),
        shows_illustrative=(
            contract.is_illustrative
            or evaluation.is_illustrative
            or evaluation.round.is_illustrative
            or any(is_illustrative(project) for project in projects)
        ),
    )
    return result
