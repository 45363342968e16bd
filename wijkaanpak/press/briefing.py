"""The portfolio holder's briefing notes for a press briefing: one A4 page of key facts per wijk.

Per public contract of the programme: the contract, its date and place of signing, how many
parties signed, the residents' wishes, the projects by status with their progress, what the
programme's fund committed and paid in the wijk, and the key next step. A staff download from
the admin (wijkaanpak.press.admin); it shows what the public pages show, nothing internal.
Each wijk starts on a new page, and the lists are capped so that a wijk fits its page.
"""

from collections import Counter

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from budget import selectors as budget_selectors
from contracts import selectors
from projects import selectors as project_selectors
from projects.choices import CLOSED_STATUSES, ProjectStatus
from wijkaanpak.common import pdf
from wijkaanpak.press.drafting import STATUS_ORDER, programme_contracts, programme_fund

BRIEFING_TEMPLATE = "pdf/briefing.html"

# At most this many wishes and projects per wijk, each title shortened to a line or two, and
# the next step to a few lines: a wijk's facts fit one page. The rest is counted.
BRIEFING_WISHES = 8
BRIEFING_PROJECTS = 8
TITLE_CHARS = 90
NEXT_STEP_CHARS = 300


def briefing_filename(programme):
    return f"briefing-{programme.slug}.pdf"


def briefing_title(programme):
    return _("Briefing of the portfolio holder: %(programme)s") % {"programme": programme.name}


def short(text, chars=TITLE_CHARS):
    return Truncator(" ".join(text.split())).chars(chars)


def key_next_step(contract, projects, today):
    """The step the portfolio holder should know of, as (label, text): the decision of a closed
    final evaluation; else, after the contract's period, its final evaluation; else a delayed
    project with its next steps; else the running project that should finish first; else the
    end of the contract."""
    evaluation = getattr(contract, "evaluation", None)
    if evaluation is not None and evaluation.is_closed:
        return (
            _("Decision of the final evaluation"),
            short(
                f"{evaluation.get_future_display()}. {evaluation.future_explanation}".strip(),
                NEXT_STEP_CHARS,
            ),
        )
    if contract.period_end < today:
        return (
            _("Final evaluation"),
            _("The contract ended on %(date)s: its final evaluation is due.")
            % {"date": date_format(contract.period_end, "j F Y")},
        )
    for project in projects:
        if project.status == ProjectStatus.DELAYED:
            update = project.latest_update
            step = update.next_steps if update is not None and update.next_steps.strip() else ""
            text = _("%(project)s is delayed.") % {"project": short(project.title)}
            return _("Delayed project"), short(f"{text} {step}".strip(), NEXT_STEP_CHARS)
    running = [project for project in projects if project.status not in CLOSED_STATUSES]
    if running:
        project = min(running, key=lambda project: project.planned_end)
        return (
            _("First project to finish"),
            _("%(project)s, planned to finish on %(date)s.")
            % {"project": short(project.title), "date": date_format(project.planned_end, "j F Y")},
        )
    return (
        _("End of the contract"),
        _("The contract runs until %(date)s; its final evaluation follows.")
        % {"date": date_format(contract.period_end, "j F Y")},
    )


def wijk_facts(contract, fund, today):
    projects = project_selectors.contract_projects(contract)
    wishes = list(contract.wishes.all())
    counted = Counter(project.status for project in projects)
    account = budget_selectors.neighbourhood_fund(fund, contract.neighbourhood) if fund else None
    step_label, step = key_next_step(contract, projects, today)
    return {
        "contract": contract,
        "neighbourhood": contract.neighbourhood,
        "party_count": len(contract.parties.all()),
        "wishes": [short(wish.title) for wish in wishes[:BRIEFING_WISHES]],
        "more_wishes": max(len(wishes) - BRIEFING_WISHES, 0),
        "projects": [
            {
                "number": project.number,
                "title": short(project.title),
                "status": project.get_status_display(),
                "percent": project.percent_complete,
            }
            for project in projects[:BRIEFING_PROJECTS]
        ],
        "more_projects": max(len(projects) - BRIEFING_PROJECTS, 0),
        "status_counts": [
            (ProjectStatus(status).label, counted[status])
            for status in STATUS_ORDER
            if counted[status]
        ],
        "fund": account,
        "step_label": step_label,
        "next_step": step,
        "is_illustrative": selectors.has_illustrative_content(contract)
        or any(project_selectors.is_illustrative(project) for project in projects),
    }


def briefing_context(programme, today=None):
    today = today or timezone.localdate()
    fund = programme_fund(programme)
    wijken = [wijk_facts(contract, fund, today) for contract in programme_contracts(programme)]
    return {
        "programme": programme,
        "fund": fund,
        "wijken": wijken,
        "drawn_up_on": today,
        "municipality_name": settings.MUNICIPALITY_NAME,
        "shows_illustrative": any(wijk["is_illustrative"] for wijk in wijken)
        or bool(fund and fund.is_illustrative),
    }


def render_briefing(programme):
    """The briefing of `programme` in Dutch, whatever the request's language: PDF bytes, or
    None when the programme has no public contract to brief on."""
    with translation.override(settings.LANGUAGE_CODE):
        context = briefing_context(programme)
        if not context["wijken"]:
            return None
        return pdf.render_pdf(
            BRIEFING_TEMPLATE,
            context,
            title=briefing_title(programme),
            language=settings.LANGUAGE_CODE,
        )
