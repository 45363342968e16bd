"""Applicants' personal data: erased when the retention period ends, exported on request.

What the privacy statement promises (templates/pages/*/privacy.html): the contact data of an
application (name, e-mail address, telephone) is kept until two years after the decision, or
after the withdrawal, and then erased. The history (django-simple-history) never holds these
fields (see InitiativeApplication.history); `erase_expired_personal_data` blanks them there
too should a history model ever include one, so an erasure is never only skin-deep.
"""

import datetime

from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from budget.choices import DECIDED_STATUSES, ApplicationStatus
from budget.models import InitiativeApplication
from wijkaanpak.common import mail

PERSONAL_FIELDS = ("contact_name", "contact_email", "contact_phone")
RETENTION_YEARS = 2


def retention_cutoff(now=None):
    """The moment before which a decision ends the retention period: two calendar years ago."""
    now = now or timezone.now()
    try:
        return now.replace(year=now.year - RETENTION_YEARS)
    except ValueError:  # 29 February
        return now.replace(year=now.year - RETENTION_YEARS, day=28)


def _withdrawn_at():
    """When an application became withdrawn: its history has the moment (withdraw() sets none)."""
    history = InitiativeApplication.history.model.objects.filter(
        id=OuterRef("pk"), status=ApplicationStatus.WITHDRAWN
    )
    return Subquery(history.order_by("history_date").values("history_date")[:1])


def with_end_of_handling(queryset):
    """Annotate `handled_at`: the decision, or the withdrawal; None while still being handled."""
    return queryset.annotate(
        handled_at=Coalesce(
            F("decided_at"),
            _withdrawn_at(),
        )
    )


def expired_applications(now=None):
    """Applications whose contact data is due for erasure and not erased yet, oldest first."""
    closed = Q(status__in=DECIDED_STATUSES) | Q(status=ApplicationStatus.WITHDRAWN)
    return (
        with_end_of_handling(
            InitiativeApplication.objects.filter(closed, personal_data_erased_at__isnull=True)
        )
        .filter(handled_at__lt=retention_cutoff(now))
        .select_related("neighbourhood")
        .order_by("handled_at", "pk")
    )


def erase_expired_personal_data(*, now=None, dry_run=False):
    """Erase the contact data of every application handled more than two years ago.

    Blanks the contact fields and the fingerprint of what was sent (it was made from them),
    ends the status link (its mails go too),
    records `personal_data_erased_at` (a new history entry says when), blanks any contact field
    a history model holds, and deletes the outbox's copies of the mails to those addresses
    (receipts and decision letters), all in one transaction. Running it again erases nothing
    twice. With `dry_run`, returns
    what it would erase and changes nothing. Returns the applications (with `handled_at`).
    """
    now = now or timezone.now()
    if dry_run:
        return list(expired_applications(now))
    history_model = InitiativeApplication.history.model
    history_fields = [name for name in PERSONAL_FIELDS if _has_field(history_model, name)]
    with transaction.atomic():
        due = list(expired_applications(now).select_for_update(of=("self",)))
        addresses = {a.contact_email.lower() for a in due if a.contact_email}
        for application in due:
            for name in PERSONAL_FIELDS:
                setattr(application, name, "")
            application.fingerprint = ""
            # The status link went to the erased address, in mails deleted below: it ends too.
            application.status_token_hash = ""
            application.personal_data_erased_at = now
            application.save(
                update_fields=[
                    *PERSONAL_FIELDS,
                    "fingerprint",
                    "status_token_hash",
                    "personal_data_erased_at",
                ]
            )
        if history_fields and due:
            history_model.objects.filter(id__in=[a.pk for a in due]).update(
                **dict.fromkeys(history_fields, "")
            )
        mail.erase_mails_to(addresses)
    return due


def _has_field(model, name):
    return any(field.name == name for field in model._meta.get_fields())


def _value(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def _row(obj, names):
    return {name: _value(getattr(obj, name)) for name in names}


def applicant_data(email):
    """Everything held about the applicant with this e-mail address (a right-of-access request).

    Every application with that contact address (case-insensitive), each with its criterion
    reviews, decision, allocation, payments and history entries. An empty list once erased.
    """
    applications = (
        InitiativeApplication.objects.filter(contact_email__iexact=email.strip())
        .select_related("neighbourhood", "fund", "wish", "project", "decided_by", "allocation")
        .prefetch_related("reviews__reviewed_by", "allocation__payments")
        .order_by("submitted_at", "pk")
    )
    return [_application_data(application) for application in applications]


def _application_data(application):
    user = application.decided_by
    allocation = application.allocation
    return {
        **_row(
            application,
            (
                "reference",
                "title",
                "description",
                "fit_explanation",
                "own_contribution",
                "no_other_budget",
                "other_budgets_tried",
                "amount_requested",
                "cost_breakdown",
                *PERSONAL_FIELDS,
                "status",
                "submitted_at",
                "personal_data_erased_at",
            ),
        ),
        "fund": str(application.fund),
        "neighbourhood": str(application.neighbourhood),
        "wish": str(application.wish) if application.wish_id else None,
        "project": str(application.project) if application.project_id else None,
        "reviews": [
            {
                **_row(review, ("criterion", "met", "note", "reviewed_at")),
                "reviewed_by": review.reviewed_by.get_username() if review.reviewed_by else None,
            }
            for review in application.reviews.all()
        ],
        "decision": {
            **_row(application, ("amount_granted", "decision_reason", "decided_at")),
            "decided_by": user.get_username() if user else None,
        },
        "allocation": (
            {
                **_row(allocation, ("amount", "purpose", "decision_date", "status")),
                "payments": [
                    _row(payment, ("amount", "paid_on", "reference"))
                    for payment in allocation.payments.order_by("paid_on", "pk")
                ],
            }
            if allocation
            else None
        ),
        "history": [
            {
                **_row(entry, ("history_date", "history_type", "status", "history_change_reason")),
                "history_user": entry.history_user.get_username() if entry.history_user else None,
            }
            for entry in application.history.select_related("history_user").order_by(
                "history_date", "history_id"
            )
        ],
    }
