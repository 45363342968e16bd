"""Language selection (Dutch unless the visitor chose another language), the limit on a
request's body, and the end of idle sessions."""

import io
import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.handlers.wsgi import LimitedStream
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext

logger = logging.getLogger(__name__)


class LanguageMiddleware:
    """Activate the language from the language cookie, else the site's default (Dutch).

    Django's LocaleMiddleware would follow the browser's Accept-Language header; a Dutch
    municipality's site speaks Dutch to everyone until the visitor picks English with the
    switch on every page (which sets the cookie through Django's set_language view).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RequestBodyLimitMiddleware:
    """Refuse a request body above settings.MAX_REQUEST_BODY_BYTES before anything reads it.

    It judges the declared CONTENT_LENGTH only, so nothing of the body is read, kept in memory
    or written to a temporary file (Django reads no more than CONTENT_LENGTH bytes either; a
    request without a length has an empty body in Django). It sits after the message
    middleware and before anything reads request.POST or request.FILES: CSRF checks and views
    run after every middleware's __call__ has been entered.

    A refused request is answered with 413 and a clear message: the page is rendered as if it
    had been asked for with GET (no body, so no CSRF check and no change) with the message in
    the page's messages. When that page shows no messages, or does not answer a GET with a
    page (a POST-only action, a redirect to the login), the answer is the 413 page, which
    shows the message and links back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.MAX_REQUEST_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads such a body as empty
        if length <= limit:
            return self.get_response(request)
        return self.refuse(request, length, limit)

    def refuse(self, request, length, limit):
        logger.warning(
            "Request body refused: %s bytes declared, limit %s (%s %s)",
            length,
            limit,
            request.method,
            request.path,
        )
        # Whatever asks for the body from here on gets nothing: the client's bytes stay unread.
        request._stream = LimitedStream(io.BytesIO(), 0)
        request.META["CONTENT_LENGTH"] = "0"
        request.body_refused = length
        request.method = request.META["REQUEST_METHOD"] = "GET"
        messages.error(
            request,
            gettext(
                "What you sent (%(size)s) is more than the limit of %(limit)s. Nothing has "
                "been saved. Make the attachment smaller and try again."
            )
            % {"size": filesizeformat(length), "limit": filesizeformat(limit)},
            extra_tags="body_too_large",
        )
        response = self.get_response(request)
        storage = messages.get_messages(request)
        if response.status_code == 200 and getattr(storage, "used", False):
            response.status_code = 413
            response.reason_phrase = "Content Too Large"
            return response
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = request.path
        return render(request, "413.html", {"back": back}, status=413)


def start_idle_clock(sender, request, user, **kwargs):
    """On login: the session's idle time counts from now, and it expires with its limit."""
    if request is not None and hasattr(request, "session"):
        IdleSessionMiddleware.touch(request, user)


class IdleSessionMiddleware:
    """End a logged-in session that has been idle too long: a staff account's after
    settings.STAFF_SESSION_IDLE_MINUTES, anyone else's (the team portal's) after
    settings.PORTAL_SESSION_IDLE_HOURS.

    The session keeps the time of its last request (rounded to the minute, so a busy user does
    not write the session on every request) and expires with it, in the database and in the
    browser. A request after the limit is logged out first and then handled as an anonymous
    visitor's: a page that needs a login sends them to it, with a message why.
    """

    KEY = "_last_activity"
    # Write the session's last activity at most this often (seconds).
    RESOLUTION = 60

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def idle_limit(user):
        """How many seconds a session of `user` may be idle."""
        if user.is_staff or user.is_superuser:
            return settings.STAFF_SESSION_IDLE_MINUTES * 60
        return settings.PORTAL_SESSION_IDLE_HOURS * 3600

    @classmethod
    def touch(cls, request, user, now=None):
        """Note the session's last activity and let it expire after the idle limit."""
        limit = cls.idle_limit(user)
        request.session[cls.KEY] = int(time.time()) if now is None else now
        request.session.set_expiry(limit)

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            limit = self.idle_limit(user)
            now = int(time.time())
            last = request.session.get(self.KEY)
            if isinstance(last, int) and now - last > limit:
                logger.info("Session of %s ended after %d idle seconds", user.get_username(), limit)
                logout(request)
                messages.info(
                    request,
                    gettext(
                        "You were logged out because you were inactive for a while. "
                        "Please log in again."
                    ),
                )
            elif not isinstance(last, int) or now - last >= self.RESOLUTION:
                self.touch(request, user, now)
        return self.get_response(request)
