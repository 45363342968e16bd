"""The residents' application form and its confirmation page (no login).

Spam is kept out without outside services: a honeypot field that people never see (filled
in: we pretend success, save nothing and count nothing, so a bot on a shared address does not
use up the residents' limit) and a rate limit per client address (settings.
RATELIMIT_APPLICATIONS, wijkaanpak.common.ratelimits: shared by every process, the address as
far as our proxies vouch for it, never stored). The same application sent again within the
hour (budget.services.submit_application) shows the first one's reference and does not count
against the limit.
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView

from budget import selectors, services
from budget.demo import is_demo_fund
from budget.forms import ApplicationForm, NeighbourhoodChoiceForm, neighbourhoods_to_apply_for
from wijkaanpak.common import ratelimits
from wijkaanpak.common.forms import add_service_errors, parse_id

logger = logging.getLogger(__name__)

SESSION_KEY = "budget_application_reference"
REPEAT_SESSION_KEY = "budget_application_repeat"
# The status link's secret, kept until the confirmation shows the link once.
STATUS_LINK_SESSION_KEY = "budget_application_status_link"
SESSION_KEYS = (SESSION_KEY, REPEAT_SESSION_KEY, STATUS_LINK_SESSION_KEY)


class ApplicationCreateView(FormView):
    """The form in two steps that work without JavaScript: step one asks the wijk (a GET
    form, skipped when the link carries ?wijk=<slug>), step two is the application with only
    that wijk's wishes and projects. A fund outside its period shows why instead of a form,
    and refuses a post."""

    template_name = "budget/application_form.html"
    form_class = ApplicationForm
    success_url = reverse_lazy("budget:apply_received")
    rate_limit_message = _(
        "You have sent too many applications in a short time. Please try again later."
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
        if form.is_spam:
            # Look like success to the bot, save nothing and count nothing: the limit is the
            # residents' on the same address (a library, a shared connection), not the bot's.
            logger.warning("Initiative application refused: honeypot filled in")
            for key in SESSION_KEYS:
                request.session.pop(key, None)
            return redirect(self.success_url)
        rate = settings.RATELIMIT_APPLICATIONS
        if ratelimits.limited(request, ratelimits.APPLICATIONS, rate):
            ratelimits.log_refusal(request, ratelimits.APPLICATIONS)
            error = ValidationError(self.rate_limit_message, code=ratelimits.RATE_LIMITED)
            form.add_error(None, error)
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(
                ratelimits.seconds_left(request, ratelimits.APPLICATIONS, rate)
            )
            return response
        if form.is_valid():
            try:
                application = services.submit_application(self.fund, **form.application_fields())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if not application.is_repeat:
                    # A resend of the same application (double click, retry) is not counted
                    # again: the resident gets its reference, nothing new is registered.
                    ratelimits.count(request, ratelimits.APPLICATIONS, rate)
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
