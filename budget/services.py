"""The ledger of the fund: commitments and payments that can never overspend it.

Every write locks the fund's row first (SELECT … FOR UPDATE on PostgreSQL), then sums what is
committed and checks the ceilings: two decisions at the same moment are taken one after the
other, and the second sees the first. Refusals are ValidationErrors with a code per field;
nothing is written then.
"""

import datetime
import json
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from budget.choices import (
    APPLICATION_TRANSITIONS,
    DECIDED_STATUSES,
    AllocationStatus,
    ApplicationStatus,
    CategoryKind,
    Criterion,
)
from budget.models import (
    ZERO,
    Allocation,
    CriterionReview,
    Fund,
    FundCategory,
    InitiativeApplication,
    Payment,
)
from wijkaanpak.common.forms import text_problems
from wijkaanpak.common.money import format_euro, normalise_amount
from wijkaanpak.common.secret_links import new_secret

# Above this, an amount is a typing error, not a grant from a neighbourhood fund.
ABSURD_AMOUNT = Decimal("10000000.00")


def parse_amount(value, field="amount"):
    """A positive euro amount with at most two decimals, or a ValidationError for `field`.

    `value` is a Decimal or text in any of the Dutch notations of
    `wijkaanpak.common.money.normalise_amount` ("500", "500,00", "€ 1.250,50", "€ 750,-").
    """
    if not isinstance(value, Decimal):
        value = normalise_amount(value)
    try:
        amount = value if isinstance(value, Decimal) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError(
            {field: ValidationError(_("Enter an amount in euros."), code="amount_invalid")}
        ) from None
    if not amount.is_finite():
        raise ValidationError(
            {field: ValidationError(_("Enter an amount in euros."), code="amount_invalid")}
        )
    if amount.as_tuple().exponent < -2:
        raise ValidationError(
            {field: ValidationError(_("Use at most two decimals."), code="amount_too_precise")}
        )
    if amount <= 0:
        raise ValidationError(
            {
                field: ValidationError(
                    _("The amount must be more than zero."), code="amount_not_positive"
                )
            }
        )
    if amount >= ABSURD_AMOUNT:
        raise ValidationError(
            {field: ValidationError(_("This amount is far too large."), code="amount_absurd")}
        )
    return amount.quantize(Decimal("0.01"))


def committed(fund, category=None):
    """What is committed from the fund (or one category of it) now."""
    allocations = Allocation.objects.filter(fund=fund)
    if category is not None:
        allocations = allocations.filter(category=category)
    return allocations.aggregate(total=Sum("amount"))["total"] or ZERO


def paid(allocation):
    return allocation.payments.aggregate(total=Sum("amount"))["total"] or ZERO


def _lock_fund(fund_id):
    return Fund.objects.select_for_update().get(pk=fund_id)


def _check_room(fund, category, extra, field="amount"):
    """Refuse `extra` euros more if they would pass the fund's total or the category ceiling."""
    remaining = fund.total - committed(fund)
    if extra > remaining:
        raise ValidationError(
            {
                field: ValidationError(
                    _("Only %(remaining)s of the fund remains uncommitted."),
                    code="fund_exceeded",
                    params={"remaining": format_euro(remaining)},
                )
            }
        )
    if category.ceiling is not None:
        left = category.ceiling - committed(fund, category)
        if extra > left:
            raise ValidationError(
                {
                    field: ValidationError(
                        _("Only %(remaining)s remains within the ceiling of “%(category)s”."),
                        code="category_ceiling_exceeded",
                        params={
                            "remaining": format_euro(left),
                            "category": category.get_kind_display(),
                        },
                    )
                }
            )


def book_allocation(
    fund,
    *,
    category,
    amount,
    purpose,
    decision_date,
    user,
    decision_reference="",
    neighbourhood=None,
    is_illustrative=False,
):
    """Commit `amount` from the fund for a purpose; refused if it does not fit."""
    amount = parse_amount(amount)
    if not purpose or not purpose.strip():
        raise ValidationError(
            {"purpose": ValidationError(_("Describe the purpose."), code="purpose_missing")}
        )
    if errors := text_problems(
        Allocation, purpose=purpose.strip(), decision_reference=decision_reference.strip()
    ):
        raise ValidationError(errors)
    with transaction.atomic():
        fund = _lock_fund(fund.pk)
        category = FundCategory.objects.get(pk=category.pk)
        if category.fund_id != fund.pk:
            raise ValidationError(
                {
                    "category": ValidationError(
                        _("This category belongs to another fund."), code="category_of_other_fund"
                    )
                }
            )
        _check_room(fund, category, amount)
        return Allocation.objects.create(
            fund=fund,
            category=category,
            neighbourhood=neighbourhood,
            amount=amount,
            purpose=purpose.strip(),
            decision_date=decision_date,
            decision_reference=decision_reference.strip(),
            decided_by=user if user is not None and user.is_authenticated else None,
            is_illustrative=is_illustrative,
        )


def _is_zero(value):
    """Whether `value` is the amount zero (0, "0", a zero Decimal). A signalling NaN is not
    compared: that raises InvalidOperation instead of saying no."""
    if isinstance(value, Decimal):
        return not value.is_nan() and value == ZERO
    return value in (0, "0")


def reduce_allocation(allocation, new_amount, *, user=None):
    """Lower what an allocation commits; the difference returns to the fund."""
    new_amount = ZERO if _is_zero(new_amount) else parse_amount(new_amount)
    with transaction.atomic():
        _lock_fund(allocation.fund_id)
        allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
        if allocation.status == AllocationStatus.CLOSED:
            raise ValidationError(_("This allocation is closed."), code="allocation_closed")
        if new_amount >= allocation.amount:
            raise ValidationError(
                {
                    "amount": ValidationError(
                        _("A reduction must lower the amount."), code="not_a_reduction"
                    )
                }
            )
        if new_amount < paid(allocation):
            raise ValidationError(
                {
                    "amount": ValidationError(
                        _("%(paid)s has already been paid from this allocation."),
                        code="below_paid",
                        params={"paid": format_euro(paid(allocation))},
                    )
                }
            )
        allocation.amount = new_amount
        allocation.save(update_fields=["amount"])
    return allocation


def close_allocation(allocation, *, user=None):
    """Close an allocation: what was not paid returns to the fund, and no more is paid."""
    with transaction.atomic():
        _lock_fund(allocation.fund_id)
        allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
        if allocation.status == AllocationStatus.CLOSED:
            raise ValidationError(_("This allocation is closed."), code="allocation_closed")
        allocation.amount = paid(allocation)
        allocation.status = AllocationStatus.CLOSED
        allocation.save(update_fields=["amount", "status"])
    return allocation


def record_payment(allocation, *, amount, paid_on, user=None, reference=""):
    """Pay out against an allocation; together the payments never pass what it commits."""
    amount = parse_amount(amount)
    if errors := text_problems(Payment, reference=reference.strip()):
        raise ValidationError(errors)
    with transaction.atomic():
        _lock_fund(allocation.fund_id)
        allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
        if allocation.status == AllocationStatus.CLOSED:
            raise ValidationError(_("This allocation is closed."), code="allocation_closed")
        left = allocation.amount - paid(allocation)
        if amount > left:
            raise ValidationError(
                {
                    "amount": ValidationError(
                        _("Only %(remaining)s of this allocation remains to be paid."),
                        code="payment_exceeds_allocation",
                        params={"remaining": format_euro(left)},
                    )
                }
            )
        return Payment.objects.create(
            allocation=allocation,
            amount=amount,
            paid_on=paid_on,
            reference=reference.strip(),
            booked_by=user if user is not None and user.is_authenticated else None,
        )


# --- Initiative applications --------------------------------------------------------------------


def _next_reference(fund, year):
    """IA-<year>-<number>, counted per fund; the caller holds the fund's row lock."""
    prefix = f"IA-{year}-"
    count = InitiativeApplication.objects.filter(fund=fund, reference__startswith=prefix).count()
    return f"{prefix}{count + 1:04d}"


# The same application sent again within this time gets the first one's reference.
REPEAT_WINDOW = datetime.timedelta(hours=1)

# What a resident fills in: together (with the fund) they make an application "the same".
FINGERPRINT_FIELDS = (
    "neighbourhood",
    "title",
    "description",
    "wish",
    "project",
    "fit_explanation",
    "own_contribution",
    "no_other_budget",
    "other_budgets_tried",
    "amount_requested",
    "cost_breakdown",
    "contact_name",
    "contact_email",
    "contact_phone",
)


def _fingerprint_value(name, value):
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, bool | Decimal):
        return str(value)
    text = " ".join(unicodedata.normalize("NFC", str(value)).split())
    return text.casefold() if name == "contact_email" else text


def application_fingerprint(fund, fields):
    """What makes two applications the same: a keyed SHA-256 (64 hex digits) of the fund and
    every field the resident filled in, normalised so a resend matches: white space runs
    count as one space, the e-mail address ignores case, the amount is a number
    ("1250.5" = "1250.50"). Any other difference (a corrected phone number, a changed word)
    makes another application. Keyed with the SECRET_KEY: it covers the e-mail address, and
    without the key nobody can test a guessed address against it."""
    values = {"fund": str(fund.pk)}
    for name in FINGERPRINT_FIELDS:
        values[name] = _fingerprint_value(name, fields.get(name))
    message = json.dumps(values, sort_keys=True, ensure_ascii=False)
    return salted_hmac("budget.application-fingerprint", message, algorithm="sha256").hexdigest()


def available_for_initiatives(fund):
    """What `fund` can still grant to resident initiatives: what is not committed of the
    fund, and not more than the initiatives category's ceiling leaves (the same sums as
    _check_room, which a grant must pass). Zero without an initiatives category."""
    category = fund.categories.filter(kind=CategoryKind.INITIATIVES).first()
    if category is None:
        return ZERO
    available = fund.total - committed(fund)
    if category.ceiling is not None:
        available = min(available, category.ceiling - committed(fund, category))
    return max(available, ZERO)


def _available_error(available, amount):
    """The refusal of an amount above `available`, what the fund can still grant for
    initiatives (available_for_initiatives), or None."""
    if amount <= available:
        return None
    return ValidationError(
        _(
            "The fund can still grant at most %(available)s for initiatives. "
            "Ask for that amount or less."
        ),
        code="amount_above_available",
        params={"available": format_euro(available)},
    )


def _recent_repeat(fund, fingerprint):
    """The application with this fingerprint sent in the last hour, or None; the caller
    holds the fund's row lock, so a simultaneous twin waits and then finds it."""
    return (
        InitiativeApplication.objects.filter(
            fund=fund,
            fingerprint=fingerprint,
            submitted_at__gte=timezone.now() - REPEAT_WINDOW,
        )
        .order_by("submitted_at", "pk")
        .first()
    )


def closed_fund_error(fund, day):
    """The refusal of an application to `fund` on `day` when its period does not hold that
    day (ended, or not begun), or None."""
    if fund.takes_applications_on(day):
        return None
    if day < fund.period_start:
        return ValidationError(
            _("This fund takes applications from %(start)s."),
            code="fund_not_open_yet",
            params={"start": date_format(fund.period_start)},
        )
    return ValidationError(
        _("The period of this fund ended on %(end)s: it takes no more applications."),
        code="fund_closed",
        params={"end": date_format(fund.period_end)},
    )


def new_status_token():
    """A secret of 192 random bits for an application's status link, and its hash to store."""
    return new_secret(24)


def application_problems(fields, *, available=None, amount=None):
    """What is wrong with an application's fields beyond each field on its own, by field name.

    The declaration that no other budget can pay; a wish and project of the chosen wijk; a wish,
    a project or an explanation of the fit. With `amount` and `available` (what the fund can
    still grant for initiatives), also an amount above it; submit_application checks that again
    under the fund's lock. Fields that are missing (they failed on their own) are not judged,
    so the form can show everything in one pass.
    """
    errors = {}
    if not fields.get("no_other_budget"):
        errors["no_other_budget"] = ValidationError(
            _("Declare that no other budget can pay for this initiative."),
            code="declaration_missing",
        )
    neighbourhood = fields.get("neighbourhood")
    wish, project = fields.get("wish"), fields.get("project")
    if neighbourhood is not None:
        if wish is not None and wish.contract.neighbourhood_id != neighbourhood.pk:
            errors["wish"] = ValidationError(
                _("Choose a wish of this neighbourhood's contract."), code="wish_of_other_wijk"
            )
        if project is not None and project.contract.neighbourhood_id != neighbourhood.pk:
            errors["project"] = ValidationError(
                _("Choose a project of this neighbourhood's contract."),
                code="project_of_other_wijk",
            )
    if wish is None and project is None and not (fields.get("fit_explanation") or "").strip():
        errors["fit_explanation"] = ValidationError(
            _("Choose the wish or project it fits, or explain how it fits the contract."),
            code="fit_missing",
        )
    if (
        available is not None
        and amount is not None
        and (error := _available_error(available, amount))
    ):
        errors["amount_requested"] = error
    return errors


def submit_application(fund, **fields):
    """Register a residents' application; the applicant and the budget managers are told by
    e-mail, queued in the same transaction. `fields` are the form's cleaned fields.

    Refused (`fund_closed`, `fund_not_open_yet`) outside the fund's period. The application
    gets a secret status link (new_status_token): `application.status_token` holds it for the
    receipt mail and the confirmation; only its hash is stored.

    Idempotent for an hour: the same application (see application_fingerprint) sent again,
    after a double click, a browser's retry or an error page, returns the application
    registered first, with `is_repeat` set, and registers and sends nothing. Two identical
    requests at the same moment make one application: both take the fund's row lock first.
    An amount above what the fund can still grant for initiatives is refused
    (`amount_above_available`), a repeat of an earlier application is not.
    """
    amount = parse_amount(fields.pop("amount_requested"), field="amount_requested")
    fingerprint = application_fingerprint(fund, {**fields, "amount_requested": amount})
    errors = application_problems(fields)
    errors.update(
        text_problems(
            InitiativeApplication,
            **{name: value for name, value in fields.items() if isinstance(value, str)},
        )
    )
    with transaction.atomic():
        fund = _lock_fund(fund.pk)
        repeat = _recent_repeat(fund, fingerprint)
        if repeat is not None:
            repeat.is_repeat = True
            repeat.status_token = None  # only its hash is kept: the link is in the first mail
            return repeat
        if error := closed_fund_error(fund, timezone.localdate()):
            raise ValidationError(error)
        if error := _available_error(available_for_initiatives(fund), amount):
            errors["amount_requested"] = error
        if errors:
            raise ValidationError(errors)
        token, token_hash = new_status_token()
        application = InitiativeApplication(
            fund=fund,
            reference=_next_reference(fund, timezone.localdate().year),
            amount_requested=amount,
            fingerprint=fingerprint,
            status_token_hash=token_hash,
            # An application to an example fund is an example too, and says so.
            is_illustrative=fund.is_illustrative,
            **fields,
        )
        application.is_repeat = False
        # The secret of the status link, for the receipt mail and the confirmation page only.
        application.status_token = token
        application.full_clean(exclude=["reference"])
        application.save()
        notify_submitted(application)
    return application


def _change_application_status(application, to_status):
    if to_status not in APPLICATION_TRANSITIONS[application.status]:
        raise ValidationError(
            _("An application that is “%(from)s” cannot become “%(to)s”."),
            code="transition_not_allowed",
            params={
                "from": ApplicationStatus(application.status).label,
                "to": ApplicationStatus(to_status).label,
            },
        )
    application.status = to_status


def _locked_application(application):
    _lock_fund(application.fund_id)
    return InitiativeApplication.objects.select_for_update().get(pk=application.pk)


def start_review(application, *, user):
    """Take an application into review."""
    with transaction.atomic():
        application = _locked_application(application)
        _change_application_status(application, ApplicationStatus.IN_REVIEW)
        application.save(update_fields=["status"])
    return application


def review_criterion(application, criterion, *, met, note="", user):
    """Record (or revise, before the decision) the judgement of one criterion."""
    criterion = Criterion(criterion)
    if errors := text_problems(CriterionReview, note=note.strip()):
        raise ValidationError(errors)
    with transaction.atomic():
        application = _locked_application(application)
        if application.status != ApplicationStatus.IN_REVIEW:
            raise ValidationError(
                _("Criteria are reviewed while the application is in review."),
                code="not_in_review",
            )
        review, _created = CriterionReview.objects.update_or_create(
            application=application,
            criterion=criterion,
            defaults={"met": bool(met), "note": note.strip(), "reviewed_by": user},
        )
    return review


def unreviewed_criteria(application):
    """The criteria of `application` that nobody has reviewed yet, in the council note's order."""
    reviewed = set(application.reviews.values_list("criterion", flat=True))
    return [criterion for criterion in Criterion if criterion.value not in reviewed]


def _criteria_error(application):
    """The refusal of a decision while a criterion is not reviewed (it names them), or None."""
    missing = unreviewed_criteria(application)
    if not missing:
        return None
    return ValidationError(
        _("Assess every criterion before deciding. Not assessed yet: %(criteria)s."),
        code="criteria_not_reviewed",
        params={"criteria": "; ".join(f"“{criterion.label}”" for criterion in missing)},
    )


def decision_problems(application, decision, *, amount=None, reason=""):
    """What stands in the way of `decision` on `application`, by field, and the amount it
    grants (None for a refusal, or when the amount is refused).

    Every criterion must be reviewed. A partial grant needs a lower amount and a reason, a
    refusal a reason, and a full grant a reason when a criterion is not met: the applicant reads
    why the fund pays nonetheless. Everything is judged in one pass, so staff see every problem
    at once. The caller holds the application's row lock.
    """
    errors = {}
    if error := _criteria_error(application):
        errors["criteria"] = error
    granted = None
    if decision == ApplicationStatus.GRANTED:
        granted = application.amount_requested
    elif decision == ApplicationStatus.PARTLY_GRANTED:
        try:
            granted = parse_amount(amount)
        except ValidationError as error:
            errors.update(error.error_dict)
        else:
            if granted >= application.amount_requested:
                errors["amount"] = ValidationError(
                    _("A partial grant is lower than the %(requested)s requested."),
                    code="partial_not_lower",
                    params={"requested": format_euro(application.amount_requested)},
                )
    if problems := text_problems(InitiativeApplication, decision_reason=reason):
        errors["reason"] = problems["decision_reason"]
    elif not reason:
        if decision != ApplicationStatus.GRANTED:
            errors["reason"] = ValidationError(
                _("Give the reason for this decision."), code="reason_missing"
            )
        elif application.reviews.filter(met=False).exists():
            errors["reason"] = ValidationError(
                _(
                    "A criterion is not met: give the reason why the application is "
                    "granted nonetheless."
                ),
                code="reason_for_unmet_criterion",
            )
    return errors, granted


def decide(application, decision, *, user, amount=None, reason="", decision_date=None):
    """Grant, grant in part, or refuse an application that is in review.

    Every criterion must be reviewed first (see decision_problems for the rest of what a
    decision needs). A grant books its allocation in the same transaction, under the fund's
    lock. A decision is final: a second one is refused. The decision letter is queued for the
    applicant in the same transaction.
    """
    if decision not in DECIDED_STATUSES:
        raise ValidationError(_("Choose grant, grant in part or refuse."), code="not_a_decision")
    decision = ApplicationStatus(decision)
    reason = (reason or "").strip()
    with transaction.atomic():
        application = _locked_application(application)
        if application.status in DECIDED_STATUSES:
            raise ValidationError(
                _("This application has already been decided."), code="already_decided"
            )
        _change_application_status(application, decision)
        errors, granted = decision_problems(application, decision, amount=amount, reason=reason)
        if errors:
            raise ValidationError(errors)
        if granted is not None:
            category = application.fund.categories.get(kind=CategoryKind.INITIATIVES)
            application.allocation = book_allocation(
                application.fund,
                category=category,
                amount=granted,
                purpose=application.title,
                decision_date=decision_date or timezone.localdate(),
                decision_reference=application.reference,
                neighbourhood=application.neighbourhood,
                user=user,
                is_illustrative=application.is_illustrative,
            )
        application.amount_granted = granted
        application.decision_reason = reason
        application.decided_at = timezone.now()
        application.decided_by = user
        application.save()
        notify_decided(application)
    return application


def review_and_decide(application, reviews, *, user, decision=None, amount=None, reason=""):
    """Record the review of the criteria and, given a `decision`, decide: one step, in one
    transaction. When any part is refused nothing is saved, not even the reviews.

    `reviews` maps a criterion to `(met, note)`; a criterion left out keeps the review it has.
    A submitted application is taken into review by this step, as start_review would.
    Returns the application as it is afterwards.
    """
    with transaction.atomic():
        application = _locked_application(application)
        if application.status in DECIDED_STATUSES:
            raise ValidationError(
                _("This application has already been decided."), code="already_decided"
            )
        if application.status == ApplicationStatus.SUBMITTED:
            _change_application_status(application, ApplicationStatus.IN_REVIEW)
            application.save(update_fields=["status"])
        for criterion, (met, note) in reviews.items():
            review_criterion(application, criterion, met=met, note=note, user=user)
        if decision is not None:
            application = decide(application, decision, user=user, amount=amount, reason=reason)
    return application


def withdraw(application, *, user, reason=""):
    """Withdraw an application on the applicant's request (by staff), before the decision."""
    if problems := text_problems(InitiativeApplication, decision_reason=reason.strip()):
        raise ValidationError({"reason": problems["decision_reason"]})
    with transaction.atomic():
        application = _locked_application(application)
        _change_application_status(application, ApplicationStatus.WITHDRAWN)
        application.decision_reason = reason.strip()
        application.save(update_fields=["status", "decision_reason"])
    return application


def notify_submitted(application):
    """Queue the mails to the applicant and the budget managers (in the caller's transaction)."""
    from budget import emails

    emails.send_submitted(application)


def notify_decided(application):
    """Queue the decision letter to the applicant (in the caller's transaction)."""
    from budget import emails

    emails.send_decision(application)
