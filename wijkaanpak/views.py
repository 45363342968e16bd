"""Pages that combine the apps: home, the wijk page, statements, health check, error pages."""

from django.db import connection
from django.http import JsonResponse
from django.views.generic import TemplateView


class HomeView(TemplateView):
    template_name = "wijkaanpak/home.html"


class NeighbourhoodDetailView(TemplateView):
    template_name = "wijkaanpak/neighbourhood_detail.html"


class AccessibilityView(TemplateView):
    template_name = "pages/accessibility.html"


class PrivacyView(TemplateView):
    template_name = "pages/privacy.html"


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def page_not_found(request, exception):
    raise NotImplementedError


def server_error(request):
    raise NotImplementedError
