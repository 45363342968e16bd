"""The distribution log in the admin: who got which signed PDF, and when.

Rows are written by `contracts.distribution` only; the admin shows them and changes nothing.
Distributing is the action "E-mail the signed PDF to every party" on the contracts list.
The status is the delivery of the row's mail in the outbox (Post Office > E-mails), where a
failed mail shows each attempt's error and can be requeued.
"""

from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from contracts.choices import DistributionStatus
from contracts.models import Distribution
from wijkaanpak.common.admin.filters import autocomplete_filter
from wijkaanpak.common.admin.views import ReadOnlyAdminMixin


class DeliveryFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return DistributionStatus.choices

    def queryset(self, request, queryset):
        if self.value() in DistributionStatus.values:
            return queryset.with_delivery_status().filter(delivery=self.value())
        return queryset


@admin.register(Distribution)
class DistributionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "requested_at",
        "contract",
        "document_name",
        "partner",
        "email",
        "delivery_status",
        "delivered_at",
        "requested_by",
        "short_error",
    )
    list_filter = (DeliveryFilter, autocomplete_filter(_("contract"), "contract"), "requested_at")
    list_select_related = ("contract", "partner", "requested_by", "outbox_email")
    search_fields = ("partner__name", "email", "document_name", "contract__title")
    date_hierarchy = "requested_at"
    fields = (
        "contract",
        "addendum",
        "partner",
        "email",
        "document_name",
        "document_sha256",
        "delivery_status",
        "requested_at",
        "requested_by",
        "delivered_at",
        "delivery_error",
        "outbox_email",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("outbox_email__logs")

    @admin.display(description=_("status"))
    def delivery_status(self, obj):
        return obj.delivery_status.label

    @admin.display(description=_("sent at"))
    def delivered_at(self, obj):
        return obj.delivered_at

    @admin.display(description=_("error"))
    def delivery_error(self, obj):
        return obj.delivery_error

    @admin.display(description=_("error"))
    def short_error(self, obj):
        return Truncator(obj.delivery_error).chars(80)
