"""The language switch: a plain link, so no page needs a CSRF token (or a cookie) for it.

``/taal/?language=en&next=/wijken/`` sets the language cookie that
wijkaanpak.common.middleware.LanguageMiddleware reads and returns to `next` (a same-site
address; anything else returns to the home page). Choosing a language is no harm to anyone,
so a link that a third party makes someone follow can do no more than what the visitor could
undo with the same switch. An unknown language is refused with a 400 page and sets nothing.
"""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods


def _safe_next(request, data):
    target = data.get("next") or "/"
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@require_http_methods(["GET", "HEAD", "POST"])
def set_language(request):
    """Set the language of `language` (GET, or POST as Django's own view) and go to `next`."""
    data = request.POST if request.method == "POST" else request.GET
    target = _safe_next(request, data)
    language = data.get("language")
    supported = {code for code, _name in settings.LANGUAGES}
    if language is not None and language not in supported:
        response = render(
            request,
            "language_refused.html",
            {"back": target, "languages": settings.LANGUAGES},
            status=400,
        )
    else:
        response = HttpResponseRedirect(target)
        if language is not None:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
    patch_cache_control(response, private=True, no_store=True)
    return response
