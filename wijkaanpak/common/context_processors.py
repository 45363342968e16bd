"""Template context shared by every page."""

from django.conf import settings


def site(request):
    return {"municipality_name": settings.MUNICIPALITY_NAME}
