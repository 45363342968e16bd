"""Columns that the admins of a project's updates and reports share."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class ProjectProgressColumns:
    """The wijk of the row's project and the progress the row reports (status, percentage)."""

    class Media:
        css = {"all": ("admin-extra/admin.css",)}

    @admin.display(description=_("neighbourhood"), ordering="project__contract__neighbourhood")
    def neighbourhood(self, obj):
        return obj.project.contract.neighbourhood

    @admin.display(description=_("progress"), ordering="percent_complete")
    def progress(self, obj):
        return f"{obj.get_status_display()}, {obj.percent_complete}%"
