"""The projects parts of a pilot file: projects, their progress updates, reporting rounds.

Discovered by the framework in :mod:`wijkaanpak.common.pilot`, so ``contracts`` never imports
this app; the contracts and partners are found through the load's context. Three top-level
keys:

``projects`` (order 50, before the new contracts are signed)
    ``[{neighbourhood: <slug>, period_start, number, title, summary, description,
    expected_result?, lead_partner: <partner name>, partners?: [{partner: <partner name>,
    contribution, amount?}], wishes?: [<wish title>, ...], planned_start, planned_end,
    is_illustrative?}]``. ``neighbourhood`` and ``period_start`` name the contract; the lead
    partner must be a party to it, the wishes are titles of that contract's wishes. A project is
    part of the signed text, so it is created with a new contract only, before that contract
    is walked to "signed"; a contract that exists keeps the projects it has.
``progress_updates`` (order 110)
    ``[{neighbourhood, period_start, project: <number>, date, status, percent_complete,
    happened, next_steps?, visibility?}]``, at most one per project and date, in any order
    (they are applied oldest first). Checked as the portal's service checks an update
    (lifecycle table, done is 100%, no date before the contract or in the future, nothing after
    done or cancelled), then written as rows and the project's status and percentage refreshed
    by :func:`projects.services.refresh_progress`, which is what ``log_update`` leaves behind.
    The author is the wijk's ``team-<slug>`` account if it exists, else empty. Updates come
    with a new project only: the timeline of a project that exists belongs to its team.
``reporting_rounds`` (order 120)
    ``[{title, introduction?, due_date, opened_at, is_illustrative?, contracts:
    [{neighbourhood, period_start}], reports: [{neighbourhood, period_start, project,
    submitted_at, achieved, deviations?, next_steps?, status, percent_complete}]}]``. A round is
    matched by title and due date; its reports come with a new round only. A project of the
    round without a report is late.

``final_evaluations`` (order 130, after the reporting rounds)
    ``[{neighbourhood, period_start, round: {title, introduction?, due_date, opened_at},
    reports: [{project, submitted_at, achieved, deviations?, next_steps?, status,
    percent_complete}], verdicts: [{wish: <wish title>, verdict, explanation}], summary?,
    future, future_explanation, closed_at, completed_at?, completion_note?,
    is_illustrative?}]``. A contract's final evaluation: its final round (a ReportingRound of
    kind "final") with the reports of what each project delivered, then through the services
    the verdicts per wish, the decision on the future and the closing at ``closed_at`` (which
    freezes the snapshot), and with ``completed_at`` the step to "completed" through the
    lifecycle service, backdated. Only for a contract this load created; a contract that has
    a final evaluation keeps it, so loading twice changes nothing.

Why rows and not the services: ``log_update`` and ``submit_report`` need a person who may
report and stamp the present, and ``open_round`` refuses a due date in the past and mails the
teams; the pilot replays 2007–2008 without users and must not send mail.
"""

from typing import Annotated

import pydantic
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from contracts import services as contract_services
from contracts.choices import ContractStatus
from contracts.models import Contract
from projects.choices import (
    CLOSED_STATUSES,
    PROJECT_TRANSITIONS,
    ContractFuture,
    ProjectStatus,
    RoundKind,
    Visibility,
    WishVerdict,
)
from projects.models import (
    ContractEvaluation,
    ProgressUpdate,
    Project,
    ProjectPartner,
    ProjectReport,
    ReportingRound,
    WishVerdictRecord,
)
from projects.services import (
    close_evaluation,
    final_round_problems,
    record_verdict,
    refresh_progress,
    set_future,
)
from wijkaanpak.common.pilot import (
    Amount,
    AnyText,
    Boolean,
    IsoDate,
    IsoMoment,
    Item,
    Text,
    WholeNumber,
    aware,
    call,
    choice,
    fail,
    not_found,
    refuse_future,
    register_part,
    rejected,
)

# Participating partners get orders 10, 20, 30, … like the contract's parties.
ORDER_STEP = 10


# --- The items of the file --------------------------------------------------------------------


class ContractReference(Item):
    """A contract of the file or the database: its wijk and the start of its period."""

    neighbourhood: Text
    period_start: IsoDate


class ProjectReference(ContractReference):
    """A project by its number in a contract."""

    project: WholeNumber


class ProjectPartnerItem(Item):
    partner: Text
    contribution: Text
    amount: Amount | None = None


class ProjectItem(ContractReference):
    number: WholeNumber
    title: Text
    summary: Text
    description: Text
    expected_result: AnyText = ""
    lead_partner: Text
    partners: list[ProjectPartnerItem] = []
    wishes: list[Text] = []
    planned_start: IsoDate
    planned_end: IsoDate
    is_illustrative: Boolean = False


class UpdateItem(ProjectReference):
    date: IsoDate
    status: choice(ProjectStatus)
    percent_complete: WholeNumber
    happened: Text
    next_steps: AnyText = ""
    visibility: choice(Visibility) = Visibility.PUBLIC


class ReportFields(Item):
    """What a report says, in a reporting round's reports and a final evaluation's."""

    submitted_at: IsoMoment
    achieved: Text
    deviations: AnyText = ""
    next_steps: AnyText = ""
    status: choice(ProjectStatus)
    percent_complete: WholeNumber


class ReportItem(ReportFields, ProjectReference):
    pass


class RoundItem(Item):
    title: Text
    introduction: AnyText = ""
    due_date: IsoDate
    opened_at: IsoMoment
    is_illustrative: Boolean = False
    contracts: Annotated[list[ContractReference], pydantic.Field(min_length=1)]
    reports: list[ReportItem] = []


class FinalRoundItem(Item):
    title: Text
    introduction: AnyText = ""
    due_date: IsoDate
    opened_at: IsoMoment


class FinalReportItem(ReportFields):
    project: WholeNumber


class VerdictItem(Item):
    wish: Text
    verdict: choice(WishVerdict)
    explanation: Text


class FinalEvaluationItem(ContractReference):
    round: FinalRoundItem
    reports: list[FinalReportItem] = []
    verdicts: list[VerdictItem] = []
    summary: AnyText = ""
    future: choice(ContractFuture)
    future_explanation: Text
    closed_at: IsoMoment
    completed_at: IsoMoment | None = None
    completion_note: AnyText = ""
    is_illustrative: Boolean = False


# --- Checks -----------------------------------------------------------------------------------


def _contract(item, context, path):
    return context.contract(item.neighbourhood, item.period_start, path)


def _project(item, context, path):
    """The project an update or report names, or None when it is not there to add to.

    A project of a contract this load created must exist (the file made it, or the number is
    wrong). A contract that was there before keeps its own projects, so a project the file
    names but the contract lacks is passed over, like everything else that would belong to it.
    """
    contract = _contract(item, context, f"{path}.neighbourhood")
    project = Project.objects.filter(contract=contract, number=item.project).first()
    if project is None and context.is_new(contract):
        raise not_found(f"{path}.project", Project, "number", item.project)
    return project


def _check_open(project, path):
    """log_update's check: a done or cancelled project takes no more updates."""
    if project.status in CLOSED_STATUSES:
        raise fail(
            path,
            "project_closed",
            _("This project is %(status)s: no more updates are taken."),
            status=project.get_status_display(),
        )


def _check_progress(project, status, percent, path):
    """The checks log_update and submit_report make on a status and percentage."""
    if status != project.status and status not in PROJECT_TRANSITIONS[project.status]:
        raise fail(
            f"{path}.status",
            "status_not_allowed",
            _("A project that is “%(from)s” cannot become “%(to)s”."),
            **{
                "from": ProjectStatus(project.status).label,
                "to": ProjectStatus(status).label,
            },
        )
    if status == ProjectStatus.DONE and percent != 100:
        raise fail(
            f"{path}.percent_complete",
            "done_needs_full_percent",
            _("A project that is done is 100% complete."),
        )


def _team_accounts():
    """The wijken's demo team accounts (create_demo_accounts) made before this load, by slug."""
    prefix = "team-"
    users = get_user_model().objects.filter(username__startswith=prefix)
    return {user.username.removeprefix(prefix): user for user in users}


# --- Parts ------------------------------------------------------------------------------------


@register_part(
    "projects",
    order=50,
    schema=ProjectItem,
    unique_by=("neighbourhood", "period_start", "number"),
)
def load_projects(items, context):
    """Projects of the contracts this load creates, with their partners and wishes.

    Runs before SIGNING_ORDER: a project is part of the contract's signed text, and a frozen
    contract refuses new ones (they come by addendum).
    """
    for index, item in enumerate(items):
        path = f"projects[{index}]"
        contract = _contract(item, context, f"{path}.neighbourhood")
        found = Project.objects.filter(contract=contract, number=item.number).first()
        if found is not None:
            context.count(Project, created=False)
            continue
        if not context.is_new(contract):
            # The contract was there before this load: its projects are what staff made them.
            continue
        project = context.save_new(
            Project(
                contract=contract,
                number=item.number,
                title=item.title,
                summary=item.summary,
                description=item.description,
                expected_result=item.expected_result,
                lead_partner=context.partner(item.lead_partner, f"{path}.lead_partner"),
                planned_start=item.planned_start,
                planned_end=item.planned_end,
                is_illustrative=item.is_illustrative,
            ),
            path,
        )
        for position, partner in enumerate(item.partners, start=1):
            partner_path = f"{path}.partners[{position - 1}]"
            context.save_new(
                ProjectPartner(
                    project=project,
                    partner=context.partner(partner.partner, f"{partner_path}.partner"),
                    contribution=partner.contribution,
                    amount=partner.amount,
                    order=position * ORDER_STEP,
                ),
                partner_path,
            )
        wishes = []
        for position, title in enumerate(item.wishes):
            wish = contract.wishes.filter(title=title).first()
            if wish is None:
                raise not_found(f"{path}.wishes[{position}]", contract.wishes.model, "title", title)
            wishes.append(wish)
        project.wishes.set(wishes)


@register_part(
    "progress_updates",
    order=110,
    schema=UpdateItem,
    unique_by=("neighbourhood", "period_start", "project", "date"),
)
def load_progress_updates(items, context):
    """Dated progress updates of the projects this load creates, oldest first per project."""
    by_project = {}
    team_accounts = _team_accounts()
    for index, item in sorted(enumerate(items), key=lambda pair: pair[1].date):
        path = f"progress_updates[{index}]"
        project = _project(item, context, path)
        if project is None:
            continue
        if not context.is_new(project):
            context.count(ProgressUpdate, created=False)
            continue
        project = by_project.setdefault(project.pk, project)
        date = item.date
        _check_open(project, path)
        _check_progress(project, item.status, item.percent_complete, path)
        if date < project.contract.period_start:
            raise fail(
                f"{path}.date",
                "date_before_contract",
                _("The date lies before the contract starts (%(start)s)."),
                start=project.contract.period_start,
            )
        refuse_future(date, f"{path}.date")
        author = team_accounts.get(project.contract.neighbourhood.slug)
        context.save_new(
            ProgressUpdate(
                project=project,
                author=author,
                date=date,
                status=item.status,
                percent_complete=item.percent_complete,
                happened=item.happened.strip(),
                next_steps=item.next_steps.strip(),
                visibility=item.visibility,
            ),
            path,
            exclude=() if author else ("author",),
        )
        # What the next update of this project is checked against, as log_update would.
        project.status, project.percent_complete = item.status, item.percent_complete
    for project in by_project.values():
        fresh = Project.objects.get(pk=project.pk)
        fresh._change_reason = context.note
        refresh_progress(fresh)


@register_part("reporting_rounds", order=120, schema=RoundItem, unique_by=("title", "due_date"))
def load_reporting_rounds(items, context):
    """Reporting rounds, matched by title and due date; a new one comes with its reports."""
    for index, item in enumerate(items):
        path = f"reporting_rounds[{index}]"
        found = ReportingRound.objects.filter(title=item.title, due_date=item.due_date).first()
        if found is not None:
            context.count(ReportingRound, created=False)
            continue
        contracts = [
            _contract(reference, context, f"{path}.contracts[{position}].neighbourhood")
            for position, reference in enumerate(item.contracts)
        ]
        round_ = context.save_new(
            ReportingRound(
                title=item.title,
                introduction=item.introduction,
                due_date=item.due_date,
                opened_at=item.opened_at,
                is_illustrative=item.is_illustrative,
            ),
            path,
        )
        round_.contracts.set(contracts)
        for position, report in enumerate(item.reports):
            _load_report(round_, report, context, f"{path}.reports[{position}]")


def _as_it_stood(project, moment):
    """`project` with the status its updates gave it on the day of `moment`: a report of
    2008 is checked against the project of 2008, not against what later updates made it."""
    latest = (
        project.updates.filter(hidden=False, date__lte=aware(moment).date())
        .order_by("-date", "-created_at", "-pk")
        .first()
    )
    then = Project(status=latest.status if latest else ProjectStatus.PLANNED)
    then.percent_complete = latest.percent_complete if latest else 0
    return then


def _load_report(round_, item, context, path):
    project = _project(item, context, path)
    if project is None:
        return
    if not round_.requested_projects().filter(pk=project.pk).exists():
        raise fail(
            f"{path}.project",
            "project_not_in_round",
            _("This project is not asked to report in this round."),
        )
    _check_progress(
        _as_it_stood(project, item.submitted_at), item.status, item.percent_complete, path
    )
    context.save_new(
        ProjectReport(
            round=round_,
            project=project,
            achieved=item.achieved.strip(),
            deviations=item.deviations.strip(),
            next_steps=item.next_steps.strip(),
            status=item.status,
            percent_complete=item.percent_complete,
            submitted_at=item.submitted_at,
        ),
        path,
        exclude=("submitted_by",),
    )


@register_part(
    "final_evaluations",
    order=130,
    schema=FinalEvaluationItem,
    unique_by=("neighbourhood", "period_start"),
)
def load_final_evaluations(items, context):
    """The final evaluations of the contracts this load creates: the final round and its
    reports as rows (no mail, no present-day stamps), the verdicts, the decision and the
    closing through the services, then the contract completed through the lifecycle service."""
    for index, item in enumerate(items):
        path = f"final_evaluations[{index}]"
        contract = _contract(item, context, f"{path}.neighbourhood")
        if ContractEvaluation.objects.filter(contract=contract).exists():
            context.count(ContractEvaluation, created=False)
            continue
        if not context.is_new(contract):
            # The contract was there before this load: its evaluation is its staff's work.
            continue
        contract.refresh_from_db()
        if problems := final_round_problems(contract, item.round.due_date):
            raise rejected(path, ValidationError(problems))
        refuse_future(aware(item.round.opened_at).date(), f"{path}.round.opened_at")
        refuse_future(aware(item.closed_at).date(), f"{path}.closed_at")
        round_ = context.save_new(
            ReportingRound(
                title=item.round.title,
                kind=RoundKind.FINAL,
                introduction=item.round.introduction,
                due_date=item.round.due_date,
                opened_at=item.round.opened_at,
                is_illustrative=item.is_illustrative,
            ),
            f"{path}.round",
        )
        round_.contracts.set([contract])
        evaluation = context.save_new(
            ContractEvaluation(
                contract=contract,
                round=round_,
                summary=item.summary,
                is_illustrative=item.is_illustrative,
            ),
            path,
        )
        for position, report in enumerate(item.reports):
            _load_report(
                round_,
                ReportItem(
                    neighbourhood=item.neighbourhood,
                    period_start=item.period_start,
                    **report.model_dump(),
                ),
                context,
                f"{path}.reports[{position}]",
            )
        for position, verdict in enumerate(item.verdicts):
            verdict_path = f"{path}.verdicts[{position}]"
            wish = contract.wishes.filter(title=verdict.wish).first()
            if wish is None:
                raise not_found(
                    f"{verdict_path}.wish", contract.wishes.model, "title", verdict.wish
                )
            call(
                verdict_path,
                record_verdict,
                evaluation,
                wish,
                verdict=verdict.verdict,
                explanation=verdict.explanation,
            )
            context.count(WishVerdictRecord, created=True)
        call(
            path,
            set_future,
            evaluation,
            future=item.future,
            explanation=item.future_explanation,
        )
        call(path, close_evaluation, evaluation, user=None, at=aware(item.closed_at))
        if item.completed_at is not None:
            refuse_future(aware(item.completed_at).date(), f"{path}.completed_at")
            call(
                f"{path}.completed_at",
                contract_services.change_status,
                contract,
                ContractStatus.COMPLETED,
                note=item.completion_note or context.note,
                at=aware(item.completed_at),
            )
        for model, lookup in (
            (Contract, {"id": contract.pk}),
            (ContractEvaluation, {"id": evaluation.pk}),
            (WishVerdictRecord, {"evaluation_id": evaluation.pk}),
        ):
            model.history.filter(history_change_reason__isnull=True, **lookup).update(
                history_change_reason=context.note
            )
