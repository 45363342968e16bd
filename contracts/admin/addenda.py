"""The staff admin of addenda: changes to a signed contract, each signed as its own PDF.

An addendum is created through `services.create_addendum` (which numbers it), made ready for
signing through `services.mark_addendum_ready` (which renders its final PDF once: the file
that is printed and signed) and signed through `services.sign_addendum` (which archives that
file unchanged). An addendum that is ready or signed is read-only, and so are its
signatories; the model layer refuses such writes too.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contracts import distribution, services
from contracts.choices import AddendumStatus, ContractStatus
from contracts.models import Addendum, AddendumFrozen, AddendumSignatory, ArchivedDocumentError
from wijkaanpak.common.admin.filters import autocomplete_filter
from wijkaanpak.common.admin.history import ViewOnlyHistoryAdmin
from wijkaanpak.common.admin.labels import LabelledTabularInline
from wijkaanpak.common.admin.views import (
    GuardedDeleteMixin,
    ObjectActionsMixin,
    RefusalsAsMessagesMixin,
)

# The addendum's own form fields; the number and status are the services' to set.
ADDENDUM_FORM_FIELDS = ("contract", "kind", "title", "body", "signed_on", "signing_place")


class AddendumForm(forms.ModelForm):
    class Meta:
        model = Addendum
        fields = ADDENDUM_FORM_FIELDS

    def clean(self):
        cleaned_data = super().clean()
        contract = cleaned_data.get("contract")
        # The service refuses this too (with the row locked); said here, it is a form error.
        if (
            self.instance._state.adding
            and contract is not None
            and contract.status != ContractStatus.SIGNED
        ):
            self.add_error(
                "contract",
                ValidationError(
                    _("An addendum can only be added to a signed contract that is still running."),
                    code="contract_not_signed",
                ),
            )
        return cleaned_data


class AddendumSignatoryInline(LabelledTabularInline):
    """The partners that sign the addendum: open while it is a draft, read-only once signed."""

    model = AddendumSignatory
    fields = ("partner", "signatory_name", "signatory_function", "order")
    autocomplete_fields = ("partner",)
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("partner")

    @staticmethod
    def _open(obj):
        return obj is None or obj.is_open

    def has_add_permission(self, request, obj=None):
        return self._open(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._open(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._open(obj) and super().has_delete_permission(request, obj)


@admin.register(Addendum)
class AddendumAdmin(
    ObjectActionsMixin, RefusalsAsMessagesMixin, GuardedDeleteMixin, ViewOnlyHistoryAdmin
):
    form = AddendumForm
    list_display = ("contract", "number", "title", "kind", "status", "signed_on")
    list_display_links = ("contract", "number", "title")
    list_filter = (
        "status",
        "kind",
        autocomplete_filter(_("neighbourhood"), "contract__neighbourhood"),
    )
    list_select_related = ("contract",)
    search_fields = (
        "title",
        "body",
        "contract__title",
        "contract__neighbourhood__name",
        "signatories__partner__name",
        "signatories__signatory_name",
    )
    ordering = ("contract__neighbourhood__name", "-contract__period_start", "number")
    inlines = [AddendumSignatoryInline]
    actions = ["delete_selected", distribution.distribute_signed_addenda]
    change_form_template = "admin/contracts/addendum/change_form.html"

    class Media:
        css = {"all": ("admin-extra/admin.css",)}

    # --- Form ---

    def get_fieldsets(self, request, obj=None):
        main = ("contract", "kind", "title", "body")
        if obj is not None:
            main = ("contract", "number", "kind", "title", "body")
        fieldsets = [
            (None, {"fields": main}),
            (_("Signing"), {"fields": (("signed_on", "signing_place"),)}),
        ]
        if obj is not None:
            status_fields = ["status", ("created_at", "updated_at")]
            if not obj.is_open:
                status_fields += ["document_code", "sha256", ("page_count", "size")]
            if obj.is_signed:
                status_fields += ["archived_at"]
            fieldsets.append((_("Status"), {"fields": status_fields}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        readonly = ["contract", "number", "status", "created_at", "updated_at"]
        if not obj.is_open:
            readonly += [
                *ADDENDUM_FORM_FIELDS,
                "archived_at",
                "document_code",
                "sha256",
                "page_count",
                "size",
            ]
        return list(dict.fromkeys(readonly))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "contract":
            # All contracts, by wijk: only signed ones take addenda, and the form says so.
            kwargs["queryset"] = db_field.related_model.objects.select_related(
                "neighbourhood"
            ).order_by("neighbourhood__name", "-period_start")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # --- Permissions: a signed addendum is never changed or deleted, a ready one not either ---

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_open:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not obj.is_open:
            return False
        return super().has_delete_permission(request, obj)

    # --- Saving: a new addendum is numbered by the service ---

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        created = services.create_addendum(
            data["contract"],
            kind=data["kind"],
            title=data["title"],
            body=data["body"],
            signed_on=data.get("signed_on"),
            signing_place=data.get("signing_place") or "",
        )
        # The form's instance becomes the created row, so the inlines and the log use it.
        for field in Addendum._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False
        obj._state.db = created._state.db

    def post_refusal(self, request, obj):
        # A form opened before the signing (or before it was made ready), or a crafted request.
        if obj.is_signed:
            return ArchivedDocumentError()
        return AddendumFrozen() if obj.is_ready else None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            extra_context = {**(extra_context or {}), "signing": self._signing(request, obj)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _signing(self, request, obj):
        """What the signing box on the change page shows: status, what is missing, the PDF,
        and the steps (ready for signing, back to draft, register the signing)."""
        problems = [] if obj.is_signed else services.addendum_signing_problems(obj)
        if obj.is_open:
            # A planned date may lie ahead: only the signing itself needs a date that passed.
            problems = [problem for problem in problems if problem.code != "signed_in_future"]
        may_change = not obj.is_signed and super().has_change_permission(request)
        return {
            "status": obj.get_status_display(),
            "status_value": obj.status,
            "is_signed": obj.is_signed,
            "is_ready": obj.is_ready,
            "document": None if obj.is_open else obj,
            "problems": [message for problem in problems for message in problem.messages],
            "can_sign": obj.is_ready and may_change,
            "can_ready": obj.is_open and may_change,
            "can_draft": obj.is_ready and may_change,
            "url": reverse("admin:contracts_addendum_sign", args=[quote(obj.pk)]),
            "ready_url": reverse("admin:contracts_addendum_ready", args=[quote(obj.pk)]),
            "draft_url": reverse("admin:contracts_addendum_draft", args=[quote(obj.pk)]),
            "pdf_url": reverse(
                "contracts:addendum_pdf",
                kwargs={
                    "slug": obj.contract.neighbourhood.slug,
                    "pk": obj.contract_id,
                    "number": obj.number,
                },
            ),
        }

    def response_post_save_add(self, request, obj):
        # Staff add the signatories and sign next: stay on the addendum.
        return HttpResponseRedirect(
            reverse("admin:contracts_addendum_change", args=[quote(obj.pk)])
        )

    # --- Signing ---

    def get_urls(self):
        custom = [
            path(
                "<path:object_id>/sign/",
                self.admin_site.admin_view(self.sign_view),
                name="contracts_addendum_sign",
            ),
            path(
                "<path:object_id>/ready/",
                self.admin_site.admin_view(self.ready_view),
                name="contracts_addendum_ready",
            ),
            path(
                "<path:object_id>/draft/",
                self.admin_site.admin_view(self.draft_view),
                name="contracts_addendum_draft",
            ),
        ]
        return custom + super().get_urls()

    def sign_view(self, request, object_id):
        """POST only: register the signing of one addendum, then go back to its page."""

        def sign(addendum, data):
            services.sign_addendum(addendum, user=request.user)
            self.log_field_change(request, addendum, "status")
            messages.success(
                request,
                gettext(
                    "“%(addendum)s” has been signed; the final PDF that was printed and signed "
                    "is archived unchanged and never changes."
                )
                % {"addendum": addendum},
                extra_tags="addendum_signed",
            )

        # The model-level right: a signed addendum refuses through the service, with a reason.
        return self.object_action(request, object_id, sign, allowed=super().has_change_permission)

    def ready_view(self, request, object_id):
        """POST only: make a draft addendum ready for signing (renders its final PDF once)."""

        def ready(addendum, data):
            services.mark_addendum_ready(addendum, user=request.user)
            self.log_field_change(request, addendum, "status")
            messages.success(
                request,
                gettext(
                    "“%(addendum)s” is ready for signing. Its final PDF (document code "
                    "%(code)s, SHA-256 fingerprint %(sha256)s) is the file to print and sign."
                )
                % {"addendum": addendum, "code": addendum.document_code, "sha256": addendum.sha256},
                extra_tags="addendum_ready",
            )

        return self.object_action(request, object_id, ready, allowed=super().has_change_permission)

    def draft_view(self, request, object_id):
        """POST only: move an addendum that is ready for signing back to draft."""

        def draft(addendum, data):
            services.addendum_back_to_draft(addendum, user=request.user)
            self.log_field_change(request, addendum, "status")
            messages.success(
                request,
                gettext("“%(addendum)s” is a draft again; its final PDF has been discarded.")
                % {"addendum": addendum},
                extra_tags="addendum_draft",
            )

        return self.object_action(request, object_id, draft, allowed=super().has_change_permission)

    def delete_refusals(self, queryset):
        """A signed addendum is archived and a ready one has its final PDF: the selection is
        refused as a whole."""
        closed = queryset.exclude(status=AddendumStatus.DRAFT).order_by("pk")
        return [
            (addendum, ArchivedDocumentError() if addendum.is_signed else AddendumFrozen())
            for addendum in closed
        ]
