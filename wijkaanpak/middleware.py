"""Language selection: Dutch unless the visitor chose another language."""

from django.conf import settings
from django.utils import translation


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
