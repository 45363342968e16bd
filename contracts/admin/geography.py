"""Wijken, districts, partners and the standard sections in the admin."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from contracts.models import District, Neighbourhood, Partner, StandardSection, SubArea
from wijkaanpak.common.admin.history import HistoryAdmin
from wijkaanpak.common.admin.labels import LabelledListEditableMixin, LabelledTabularInline


@admin.register(District)
class DistrictAdmin(HistoryAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class SubAreaInline(LabelledTabularInline):
    model = SubArea
    fields = ("name", "order")
    extra = 1


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(HistoryAdmin):
    list_display = ("name", "district", "slug")
    list_filter = ("district",)
    list_select_related = ("district",)
    search_fields = ("name", "slug", "district__name", "sub_areas__name")
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "district", "description")
    inlines = [SubAreaInline]
    history_parts = ((SubArea, "neighbourhood_id", "name"),)
    history_parts_title = _("Changes to the sub-areas")


@admin.register(Partner)
class PartnerAdmin(HistoryAdmin):
    list_display = ("name", "kind", "slug", "email", "is_illustrative")
    list_filter = ("kind", "is_illustrative")
    search_fields = ("name", "slug", "email")
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "kind", "email", "website", "is_illustrative", "source_note")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(StandardSection)
class StandardSectionAdmin(LabelledListEditableMixin, HistoryAdmin):
    """The sections a new contract starts with; their order is edited right in the list."""

    list_display = ("heading", "order")
    list_editable = ("order",)
    ordering = ("order", "pk")
    search_fields = ("heading", "body")
    fields = ("order", "heading", "body")
