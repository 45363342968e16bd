"""E-mail of the fund: the confirmation of an application and the decision letter.

Called by budget.services (notify_submitted, notify_decided) inside the transaction of the
submission or decision: each mail is written to the outbox (wijkaanpak.common.mail) with it, and
`manage.py send_queued_mail` delivers it. Mail is written in
the site's language (settings.LANGUAGE_CODE): it is sent outside any visitor's request.
Links use settings.SITE_URL, never the Host header of a request. The budget managers' mail
holds no personal data of the applicant: they read the application in the admin.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from budget.choices import Criterion
from wijkaanpak.common import mail
from wijkaanpak.common.groups import BUDGET_MANAGERS
from wijkaanpak.common.pdf import render_pdf


def budget_manager_addresses():
    """The e-mail addresses of the active budget managers."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=BUDGET_MANAGERS)
        .exclude(email="")
        .order_by("pk")
    )
    return list(dict.fromkeys(users.values_list("email", flat=True)))


def admin_url(application):
    """Where budget managers open the application (the admin's change page)."""
    try:
        path = reverse("admin:budget_initiativeapplication_change", args=[application.pk])
    except NoReverseMatch:  # the model is not in the admin (yet)
        path = reverse("admin:index")
    return f"{settings.SITE_URL}{path}"


def status_url(application):
    """The applicant's status link, with the secret only the new application object holds
    (`status_token`); None without it."""
    token = getattr(application, "status_token", None)
    if not token:
        return None
    path = reverse("budget:status", kwargs={"reference": application.reference, "token": token})
    return f"{settings.SITE_URL}{path}"


def send_submitted(application):
    """Queue the applicant's confirmation (with the status link) and a notice to each budget
    manager; return the outbox rows. Call it in the transaction that saves the application."""
    context = {
        "application": application,
        "municipality_name": settings.MUNICIPALITY_NAME,
        "site_url": settings.SITE_URL,
        "admin_url": admin_url(application),
    }
    applicant_context = {**context, "status_url": status_url(application)}
    with translation.override(settings.LANGUAGE_CODE):
        messages = [
            EmailMessage(
                subject=mail.one_line(
                    _("Your application %(reference)s has been received")
                    % {"reference": application.reference}
                ),
                body=render_to_string("budget/email/application_received.txt", applicant_context),
                to=[application.contact_email],
            )
        ]
        manager_subject = mail.one_line(
            _("New initiative application %(reference)s") % {"reference": application.reference}
        )
        manager_body = render_to_string("budget/email/application_for_managers.txt", context)
        # One message per manager: they do not see each other's addresses.
        messages += [
            EmailMessage(subject=manager_subject, body=manager_body, to=[address])
            for address in budget_manager_addresses()
        ]
    return mail.queue(*messages)


def decision_letter_context(application):
    """What the decision letter shows: this application only, never another one's data."""
    reviews = {review.criterion: review for review in application.reviews.all()}
    return {
        "application": application,
        "fund": application.fund,
        "municipality_name": settings.MUNICIPALITY_NAME,
        "letter_date": timezone.localdate(application.decided_at or timezone.now()),
        "criteria": [(criterion, reviews.get(criterion.value)) for criterion in Criterion],
        "contact": {
            "name": settings.DECISION_CONTACT_NAME,
            "phone": settings.DECISION_CONTACT_PHONE,
            "email": settings.DECISION_CONTACT_EMAIL,
        },
        "objection": {
            "addressee": settings.OBJECTION_ADDRESSEE,
            "address": settings.OBJECTION_ADDRESS,
        },
    }


def decision_letter_filename(application):
    """The letter's file name, in the site's language: "besluit-IA-2008-0001.pdf"."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("decision-%(reference)s.pdf") % {"reference": application.reference}


def decision_letter_pdf(application):
    """The decision letter of `application` as PDF bytes."""
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Decision on application %(reference)s") % {"reference": application.reference}
        return render_pdf(
            "pdf/decision_letter.html",
            decision_letter_context(application),
            title=title,
            language=settings.LANGUAGE_CODE,
        )


def send_decision(application):
    """Queue the applicant's decision mail with the decision letter as PDF attached; return the
    outbox row. Call it in the transaction that records the decision."""
    pdf = decision_letter_pdf(application)
    context = {
        **decision_letter_context(application),
        "site_url": settings.SITE_URL,
    }
    with translation.override(settings.LANGUAGE_CODE):
        message = EmailMessage(
            subject=mail.one_line(
                _("Decision on your application %(reference)s")
                % {"reference": application.reference}
            ),
            body=render_to_string("budget/email/decision.txt", context),
            to=[application.contact_email],
        )
    message.attach(decision_letter_filename(application), pdf, "application/pdf")
    [email] = mail.queue(message)
    return email
