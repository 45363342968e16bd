"""Programme periods in the admin: their period, whether they are the current one, and which
contracts belong to them (signed ones too: the programme is not part of a contract's text)."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from contracts import services
from contracts.admin.contract import short_period
from contracts.models import Contract, Programme
from wijkaanpak.common.admin.history import ViewOnlyHistoryAdmin


class ContractChoiceField(forms.ModelMultipleChoiceField):
    """Contracts named by wijk and period ("Centrum (02-10-2007 – 02-10-2009)"): unambiguous,
    and short enough for the two lists of the admin's selector; a full title is not."""

    def label_from_instance(self, obj):
        return f"{obj.neighbourhood.name} ({short_period(obj)})"


class ProgrammeForm(forms.ModelForm):
    contracts = ContractChoiceField(
        label=_("contracts"),
        queryset=Contract.objects.select_related("neighbourhood").order_by(
            "-period_start", "neighbourhood__name"
        ),
        required=False,
        widget=FilteredSelectMultiple(_("contracts"), is_stacked=False),
        help_text=_(
            "The contracts of this programme. A contract belongs to one programme; choosing it "
            "here moves it from another."
        ),
    )

    class Meta:
        model = Programme
        fields = (
            "name",
            "slug",
            "period_start",
            "period_end",
            "description",
            "is_current",
            "is_illustrative",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["contracts"].initial = list(
                self.instance.contracts.values_list("pk", flat=True)
            )


@admin.register(Programme)
class ProgrammeAdmin(ViewOnlyHistoryAdmin):
    form = ProgrammeForm
    list_display = ("name", "period", "is_current", "contract_count", "is_illustrative")
    list_filter = ("is_current", "is_illustrative")
    search_fields = ("name", "slug", "description", "contracts__neighbourhood__name")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "slug",
                    ("period_start", "period_end"),
                    "description",
                    "is_current",
                    "is_illustrative",
                )
            },
        ),
        (_("Contracts"), {"fields": ("contracts", "contract_overview")}),
    )
    readonly_fields = ("contract_overview",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("contracts")

    @admin.display(description=_("period"), ordering="period_start")
    def period(self, obj):
        return short_period(obj)

    @admin.display(description=_("contracts"))
    def contract_count(self, obj):
        return len(obj.contracts.all())

    @admin.display(description=_("contracts of this programme"))
    def contract_overview(self, obj):
        contracts = (
            obj.contracts.select_related("neighbourhood").order_by("neighbourhood__name")
            if obj.pk
            else []
        )
        if not contracts:
            return "–"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({})</li>',
                (
                    (
                        reverse("admin:contracts_contract_change", args=[contract.pk]),
                        contract,
                        contract.get_status_display(),
                    )
                    for contract in contracts
                ),
            ),
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.assign_to_programme(form.instance, form.cleaned_data["contracts"])
