"""The residents' application form and its confirmation page (no login).

Spam is kept out without outside services: a honeypot field that people never see (filled
in: we pretend success and save nothing) and a rate limit per client IP address, counted in
Django's cache under a salted hash, so the address itself is never stored. The same
application sent again within the hour (budget.services.submit_application) shows the first
one's reference and does not count against the limit.
"""

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView

from budget import selectors, services
from budget.demo import is_demo_fund
from budget.forms import ApplicationForm, NeighbourhoodChoiceForm, neighbourhoods_to_apply_for
from wijkaanpak.common.forms import add_service_errors, parse_id

logger = logging.getLogger(__name__)

SESSION_KEY = "budget_application_reference"
REPEAT_SESSION_KEY = "budget_application_repeat"
# The status link's secret, kept until the confirmation shows the link once.
STATUS_LINK_SESSION_KEY = "budget_application_status_link"
SESSION_KEYS = (SESSION_KEY, REPEAT_SESSION_KEY, STATUS_LINK_SESSION_KEY)
RATE_LIMIT = 5  # applications per client IP address per hour
RATE_WINDOW = 60 * 60


def _rate_key(request, scope="apply"):
    """The cache key of this client's current hour: a salted hash, never the address."""
    address = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()
    return f"budget:{scope}-rate:{digest}:{int(time.time() // RATE_WINDOW)}"


def rate_limited(request, scope="apply", limit=RATE_LIMIT):
    return cache.get(_rate_key(request, scope), 0) >= limit


def count_attempt(request, scope="apply"):
    """Count one attempt of this client in this hour under `scope`."""
    key = _rate_key(request, scope)
    cache.add(key, 0, RATE_WINDOW)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW)


def count_application(request):
    count_attempt(request, "apply")


class ApplicationCreateView(FormView):
    """The form in two steps that work without JavaScript: step one asks the wijk (a GET
    form, skipped when the link carries ?wijk=<slug>), step two is the application with only
    that wijk's wishes and projects. A fund outside its period shows why instead of a form,
    and refuses a post."""

    template_name = "budget/application_form.html"
    form_class = ApplicationForm
    success_url = reverse_lazy("budget:apply_received")
    rate_limit_message = _(
        "You have sent too many applications in a short time. Please try again in an hour."
    )

    def dispatch(self, request, *args, **kwargs):
        self.fund = selectors.fund_for_applications(timezone.localdate())
        self.closed = (
            services.closed_fund_error(self.fund, timezone.localdate()) if self.fund else None
        )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.fund is None or self.closed is not None:
            return self.render_to_response(self.get_context_data(form=None))
        choice = NeighbourhoodChoiceForm(request.GET if "wijk" in request.GET else None)
        if not choice.is_valid():
            return self.render_to_response(self.get_context_data(form=None, choice_form=choice))
        self.neighbourhood = choice.chosen()
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "fund": self.fund,
            "neighbourhood": getattr(self, "neighbourhood", None),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["fund"] = self.fund
        context["is_demo_period"] = is_demo_fund(self.fund)
        context["closed"] = self.closed
        context["neighbourhood"] = getattr(self, "neighbourhood", None)
        return context

    def _posted_neighbourhood(self):
        """The wijk the post names, when the form offers it; else None (the form then asks)."""
        pk = parse_id(self.request.POST.get("neighbourhood"))
        if pk is None:
            return None
        return neighbourhoods_to_apply_for().filter(pk=pk).first()

    def post(self, request, *args, **kwargs):
        if self.fund is None or self.closed is not None:
            # Nothing to apply to: the page says why, and nothing changes.
            return self.render_to_response(self.get_context_data(form=None))
        self.neighbourhood = self._posted_neighbourhood()
        form = self.get_form()
        if rate_limited(request):
            form.add_error(None, ValidationError(self.rate_limit_message, code="rate_limited"))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if form.is_spam:
            # Look like success to the bot, save nothing and count it against the limit.
            logger.warning("Initiative application refused: honeypot filled in")
            count_application(request)
            for key in SESSION_KEYS:
                request.session.pop(key, None)
            return redirect(self.success_url)
        if form.is_valid():
            try:
                application = services.submit_application(self.fund, **form.application_fields())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if not application.is_repeat:
                    # A resend of the same application (double click, retry) is not counted
                    # again: the resident gets its reference, nothing new is registered.
                    count_application(request)
                request.session[SESSION_KEY] = application.reference
                request.session[REPEAT_SESSION_KEY] = application.is_repeat
                request.session[STATUS_LINK_SESSION_KEY] = application.status_token
                return redirect(self.success_url)
        return self.form_invalid(form)


class ApplicationReceivedView(TemplateView):
    """The confirmation: the reference number, shown once (after that a general text)."""

    template_name = "budget/application_received.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reference = self.request.session.pop(SESSION_KEY, None)
        token = self.request.session.pop(STATUS_LINK_SESSION_KEY, None)
        context["reference"] = reference
        context["is_repeat"] = self.request.session.pop(REPEAT_SESSION_KEY, False)
        context["status_url"] = (
            reverse("budget:status", kwargs={"reference": reference, "token": token})
            if reference and token
            else None
        )
        return context
