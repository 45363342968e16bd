"""A press release drafted from the records of one programme milestone, for staff to edit.

- The signing: the date and place, the wijken, how many partners and projects, what the
  municipality contributes and what the programme's fund holds, and a marked placeholder
  for the portfolio holder's quote.
- The midterm review: per wijk, how the projects stood in the newest midterm round's reports
  (done, on schedule, delayed), and what comes next.
- The final evaluation: per wijk with a closed final evaluation, the verdicts on the
  residents' wishes counted, and the decision on the contract's future.

Everything comes from the records; nothing here knows the pilot. A milestone without its data
(no signed contract, no midterm report, no closed final evaluation) is refused with the reason.
The text is written in the site's language whatever the request's.
"""

from collections import Counter
from decimal import Decimal

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import apnumber
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contracts.choices import ContractStatus, Milestone, PartnerKind, PressReleaseStatus
from contracts.models import QUOTE_PLACEHOLDER, Contract, PressRelease
from projects.choices import ProjectStatus, RoundKind, WishVerdict
from projects.models import (
    ContractEvaluation,
    Project,
    ProjectPartner,
    ProjectReport,
    ReportingRound,
)
from wijkaanpak.common.money import format_euro

# The order in which a wijk's projects are counted.
STATUS_ORDER = [
    ProjectStatus.DONE,
    ProjectStatus.ON_SCHEDULE,
    ProjectStatus.DELAYED,
    ProjectStatus.PLANNED,
    ProjectStatus.CANCELLED,
]


def long_date(day):
    """The date as a press release writes it: "2 oktober 2007"."""
    return date_format(day, "j F Y")


def whole_euros(amount):
    """An amount as a press release writes it: "€ 250.000" when whole, else "€ 1.234,56"."""
    text = format_euro(amount)
    return text.removesuffix(",00")


def number(count):
    """A count as a press release writes it: "vijf" up to nine, digits from ten."""
    return str(apnumber(count))


def enumeration(names):
    """The names as "A, B en C"."""
    names = [str(name) for name in names]
    if len(names) <= 1:
        return "".join(names)
    return _("%(items)s and %(last)s") % {"items": ", ".join(names[:-1]), "last": names[-1]}


def most_common(values):
    counted = Counter(value for value in values if value)
    return counted.most_common(1)[0][0] if counted else None


def programme_contracts(programme, *, signed=False):
    """The public contracts of `programme` by wijk; with `signed`, only the signed ones."""
    contracts = (
        Contract.objects.public()
        .filter(programme=programme)
        .select_related("neighbourhood")
        .prefetch_related("parties__partner")
        .order_by("neighbourhood__name", "period_start", "pk")
    )
    if signed:
        contracts = contracts.filter(
            status__in=[ContractStatus.SIGNED, ContractStatus.COMPLETED], signed_on__isnull=False
        )
    return list(contracts)


def programme_fund(programme):
    try:
        return programme.fund
    except ObjectDoesNotExist:
        return None


def portfolio_holder(programme):
    decision = programme.college_decisions.exclude(portfolio_holder="").first()
    return decision.portfolio_holder if decision else ""


def quote_placeholder(programme):
    """The paragraph of the portfolio holder's quote, marked for staff to write: publishing
    refuses a text that still holds the mark (contracts.services.publish_press_release)."""
    holder = portfolio_holder(programme)
    if not holder:
        return str(QUOTE_PLACEHOLDER)
    return _("“%(quote)s”, says %(holder)s.") % {"quote": QUOTE_PLACEHOLDER, "holder": holder}


def site_address():
    return settings.SITE_URL + reverse("home")


# --- The signing --------------------------------------------------------------------------


def municipality_contribution(projects):
    """What the municipality contributes to `projects`, in a sentence; "" when nothing."""
    led = {
        project.pk for project in projects if project.lead_partner.kind == PartnerKind.MUNICIPALITY
    }
    rows = ProjectPartner.objects.filter(
        project__in=projects, partner__kind=PartnerKind.MUNICIPALITY
    )
    joined = set(rows.values_list("project_id", flat=True)) - led
    amounts = [amount for amount in rows.values_list("amount", flat=True) if amount is not None]
    if not led and not joined:
        return ""
    sentence = _(
        "The municipality leads %(led)s of the projects and takes part in %(joined)s more."
    ) % {"led": number(len(led)), "joined": number(len(joined))}
    total = sum(amounts, Decimal(0))
    if total:
        sentence += " " + _(
            "Where an amount is agreed, it contributes %(amount)s; elsewhere it contributes "
            "hours and means in kind, from its regular budgets."
        ) % {"amount": whole_euros(total)}
    else:
        sentence += " " + _("It contributes hours and means in kind, from its regular budgets.")
    return sentence


def signing_draft(programme):
    contracts = programme_contracts(programme, signed=True)
    if not contracts:
        raise ValidationError(
            _(
                "No contract of this programme has been signed yet: there is no signing to "
                "announce."
            ),
            code="no_signing",
        )
    signed_on = most_common(contract.signed_on for contract in contracts)
    place = most_common(contract.signing_place for contract in contracts) or ""
    wijken = list(dict.fromkeys(contract.neighbourhood.name for contract in contracts))
    partners = {party.partner_id for contract in contracts for party in contract.parties.all()}
    projects = list(Project.objects.filter(contract__in=contracts).select_related("lead_partner"))
    period_end = max(contract.period_end for contract in contracts)
    fund = programme_fund(programme)
    where = {"date": long_date(signed_on), "place": place}

    title = ngettext(
        "The neighbourhood contract of %(wijken)s is signed",
        "%(count)s neighbourhoods sign their neighbourhood contract",
        len(wijken),
    ) % {"wijken": wijken[0], "count": number(len(wijken)).capitalize()}
    lead = ngettext(
        "On %(date)s in %(place)s, %(partners)s partners signed the neighbourhood contract "
        "of %(wijken)s.",
        "On %(date)s in %(place)s, %(partners)s partners signed the neighbourhood contracts "
        "of %(wijken)s.",
        len(wijken),
    ) % {**where, "partners": number(len(partners)), "wijken": enumeration(wijken)}
    lead += " " + _(
        "Residents, the municipality and the partners agree in them what they will do for the "
        "wishes of the residents."
    )
    body = [
        ngettext(
            "The contracts hold %(count)s project, each answering wishes that residents put "
            "forward. The contracts run until %(end)s.",
            "The contracts hold %(count)s projects, each answering wishes that residents put "
            "forward. The contracts run until %(end)s.",
            len(projects),
        )
        % {"count": number(len(projects)), "end": long_date(period_end)},
        _(
            "The projects are paid from the regular budgets of the partners involved: signing "
            "makes the promises binding."
        ),
    ]
    if contribution := municipality_contribution(projects):
        body.append(contribution)
    if fund is not None:
        body.append(
            _(
                "For new initiatives of residents in their wijk and the costs of the approach, "
                "the fund %(fund)s holds %(total)s."
            )
            % {"fund": fund.name, "total": whole_euros(fund.total)}
        )
    body.append(quote_placeholder(programme))
    body.append(
        _("The contracts and their projects can be read at %(address)s.")
        % {"address": site_address()}
    )
    sources = [*contracts, *projects, fund]
    return title, lead, body, sources


# --- The midterm review -------------------------------------------------------------------


def midterm_round(programme):
    """The newest midterm round with a report of a project of `programme`, or None."""
    return (
        ReportingRound.objects.filter(
            kind=RoundKind.MIDTERM, reports__project__contract__programme=programme
        )
        .distinct()
        .order_by("-due_date", "-pk")
        .first()
    )


def status_counts(statuses):
    """The statuses counted: "2 klaar, 1 op schema en 1 vertraagd"."""
    counted = Counter(statuses)
    return enumeration(
        f"{counted[status]} {ProjectStatus(status).label}"
        for status in STATUS_ORDER
        if counted[status]
    )


def midterm_draft(programme):
    round_ = midterm_round(programme)
    if round_ is None:
        raise ValidationError(
            _(
                "No project of this programme has reported in a midterm review yet: there is "
                "no midterm review to announce."
            ),
            code="no_midterm_reports",
        )
    reports = list(
        ProjectReport.objects.filter(round=round_, project__contract__programme=programme)
        .select_related("project__contract__neighbourhood")
        .order_by("project__contract__neighbourhood__name", "project__number")
    )
    by_wijk = {}
    for report in reports:
        by_wijk.setdefault(report.project.contract.neighbourhood.name, []).append(report)
    done = sum(1 for report in reports if report.status == ProjectStatus.DONE)
    contracts = {report.project.contract for report in reports}
    period_end = max(contract.period_end for contract in contracts)

    title = _(
        "Midterm review of the neighbourhood contracts: %(done)s of %(total)s projects done"
    ) % {
        "done": done,
        "total": len(reports),
    }
    lead = ngettext(
        "In %(month)s the project teams of %(count)s wijk reported how their projects stand.",
        "In %(month)s the project teams of %(count)s wijken reported how their projects stand.",
        len(by_wijk),
    ) % {"month": date_format(round_.due_date, "F Y"), "count": number(len(by_wijk))}
    lead += " " + _("Of the %(total)s projects, %(counts)s.") % {
        "total": len(reports),
        "counts": status_counts(report.status for report in reports),
    }
    body = []
    for wijk, wijk_reports in by_wijk.items():
        paragraph = _("%(wijk)s: %(counts)s.") % {
            "wijk": wijk,
            "counts": status_counts(report.status for report in wijk_reports),
        }
        delayed = [r.project.title for r in wijk_reports if r.status == ProjectStatus.DELAYED]
        if delayed:
            paragraph += " " + _("Delayed: %(projects)s.") % {"projects": enumeration(delayed)}
        body.append(paragraph)
    body.append(
        _(
            "The teams carry on with the projects that are still running. The contracts run "
            "until %(end)s; then each contract's final evaluation follows."
        )
        % {"end": long_date(period_end)}
    )
    body.append(quote_placeholder(programme))
    body.append(
        _("The reports of every project can be read at %(address)s.") % {"address": site_address()}
    )
    sources = [round_, *(report.project for report in reports)]
    return title, lead, body, sources


# --- The final evaluation -----------------------------------------------------------------


def final_draft(programme):
    evaluations = list(
        ContractEvaluation.objects.filter(contract__programme=programme, closed_at__isnull=False)
        .select_related("contract__neighbourhood")
        .prefetch_related("verdicts")
        .order_by("contract__neighbourhood__name", "contract__period_start")
    )
    if not evaluations:
        raise ValidationError(
            _(
                "No final evaluation of this programme has been closed yet: there is no final "
                "evaluation to announce."
            ),
            code="no_closed_evaluation",
        )
    verdicts = [
        verdict.verdict for evaluation in evaluations for verdict in evaluation.verdicts.all()
    ]
    fulfilled = verdicts.count(WishVerdict.FULFILLED)
    wijken = [evaluation.contract.neighbourhood.name for evaluation in evaluations]

    title = _(
        "Final evaluation of the neighbourhood contracts: %(fulfilled)s of %(total)s wishes "
        "fulfilled"
    ) % {
        "fulfilled": fulfilled,
        "total": len(verdicts),
    }
    lead = ngettext(
        "The partners of %(count)s wijk have evaluated their neighbourhood contract: %(wijken)s.",
        "The partners of %(count)s wijken have evaluated their neighbourhood contracts: "
        "%(wijken)s.",
        len(wijken),
    ) % {"count": number(len(wijken)), "wijken": enumeration(wijken)}
    lead += " " + verdict_sentence(verdicts)
    body = []
    for evaluation in evaluations:
        paragraph = _("%(wijk)s: %(verdicts)s The partners decided: %(future)s.") % {
            "wijk": evaluation.contract.neighbourhood.name,
            "verdicts": verdict_sentence([v.verdict for v in evaluation.verdicts.all()]),
            "future": evaluation.get_future_display(),
        }
        if evaluation.future_explanation.strip():
            paragraph += " " + " ".join(evaluation.future_explanation.split())
        body.append(paragraph)
    body.append(quote_placeholder(programme))
    body.append(
        _("The final evaluation of every wijk can be read at %(address)s.")
        % {"address": site_address()}
    )
    return title, lead, body, evaluations


def verdict_sentence(verdicts):
    """The verdicts counted: "Of the 5 wishes, 3 were fulfilled, 1 partly and 1 not"."""
    counted = Counter(verdicts)
    return ngettext(
        "Of the %(total)s wish of residents, %(fulfilled)s was fulfilled, %(partly)s partly "
        "and %(not)s not.",
        "Of the %(total)s wishes of residents, %(fulfilled)s were fulfilled, %(partly)s partly "
        "and %(not)s not.",
        len(verdicts),
    ) % {
        "total": len(verdicts),
        "fulfilled": counted[WishVerdict.FULFILLED],
        "partly": counted[WishVerdict.PARTLY_FULFILLED],
        "not": counted[WishVerdict.NOT_FULFILLED],
    }


DRAFTERS = {
    Milestone.SIGNING: signing_draft,
    Milestone.MIDTERM: midterm_draft,
    Milestone.FINAL: final_draft,
}


def is_illustrative(sources):
    return any(getattr(source, "is_illustrative", False) for source in sources if source)


@transaction.atomic
def draft_press_release(programme, milestone, user=None):
    """A new draft PressRelease of `programme` at `milestone`, written from its records.

    Raises ValidationError (and writes nothing) for an unknown milestone or one whose data is
    not there yet. It is marked illustrative when a record it draws on is.
    """
    if milestone not in DRAFTERS:
        raise ValidationError(_("Choose one of the listed milestones."), code="invalid_milestone")
    with translation.override(settings.LANGUAGE_CODE):
        title, lead, body, sources = DRAFTERS[milestone](programme)
    release = PressRelease(
        programme=programme,
        milestone=milestone,
        title=title[:250],
        lead=lead,
        body="\n\n".join(body),
        status=PressReleaseStatus.DRAFT,
        is_illustrative=is_illustrative(sources) or programme.is_illustrative,
    )
    release.full_clean()
    if user is not None:
        release._history_user = user
    release.save()
    return release
