"""The base of the projects' admins."""

from django.http import HttpResponseNotAllowed

from contracts.admin import HistoryAdmin


class ViewOnlyHistoryAdmin(HistoryAdmin):
    """History pages that show old versions and never revert to one.

    django-simple-history saves a POST to an old version's page for anyone who may view the
    history; a revert would bypass the services, the freeze and the append-only rules.
    """

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        return super().history_form_view(request, object_id, version_id, extra_context)
