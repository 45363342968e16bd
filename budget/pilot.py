"""The fund's part of a municipality's pilot data (see :mod:`contracts.pilot` for the file).

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
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
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
from contracts.pilot import (
    Field,
    PilotDataError,
    Problem,
    boolean,
    choice,
    iso_date,
    iso_datetime,
    list_of,
    optional_text,
    record,
    register_part,
    text,
)
from projects.models import Project

# After the contracts (10–40), their projects (50), signing (90), progress (110) and the
# reporting rounds (120): the fund pays for what the signed contracts set in motion.
FUNDS_ORDER = 200

REFERENCE_PATTERN = re.compile(r"^IA-\d{4}-\d{4}$")
# The moment of the day a decision, booking or payment of a date is stamped with.
NOON = datetime.time(12, 0)
# When the file names no moment of a criterion review: this long after the submission.
REVIEW_AFTER = datetime.timedelta(days=7)


# --- Checks of the file's structure -----------------------------------------------------------


def money(value, path):
    """A positive amount in euros; read_file gives fractions as Decimal, a file built in code
    may hold a float."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool) and value > 0:
        return []
    return [Problem(path, "invalid", str(_("must be an amount in euros of more than 0")))]


def whole_number(value, path):
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return []
    return [Problem(path, "invalid", str(_("must be a whole number of at least 1")))]


def reference(value, path):
    if isinstance(value, str) and REFERENCE_PATTERN.match(value):
        return []
    return [Problem(path, "invalid", str(_("must be a reference like IA-2008-0001")))]


PAYMENT_FIELDS = {
    "amount": Field(money),
    "paid_on": Field(iso_date),
    "reference": Field(optional_text, required=False),
}
CATEGORY_FIELDS = {
    "kind": Field(choice(CategoryKind.values)),
    "ceiling": Field(money, required=False),
}
ALLOCATION_FIELDS = {
    "category": Field(choice(CategoryKind.values)),
    "amount": Field(money),
    "purpose": Field(text),
    "decision_date": Field(iso_date),
    "decision_reference": Field(optional_text, required=False),
    "neighbourhood": Field(text, required=False),
    "is_illustrative": Field(boolean, required=False),
    "payments": Field(list_of(record(PAYMENT_FIELDS)), required=False),
}
REVIEW_FIELDS = {
    "criterion": Field(choice(Criterion.values)),
    "met": Field(boolean),
    "note": Field(optional_text, required=False),
}
APPLICATION_FIELDS = {
    "reference": Field(reference),
    "neighbourhood": Field(text),
    "period_start": Field(iso_date),
    "title": Field(text),
    "description": Field(text),
    "wish": Field(text, required=False),
    "project": Field(whole_number, required=False),
    "fit_explanation": Field(optional_text, required=False),
    "own_contribution": Field(text),
    "other_budgets_tried": Field(optional_text, required=False),
    "amount_requested": Field(money),
    "cost_breakdown": Field(text),
    "contact_name": Field(text),
    "contact_email": Field(text),
    "contact_phone": Field(optional_text, required=False),
    "submitted_at": Field(iso_datetime),
    "status": Field(choice(ApplicationStatus.values)),
    "reviews": Field(list_of(record(REVIEW_FIELDS)), required=False),
    "decided_on": Field(iso_date, required=False),
    "amount_granted": Field(money, required=False),
    "reason": Field(optional_text, required=False),
    "payments": Field(list_of(record(PAYMENT_FIELDS)), required=False),
    "is_illustrative": Field(boolean, required=False),
}
FUND_FIELDS = {
    "name": Field(text),
    "total": Field(money),
    "decision_reference": Field(text),
    "decision_date": Field(iso_date),
    "period_start": Field(iso_date),
    "period_end": Field(iso_date),
    "is_illustrative": Field(boolean, required=False),
    "categories": Field(list_of(record(CATEGORY_FIELDS), minimum=1)),
    "allocations": Field(list_of(record(ALLOCATION_FIELDS)), required=False),
    "applications": Field(list_of(record(APPLICATION_FIELDS)), required=False),
}


# --- Helpers ----------------------------------------------------------------------------------


def _fail(path, code, message, **params):
    return PilotDataError([Problem(path, code, str(message % params if params else message))])


def _rejected(path, error):
    """A service's or model's ValidationError as problems at `path` (and its fields)."""
    if hasattr(error, "error_dict"):
        return PilotDataError(
            Problem(f"{path}.{name}" if name != "__all__" else path, "rejected", str(message))
            for name, messages in error.message_dict.items()
            for message in messages
        )
    return PilotDataError(Problem(path, "rejected", str(message)) for message in error.messages)


def _date(value):
    return datetime.date.fromisoformat(value)


def _moment(value):
    moment = datetime.datetime.fromisoformat(value)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _at_noon(date):
    return timezone.make_aware(datetime.datetime.combine(date, NOON))


def _money(value):
    return Decimal(str(value))


def _check_not_future(date, path):
    if date > timezone.localdate():
        raise _fail(path, "date_in_future", _("The date cannot lie in the future."))


def _call(path, service, *args, **kwargs):
    try:
        return service(*args, **kwargs)
    except ValidationError as error:
        raise _rejected(path, error) from error


# --- The part ---------------------------------------------------------------------------------


@register_part("funds", order=FUNDS_ORDER, fields=FUND_FIELDS, unique_by=("name",))
def load_funds(items, context):
    """Funds with their categories, bookings, payments and residents' applications."""
    for index, item in enumerate(items):
        path = f"funds[{index}]"
        if Fund.objects.filter(name=item["name"]).exists():
            # What belongs to a fund that exists is the budget managers' work.
            context.count(Fund, created=False)
            continue
        fund = context.save_new(
            Fund(
                name=item["name"],
                total=_money(item["total"]),
                decision_reference=item["decision_reference"],
                decision_date=_date(item["decision_date"]),
                period_start=_date(item["period_start"]),
                period_end=_date(item["period_end"]),
                is_illustrative=item.get("is_illustrative", False),
            ),
            path,
        )
        categories = _load_categories(fund, item["categories"], context, path)
        for position, allocation in enumerate(item.get("allocations", [])):
            _load_allocation(
                fund, categories, allocation, context, f"{path}.allocations[{position}]"
            )
        for position, application in enumerate(item.get("applications", [])):
            _load_application(fund, application, context, f"{path}.applications[{position}]")
        _stamp_history(fund, context.note)


def _load_categories(fund, items, context, path):
    categories = {}
    for position, item in enumerate(items):
        item_path = f"{path}.categories[{position}]"
        ceiling = _money(item["ceiling"]) if "ceiling" in item else None
        if item["kind"] in categories:
            raise _fail(f"{item_path}.kind", "duplicate", _("This fund already has this category."))
        if ceiling is not None and ceiling > fund.total:
            raise _fail(
                f"{item_path}.ceiling",
                "ceiling_above_total",
                _("A ceiling cannot be more than the fund's total."),
            )
        categories[item["kind"]] = context.save_new(
            FundCategory(fund=fund, kind=item["kind"], ceiling=ceiling), item_path
        )
    return categories


def _load_allocation(fund, categories, item, context, path):
    category = categories.get(item["category"])
    if category is None:
        raise _fail(f"{path}.category", "unknown_reference", _("The fund has no such category."))
    decision_date = _date(item["decision_date"])
    _check_not_future(decision_date, f"{path}.decision_date")
    neighbourhood = None
    if "neighbourhood" in item:
        neighbourhood = context.neighbourhood(item["neighbourhood"], f"{path}.neighbourhood")
    allocation = _call(
        path,
        services.book_allocation,
        fund,
        category=category,
        amount=_money(item["amount"]),
        purpose=item["purpose"],
        decision_date=decision_date,
        decision_reference=item.get("decision_reference", ""),
        neighbourhood=neighbourhood,
        user=None,
        is_illustrative=item.get("is_illustrative", False),
    )
    _booked(allocation, context)
    _load_payments(allocation, item.get("payments", []), context, path)
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
        paid_on = _date(item["paid_on"])
        if paid_on < allocation.decision_date:
            raise _fail(
                f"{item_path}.paid_on",
                "paid_before_decision",
                _("A payment cannot come before the decision (%(date)s)."),
                date=allocation.decision_date.isoformat(),
            )
        _check_not_future(paid_on, f"{item_path}.paid_on")
        payment = _call(
            item_path,
            services.record_payment,
            allocation,
            amount=_money(item["amount"]),
            paid_on=paid_on,
            reference=item.get("reference", ""),
            user=None,
        )
        Payment.objects.filter(pk=payment.pk).update(created_at=_at_noon(paid_on))
        context.count(Payment, created=True)
        context.mark_new(payment)


def _load_application(fund, item, context, path):
    contract = context.contract(item["neighbourhood"], _date(item["period_start"]), path)
    neighbourhood = contract.neighbourhood
    if InitiativeApplication.objects.filter(reference=item["reference"]).exists():
        raise _fail(
            f"{path}.reference",
            "duplicate",
            _("An application with the reference %(reference)s already exists."),
            reference=item["reference"],
        )
    wish = project = None
    if "wish" in item:
        # A wish of this wijk's contract: one of another wijk is not found here.
        wish = contract.wishes.filter(title=item["wish"]).first()
        if wish is None:
            raise _fail(
                f"{path}.wish",
                "unknown_reference",
                _("The contract of %(wijk)s has no wish “%(title)s”."),
                wijk=item["neighbourhood"],
                title=item["wish"],
            )
    if "project" in item:
        project = Project.objects.filter(contract=contract, number=item["project"]).first()
        # A contract without any project (a file without the projects part, or staff who have
        # not written them yet) cannot be named: the application then stands on its wish or
        # its own explanation. A contract with projects but not this one has a wrong number.
        if project is None and contract.projects.exists():
            raise _fail(
                f"{path}.project",
                "unknown_reference",
                _("The contract of %(wijk)s has no project %(number)s."),
                wijk=item["neighbourhood"],
                number=item["project"],
            )
    if wish is None and project is None and not item.get("fit_explanation", "").strip():
        raise _fail(
            f"{path}.fit_explanation",
            "fit_missing",
            _("Choose the wish or project it fits, or explain how it fits the contract."),
        )
    submitted_at = _moment(item["submitted_at"])
    _check_not_future(submitted_at.date(), f"{path}.submitted_at")
    amount = _call(
        path, services.parse_amount, _money(item["amount_requested"]), "amount_requested"
    )
    application = context.save_new(
        InitiativeApplication(
            fund=fund,
            reference=item["reference"],
            neighbourhood=neighbourhood,
            title=item["title"],
            description=item["description"],
            wish=wish,
            project=project,
            fit_explanation=item.get("fit_explanation", ""),
            own_contribution=item["own_contribution"],
            # submit_application refuses an application without this declaration.
            no_other_budget=True,
            other_budgets_tried=item.get("other_budgets_tried", ""),
            amount_requested=amount,
            cost_breakdown=item["cost_breakdown"],
            contact_name=item["contact_name"],
            contact_email=item["contact_email"],
            contact_phone=item.get("contact_phone", ""),
            is_illustrative=item.get("is_illustrative", False),
        ),
        path,
    )
    InitiativeApplication.objects.filter(pk=application.pk).update(submitted_at=submitted_at)
    application.submitted_at = submitted_at
    _walk_application(application, item, context, path)


def _walk_application(application, item, context, path):
    """Take the application to the file's status as the budget managers would."""
    status = item["status"]
    reviews = item.get("reviews", [])
    decided = status in DECIDED_STATUSES
    decided_on = _date(item["decided_on"]) if "decided_on" in item else None
    for name, allowed in (
        ("decided_on", decided),
        ("amount_granted", status == ApplicationStatus.PARTLY_GRANTED),
        ("payments", status in (ApplicationStatus.GRANTED, ApplicationStatus.PARTLY_GRANTED)),
        ("reviews", status != ApplicationStatus.SUBMITTED),
        ("reason", decided or status == ApplicationStatus.WITHDRAWN),
    ):
        if name in item and not allowed:
            raise _fail(
                f"{path}.{name}",
                "not_for_status",
                _("An application that is “%(status)s” has no %(field)s."),
                status=ApplicationStatus(status).label,
                field=name,
            )
    if decided and decided_on is None:
        raise _fail(f"{path}.decided_on", "missing", _("is missing"))
    if decided_on is not None:
        if decided_on < application.submitted_at.date():
            raise _fail(
                f"{path}.decided_on",
                "decided_before_submitted",
                _("A decision cannot come before the application was submitted."),
            )
        _check_not_future(decided_on, f"{path}.decided_on")
    if status == ApplicationStatus.SUBMITTED:
        return
    if status != ApplicationStatus.WITHDRAWN or reviews:
        application = _call(path, services.start_review, application, user=None)
    reviewed_at = application.submitted_at + REVIEW_AFTER
    if decided_on is not None:
        reviewed_at = min(reviewed_at, _at_noon(decided_on))
    for position, review in enumerate(reviews):
        written = _call(
            f"{path}.reviews[{position}]",
            services.review_criterion,
            application,
            review["criterion"],
            met=review["met"],
            note=review.get("note", ""),
            user=None,
        )
        CriterionReview.objects.filter(pk=written.pk).update(reviewed_at=reviewed_at)
        context.count(CriterionReview, created=True)
        context.mark_new(written)
    if status == ApplicationStatus.WITHDRAWN:
        _call(path, services.withdraw, application, user=None, reason=item.get("reason", ""))
    elif decided:
        application = _decide(application, item, decided_on, context, path)
        if application.allocation is not None:
            _load_payments(application.allocation, item.get("payments", []), context, path)


def _decide(application, item, decided_on, context, path):
    """What services.decide writes, dated on the file's day and without the letter by mail."""
    status = ApplicationStatus(item["status"])
    reason = item.get("reason", "").strip()
    application = InitiativeApplication.objects.get(pk=application.pk)
    _call(path, services._change_application_status, application, status)
    if status == ApplicationStatus.GRANTED:
        granted = application.amount_requested
    elif status == ApplicationStatus.PARTLY_GRANTED:
        if "amount_granted" not in item:
            raise _fail(f"{path}.amount_granted", "missing", _("is missing"))
        granted = _call(
            f"{path}.amount_granted", services.parse_amount, _money(item["amount_granted"])
        )
        if granted >= application.amount_requested:
            raise _fail(
                f"{path}.amount_granted",
                "partial_not_lower",
                _("A partial grant is lower than the € %(requested)s requested."),
                requested=application.amount_requested,
            )
    else:
        granted = None
    if status != ApplicationStatus.GRANTED and not reason:
        raise _fail(f"{path}.reason", "reason_missing", _("Give the reason for this decision."))
    if granted is not None:
        category = application.fund.categories.filter(kind=CategoryKind.INITIATIVES).first()
        if category is None:
            raise _fail(
                path, "unknown_reference", _("The fund has no category for resident initiatives.")
            )
        application.allocation = _call(
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
