"""The distribution log in the admin: who got which signed PDF, and when.

Rows are written by `contracts.distribution` only; the admin shows them and changes nothing.
Distributing is the action "E-mail the signed PDF to every party" on the contracts list.
"""

from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from contracts.admin_mixins import LogOnlyAdminMixin
from contracts.models import Distribution


@admin.register(Distribution)
class DistributionAdmin(LogOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "requested_at",
        "contract",
        "document_name",
        "partner",
        "email",
        "status",
        "sent_at",
        "requested_by",
        "short_error",
    )
    list_filter = ("status", ("contract", admin.RelatedOnlyFieldListFilter), "requested_at")
    list_select_related = ("contract", "partner", "requested_by")
    search_fields = ("partner__name", "email", "document_name", "contract__title")
    date_hierarchy = "requested_at"
    fields = (
        "contract",
        "addendum",
        "partner",
        "email",
        "document_name",
        "document_sha256",
        "status",
        "requested_at",
        "requested_by",
        "sent_at",
        "error",
    )
    readonly_fields = fields

    @admin.display(description=_("error"))
    def short_error(self, obj):
        return Truncator(obj.error).chars(80)
