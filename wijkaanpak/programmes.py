"""A programme period's public pages: the programme (its wijken, fund and milestones) and the
council's report across all its wijken, as a page and as a PDF for the council committee.

It combines the contracts, projects and budget apps, which is why it lives here. Only public
contracts are shown, and nobody's personal data: no team member, no applicant, no one who
closed an evaluation. Every page costs a fixed number of queries, however many wijken,
projects, rounds and reports the programme has.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from budget import selectors as budget_selectors
from contracts import selectors
from projects import selectors as project_selectors
from projects.choices import ProjectStatus
from wijkaanpak.common import pdf
from wijkaanpak.common.pages import page_of
from wijkaanpak.common.ratelimits import limit_pdf_renders

REPORT_TEMPLATE = "pdf/programme_report.html"


@dataclass
class MidtermRound:
    """One midterm round as it concerns one wijk: its reports and how many were asked."""

    round: object
    reports: list
    asked: int

    @property
    def handed_in(self):
        return len(self.reports)


@dataclass
class WijkReport:
    """Everything the programme's page and the council's report say about one wijk."""

    number: int
    contract: object
    projects: list
    wishes: list
    status_counts: list
    average_progress: int | None
    midterm_rounds: list
    evaluation: object | None
    fund_line: object | None
    initiatives: list = field(default_factory=list)

    @property
    def neighbourhood(self):
        return self.contract.neighbourhood

    @property
    def midterm_handed_in(self):
        return sum(round_.handed_in for round_ in self.midterm_rounds)

    @property
    def midterm_asked(self):
        return sum(round_.asked for round_ in self.midterm_rounds)

    @property
    def closed_evaluation(self):
        return self.evaluation if self.evaluation and self.evaluation.is_closed else None

    @property
    def wishes_not_taken_up(self):
        return [wish for wish in self.wishes if not wish.answering_projects]


def _average_progress(projects):
    """The average percentage of the projects that were not cancelled, or None."""
    running = [p.percent_complete for p in projects if p.status != ProjectStatus.CANCELLED]
    if not running:
        return None
    return round(sum(running) / len(running))


def _midterm_rounds(contract, projects, rounds):
    """The midterm rounds that asked `contract`, each with this wijk's reports in it."""
    by_project = {project.pk: project for project in projects}
    asked_projects = {p.pk for p in projects if p.status != ProjectStatus.CANCELLED}
    result = []
    for round_ in rounds:
        if contract.pk not in round_.contract_ids:
            continue
        reports = [report for report in round_.report_list if report.project_id in by_project]
        for report in reports:
            report.project_in_report = by_project[report.project_id]
        # Asked: every project but the cancelled ones, and any that reported before it was
        # cancelled (as the round's review counts them).
        asked = len(asked_projects | {report.project_id for report in reports})
        result.append(MidtermRound(round=round_, reports=reports, asked=asked))
    return result


def programme_overview(programme):
    """The programme's public contracts with all the page and the report show of each wijk.

    Returns a dict with `programme`, `wijken` (WijkReport per public contract, by wijk name),
    `fund`, `account` (budget.selectors.fund_account of the fund, or None), `midterm_rounds`,
    `signings` (signing dates with their wijken), `decisions` (the college's decisions) and
    `shows_illustrative`.
    """
    contracts = selectors.programme_contracts(programme)
    projects_by_contract = project_selectors.programme_projects(contracts)
    rounds = project_selectors.programme_midterm_rounds(contracts)
    evaluations = project_selectors.programme_evaluations(contracts)
    fund = budget_selectors.programme_fund(programme)
    account = budget_selectors.fund_account(fund) if fund else None
    lines = {line.slug: line for line in account.neighbourhoods} if account else {}
    initiatives = {}
    for application in account.initiatives if account else []:
        if application.neighbourhood is None:
            continue
        initiatives.setdefault(application.neighbourhood.slug, []).append(application)

    wijken = []
    for number, contract in enumerate(contracts, start=1):
        projects = projects_by_contract[contract.pk]
        counts = Counter(project.status for project in projects)
        wijken.append(
            WijkReport(
                number=number,
                contract=contract,
                projects=projects,
                wishes=project_selectors.wishes_with_projects(contract, projects),
                status_counts=[(status, counts[status]) for status in REPORT_STATUS_ORDER],
                average_progress=_average_progress(projects),
                midterm_rounds=_midterm_rounds(contract, projects, rounds),
                evaluation=evaluations.get(contract.pk),
                fund_line=lines.get(contract.neighbourhood.slug),
                initiatives=initiatives.get(contract.neighbourhood.slug, []),
            )
        )
    decisions = list(programme.college_decisions.order_by("meeting_date", "pk"))
    return {
        "programme": programme,
        "wijken": wijken,
        "fund": fund,
        "account": account,
        "midterm_rounds": rounds,
        "signings": _signings(contracts),
        "decisions": decisions,
        "shows_illustrative": programme.is_illustrative
        or bool(account and account.is_illustrative)
        or any(_is_illustrative(wijk) for wijk in wijken)
        or any(decision.is_illustrative for decision in decisions),
    }


# The summary table's columns, in the order of a project's life.
REPORT_STATUS_ORDER = (
    ProjectStatus.DONE,
    ProjectStatus.ON_SCHEDULE,
    ProjectStatus.DELAYED,
    ProjectStatus.PLANNED,
    ProjectStatus.CANCELLED,
)


def _is_illustrative(wijk):
    return (
        wijk.contract.is_illustrative
        or any(project_selectors.is_illustrative(project) for project in wijk.projects)
        or any(midterm.round.is_illustrative for midterm in wijk.midterm_rounds)
        or bool(wijk.evaluation and wijk.evaluation.is_illustrative)
    )


@dataclass(frozen=True)
class Signing:
    date: datetime.date | None
    is_signed: bool
    neighbourhoods: tuple


def _signings(contracts):
    """The contracts' signing dates, each with its wijken: one line per date."""
    groups = {}
    for contract in contracts:
        groups.setdefault(contract.signed_on, []).append(contract)
    return [
        Signing(
            date=day,
            is_signed=all(contract.is_signed for contract in group),
            neighbourhoods=tuple(contract.neighbourhood for contract in group),
        )
        for day, group in sorted(
            groups.items(), key=lambda item: (item[0] is None, item[0] or datetime.date.min)
        )
    ]


# The programme's page lists its wijken a page at a time: a programme can have hundreds.
WIJKEN_PER_PAGE = 30


def programme_page(programme, request):
    """What the programme's page shows: the page of its public contracts that `request` asks
    for, the fund's four figures, the milestones and whether anything is demo data.

    Returns a dict with `programme`, `page_obj` (wijkaanpak.common.pages.page_of: contracts
    by wijk name, each with `project_count`), `wijken` (WijkReport-like rows of the
    page: `contract`, `neighbourhood`, `evaluation`), `contract_count`, `account`
    (budget.selectors.fund_figures, or None), `midterm_rounds` (each with `wijk_count` and,
    when every wijk it asks is on this page, `page_wijken`), `signings`, `decisions` and
    `shows_illustrative`. Programme-wide figures are counts and sums from the database: a
    fixed number of queries, and a bounded page, however many wijken the programme has.
    """
    public = selectors.public_programme_contracts(programme)
    page = page_of(request, selectors.programme_contract_list(programme), WIJKEN_PER_PAGE)
    contracts = list(page.object_list)
    evaluations = project_selectors.programme_evaluations(contracts)
    rounds = project_selectors.programme_midterm_round_counts(public, shown=contracts)
    whole_list = not page.has_other_pages()
    for round_ in rounds:
        asked = [c.neighbourhood for c in contracts if c.pk in round_.contract_ids]
        round_.page_wijken = asked if whole_list else []
    fund = budget_selectors.programme_fund(programme)
    account = budget_selectors.fund_figures(fund) if fund else None
    decisions = list(programme.college_decisions.order_by("meeting_date", "pk"))
    return {
        "programme": programme,
        "page_obj": page,
        "contract_count": page.paginator.count,
        "wijken": [
            PageWijk(contract=contract, evaluation=evaluations.get(contract.pk))
            for contract in contracts
        ],
        "account": account,
        "fund": fund,
        "midterm_rounds": rounds,
        "signings": selectors.programme_signings(public, shown=contracts if whole_list else ()),
        "decisions": decisions,
        "shows_illustrative": programme.is_illustrative
        or bool(account and account.is_illustrative)
        or selectors.shows_illustrative(public)
        or project_selectors.programme_shows_illustrative(public)
        or any(decision.is_illustrative for decision in decisions),
    }


@dataclass
class PageWijk:
    """One wijk on the programme's page: its contract and final evaluation (or None)."""

    contract: object
    evaluation: object | None

    @property
    def neighbourhood(self):
        return self.contract.neighbourhood

    @property
    def closed_evaluation(self):
        return self.evaluation if self.evaluation and self.evaluation.is_closed else None


class ProgrammeDetailView(TemplateView):
    """One programme period: its wijken with their contract (a page at a time), its fund, its
    milestones and the college's decisions, with the way to the council's report."""

    template_name = "wijkaanpak/programme_detail.html"

    def get_context_data(self, **kwargs):
        programme = selectors.get_programme_or_404(self.kwargs["slug"])
        return super().get_context_data(
            **programme_page(programme, self.request),
            current_programme=selectors.current_programme(),
            **kwargs,
        )


class ProgrammeReportView(TemplateView):
    """The council's report across all wijken of a programme, as a page."""

    template_name = "wijkaanpak/programme_report.html"

    def get_context_data(self, **kwargs):
        programme = selectors.get_programme_or_404(self.kwargs["slug"])
        return super().get_context_data(
            **programme_overview(programme), drawn_up_on=timezone.localdate(), **kwargs
        )


@require_safe
@limit_pdf_renders
def programme_report_pdf(request, slug):
    """The council's report as a tagged A4 PDF, dated today, for the council committee.

    Rendered once per distinct HTML (wijkaanpak.common.pdf's cache), so a new report, update or
    booking, or the next day, renders anew. A programme without public contracts has nothing
    to report: a 404 page that says so, never an empty PDF.
    """
    programme = selectors.get_programme_or_404(slug)
    overview = programme_overview(programme)
    if not overview["wijken"]:
        # The report page's own empty state, as the answer: not found, and why.
        return render(
            request,
            ProgrammeReportView.template_name,
            {**overview, "drawn_up_on": timezone.localdate()},
            status=404,
        )
    title = gettext("Report on the programme %(name)s") % {"name": programme.name}
    data, from_cache = pdf.render_pdf_cached(
        REPORT_TEMPLATE,
        {
            **overview,
            "drawn_up_on": timezone.localdate(),
            "municipality_name": settings.MUNICIPALITY_NAME,
        },
        title=title,
        language=translation.get_language() or "nl",
    )
    response = pdf.pdf_response(data, f"rapportage-{programme.slug}.pdf")
    response["X-Wijkaanpak-Source"] = "cache" if from_cache else "rendered"
    return response
