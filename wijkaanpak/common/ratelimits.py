"""Rate limits that hold across processes and servers, and behind the proxies we run.

django-ratelimit counts in the cache settings.RATELIMIT_USE_CACHE names ("ratelimit": Redis
when REDIS_URL is set, else the database through wijkaanpak.common.cache), never in one
process's memory. A client is its address as far as our own proxies vouch for it
(wijkaanpak.common.client.client_ip, TRUSTED_PROXY_COUNT), an IPv6 client its /64 network; the
key is an HMAC of it with the SECRET_KEY, so the cache never holds an address.

Three ways in:
- `limited` and `count` for a view that decides itself what counts (the application form
  counts a new application, the status page a wrong link);
- `FormPostLimit`, a mixin for a form view: each POST counts, and one over the limit gets a
  form error and changes nothing;
- `limit_pdf_renders` on a view that serves PDFs: only a PDF that is really rendered (not one
  from the cache or the archive) counts, and one over the limit is a 429 page. A signed-in
  user counts by account here, not by address.

A refused request is logged and answered with a Retry-After header (seconds).
"""

import contextvars
import functools
import ipaddress
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import get_usage

from wijkaanpak.common.client import client_ip

logger = logging.getLogger(__name__)

# The groups, one counter each.
APPLICATIONS = "applications"
WRONG_STATUS_LINKS = "wrong-status-links"
PASSWORD_RESETS = "password-resets"  # noqa: S105
PDF_RENDERS = "pdf-renders"

RATE_LIMITED = "rate_limited"  # the error code of a form refused for the limit


def client_key(group, request):
    """The key of the client asking (django-ratelimit's key callable)."""
    address = client_ip(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        network = "unknown"
    else:
        # One IPv6 subscriber usually holds a whole /64: counting single addresses would let
        # them take a fresh one for each request.
        prefix = 64 if parsed.version == 6 else 32
        network = str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False).network_address)
    return salted_hmac("wijkaanpak.common.ratelimits", network).hexdigest()


def user_or_client_key(group, request):
    """A signed-in user by their account (colleagues behind the municipality's one address
    each have their own count), anyone else by client_key."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return salted_hmac("wijkaanpak.common.ratelimits.user", str(user.pk)).hexdigest()
    return client_key(group, request)


# Whom each group counts; by default the client address.
KEYS = {PDF_RENDERS: user_or_client_key}


def _usage(request, group, rate, *, increment):
    key = KEYS.get(group, client_key)
    return get_usage(request, group=group, key=key, rate=rate, increment=increment)


def limited(request, group, rate):
    """Whether the client has used up `rate` ("5/h") in `group`, without counting this
    request. When the cache cannot answer, the request is limited (django-ratelimit fails
    closed)."""
    usage = _usage(request, group, rate, increment=False)
    return usage is not None and usage["count"] >= usage["limit"]


def count(request, group, rate):
    """Count one request of the client in `group`."""
    _usage(request, group, rate, increment=True)


def hit(request, group, rate):
    """Count this request; the seconds until the client may try again when it was one too
    many, else None."""
    usage = _usage(request, group, rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return retry_after(usage)


def retry_after(usage):
    return max(int(usage["time_left"]), 1)


def seconds_left(request, group, rate):
    """The seconds until the client's current window in `group` ends (for Retry-After)."""
    usage = _usage(request, group, rate, increment=False)
    return retry_after(usage) if usage is not None else 1


def log_refusal(request, group):
    logger.warning(
        "Rate limit reached (%s): %s %s from %s",
        group,
        request.method,
        request.path,
        client_ip(request) or "unknown address",
    )


def minutes(seconds):
    """Whole minutes for a message: at least one."""
    return max(1, -(-int(seconds) // 60))


# --- Forms --------------------------------------------------------------------------------------


class FormPostLimit:
    """A mixin for a FormView: every POST counts against `ratelimit_rate` (a setting's name)
    in `ratelimit_group`; one too many is shown the form again with `ratelimit_message` as its
    error (code "rate_limited"), status 429, and nothing else happens."""

    ratelimit_group = None
    ratelimit_rate = None
    ratelimit_message = _("Too many requests came from your address. Please try again later.")

    def post(self, request, *args, **kwargs):
        wait = hit(request, self.ratelimit_group, getattr(settings, self.ratelimit_rate))
        if wait is None:
            return super().post(request, *args, **kwargs)
        log_refusal(request, self.ratelimit_group)
        form = self.get_form()
        form.add_error(None, ValidationError(self.ratelimit_message, code=RATE_LIMITED))
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(wait)
        return response


def limit_form_posts(view_class, *, group, rate, message=None):
    """`view_class` with FormPostLimit: for a URLconf, so the view's own module stays as is."""
    attributes = {"ratelimit_group": group, "ratelimit_rate": rate}
    if message is not None:
        attributes["ratelimit_message"] = message
    return type(f"Limited{view_class.__name__}", (FormPostLimit, view_class), attributes)


# --- PDF renders --------------------------------------------------------------------------------

# The request whose view is serving a PDF, while it runs (see limit_pdf_renders).
_pdf_request = contextvars.ContextVar("wijkaanpak_pdf_request", default=None)


class RenderLimited(Exception):
    """The client asked for more PDF renders than settings.RATELIMIT_PDF_RENDERS allows."""

    def __init__(self, seconds):
        super().__init__(f"too many PDF renders; retry after {seconds} s")
        self.seconds = seconds


def before_render():
    """Called by wijkaanpak.common.pdf before each real render. Inside a view decorated with
    limit_pdf_renders this counts the render and raises RenderLimited when it is one too
    many; elsewhere (a management command, a service, an e-mail) it does nothing."""
    request = _pdf_request.get()
    if request is None:
        return
    wait = hit(request, PDF_RENDERS, settings.RATELIMIT_PDF_RENDERS)
    if wait is not None:
        log_refusal(request, PDF_RENDERS)
        raise RenderLimited(wait)


def too_many_requests(request, seconds, *, template="429.html"):
    """The 429 page in Dutch, with Retry-After."""
    response = render(request, template, {"retry_minutes": minutes(seconds)}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def limit_pdf_renders(view):
    """Decorate a view that serves PDFs: each PDF it has rendered counts against
    settings.RATELIMIT_PDF_RENDERS; over the limit the answer is the 429 page, before
    WeasyPrint starts. A PDF from the cache or the archive never counts."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        token = _pdf_request.set(request)
        try:
            return view(request, *args, **kwargs)
        except RenderLimited as refusal:
            return too_many_requests(request, refusal.seconds)
        finally:
            _pdf_request.reset(token)

    wrapped.limits_pdf_renders = True  # kept by the decorators around it (functools.wraps)
    return wrapped
