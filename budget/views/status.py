"""The applicant's status page, reached by the secret link of the receipt mail (no login).

The link is /initiatieven/status/<reference>/<secret>/. Only a hash of the secret is stored
and it is compared in constant time (budget.selectors.application_for_status). A wrong
reference and a wrong secret get the same neutral 404, so the page tells nobody which
references exist; after many wrong links in an hour a client gets a 429 instead. The page
shows the application's course, never the contact data, and is not cached, indexed or sent
on as a referrer (its address holds the secret).
"""

import datetime

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from budget import selectors, services
from budget.choices import GRANTED_STATUSES, ApplicationStatus
from budget.demo import is_demo_fund
from wijkaanpak.common import ratelimits

# The promise of the form and the receipt: a decision within four weeks.
DECISION_WITHIN = datetime.timedelta(weeks=4)

NEXT_STEPS = {
    ApplicationStatus.SUBMITTED: _(
        "The budget managers will take your application into review and check it against "
        "the three criteria: it fits your neighbourhood's contract, no other budget can pay "
        "for it, and residents do it on their own initiative or with their own work. They "
        "may contact you if they have a question."
    ),
    ApplicationStatus.IN_REVIEW: _(
        "The budget managers are checking your application against the three criteria. "
        "They may contact you if they have a question."
    ),
    ApplicationStatus.GRANTED: _(
        "The fund pays the amount granted for your initiative; the decision letter we sent "
        "you by e-mail says how. Payments made so far are shown above."
    ),
    ApplicationStatus.PARTLY_GRANTED: _(
        "The fund pays the amount granted for your initiative; the decision letter we sent "
        "you by e-mail says how and why it is less than you asked for. Payments made so far "
        "are shown above."
    ),
    ApplicationStatus.REFUSED: _(
        "The decision letter we sent you by e-mail gives the reason. If you have a question "
        "about the decision, contact us and mention your reference number."
    ),
    ApplicationStatus.WITHDRAWN: _(
        "The application was withdrawn. Nothing more happens with it. You are welcome to "
        "apply again."
    ),
}


def _headers(response):
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_safe
@never_cache
def application_status(request, reference, token):
    """The status of one application, for whoever holds its link."""
    group, rate = ratelimits.WRONG_STATUS_LINKS, settings.RATELIMIT_WRONG_STATUS_LINKS
    if ratelimits.limited(request, group, rate):
        ratelimits.log_refusal(request, group)
        response = render(request, "budget/application_status_limited.html", status=429)
        response["Retry-After"] = str(ratelimits.seconds_left(request, group, rate))
        return _headers(response)
    application = selectors.application_for_status(reference, token)
    if application is None:
        ratelimits.count(request, group, rate)
        raise Http404("no application with this link")
    decided = application.decided_at is not None
    paid = None
    if application.status in GRANTED_STATUSES and application.allocation_id:
        paid = services.paid(application.allocation)
    context = {
        "application": application,
        "is_demo_period": is_demo_fund(application.fund),
        "decided": decided,
        "granted": application.status in GRANTED_STATUSES,
        "paid": paid,
        "decision_due": timezone.localdate(application.submitted_at) + DECISION_WITHIN,
        "waiting": application.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW),
        "next_step": NEXT_STEPS[ApplicationStatus(application.status)],
    }
    return _headers(render(request, "budget/application_status.html", context))
