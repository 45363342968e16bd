"""The staff admin of the contract domain.

Contracts are written here and moved through their lifecycle, always through
`contracts.services`. From "ready for signing" on, a contract's text, parties and wishes are
read-only; the model layer refuses such writes too, and when one of those refusals reaches
the admin anyway (a stale form, a race), the admin says so and changes nothing.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import widgets as admin_widgets
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

# admin_addenda and admin_distribution register their admins on import.
from contracts import (  # noqa: F401
    admin_addenda,
    admin_distribution,
    distribution,
    documents,
    services,
)
from contracts.admin_mixins import LogOnlyAdminMixin
from contracts.choices import FROZEN_STATUSES, ContractStatus
from contracts.forms import (
    ContractPartyInlineFormSet,
    ContractStepForm,
    ScanUploadForm,
    SigningRegistrationForm,
)
from contracts.models import (
    Contract,
    ContractFrozen,
    ContractParty,
    ContractSection,
    ContractStatusChange,
    District,
    Neighbourhood,
    Partner,
    ResidentWish,
    StandardSection,
    SubArea,
)
from contracts.printing import download_signing_set
from wijkaanpak.common import archive, pdf
from wijkaanpak.common.admin.labels import LabelledListEditableMixin, LabelledTabularInline

# The contract's own form fields, and the ones that stay open while it is ready for signing.
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
SIGNING_FORM_FIELDS = ("signed_on", "signing_place")

# The lifecycle steps as staff see them: forward steps first, the way back last. "Signed" is
# not a button like the others: it leads to the form that registers the signing.
STEP_ORDER = (
    ContractStatus.READY_FOR_SIGNING,
    ContractStatus.SIGNED,
    ContractStatus.COMPLETED,
    ContractStatus.DRAFT,
)
STEP_LABELS = {
    ContractStatus.READY_FOR_SIGNING: _("Mark as ready for signing"),
    ContractStatus.DRAFT: _("Back to draft"),
    ContractStatus.SIGNED: _("Register the signing…"),
    ContractStatus.COMPLETED: _("Mark as completed"),
}

# How many changes to a record's parts its history page lists.
PART_HISTORY_LIMIT = 300


def _error_codes(error):
    """The codes of a ValidationError, as message tags, so tests and styles can tell them apart."""
    if hasattr(error, "error_dict"):
        errors = [e for field_errors in error.error_dict.values() for e in field_errors]
    else:
        errors = error.error_list
    return " ".join(sorted({e.code for e in errors if e.code})) or "invalid"


def report_refusal(request, error, subject=None):
    """Tell the user, in one error message, why the model layer or a service refused a write."""
    reasons = " ".join(error.messages)
    if subject is None:
        text = gettext("Nothing was changed: %(reasons)s") % {"reasons": reasons}
    else:
        text = gettext("“%(subject)s” was not changed: %(reasons)s") % {
            "subject": subject,
            "reasons": reasons,
        }
    messages.error(request, text, extra_tags=_error_codes(error))


def report_conflict(request):
    """A database constraint stopped a write that the forms could not foresee (a race)."""
    messages.error(
        request,
        gettext(
            "Nothing was changed: someone else changed the same data at the same time. "
            "Check the current data and try again."
        ),
        extra_tags="integrity_error",
    )


# --- History ----------------------------------------------------------------------------------


class HistoryAdmin(SimpleHistoryAdmin):
    """Admin with django-simple-history's history pages, and the history of the parts.

    `history_parts` lists the inline models whose changes belong on the history page of the
    parent: (model, name of the foreign key's column, attribute that names a row).
    """

    object_history_template = "admin/history/object_history.html"
    object_history_list_template = "admin/history/object_history_list.html"
    history_parts = ()
    history_parts_title = None

    def history_view(self, request, object_id, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "history_columns": [
                (name, self._history_column_label(name))
                for name in self.get_history_list_display(request)
            ],
            "part_history_title": self.history_parts_title,
            "part_history": self.part_history(unquote(object_id)) if self.history_parts else [],
        }
        return super().history_view(request, object_id, extra_context)

    def _history_column_label(self, name):
        method = getattr(self, name, None)
        if method is not None:
            return getattr(method, "short_description", name)
        return self.model._meta.get_field(name).verbose_name

    def part_history(self, object_id):
        """The latest changes to the parts of one record, newest first, with what changed."""
        entries = []
        for model, fk_column, label_attribute in self.history_parts:
            records = list(
                model.history.filter(**{fk_column: object_id})
                .select_related("history_user")
                ._select_related_history_tracked_objs()
                .order_by("-history_date", "-history_id")[:PART_HISTORY_LIMIT]
            )
            # Each record is compared with the one before it of the same row.
            previous_of = {}
            for record in reversed(records):
                previous = previous_of.get(record.id)
                changes = []
                if previous is not None:
                    delta = record.diff_against(previous, foreign_keys_are_objs=True)
                    helper = HistoricalRecordContextHelper(model, record)
                    changes = helper.context_for_delta_changes(delta)
                previous_of[record.id] = record
                entries.append(
                    {
                        "record": record,
                        "kind": model._meta.verbose_name,
                        "label": self._part_label(record, label_attribute),
                        "changes": changes,
                    }
                )
        entries.sort(key=lambda entry: entry["record"].history_date, reverse=True)
        return entries[:PART_HISTORY_LIMIT]

    @staticmethod
    def _part_label(record, attribute):
        try:
            return str(getattr(record, attribute))
        except ObjectDoesNotExist:
            return f"#{getattr(record, attribute + '_id', '?')}"


# --- Wijken, partners, standard sections ------------------------------------------------------


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
    list_display = ("name", "kind", "email", "is_illustrative")
    list_filter = ("kind", "is_illustrative")
    search_fields = ("name", "email")
    fields = ("name", "kind", "email", "website", "is_illustrative", "source_note")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(StandardSection)
class StandardSectionAdmin(LabelledListEditableMixin, HistoryAdmin):
    """The sections a new contract starts with; their order is edited right in the list."""

    list_display = ("heading", "order")
    list_editable = ("order",)
    ordering = ("order", "pk")
    search_fields = ("heading", "body")
    fields = ("order", "heading", "body")


# --- Contracts --------------------------------------------------------------------------------


class ContractPartInline:
    """An inline of a contract's text: open while it is a draft, read-only once frozen.

    `contract_of(obj)` gives the contract of the page's object: the contract itself here; a
    project's inlines (in the projects app) give the project's contract.
    """

    extra = 0

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
    model = ContractSection
    fields = (("order", "heading"), "body")
    formfield_overrides = {
        models.TextField: {"widget": admin_widgets.AdminTextareaWidget(attrs={"rows": 8})}
    }


class ContractPartyInline(ContractPartInline, LabelledTabularInline):
    model = ContractParty
    formset = ContractPartyInlineFormSet
    fields = ("partner", "signatory_name", "signatory_function", "order")
    autocomplete_fields = ("partner",)
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("partner")


class ResidentWishInline(ContractPartInline, LabelledTabularInline):
    model = ResidentWish
    fields = ("order", "title", "description", "source")
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 32})}
    }
    extra = 1


class ContractStatusChangeInline(LabelledTabularInline):
    """The contract's lifecycle log: written by the service only, never edited here."""

    model = ContractStatusChange
    fields = ("changed_at", "from_status", "to_status", "changed_by", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Contract)
class ContractAdmin(HistoryAdmin):
    list_display = ("title", "neighbourhood", "district", "status", "period", "signed_on")
    list_filter = ("status", "neighbourhood", "neighbourhood__district", "is_illustrative")
    list_select_related = ("neighbourhood__district",)
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
        return "{} – {}".format(
            date_format(obj.period_start, "SHORT_DATE_FORMAT"),
            date_format(obj.period_end, "SHORT_DATE_FORMAT"),
        )

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
        if obj.status == ContractStatus.READY_FOR_SIGNING:
            return SIGNING_FORM_FIELDS
        return ()

    def get_inline_instances(self, request, obj=None):
        instances = super().get_inline_instances(request, obj)
        if obj is None:
            # A new contract gets the standard sections when it is saved, and has no log yet.
            hidden = (ContractSectionInline, ContractStatusChangeInline)
            instances = [inline for inline in instances if not isinstance(inline, hidden)]
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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            obj._standard_sections_added = len(services.add_standard_sections(obj))

    def response_add(self, request, obj, post_url_continue=None):
        # Said here, after the parties and wishes were saved too, not when it may still fail.
        added = getattr(obj, "_standard_sections_added", 0)
        if added:
            self.message_user(
                request,
                ngettext(
                    "The contract starts with %(count)d standard section; "
                    "edit it and add to it below.",
                    "The contract starts with %(count)d standard sections; "
                    "edit, reorder and add to them below.",
                    added,
                )
                % {"count": added},
                messages.SUCCESS,
                extra_tags="standard_sections_added",
            )
        return super().response_add(request, obj, post_url_continue)

    def response_post_save_add(self, request, obj):
        # Staff write the text right after creating the contract: stay on it.
        return HttpResponseRedirect(
            reverse("admin:contracts_contract_change", args=[quote(obj.pk)])
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and self._posts_frozen_data(request, obj):
                report_refusal(request, ContractFrozen(obj.title))
                return HttpResponseRedirect(request.get_full_path())
        try:
            # Django runs this in a transaction: a refusal below rolls back everything.
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            # A contract frozen while its form was open refuses with "status changed
            # elsewhere"; the reason that helps the user is that it is frozen now.
            current = self._stored_contract(object_id)
            frozen = current is not None and current.is_frozen
            report_refusal(request, ContractFrozen(current.title) if frozen else error)
        except IntegrityError:
            report_conflict(request)
        return HttpResponseRedirect(request.get_full_path())

    def _stored_contract(self, object_id):
        if object_id is None:
            return None
        return Contract.objects.filter(pk=unquote(object_id)).first()

    def _posts_frozen_data(self, request, obj):
        """Whether a POST carries values for parts of a frozen contract that are fixed.

        The read-only page of a frozen contract has no inputs for them, so such values come
        from a form opened while the contract was still a draft, or from a crafted request.
        """
        if not obj.is_frozen:
            return False
        open_fields = self._open_fields(obj)
        fixed = {field for field in CONTRACT_FORM_FIELDS if field not in open_fields}
        part_fields = {
            inline.model._meta.get_field("contract").remote_field.get_accessor_name(): {
                *inline.fields,
                "DELETE",
            }
            for inline in (ContractSectionInline, ContractPartyInline, ResidentWishInline)
        }
        for key in request.POST:
            if key in fixed:
                return True
            prefix, _separator, rest = key.partition("-")
            if prefix in part_fields and rest.rpartition("-")[2] in part_fields[prefix]:
                return True
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            extra_context = {
                **(extra_context or {}),
                "lifecycle": self._lifecycle(request, obj),
                "signing": self._signing_box(request, obj),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def _lifecycle(self, request, obj):
        """What the lifecycle box on the change page shows: status, next steps, what's missing."""
        steps, signing_url = [], None
        if self.has_change_permission(request):
            allowed = services.allowed_transitions(obj.status)
            steps = [
                (step.value, STEP_LABELS[step])
                for step in STEP_ORDER
                if step in allowed and step != ContractStatus.SIGNED
            ]
            if ContractStatus.SIGNED in allowed:
                signing_url = self._signing_url(obj)
        if obj.status == ContractStatus.DRAFT:
            problems = services.readiness_problems(obj)
            problems_title = _("Still needed before it can be marked as ready for signing:")
        elif obj.status == ContractStatus.READY_FOR_SIGNING:
            problems = services.signing_problems(obj)
            problems_title = _("Still needed before it can be marked as signed:")
        else:
            problems, problems_title = [], None
        if obj.status == ContractStatus.READY_FOR_SIGNING:
            notice = _(
                "The text, parties and wishes of this contract are fixed while it is ready "
                "for signing. Move it back to draft to change them; the date and place of "
                "signing can still be filled in."
            )
        elif obj.is_frozen:
            notice = _("This contract has been signed: it can no longer be changed.")
        else:
            notice = None
        return {
            "status": obj.get_status_display(),
            "status_value": obj.status,
            "steps": steps,
            "signing_url": signing_url,
            "signing_label": STEP_LABELS[ContractStatus.SIGNED],
            "problems": [message for problem in problems for message in problem.messages],
            "problems_title": problems_title,
            "notice": notice,
            "url": reverse("admin:contracts_contract_change_status", args=[quote(obj.pk)]),
            "form": ContractStepForm(auto_id="lifecycle-%s"),
        }

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and obj.is_frozen:
            report_refusal(request, ContractFrozen(obj.title))
            return HttpResponseRedirect(
                reverse("admin:contracts_contract_change", args=[quote(obj.pk)])
            )
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:
            report_refusal(request, error)
        return HttpResponseRedirect(request.get_full_path())

    # --- History: viewable, never reverted (a revert would bypass the lifecycle) ---

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        return super().history_form_view(request, object_id, version_id, extra_context)

    # --- Lifecycle: the change page's buttons and the changelist's actions ---

    def get_urls(self):
        custom = [
            path(
                "<path:object_id>/status/",
                self.admin_site.admin_view(self.change_status_view),
                name="contracts_contract_change_status",
            ),
            path(
                "<path:object_id>/signing/",
                self.admin_site.admin_view(self.signing_view),
                name="contracts_contract_signing",
            ),
            path(
                "<path:object_id>/original.pdf",
                self.admin_site.admin_view(self.original_view),
                name="contracts_contract_original",
            ),
            path(
                "<path:object_id>/scans/",
                self.admin_site.admin_view(self.scan_upload_view),
                name="contracts_contract_scan_upload",
            ),
            path(
                "<path:object_id>/scans/<int:scan_id>.pdf",
                self.admin_site.admin_view(self.scan_view),
                name="contracts_contract_scan",
            ),
        ]
        return custom + super().get_urls()

    def change_status_view(self, request, object_id):
        """POST only: take one lifecycle step for one contract, then go back to its page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        contract = self.get_object(request, unquote(object_id))
        if contract is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        change_url = reverse("admin:contracts_contract_change", args=[quote(contract.pk)])
        form = ContractStepForm(request.POST)
        if form.is_valid() and form.cleaned_data["to_status"] == ContractStatus.SIGNED:
            # Signing is registered with its date, place and parties, in its own form.
            return HttpResponseRedirect(self._signing_url(contract))
        if not form.is_valid():
            messages.error(
                request, gettext("Choose one of the offered steps."), extra_tags="invalid_step"
            )
            return HttpResponseRedirect(change_url)
        self._take_step(
            request, contract, form.cleaned_data["to_status"], note=form.cleaned_data["note"]
        )
        return HttpResponseRedirect(change_url)

    # --- The signing: registering it, the archived original and the scans ---

    def signing_view(self, request, object_id):
        """Register the signing: date, place and the parties that signed (GET form, POST)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        contract = self.get_object(request, unquote(object_id))
        if contract is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        change_url = reverse("admin:contracts_contract_change", args=[quote(contract.pk)])
        if contract.status != ContractStatus.READY_FOR_SIGNING:
            messages.error(
                request,
                gettext(
                    "Only a contract that is ready for signing can be registered as signed; "
                    "“%(contract)s” is “%(status)s”."
                )
                % {"contract": contract, "status": contract.get_status_display()},
                extra_tags="not_ready_for_signing",
            )
            return HttpResponseRedirect(change_url)
        form = SigningRegistrationForm(request.POST or None, contract=contract)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.register_signing(
                    contract,
                    signed_on=data["signed_on"],
                    place=data["signing_place"],
                    signed_party_ids=data["parties"],
                    user=request.user,
                    note=data["note"],
                )
            except ValidationError as error:
                for problem in error.error_list:
                    form.add_error(None, problem)
            else:
                self.log_change(request, contract, gettext("Signing registered"))
                original = documents.archived_original(contract)
                messages.success(
                    request,
                    gettext(
                        "“%(contract)s” is signed. Its signed original has been archived "
                        "with SHA-256 fingerprint %(sha256)s."
                    )
                    % {"contract": contract, "sha256": original.sha256},
                    extra_tags="signed",
                )
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": contract,
            "contract": contract,
            "form": form,
            "title": gettext("Register the signing of %(contract)s") % {"contract": contract},
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/contracts/contract/signing.html", context)

    def original_view(self, request, object_id):
        """The archived signed original of any contract (also of earlier, not current ones)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        contract = self.get_object(request, unquote(object_id))
        original = documents.archived_original(contract) if contract else None
        if original is None:
            raise Http404("This contract has no archived original")
        try:
            data = documents.read_archived(original)
        except archive.ArchiveError as error:
            return archive.unavailable_response(request, error)
        return pdf.pdf_response(data, original.filename, cache_control="private, no-store")

    def scan_upload_view(self, request, object_id):
        """POST only: attach a scan of the signed paper pages to a signed contract."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        contract = self.get_object(request, unquote(object_id))
        if contract is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        change_url = reverse("admin:contracts_contract_change", args=[quote(contract.pk)])
        form = ScanUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message, extra_tags="scan_invalid")
            return HttpResponseRedirect(change_url)
        try:
            scan = services.attach_scan(
                contract,
                form.cleaned_data["file"],
                description=form.cleaned_data["description"],
                user=request.user,
            )
        except ValidationError as error:
            report_refusal(request, error, subject=contract)
        else:
            messages.success(
                request,
                gettext("The scan “%(name)s” (%(pages)d pages) has been stored.")
                % {"name": scan.original_name, "pages": scan.page_count},
                extra_tags="scan_stored",
            )
        return HttpResponseRedirect(change_url)

    def scan_view(self, request, object_id, scan_id):
        """A stored scan, for staff only: it shows signatures."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        contract = self.get_object(request, unquote(object_id))
        scan = contract.scans.filter(pk=scan_id).first() if contract else None
        if scan is None:
            raise Http404("No such scan")
        try:
            data = documents.read_archived(scan)
        except archive.ArchiveError as error:
            return archive.unavailable_response(request, error)
        return pdf.pdf_response(
            data,
            scan.original_name or scan.filename,
            cache_control="private, no-store",
        )

    @staticmethod
    def _signing_url(contract):
        return reverse("admin:contracts_contract_signing", args=[quote(contract.pk)])

    def _signing_box(self, request, obj):
        """What the signing box on the change page shows."""
        return {
            "original": documents.archived_original(obj),
            "original_url": reverse("admin:contracts_contract_original", args=[quote(obj.pk)]),
            "scans": list(obj.scans.all()),
            "scan_upload_url": reverse(
                "admin:contracts_contract_scan_upload", args=[quote(obj.pk)]
            ),
            "scan_form": ScanUploadForm(auto_id="scan-%s")
            if obj.is_signed and self.has_change_permission(request)
            else None,
            "addenda": list(obj.addenda.all()),
            "distributions": list(obj.distributions.select_related("partner", "outbox_email")[:50]),
        }

    def _take_step(self, request, contract, to_status, note=""):
        """Ask the lifecycle service for one step and report the outcome; True when taken."""
        from_label = contract.get_status_display()
        try:
            services.change_status(contract, to_status, user=request.user, note=note)
        except ValidationError as error:
            report_refusal(request, error, subject=contract)
            return False
        self.log_change(
            request,
            contract,
            [{"changed": {"fields": [str(Contract._meta.get_field("status").verbose_name)]}}],
        )
        messages.success(
            request,
            gettext("“%(contract)s” went from “%(from)s” to “%(to)s”.")
            % {"contract": contract, "from": from_label, "to": contract.get_status_display()},
        )
        return True

    def _take_step_for_each(self, request, queryset, to_status):
        for contract in queryset.order_by("pk"):
            self._take_step(request, contract, to_status)

    @admin.action(description=STEP_LABELS[ContractStatus.READY_FOR_SIGNING], permissions=["change"])
    def mark_ready_for_signing(self, request, queryset):
        self._take_step_for_each(request, queryset, ContractStatus.READY_FOR_SIGNING)

    @admin.action(description=STEP_LABELS[ContractStatus.DRAFT], permissions=["change"])
    def mark_draft(self, request, queryset):
        self._take_step_for_each(request, queryset, ContractStatus.DRAFT)

    @admin.action(description=STEP_LABELS[ContractStatus.SIGNED], permissions=["change"])
    def register_signing(self, request, queryset):
        """The signing of one selected contract is registered in its own form, never in bulk."""
        selected = list(queryset.order_by("pk")[:2])
        if len(selected) == 1:
            return HttpResponseRedirect(self._signing_url(selected[0]))
        messages.error(
            request,
            gettext(
                "Select one contract: its signing is registered with its own date, place "
                "and signing parties."
            ),
            extra_tags="select_one_to_sign",
        )
        return None

    @admin.action(description=STEP_LABELS[ContractStatus.COMPLETED], permissions=["change"])
    def mark_completed(self, request, queryset):
        self._take_step_for_each(request, queryset, ContractStatus.COMPLETED)

    @admin.action(
        # Django's own wording, so its translation applies.
        description=_("Delete selected %(verbose_name_plural)s"),
        permissions=["delete"],
    )
    def delete_selected(self, request, queryset):
        """Django's bulk delete, refused as a whole when a selected contract is frozen."""
        frozen = list(queryset.filter(status__in=FROZEN_STATUSES).order_by("pk"))
        if frozen:
            for contract in frozen:
                report_refusal(request, ContractFrozen(contract.title), subject=contract)
            return None
        try:
            # Django logs the deletions before it deletes: both or neither.
            with transaction.atomic():
                return django_delete_selected(self, request, queryset)
        except ValidationError as error:
            report_refusal(request, error)
        return None


@admin.register(ContractStatusChange)
class ContractStatusChangeAdmin(LogOnlyAdminMixin, admin.ModelAdmin):
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
    list_filter = ("to_status", "from_status", "contract__neighbourhood")
    list_select_related = ("contract__neighbourhood", "changed_by")
    search_fields = ("contract__title", "note")
    date_hierarchy = "changed_at"
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
