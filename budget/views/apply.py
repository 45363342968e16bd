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
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView

from budget import selectors, services
from budget.forms import ApplicationForm
from contracts.models import Neighbourhood
from wijkaanpak.common.forms import add_service_errors

logger = logging.getLogger(__name__)

SESSION_KEY = "budget_application_reference"
REPEAT_SESSION_KEY = "budget_application_repeat"
RATE_LIMIT = 5  # applications per client IP address per hour
RATE_WINDOW = 60 * 60


def _rate_key(request):
    """The cache key of this client's current hour: a salted hash, never the address."""
    address = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()
    return f"budget:apply-rate:{digest}:{int(time.time() // RATE_WINDOW)}"


def rate_limited(request):
    return cache.get(_rate_key(request), 0) >= RATE_LIMIT


def count_application(request):
    key = _rate_key(request)
    cache.add(key, 0, RATE_WINDOW)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW)


class ApplicationCreateView(FormView):
    template_name = "budget/application_form.html"
    form_class = ApplicationForm
    success_url = reverse_lazy("budget:apply_received")
    rate_limit_message = _(
        "You have sent too many applications in a short time. Please try again in an hour."
    )

    def dispatch(self, request, *args, **kwargs):
        self.fund = selectors.current_fund()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "fund": self.fund}

    def get_initial(self):
        """The wijk a resident came from (the wijk page links here with ?wijk=<slug>), when
        the form offers it; anything else is ignored."""
        initial = super().get_initial()
        slug = self.request.GET.get("wijk", "")
        wijk = Neighbourhood.objects.filter(slug=slug).values_list("pk", flat=True).first()
        if wijk is not None:
            initial["neighbourhood"] = wijk
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["fund"] = self.fund
        return context

    def post(self, request, *args, **kwargs):
        if self.fund is None:
            # Nothing to apply to: the page says so, and nothing changes.
            return self.render_to_response(self.get_context_data())
        form = self.get_form()
        if rate_limited(request):
            form.add_error(None, ValidationError(self.rate_limit_message, code="rate_limited"))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if form.is_spam:
            # Look like success to the bot, save nothing and count it against the limit.
            logger.warning("Initiative application refused: honeypot filled in")
            count_application(request)
            request.session.pop(SESSION_KEY, None)
            request.session.pop(REPEAT_SESSION_KEY, None)
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
                return redirect(self.success_url)
        return self.form_invalid(form)


class ApplicationReceivedView(TemplateView):
    """The confirmation: the reference number, shown once (after that a general text)."""

    template_name = "budget/application_received.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reference"] = self.request.session.pop(SESSION_KEY, None)
        context["is_repeat"] = self.request.session.pop(REPEAT_SESSION_KEY, False)
        return context
