"""Projects in the admin: rows of their contract's page (with the partners' contributions) and
a page of their own."""

from functools import partial

from django import forms
from django.contrib import admin
from django.contrib.admin import widgets as admin_widgets
from django.contrib.admin.checks import InlineModelAdminChecks
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import modelformset_factory
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contracts.admin.contract import ContractPartInline, add_contract_part
from contracts.choices import FROZEN_STATUSES, ContractStatus
from contracts.models import ContractFrozen
from projects import invitations, selectors
from projects.admin.forms import (
    ADDED_TO_FROZEN_CONTRACT,
    PROJECT_TEXT_FORM_FIELDS,
    ContributionForm,
    ContributionFormSet,
    ProjectAdminForm,
    ProjectInlineFormSet,
    ProjectRowForm,
)
from projects.models import Project, ProjectPartner, ReportingRound, TeamMembership
from wijkaanpak.common.admin.counting import EstimatedCountPaginator
from wijkaanpak.common.admin.filters import autocomplete_filter
from wijkaanpak.common.admin.history import ViewOnlyHistoryAdmin
from wijkaanpak.common.admin.labels import LabelledFormSetMixin, LabelledTabularInline
from wijkaanpak.common.admin.views import GuardedDeleteMixin, RefusalsAsMessagesMixin, posts_any
from wijkaanpak.common.forms import parse_id
from wijkaanpak.common.money import format_euro_or_dash

# --- Projects on their contract ---------------------------------------------------------------


class ProjectInline(ContractPartInline, admin.StackedInline):
    """The projects of a contract, written on its page from the first save on.

    A row names its lead partner (a party, possibly added in the same submit) and the wishes
    it answers by their numbers in the list of wishes above (possibly written in the same
    submit). The full project, with its team and progress, is one click away.
    """

    model = Project
    numbered_by = "number"

    @staticmethod
    def frozen_addition_error():
        return ValidationError(ADDED_TO_FROZEN_CONTRACT, code="project_added_to_frozen_contract")

    form = ProjectRowForm
    formset = ProjectInlineFormSet
    fields = (
        ("number", "title"),
        "summary",
        "description",
        ("lead_partner", "wish_numbers"),
        ("planned_start", "planned_end"),
    )
    show_change_link = True
    formfield_overrides = {
        models.TextField: {"widget": admin_widgets.AdminTextareaWidget(attrs={"rows": 3})}
    }

    class Media:
        js = ("admin-extra/wish-titles.js",)

    def get_extra(self, request, obj=None, **kwargs):
        # A draft without projects yet offers a row for its first one.
        if obj is None or (not obj.is_frozen and not obj.projects.exists()):
            return 1
        return 0

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("lead_partner").prefetch_related("wishes")
        )

    @admin.display(description=_("answers wishes"))
    def wish_numbers(self, obj):
        wishes = sorted(obj.wishes.all(), key=lambda wish: wish.order)
        return "; ".join(f"{wish.order}. {wish.title}" for wish in wishes) or "-"


class ContractWideInlineChecks(InlineModelAdminChecks):
    """The checks of an inline whose rows reach the parent through another row: no foreign
    key to the parent to check."""

    def _check_relation(self, obj, parent_model):
        return []

    def _check_exclude_of_parent_model(self, obj, parent_model):
        return []


class ContributionInline(ContractPartInline, admin.TabularInline):
    """What each participating partner contributes to a project, on the contract's page.

    Its rows belong to the contract through their project, which a row names by number; so
    the formset is built here rather than by Django's inline factory, which needs a foreign
    key to the contract.
    """

    model = ProjectPartner
    checks_class = ContractWideInlineChecks
    form = ContributionForm
    formset_prefix = "contributions"
    fields = ("project_number", "partner", "contribution", "amount", "order")
    verbose_name = _("contribution of a partner")
    verbose_name_plural = _("contributions of the partners to the projects")
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 36})}
    }

    def get_extra(self, request, obj=None, **kwargs):
        if obj is None or (
            not obj.is_frozen and not ProjectPartner.objects.filter(project__contract=obj).exists()
        ):
            return 1
        return 0

    def get_formset(self, request, obj=None, **kwargs):
        fields = kwargs.pop("fields", None) or flatten_fieldsets(self.get_fieldsets(request, obj))
        readonly = set(self.get_readonly_fields(request, obj))
        if not self.has_change_permission(request, obj):
            readonly |= set(fields)
        can_change = self.has_change_permission(request, obj)
        can_add = self.has_add_permission(request, obj)

        class ProtectedContributionForm(self.form):
            def has_changed(self):
                # As Django's inlines: no change or addition without the permission.
                if not (can_add if self.instance._state.adding else can_change):
                    return False
                return super().has_changed()

        formset = modelformset_factory(
            self.model,
            form=ProtectedContributionForm,
            formset=ContributionFormSet,
            fields=[name for name in fields if name not in readonly and name != "project_number"],
            formfield_callback=partial(self.formfield_for_dbfield, request=request),
            extra=self.get_extra(request, obj),
            min_num=self.get_min_num(request, obj),
            max_num=self.get_max_num(request, obj),
            can_delete=self.can_delete and self.has_delete_permission(request, obj),
            **kwargs,
        )
        return type(formset.__name__, (LabelledFormSetMixin, formset), {})

    def get_fields(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return self.fields
        # Read-only: the amount the Dutch way.
        return tuple("amount_in_euros" if name == "amount" else name for name in self.fields)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project", "partner")

    @admin.display(description=_("project no."))
    def project_number(self, obj):
        return obj.project.number

    @admin.display(description=_("amount (euro)"))
    def amount_in_euros(self, obj):
        return format_euro_or_dash(obj.amount)


add_contract_part(
    ProjectInline,
    (Project, "contract_id", "title"),
    history_title=_("Changes to the sections, parties, wishes and projects"),
)
add_contract_part(
    ContributionInline,
    (ProjectPartner, "project__contract_id", "partner"),
    history_title=_("Changes to the sections, parties, wishes, projects and contributions"),
)


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


class SilenceFilter(admin.SimpleListFilter):
    """Running projects whose team has not reported progress for a while."""

    title = _("progress updates")
    parameter_name = "no_update"

    def lookups(self, request, model_admin):
        return ((str(selectors.SILENCE.days), _("none in the last 90 days")),)

    def queryset(self, request, queryset):
        if self.value() == str(selectors.SILENCE.days):
            return queryset.filter(pk__in=selectors.silent_projects().values("pk"))
        return queryset


class LateReportFilter(admin.SimpleListFilter):
    """Projects whose report for a reporting round is late (projects.selectors.late_projects)."""

    title = _("report late for")
    parameter_name = "late_report"

    def lookups(self, request, model_admin):
        today = timezone.localdate()
        return [
            (str(round_.pk), str(round_))
            for round_ in ReportingRound.objects.filter(due_date__lt=today).order_by(
                "-due_date", "-pk"
            )
        ]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        pk = parse_id(self.value())
        round_ = ReportingRound.objects.filter(pk=pk).first() if pk is not None else None
        if round_ is None:
            return queryset.none()
        return queryset.filter(pk__in=selectors.late_projects(round_).values("pk"))


@admin.register(Project)
class ProjectAdmin(RefusalsAsMessagesMixin, GuardedDeleteMixin, ViewOnlyHistoryAdmin):
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
        autocomplete_filter(_("neighbourhood"), "contract__neighbourhood"),
        ContractStatusFilter,
        SilenceFilter,
        LateReportFilter,
        autocomplete_filter(_("lead partner"), "lead_partner"),
    )
    # Large table: one count of the filtered list, an estimate for the whole list, never a
    # second count of the whole table (README, Speed).
    show_full_result_count = False
    paginator = EstimatedCountPaginator
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
                    _("Invitations to the team"),
                    {
                        "fields": ("invitations",),
                        "description": _(
                            "A team account is made by inviting the person by e-mail "
                            "(“Invite a team member”, above)."
                        ),
                    },
                )
            )
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
        readonly = ["contract", "status", "percent_complete", "updates", "invitations"]
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

    @admin.display(description=_("invitations"))
    def invitations(self, obj):
        """The invitations of the project that are still pending, and a link to all of them."""
        pending = obj.invitations.pending().order_by("name")
        items = format_html_join(
            "",
            "<li>{} ({}): {}</li>",
            ((i.name, i.email, i.status.label) for i in pending),
        )
        count = obj.invitations.count()
        link = format_html(
            '<a href="{}?project__id__exact={}">{}</a>',
            reverse("admin:projects_teaminvitation_changelist"),
            obj.pk,
            ngettext("%(count)d invitation", "%(count)d invitations", count) % {"count": count},
        )
        if not items:
            return link
        return format_html('<ul class="project-invitations">{}</ul>{}', items, link)

    def get_inline_instances(self, request, obj=None):
        instances = super().get_inline_instances(request, obj)
        if obj is None:
            # The team is formed once the project exists.
            instances = [i for i in instances if not isinstance(i, TeamMembershipInline)]
        return instances

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if invitations.may_invite(request.user):
            extra_context = {
                **(extra_context or {}),
                "invite_url": reverse("admin:projects_teaminvitation_add")
                + "?"
                + urlencode({"project": object_id}),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    # --- Permissions: a project of a frozen contract cannot be deleted ---

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.contract.is_frozen:
            return False
        return super().has_delete_permission(request, obj)

    # --- Saving ---

    def post_refusal(self, request, obj):
        """A project of a frozen contract: its fixed parts come only from a stale or crafted
        form (its read-only page has no inputs for them). The team is not fixed."""
        if obj.contract.is_frozen and posts_any(
            request,
            fields=PROJECT_TEXT_FORM_FIELDS,
            inline_fields={"participants": {*ProjectPartnerInline.fields, "DELETE"}},
        ):
            return ContractFrozen(obj.contract.title)
        return None

    def delete_refusals(self, queryset):
        """A project of a frozen contract is never deleted: the selection is refused."""
        frozen = queryset.filter(contract__status__in=FROZEN_STATUSES).select_related("contract")
        return [
            (project, ContractFrozen(project.contract.title))
            for project in frozen.order_by("contract", "number")
        ]
