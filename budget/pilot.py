"""The fund's part of a municipality's pilot data (see :mod:`wijkaanpak.common.pilot`).

``funds`` (order 200, after the contracts, their projects and the progress of the midterm)
    ``[{name, total, decision_reference, decision_date, period_start, period_end,
    is_illustrative?, categories: [{kind, ceiling?}], allocations?: [{category, amount,
    purpose, decision_date, decision_reference?, neighbourhood?, is_illustrative?,
    payments?: [{amount, paid_on, reference?}]}], applications?: [{reference, neighbourhood,
    period_start, title, description, wish?, project?, fit_explanation?, own_contribution,
    other_budgets_tried?, amount_requested, cost_breakdown, contact_name, contact_email,
    contact_phone?, submitted_at, status, reviews?: [{criterion, met, note?}], decided_on?,
    amount_granted?, reason?, payments?, is_illustrative?}]}]``

A fund is matched by name. A fund that exists is left exactly as it is, with its categories,
allocations, payments and applications: they are what the budget managers made of it. A new
fund comes with everything the file gives for it.

Allocations are booked and paid through :func:`budget.services.book_allocation` and
:func:`budget.services.record_payment`, which take a decision date and a payment date and
check the fund's total, the category's ceiling and what an allocation still allows; they are
booked by nobody (the load is no person).

An application is written as :func:`~budget.services.submit_application` would leave it, with
the file's reference and submission moment and the same checks of the wish, project and fit.
A project is passed over when its contract has no projects at all (a file without the
projects part), so an application that names a project also explains its fit. It is taken
into review, its criteria reviewed and a withdrawal made by the services. A decision is
written as :func:`~budget.services.decide` writes it (its allocation booked by
``book_allocation`` in the initiatives category, under the application's reference), but
dated on the file's day: the service stamps the present moment and mails the decision letter,
and the pilot replays 2008 without mail. Moments the models stamp themselves (booked,
reviewed, submitted) are set to the file's dates afterwards, so the ledger reads as it
happened; the history rows keep the moment of the load, which is when they were written.

Everything this part writes is checked as the services check it; a problem makes the whole
load fail with nothing written.
"""

import datetime
from typing import Annotated

import pydantic
from django.utils.translation import gettext_lazy as _

from budget import services
from budget.choices import (
    DECIDED_STATUSES,
    ApplicationStatus,
    CategoryKind,
    Criterion,
)
from budget.models import (
    Allocation,
    CriterionReview,
    Fund,
    FundCategory,
    InitiativeApplication,
    Payment,
)
from contracts.models import Programme
from projects.models import Project
from wijkaanpak.common.money import format_euro
from wijkaanpak.common.pilot import (
    AnyText,
    Boolean,
    IsoDate,
    IsoMoment,
    Item,
    PositiveAmount,
    PositiveWholeNumber,
    Text,
    aware,
    call,
    choice,
    explained,
    fail,
    refuse_future,
    register_part,
)

# After the contracts (10–40), their projects (50), signing (90), progress (110) and the
# reporting rounds (120): the fund pays for what the signed contracts set in motion.
FUNDS_ORDER = 200

# The moment of the day a decision, booking or payment of a date is stamped with.
NOON = datetime.time(12, 0)
# When the file names no moment of a criterion review: this long after the submission.
REVIEW_AFTER = datetime.timedelta(days=7)


# --- The items of the file --------------------------------------------------------------------

Reference = Annotated[
    str,
    pydantic.StringConstraints(pattern=r"^IA-\d{4}-\d{4}$"),
    explained(_("must be a reference like IA-2008-0001")),
]


class PaymentItem(Item):
    amount: PositiveAmount
    paid_on: IsoDate
    reference: AnyText = ""


class CategoryItem(Item):
    kind: choice(CategoryKind)
    ceiling: PositiveAmount | None = None


class AllocationItem(Item):
    category: choice(CategoryKind)
    amount: PositiveAmount
    purpose: Text
    decision_date: IsoDate
    decision_reference: AnyText = ""
    neighbourhood: Text | None = None
    is_illustrative: Boolean = False
    payments: list[PaymentItem] = []


class ReviewItem(Item):
    criterion: choice(Criterion)
    met: Boolean
    note: AnyText = ""


class ApplicationItem(Item):
    reference: Reference
    neighbourhood: Text
    period_start: IsoDate
    title: Text
    description: Text
    wish: Text | None = None
    project: PositiveWholeNumber | None = None
    fit_explanation: AnyText = ""
    own_contribution: Text
    other_budgets_tried: AnyText = ""
    amount_requested: PositiveAmount
    cost_breakdown: Text
    contact_name: Text
    contact_email: Text
    contact_phone: AnyText = ""
    submitted_at: IsoMoment
    status: choice(ApplicationStatus)
    reviews: list[ReviewItem] = []
    decided_on: IsoDate | None = None
    amount_granted: PositiveAmount | None = None
    reason: AnyText = ""
    payments: list[PaymentItem] = []
    is_illustrative: Boolean = False


class FundItem(Item):
    name: Text
    total: PositiveAmount
    decision_reference: Text
    decision_date: IsoDate
    period_start: IsoDate
    period_end: IsoDate
    is_illustrative: Boolean = False
    programme: AnyText = ""
    categories: Annotated[list[CategoryItem], pydantic.Field(min_length=1)]
    allocations: list[AllocationItem] = []
    applications: list[ApplicationItem] = []


def _at_noon(date):
    return aware(datetime.datetime.combine(date, NOON))


# --- The part ---------------------------------------------------------------------------------


@register_part("funds", order=FUNDS_ORDER, schema=FundItem, unique_by=("name",))
def load_funds(items, context):
    """Funds with their categories, bookings, payments and residents' applications."""
    for index, item in enumerate(items):
        path = f"funds[{index}]"
        programme = _programme(item.programme, context, f"{path}.programme")
        existing = Fund.objects.filter(name=item.name).first()
        if existing is not None:
            # What belongs to a fund that exists is the budget managers' work; it only joins
            # the file's programme when it has none and the programme has no fund yet.
            if (
                existing.programme_id is None
                and programme is not None
                and not Fund.objects.filter(programme=programme).exists()
            ):
                Fund.objects.filter(pk=existing.pk).update(programme=programme)
            context.count(Fund, created=False)
            continue
        fund = context.save_new(
            Fund(
                name=item.name,
                total=item.total,
                decision_reference=item.decision_reference,
                decision_date=item.decision_date,
                period_start=item.period_start,
                period_end=item.period_end,
                is_illustrative=item.is_illustrative,
                programme=programme,
            ),
            path,
        )
        categories = _load_categories(fund, item.categories, context, path)
        for position, allocation in enumerate(item.allocations):
            _load_allocation(
                fund, categories, allocation, context, f"{path}.allocations[{position}]"
            )
        for position, application in enumerate(item.applications):
            _load_application(fund, application, context, f"{path}.applications[{position}]")
        _stamp_history(fund, context.note)


def _programme(slug, context, path):
    """The programme of this slug (from the file's programmes or the database), or None."""
    if not slug:
        return None
    return context.find(Programme, "slug", slug, path)


def _load_categories(fund, items, context, path):
    categories = {}
    for position, item in enumerate(items):
        item_path = f"{path}.categories[{position}]"
        if item.kind in categories:
            raise fail(f"{item_path}.kind", "duplicate", _("This fund already has this category."))
        if item.ceiling is not None and item.ceiling > fund.total:
            raise fail(
                f"{item_path}.ceiling",
                "ceiling_above_total",
                _("A ceiling cannot be more than the fund's total."),
            )
        categories[item.kind] = context.save_new(
            FundCategory(fund=fund, kind=item.kind, ceiling=item.ceiling), item_path
        )
    return categories


def _load_allocation(fund, categories, item, context, path):
    category = categories.get(item.category)
    if category is None:
        raise fail(f"{path}.category", "unknown_reference", _("The fund has no such category."))
    decision_date = item.decision_date
    refuse_future(decision_date, f"{path}.decision_date")
    neighbourhood = None
    if item.neighbourhood is not None:
        neighbourhood = context.neighbourhood(item.neighbourhood, f"{path}.neighbourhood")
    allocation = call(
        path,
        services.book_allocation,
        fund,
        category=category,
        amount=item.amount,
        purpose=item.purpose,
        decision_date=decision_date,
        decision_reference=item.decision_reference,
        neighbourhood=neighbourhood,
        user=None,
        is_illustrative=item.is_illustrative,
    )
    _booked(allocation, context)
    _load_payments(allocation, item.payments, context, path)
    return allocation


def _booked(allocation, context):
    """Count a booking and date it on its decision, as if booked that day."""
    Allocation.objects.filter(pk=allocation.pk).update(
        created_at=_at_noon(allocation.decision_date)
    )
    context.count(Allocation, created=True)
    context.mark_new(allocation)


def _load_payments(allocation, items, context, path):
    for position, item in enumerate(items):
        item_path = f"{path}.payments[{position}]"
        paid_on = item.paid_on
        if paid_on < allocation.decision_date:
            raise fail(
                f"{item_path}.paid_on",
                "paid_before_decision",
                _("A payment cannot come before the decision (%(date)s)."),
                date=allocation.decision_date.isoformat(),
            )
        refuse_future(paid_on, f"{item_path}.paid_on")
        payment = call(
            item_path,
            services.record_payment,
            allocation,
            amount=item.amount,
            paid_on=paid_on,
            reference=item.reference,
            user=None,
        )
        Payment.objects.filter(pk=payment.pk).update(created_at=_at_noon(paid_on))
        context.count(Payment, created=True)
        context.mark_new(payment)


def _load_application(fund, item, context, path):
    contract = context.contract(item.neighbourhood, item.period_start, path)
    neighbourhood = contract.neighbourhood
    if InitiativeApplication.objects.filter(reference=item.reference).exists():
        raise fail(
            f"{path}.reference",
            "duplicate",
            _("An application with the reference %(reference)s already exists."),
            reference=item.reference,
        )
    wish = project = None
    if item.wish is not None:
        # A wish of this wijk's contract: one of another wijk is not found here.
        wish = contract.wishes.filter(title=item.wish).first()
        if wish is None:
            raise fail(
                f"{path}.wish",
                "unknown_reference",
                _("The contract of %(wijk)s has no wish “%(title)s”."),
                wijk=item.neighbourhood,
                title=item.wish,
            )
    if item.project is not None:
        project = Project.objects.filter(contract=contract, number=item.project).first()
        # A contract without any project (a file without the projects part, or staff who have
        # not written them yet) cannot be named: the application then stands on its wish or
        # its own explanation. A contract with projects but not this one has a wrong number.
        if project is None and contract.projects.exists():
            raise fail(
                f"{path}.project",
                "unknown_reference",
                _("The contract of %(wijk)s has no project %(number)s."),
                wijk=item.neighbourhood,
                number=item.project,
            )
    if wish is None and project is None and not item.fit_explanation.strip():
        raise fail(
            f"{path}.fit_explanation",
            "fit_missing",
            _("Choose the wish or project it fits, or explain how it fits the contract."),
        )
    submitted_at = item.submitted_at
    refuse_future(submitted_at.date(), f"{path}.submitted_at")
    amount = call(path, services.parse_amount, item.amount_requested, "amount_requested")
    application = context.save_new(
        InitiativeApplication(
            fund=fund,
            reference=item.reference,
            neighbourhood=neighbourhood,
            title=item.title,
            description=item.description,
            wish=wish,
            project=project,
            fit_explanation=item.fit_explanation,
            own_contribution=item.own_contribution,
            # submit_application refuses an application without this declaration.
            no_other_budget=True,
            other_budgets_tried=item.other_budgets_tried,
            amount_requested=amount,
            cost_breakdown=item.cost_breakdown,
            contact_name=item.contact_name,
            contact_email=item.contact_email,
            contact_phone=item.contact_phone,
            is_illustrative=item.is_illustrative,
        ),
        path,
    )
    InitiativeApplication.objects.filter(pk=application.pk).update(submitted_at=submitted_at)
    application.submitted_at = submitted_at
    _walk_application(application, item, context, path)


def _walk_application(application, item, context, path):
    """Take the application to the file's status as the budget managers would."""
    status = item.status
    reviews = item.reviews
    decided = status in DECIDED_STATUSES
    decided_on = item.decided_on
    for name, allowed in (
        ("decided_on", decided),
        ("amount_granted", status == ApplicationStatus.PARTLY_GRANTED),
        ("payments", status in (ApplicationStatus.GRANTED, ApplicationStatus.PARTLY_GRANTED)),
        ("reviews", status != ApplicationStatus.SUBMITTED),
        ("reason", decided or status == ApplicationStatus.WITHDRAWN),
    ):
        if item.given(name) and not allowed:
            raise fail(
                f"{path}.{name}",
                "not_for_status",
                _("An application that is “%(status)s” has no %(field)s."),
                status=ApplicationStatus(status).label,
                field=name,
            )
    if decided and decided_on is None:
        raise fail(f"{path}.decided_on", "missing", _("is missing"))
    if decided_on is not None:
        if decided_on < application.submitted_at.date():
            raise fail(
                f"{path}.decided_on",
                "decided_before_submitted",
                _("A decision cannot come before the application was submitted."),
            )
        refuse_future(decided_on, f"{path}.decided_on")
    if status == ApplicationStatus.SUBMITTED:
        return
    if status != ApplicationStatus.WITHDRAWN or reviews:
        application = call(path, services.start_review, application, user=None)
    reviewed_at = application.submitted_at + REVIEW_AFTER
    if decided_on is not None:
        reviewed_at = min(reviewed_at, _at_noon(decided_on))
    for position, review in enumerate(reviews):
        written = call(
            f"{path}.reviews[{position}]",
            services.review_criterion,
            application,
            review.criterion,
            met=review.met,
            note=review.note,
            user=None,
        )
        CriterionReview.objects.filter(pk=written.pk).update(reviewed_at=reviewed_at)
        context.count(CriterionReview, created=True)
        context.mark_new(written)
    if status == ApplicationStatus.WITHDRAWN:
        call(path, services.withdraw, application, user=None, reason=item.reason)
    elif decided:
        application = _decide(application, item, decided_on, context, path)
        if application.allocation is not None:
            _load_payments(application.allocation, item.payments, context, path)


def _decide(application, item, decided_on, context, path):
    """What services.decide writes, dated on the file's day and without the letter by mail."""
    status = item.status
    reason = item.reason.strip()
    application = InitiativeApplication.objects.get(pk=application.pk)
    call(path, services._change_application_status, application, status)
    if missing := services.unreviewed_criteria(application):
        raise fail(
            f"{path}.reviews",
            "criteria_not_reviewed",
            _("Assess every criterion before deciding. Not assessed yet: %(criteria)s."),
            criteria="; ".join(f"“{criterion.label}”" for criterion in missing),
        )
    if status == ApplicationStatus.GRANTED:
        granted = application.amount_requested
    elif status == ApplicationStatus.PARTLY_GRANTED:
        if item.amount_granted is None:
            raise fail(f"{path}.amount_granted", "missing", _("is missing"))
        granted = call(f"{path}.amount_granted", services.parse_amount, item.amount_granted)
        if granted >= application.amount_requested:
            raise fail(
                f"{path}.amount_granted",
                "partial_not_lower",
                _("A partial grant is lower than the %(requested)s requested."),
                requested=format_euro(application.amount_requested),
            )
    else:
        granted = None
    if status != ApplicationStatus.GRANTED and not reason:
        raise fail(f"{path}.reason", "reason_missing", _("Give the reason for this decision."))
    if not reason and application.reviews.filter(met=False).exists():
        raise fail(
            f"{path}.reason",
            "reason_for_unmet_criterion",
            _(
                "A criterion is not met: give the reason why the application is "
                "granted nonetheless."
            ),
        )
    if granted is not None:
        category = application.fund.categories.filter(kind=CategoryKind.INITIATIVES).first()
        if category is None:
            raise fail(
                path, "unknown_reference", _("The fund has no category for resident initiatives.")
            )
        application.allocation = call(
            f"{path}.amount_granted" if status == ApplicationStatus.PARTLY_GRANTED else path,
            services.book_allocation,
            application.fund,
            category=category,
            amount=granted,
            purpose=application.title,
            decision_date=decided_on,
            decision_reference=application.reference,
            neighbourhood=application.neighbourhood,
            user=None,
            is_illustrative=application.is_illustrative,
        )
        _booked(application.allocation, context)
    application.amount_granted = granted
    application.decision_reason = reason
    application.decided_at = _at_noon(decided_on)
    application.decided_by = None
    application._change_reason = context.note
    application.save()
    return application


def _stamp_history(fund, note):
    # The services write history rows without a reason; a new fund's rows all come from this
    # load.
    for model, lookup in (
        (Fund, {"id": fund.pk}),
        (FundCategory, {"fund_id": fund.pk}),
        (Allocation, {"fund_id": fund.pk}),
        (Payment, {"allocation__fund_id": fund.pk}),
        (InitiativeApplication, {"fund_id": fund.pk}),
        (CriterionReview, {"application__fund_id": fund.pk}),
    ):
        ids = model._base_manager.filter(**lookup).values_list("pk", flat=True)
        model.history.filter(history_change_reason__isnull=True, id__in=list(ids)).update(
            history_change_reason=note
        )
