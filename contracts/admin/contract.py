"""Contracts in the admin: written here and moved through their lifecycle.

Always through `contracts.services`. From "ready for signing" on, a contract's text, parties and
wishes are read-only; the model layer refuses such writes too, and when one of those refusals
reaches the admin anyway (a stale form, a race), the admin says so and changes nothing.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin import widgets as admin_widgets
from django.contrib.admin.utils import flatten, quote, unquote
from django.db import models
from django.db.models import Max
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from contracts import distribution, selectors
from contracts.admin.lifecycle import LifecycleAdminMixin
from contracts.admin.signing import SigningAdminMixin
from contracts.choices import FROZEN_STATUSES, ContractStatus
from contracts.forms import (
    ContractPartyInlineFormSet,
    ContractSectionInlineFormSet,
)
from contracts.models import (
    Contract,
    ContractFrozen,
    ContractParty,
    ContractSection,
    ContractStatusChange,
    ResidentWish,
    StandardSection,
)
from contracts.printing import download_signing_set
from wijkaanpak.common.admin.counting import EstimatedCountPaginator
from wijkaanpak.common.admin.filters import autocomplete_filter
from wijkaanpak.common.admin.history import ViewOnlyHistoryAdmin
from wijkaanpak.common.admin.labels import LabelledTabularInline
from wijkaanpak.common.admin.views import (
    GuardedDeleteMixin,
    ObjectActionsMixin,
    ReadOnlyAdminMixin,
    ReadOnlyInlineMixin,
    RefusalsAsMessagesMixin,
    posts_any,
)
from wijkaanpak.common.forms import parse_id

# The contract's own form fields. None stays open while it is ready for signing: its final PDF
# prints them all, the planned date and place of signing too. The programme is not among them:
# it is no part of the text, so it stays open (a signed contract moves from the programme's page).
CONTRACT_FORM_FIELDS = (
    "neighbourhood",
    "title",
    "motto",
    "period_start",
    "period_end",
    "signed_on",
    "signing_place",
    "is_illustrative",
)


def short_period(obj):
    """The period of a contract or programme for an admin list: "02-10-2007 – 02-10-2009"."""
    return "{} – {}".format(
        date_format(obj.period_start, "SHORT_DATE_FORMAT"),
        date_format(obj.period_end, "SHORT_DATE_FORMAT"),
    )


class ContractPartInline:
    """An inline of a contract's text: open while it is a draft, read-only once frozen.

    `contract_of(obj)` gives the contract of the page's object: the contract itself here; a
    project's inlines (in the projects app) give the project's contract. `formset_prefix`
    names the formset of an inline whose rows reach the contract through another row (a
    project's contributions); otherwise it is the name of the contract's reverse relation.
    `numbered_by` names a field by which other rows refer to a row (a wish's order, a
    project's number): a new row is offered with the next free number.
    """

    extra = 0
    formset_prefix = None
    numbered_by = None

    def contract_of(self, obj):
        return obj

    def _contract_open(self, obj):
        return obj is None or not self.contract_of(obj).is_frozen

    def has_add_permission(self, request, obj=None):
        return self._contract_open(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._contract_open(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._contract_open(obj) and super().has_delete_permission(request, obj)


class ContractSectionInline(ContractPartInline, admin.StackedInline):
    """The contract's sections; a new contract's page offers the standard sections to write."""

    model = ContractSection
    formset = ContractSectionInlineFormSet
    fields = (("order", "heading"), "body")
    formfield_overrides = {
        models.TextField: {"widget": admin_widgets.AdminTextareaWidget(attrs={"rows": 8})}
    }

    def get_extra(self, request, obj=None, **kwargs):
        if obj is None:
            return StandardSection.objects.count()
        return super().get_extra(request, obj, **kwargs)


class ContractPartyInline(ContractPartInline, LabelledTabularInline):
    model = ContractParty
    formset = ContractPartyInlineFormSet
    fields = ("partner", "signatory_name", "signatory_function", "order")
    autocomplete_fields = ("partner",)
    # Within the page at 1366 px, with the delete box.
    formfield_overrides = {models.CharField: {"widget": forms.TextInput(attrs={"size": 26})}}
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("partner")


class ResidentWishInline(ContractPartInline, LabelledTabularInline):
    model = ResidentWish
    numbered_by = "order"
    fields = ("order", "title", "description", "source", "not_taken_up_reason")
    # Five columns within the page at 1366 px: the texts get two narrow rows each.
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 22})},
        models.CharField: {"widget": forms.TextInput(attrs={"size": 24})},
    }
    extra = 1


class ContractStatusChangeInline(ReadOnlyInlineMixin, LabelledTabularInline):
    """The contract's lifecycle log: written by the service only, never edited here."""

    model = ContractStatusChange
    fields = ("changed_at", "from_status", "to_status", "changed_by", "note")
    needs_saved_contract = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


def add_contract_part(inline, history_part, *, history_title):
    """Show a part that an app building on `contracts` adds to a contract, on its page.

    `contracts` never imports the apps above it; an app whose rows belong to a contract's text
    (the projects) adds its inline here, from its own admin module: the inline goes before the
    lifecycle log, its rows join the history page (`history_part` as in `history_parts`, with
    `history_title` as the new heading) and a POST that carries its rows for a frozen contract
    is refused like one that carries sections. Its formset may look at the contract's other
    formsets of the same submit through `contract_formsets` (prefix → formset): a project row
    names the party that leads it and the wishes it answers, which may be new rows of the same
    submit. An inline with `needs_saved_contract` is left off the page of a new contract. An
    inline may set `frozen_addition_error` (a callable giving a ValidationError) for the
    reason to give when a POST adds one of its rows to a frozen contract.
    """
    position = ContractAdmin.inlines.index(ContractStatusChangeInline)
    ContractAdmin.inlines = [
        *ContractAdmin.inlines[:position],
        inline,
        *ContractAdmin.inlines[position:],
    ]
    ContractAdmin.history_parts = (*ContractAdmin.history_parts, history_part)
    ContractAdmin.history_parts_title = history_title


class DistributedFilter(admin.SimpleListFilter):
    """Whether the signed original went out to the parties (contracts.selectors)."""

    title = _("signed original sent to the parties")
    parameter_name = "distributed"

    def lookups(self, request, model_admin):
        return (("yes", _("sent")), ("no", _("signed, not sent yet")))

    def queryset(self, request, queryset):
        waiting = selectors.signed_contracts_without_distribution().values("pk")
        if self.value() == "no":
            return queryset.filter(pk__in=waiting)
        if self.value() == "yes":
            return queryset.filter(
                status__in=(ContractStatus.SIGNED, ContractStatus.COMPLETED)
            ).exclude(pk__in=waiting)
        return queryset


@admin.register(Contract)
class ContractAdmin(
    LifecycleAdminMixin,
    SigningAdminMixin,
    ObjectActionsMixin,
    RefusalsAsMessagesMixin,
    GuardedDeleteMixin,
    ViewOnlyHistoryAdmin,
):
    list_display = ("title", "neighbourhood", "district", "status", "period", "signed_on")
    list_filter = (
        "status",
        "programme",
        DistributedFilter,
        autocomplete_filter(_("neighbourhood"), "neighbourhood"),
        "neighbourhood__district",
        "is_illustrative",
    )
    list_select_related = ("neighbourhood__district",)
    # Large table: one count of the filtered list, an estimate for the whole list, never a
    # second count of the whole table (README, Speed).
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    search_fields = ("title", "neighbourhood__name", "parties__partner__name")
    inlines = [
        ContractSectionInline,
        ContractPartyInline,
        ResidentWishInline,
        ContractStatusChangeInline,
    ]
    actions = [
        "mark_ready_for_signing",
        "mark_draft",
        "register_signing",
        "mark_completed",
        distribution.distribute_signed_contracts,
        download_signing_set,
        "delete_selected",
    ]
    history_parts = (
        (ContractSection, "contract_id", "heading"),
        (ContractParty, "contract_id", "partner"),
        (ResidentWish, "contract_id", "title"),
    )
    history_parts_title = _("Changes to the sections, parties and wishes")
    # The status is no form field, so the history's list of changes leaves it out: a column.
    history_list_display = ["status_at_the_time"]

    class Media:
        css = {"all": ("admin-extra/admin.css",)}

    # --- List ---

    @admin.display(description=_("district"), ordering="neighbourhood__district__name")
    def district(self, obj):
        return obj.neighbourhood.district

    @admin.display(description=_("period"), ordering="period_start")
    def period(self, obj):
        return short_period(obj)

    @admin.display(description=_("status"))
    def status_at_the_time(self, record):
        return record.get_status_display()

    # --- Form ---

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (
                None,
                {
                    "fields": (
                        "neighbourhood",
                        "title",
                        "motto",
                        ("period_start", "period_end"),
                        "programme",
                        "is_illustrative",
                    )
                },
            ),
            (_("Signing"), {"fields": (("signed_on", "signing_place"),)}),
        ]
        if obj is not None:
            fieldsets.append((_("Status"), {"fields": ("status", ("created_at", "updated_at"))}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        readonly = ["status", "created_at", "updated_at"]
        if obj.is_frozen:
            readonly += [
                field for field in CONTRACT_FORM_FIELDS if field not in self._open_fields(obj)
            ]
        return readonly

    @staticmethod
    def _open_fields(obj):
        """The contract's own fields that may still change in its current status."""
        if not obj.is_frozen:
            return CONTRACT_FORM_FIELDS
        return ()

    def get_inline_instances(self, request, obj=None):
        instances = super().get_inline_instances(request, obj)
        if obj is None:
            # A new contract has no lifecycle log yet.
            instances = [
                inline for inline in instances if not getattr(inline, "needs_saved_contract", False)
            ]
        return instances

    # --- Permissions: a frozen contract cannot be deleted; a signed one not changed ---

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_signed:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return False
        return super().has_delete_permission(request, obj)

    # --- Saving ---

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        numbered_by = getattr(inline, "numbered_by", None)
        if numbered_by:
            highest = None
            if obj.pk is not None:
                rows = kwargs["queryset"].filter(contract=obj)
                highest = rows.aggregate(highest=Max(numbered_by))["highest"]
            kwargs["initial"] = [{numbered_by: (highest or 0) + 1}]
        return kwargs

    def _create_formsets(self, request, obj, change):
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        # The parts refer to each other within one submit (a project's lead is one of the
        # parties, the wishes it answers are the contract's): each formset sees the others.
        by_prefix = {formset.prefix: formset for formset in formsets}
        for formset in formsets:
            formset.contract_formsets = by_prefix
        return formsets, inline_instances

    def response_post_save_add(self, request, obj):
        # Staff write the text right after creating the contract: stay on it.
        return HttpResponseRedirect(
            reverse("admin:contracts_contract_change", args=[quote(obj.pk)])
        )

    def post_refusal(self, request, obj):
        if not obj.is_frozen:
            return None
        for inline in self._part_inlines():
            error = getattr(inline, "frozen_addition_error", None)
            if error is not None and self._posts_new_rows(request, inline):
                return error()
        if self._posts_frozen_data(request, obj):
            return ContractFrozen(obj.title)
        return None

    def _part_inlines(self):
        return [inline for inline in self.inlines if issubclass(inline, ContractPartInline)]

    @staticmethod
    def _prefix(inline):
        if inline.formset_prefix:
            return inline.formset_prefix
        return inline.model._meta.get_field("contract").remote_field.get_accessor_name()

    def _posts_new_rows(self, request, inline):
        """Whether a POST adds rows to the inline (rows past the ones it had)."""
        prefix = self._prefix(inline)
        try:
            existing = int(request.POST.get(f"{prefix}-INITIAL_FORMS", 0))
        except ValueError:
            existing = 0
        names = set(flatten(inline.fields))
        for key in request.POST:
            key_prefix, _separator, rest = key.partition("-")
            index, _separator, name = rest.partition("-")
            if (
                key_prefix == prefix
                and parse_id(index) is not None
                and parse_id(index) >= existing
                and name in names
            ):
                return True
        return False

    def explain_refusal(self, error, object_id):
        # A contract frozen while its form was open refuses with "status changed
        # elsewhere"; the reason that helps the user is that it is frozen now.
        current = Contract.objects.filter(pk=unquote(object_id)).first() if object_id else None
        if current is not None and current.is_frozen:
            return ContractFrozen(current.title)
        return error

    def _posts_frozen_data(self, request, obj):
        """Whether a POST carries values for parts of a frozen contract that are fixed."""
        open_fields = self._open_fields(obj)
        return posts_any(
            request,
            fields={field for field in CONTRACT_FORM_FIELDS if field not in open_fields},
            inline_fields={
                self._prefix(inline): {*flatten(inline.fields), "DELETE"}
                for inline in self._part_inlines()
            },
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            extra_context = {
                **(extra_context or {}),
                "lifecycle": self._lifecycle(request, obj),
                "signing": self._signing_box(request, obj),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_refusals(self, queryset):
        """A frozen contract is never deleted: the selection is refused as a whole."""
        frozen = queryset.filter(status__in=FROZEN_STATUSES).order_by("pk")
        return [(contract, ContractFrozen(contract.title)) for contract in frozen]


@admin.register(ContractStatusChange)
class ContractStatusChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The lifecycle log of all contracts: read-only for everyone, superusers included."""

    list_display = (
        "changed_at",
        "contract_in_short",
        "from_status",
        "to_status",
        "changed_by",
        "summary",
    )
    list_display_links = ("changed_at",)
    list_filter = (
        "to_status",
        "from_status",
        autocomplete_filter(_("neighbourhood"), "contract__neighbourhood"),
        "changed_at",
    )
    list_select_related = ("contract__neighbourhood", "changed_by")
    search_fields = ("contract__title", "note")
    # Large table: one count of the filtered list, an estimate for the whole list, never a
    # second count of the whole table (README, Speed).
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    ordering = ("-changed_at", "-pk")

    class Media:
        css = {"all": ("admin-extra/admin.css",)}

    @admin.display(description=_("contract"), ordering="contract__neighbourhood__name")
    def contract_in_short(self, obj):
        contract = obj.contract
        return f"{contract.neighbourhood} ({contract.period_start.year}–{contract.period_end.year})"

    @admin.display(description=_("note"))
    def summary(self, obj):
        return Truncator(obj.note).chars(80)
