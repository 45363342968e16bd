"""The shapes the apps' admin views share: a button that calls a service, a form page.

A button on a change page (sign, pay, remind, decide, ...) is always the same view: POST only,
a permission check, the object or Django's "does not exist" redirect, a small form, the service
call, a message that says what happened or why nothing did, and back to the change page.
:meth:`ObjectActionsMixin.object_action` is that view, once; each admin gives only the service
call and its success message.
"""

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wijkaanpak.common.admin.refusals import report_conflict, report_refusal


def change_url(model_admin, obj):
    """The admin's change page of `obj`."""
    opts = model_admin.opts
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)])


def posts_any(request, fields=(), inline_fields=None):
    """Whether a POST carries a value for one of `fields`, or for a field of an inline's row.

    `inline_fields` maps an inline formset's prefix to the names of its fields ("DELETE"
    included where deleting a row counts). A read-only page has no inputs for fixed fields: a
    POST that carries them comes from a form opened before the freeze, or is crafted.
    """
    inline_fields = inline_fields or {}
    for key in request.POST:
        if key in fields:
            return True
        prefix, _separator, rest = key.partition("-")
        if prefix in inline_fields and rest.rpartition("-")[2] in inline_fields[prefix]:
            return True
    return False


class ReadOnlyAdminMixin:
    """An admin for rows that services write (logs, reviews, payments): it changes nothing."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInlineMixin(ReadOnlyAdminMixin):
    """An inline of rows that only a service writes (a log): shown, never edited."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class ObjectActionsMixin:
    """Admin views for one object that call a service, report the outcome and go back."""

    def log_field_change(self, request, obj, field):
        """Note in the admin's log that the service changed `field` of `obj`."""
        label = str(obj._meta.get_field(field).verbose_name)
        self.log_change(request, obj, [{"changed": {"fields": [label]}}])

    def change_url(self, obj):
        return change_url(self, obj)

    def object_or_redirect(self, request, object_id):
        """(object, None), or (None, Django's redirect for an object that does not exist)."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return None, self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return obj, None

    def object_action(self, request, object_id, act, *, allowed, form_class=None, invalid=None):
        """POST only: run `act(obj, cleaned_data)` for the object, report, redirect back.

        `allowed(request)` decides who may press the button (PermissionDenied otherwise).
        `act` calls the service and adds the success message; it may return a response to go
        elsewhere than back to the change page. A ValidationError it raises is reported with
        the reasons, and nothing is changed. An invalid form is reported as a refusal with the
        form's errors; or, where `invalid` is given, each error as it is with `invalid` as its
        tag, or with `invalid`'s (message, tag) where the form's own errors would say less.
        """
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not allowed(request):
            raise PermissionDenied
        obj, redirect = self.object_or_redirect(request, object_id)
        if redirect is not None:
            return redirect
        back = HttpResponseRedirect(self.change_url(obj))
        form = form_class(request.POST, request.FILES) if form_class is not None else None
        if form is not None and not form.is_valid():
            self._report_invalid(request, obj, form, invalid)
            return back
        try:
            response = act(obj, form.cleaned_data if form is not None else {})
        except ValidationError as error:
            report_refusal(request, error, subject=obj)
            return back
        return response or back

    def _report_invalid(self, request, obj, form, invalid):
        errors = [e for field_errors in form.errors.as_data().values() for e in field_errors]
        if invalid is None:
            report_refusal(request, ValidationError(errors), subject=obj)
        elif isinstance(invalid, str):
            for message in ValidationError(errors).messages:
                self.message_user(request, message, level="ERROR", extra_tags=invalid)
        else:
            message, tag = invalid
            self.message_user(request, message, level="ERROR", extra_tags=tag)

    def form_page(self, request, form, fieldsets, *, title, form_url="", extra_context=None):
        """A form of our own (booking, opening a round) in the admin's add page."""
        admin_form = helpers.AdminForm(form, list(fieldsets), {}, (), model_admin=self)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "adminform": admin_form,
            "object_id": None,
            "original": None,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            "show_save_and_add_another": False,
            "show_save_and_continue": False,
            **(extra_context or {}),
        }
        return self.render_change_form(request, context, add=True, form_url=form_url)

    def admin_page(self, request, template, *, title, **context):
        """A page of our own (a confirmation, the signing form) in the admin's frame."""
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "media": self.media,
            **context,
        }
        return TemplateResponse(request, template, context)


class GuardedDeleteMixin:
    """Django's bulk delete, refused as a whole when one selected row may not go.

    `delete_refusals(queryset)` names the rows that may not be deleted, each with the
    ValidationError that says why; the model layer refuses them too, and a refusal that still
    comes from there (a race) is reported the same way. Deletions are logged and made in one
    transaction: both or neither. List "delete_selected" in the admin's `actions`.
    """

    def delete_refusals(self, queryset):
        return []

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        # Who may not delete such records hears nothing of why this one could not go.
        if obj is not None and not self.has_delete_permission(request):
            raise PermissionDenied
        if obj is not None:
            refusals = self.delete_refusals(self.model._default_manager.filter(pk=obj.pk))
            if refusals:
                report_refusal(request, refusals[0][1], subject=obj)
                opts = self.opts
                return HttpResponseRedirect(
                    reverse(
                        f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)]
                    )
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
        refusals = self.delete_refusals(queryset)
        for obj, error in refusals:
            report_refusal(request, error, subject=obj)
        if refusals:
            return None
        try:
            with transaction.atomic():
                return django_delete_selected(self, request, queryset)
        except ValidationError as error:
            report_refusal(request, error)
        return None


class RefusalsAsMessagesMixin:
    """A change page whose writes the model layer may refuse: the refusal becomes a message.

    Django saves the form and the inlines in one transaction; a ValidationError from a model's
    save() (a frozen contract, a signed addendum) or an IntegrityError (a race) rolls it all back
    and the page says why, instead of a server error. `post_refusal(request, obj)` may refuse a
    POST before any form is read (a form opened before the object was frozen), and
    `explain_refusal(error, object_id)` may replace a refusal by the reason that helps the user.
    """

    def post_refusal(self, request, obj):
        return None

    def explain_refusal(self, error, object_id):
        return error

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            obj = self.get_object(request, unquote(object_id))
            refusal = self.post_refusal(request, obj) if obj is not None else None
            if refusal is not None:
                report_refusal(request, refusal)
                return HttpResponseRedirect(request.get_full_path())
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            report_refusal(request, self.explain_refusal(error, object_id))
        except IntegrityError:
            report_conflict(request)
        return HttpResponseRedirect(request.get_full_path())
