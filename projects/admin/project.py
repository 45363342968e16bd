"""Projects in the admin: inline on their contract and on a page of their own."""

from django import forms
from django.contrib import admin
from django.contrib.admin import widgets as admin_widgets
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.utils import flatten, quote, unquote
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contracts.admin import (
    ContractAdmin,
    ContractPartInline,
    ContractStatusChangeInline,
    report_conflict,
    report_refusal,
)
from contracts.choices import FROZEN_STATUSES, ContractStatus
from contracts.models import Contract, ContractFrozen
from projects.admin.base import ViewOnlyHistoryAdmin
from projects.admin.forms import (
    ADDED_TO_FROZEN_CONTRACT,
    PROJECT_TEXT_FORM_FIELDS,
    ProjectAdminForm,
    ProjectInlineFormSet,
)
from projects.models import Project, ProjectPartner, TeamMembership
from wijkaanpak.common.admin.labels import LabelledTabularInline

# --- Projects on their contract ---------------------------------------------------------------


class ProjectInline(ContractPartInline, admin.StackedInline):
    """The projects of a contract, in short; the full project is one click away."""

    model = Project
    form = ProjectAdminForm
    formset = ProjectInlineFormSet
    fields = (
        ("number", "title"),
        "summary",
        "description",
        "lead_partner",
        ("planned_start", "planned_end"),
    )
    show_change_link = True
    formfield_overrides = {
        models.TextField: {"widget": admin_widgets.AdminTextareaWidget(attrs={"rows": 3})}
    }

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("lead_partner")


admin.site.unregister(Contract)


@admin.register(Contract)
class ContractWithProjectsAdmin(ContractAdmin):
    """The contract admin of `contracts`, with the contract's projects inline."""

    inlines = [
        *(inline for inline in ContractAdmin.inlines if inline is not ContractStatusChangeInline),
        ProjectInline,
        ContractStatusChangeInline,
    ]
    history_parts = (*ContractAdmin.history_parts, (Project, "contract_id", "title"))
    history_parts_title = _("Changes to the sections, parties, wishes and projects")

    def get_inline_instances(self, request, obj=None):
        instances = super().get_inline_instances(request, obj)
        if obj is None:
            # A project's lead partner is one of the contract's parties: the contract and its
            # parties come first.
            instances = [inline for inline in instances if not isinstance(inline, ProjectInline)]
        return instances

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and obj.is_frozen and self._posts_new_project(request):
                report_refusal(
                    request,
                    ValidationError(
                        ADDED_TO_FROZEN_CONTRACT, code="project_added_to_frozen_contract"
                    ),
                )
                return HttpResponseRedirect(request.get_full_path())
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _posts_frozen_data(self, request, obj):
        if super()._posts_frozen_data(request, obj):
            return True
        return obj.is_frozen and bool(self._posted_project_rows(request))

    @staticmethod
    def _posted_project_rows(request):
        """The indexes of the project rows a POST carries values for."""
        names = {*flatten(ProjectInline.fields), "DELETE"}
        rows = set()
        for key in request.POST:
            prefix, _separator, rest = key.partition("-")
            index, _separator, name = rest.partition("-")
            if prefix == "projects" and index.isdigit() and name in names:
                rows.add(int(index))
        return rows

    def _posts_new_project(self, request):
        try:
            existing = int(request.POST.get("projects-INITIAL_FORMS", 0))
        except ValueError:
            existing = 0
        return any(index >= existing for index in self._posted_project_rows(request))


# --- Projects ---------------------------------------------------------------------------------


class ProjectPartnerInline(ContractPartInline, LabelledTabularInline):
    """The partners taking part, each with what it contributes from its own budget."""

    model = ProjectPartner
    fields = ("partner", "contribution", "amount", "order")
    autocomplete_fields = ("partner",)
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}
    }

    def contract_of(self, obj):
        return obj.contract

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("partner")


class TeamMembershipInline(LabelledTabularInline):
    """The project's team. Teams change, also after signing."""

    model = TeamMembership
    fields = ("user", "role")
    autocomplete_fields = ("user",)
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


class ContractStatusFilter(admin.SimpleListFilter):
    """The contract's status, titled as such: the project has a status of its own."""

    title = _("contract status")
    parameter_name = "contract_status"

    def lookups(self, request, model_admin):
        return ContractStatus.choices

    def queryset(self, request, queryset):
        if self.value() in ContractStatus.values:
            return queryset.filter(contract__status=self.value())
        return queryset


@admin.register(Project)
class ProjectAdmin(ViewOnlyHistoryAdmin):
    form = ProjectAdminForm
    list_display = (
        "numbered_title",
        "neighbourhood",
        "contract_period",
        "lead_partner",
        "status",
        "percent",
        "planned_end",
    )
    list_display_links = ("numbered_title",)
    list_filter = (
        "status",
        "contract__neighbourhood",
        ContractStatusFilter,
        ("lead_partner", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("contract__neighbourhood", "lead_partner")
    search_fields = (
        "title",
        "summary",
        "contract__title",
        "contract__neighbourhood__name",
        "lead_partner__name",
    )
    ordering = ("contract__neighbourhood__name", "contract__period_start", "number")
    filter_horizontal = ("wishes",)
    inlines = [ProjectPartnerInline, TeamMembershipInline]
    actions = ["delete_selected"]
    history_parts = (
        (ProjectPartner, "project_id", "partner"),
        (TeamMembership, "project_id", "user"),
    )
    history_parts_title = _("Changes to the participating partners and the team")
    formfield_overrides = {
        models.TextField: {"widget": admin_widgets.AdminTextareaWidget(attrs={"rows": 5})}
    }

    class Media:
        css = {"all": ("admin-extra/admin.css",)}

    # --- List ---

    @admin.display(description=_("neighbourhood"), ordering="contract__neighbourhood__name")
    def neighbourhood(self, obj):
        return obj.contract.neighbourhood

    @admin.display(description=_("project"), ordering="number")
    def numbered_title(self, obj):
        return str(obj)  # "number. title": the number within its contract

    @admin.display(description=_("contract"), ordering="contract__period_start")
    def contract_period(self, obj):
        # The wijk has a column of its own; the years tell its contracts apart.
        return f"{obj.contract.period_start.year}–{obj.contract.period_end.year}"

    @admin.display(description=_("percent complete"), ordering="percent_complete")
    def percent(self, obj):
        return f"{obj.percent_complete}%"

    def get_queryset(self, request):
        # The change page needs the contract too (is it frozen?). The changelist ignores
        # list_select_related once the queryset selects anything, so both are named here.
        return super().get_queryset(request).select_related(*self.list_select_related)

    # --- Form ---

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (
                None,
                {
                    "fields": (
                        "contract",
                        "number",
                        "title",
                        "summary",
                        "description",
                        "expected_result",
                        "is_illustrative",
                    ),
                    "description": self._frozen_notice(obj),
                },
            ),
            (_("Lead partner and wishes"), {"fields": ("lead_partner", "wishes")}),
            (_("Planning"), {"fields": (("planned_start", "planned_end"),)}),
        ]
        if obj is not None:
            fieldsets.append(
                (
                    _("Progress"),
                    {
                        "fields": (("status", "percent_complete"), "updates"),
                        "description": _(
                            "Status and percentage come from the team's latest progress update."
                        ),
                    },
                )
            )
        return fieldsets

    @staticmethod
    def _frozen_notice(obj):
        if obj is None or not obj.contract.is_frozen:
            return None
        return _(
            "This project is part of a contract that is ready for signing or signed: its "
            "description, planning, wishes and participating partners are fixed. Its team can "
            "still change."
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        readonly = ["contract", "status", "percent_complete", "updates"]
        if obj.contract.is_frozen:
            readonly += [name for name in PROJECT_TEXT_FORM_FIELDS if name != "contract"]
        return readonly

    @admin.display(description=_("progress updates"))
    def updates(self, obj):
        count = obj.updates.count()
        url = reverse("admin:projects_progressupdate_changelist")
        return format_html(
            '<a href="{}?project__id__exact={}">{}</a>',
            url,
            obj.pk,
            ngettext("%(count)d update", "%(count)d updates", count) % {"count": count},
        )

    def get_inline_instances(self, request, obj=None):
        instances = super().get_inline_instances(request, obj)
        if obj is None:
            # The team is formed once the project exists.
            instances = [i for i in instances if not isinstance(i, TeamMembershipInline)]
        return instances

    # --- Permissions: a project of a frozen contract cannot be deleted ---

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.contract.is_frozen:
            return False
        return super().has_delete_permission(request, obj)

    # --- Saving ---

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and self._posts_frozen_data(request, obj):
                report_refusal(request, ContractFrozen(obj.contract.title), subject=obj)
                return HttpResponseRedirect(request.get_full_path())
        try:
            # Django runs this in a transaction: a refusal below rolls back everything.
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            report_refusal(request, error)
        except IntegrityError:
            report_conflict(request)
        return HttpResponseRedirect(request.get_full_path())

    @staticmethod
    def _posts_frozen_data(request, obj):
        """Whether a POST carries values for the fixed parts of a project of a frozen contract.

        Its read-only page has no inputs for them: such values come from a form opened before
        the freeze, or from a crafted request. The team is not fixed.
        """
        if not obj.contract.is_frozen:
            return False
        participant_fields = {*ProjectPartnerInline.fields, "DELETE"}
        for key in request.POST:
            if key in PROJECT_TEXT_FORM_FIELDS:
                return True
            prefix, _separator, rest = key.partition("-")
            if prefix == "participants" and rest.rpartition("-")[2] in participant_fields:
                return True
        return False

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and obj.contract.is_frozen:
            report_refusal(request, ContractFrozen(obj.contract.title), subject=obj)
            return HttpResponseRedirect(
                reverse("admin:projects_project_change", args=[quote(obj.pk)])
            )
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:
            report_refusal(request, error)
        return HttpResponseRedirect(request.get_full_path())

    @admin.action(
        # Django's own wording, so its translation applies.
        description=_("Delete selected %(verbose_name_plural)s"),
        permissions=["delete"],
    )
    def delete_selected(self, request, queryset):
        """Django's bulk delete, refused as a whole when a selected project's contract is
        frozen."""
        frozen = list(
            queryset.filter(contract__status__in=FROZEN_STATUSES).order_by("contract", "number")
        )
        if frozen:
            for project in frozen:
                report_refusal(request, ContractFrozen(project.contract.title), subject=project)
            return None
        try:
            with transaction.atomic():
                return django_delete_selected(self, request, queryset)
        except ValidationError as error:
            report_refusal(request, error)
        return None
