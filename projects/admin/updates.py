"""Progress updates in the admin: read-only for everyone; staff hide one with a reason."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets, quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from projects import services
from projects.admin.columns import ProjectProgressColumns
from projects.admin.forms import HideUpdateForm
from projects.choices import Visibility
from projects.models import ProgressUpdate
from wijkaanpak.common.admin.counting import EstimatedCountPaginator
from wijkaanpak.common.admin.filters import autocomplete_filter
from wijkaanpak.common.admin.history import ViewOnlyHistoryAdmin
from wijkaanpak.common.admin.refusals import report_refusal
from wijkaanpak.common.admin.views import ObjectActionsMixin, ReadOnlyAdminMixin


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(
    ProjectProgressColumns, ReadOnlyAdminMixin, ObjectActionsMixin, ViewOnlyHistoryAdmin
):
    """Progress updates, read-only for everyone: append-only, corrected by a newer one.

    The only write is hiding an update, with a reason, for which the "change" permission is
    the right to hide.
    """

    list_display = (
        "date",
        "project",
        "neighbourhood",
        "progress",
        "public",
        "hidden",
        "author",
    )
    list_display_links = ("date",)
    list_filter = (
        autocomplete_filter(_("neighbourhood"), "project__contract__neighbourhood"),
        "date",
        "visibility",
        "hidden",
        "status",
    )
    list_select_related = ("project__contract__neighbourhood", "author")
    search_fields = ("project__title", "happened", "next_steps", "author__username")
    # Large table: one count of the filtered list, an estimate for the whole list, never a
    # second count of the whole table (README, Speed).
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    actions = ["hide_updates"]
    fieldsets = (
        (None, {"fields": ("project", "date", "author", "created_at", "visibility")}),
        (
            _("Progress"),
            {"fields": (("status", "percent_complete"), "happened", "next_steps", "file")},
        ),
        (_("Hidden"), {"fields": ("hidden", "hidden_reason", "hidden_by", "hidden_at")}),
    )
    readonly_fields = flatten_fieldsets(fieldsets)

    @admin.display(description=_("public"), boolean=True, ordering="visibility")
    def public(self, obj):
        return obj.visibility == Visibility.PUBLIC

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not obj.hidden:
            # Nothing to tell about hiding yet: just that it is not hidden.
            return (*self.fieldsets[:-1], (_("Hidden"), {"fields": ("hidden",)}))
        return self.fieldsets

    @admin.display(description=_("photo or document"))
    def file(self, obj):
        if not obj.attachment:
            return "-"
        url = reverse(
            "projects:update_attachment", kwargs={"pk": obj.project_id, "update_pk": obj.pk}
        )
        return format_html('<a href="{}">{}</a>', url, obj.attachment_type)

    # --- Append-only, for everyone ---

    def has_hide_permission(self, request, obj=None):
        return request.user.has_perm("projects.change_progressupdate")

    # --- Hiding ---

    def get_urls(self):
        return [
            path(
                "<path:object_id>/hide/",
                self.admin_site.admin_view(self.hide_view),
                name="projects_progressupdate_hide",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and not obj.hidden and self.has_hide_permission(request, obj):
            extra_context = {
                **(extra_context or {}),
                "hide_url": reverse("admin:projects_progressupdate_hide", args=[quote(obj.pk)]),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def hide_view(self, request, object_id):
        """Ask for the reason (GET), then hide one update (POST)."""
        if not self.has_hide_permission(request):
            raise PermissionDenied
        update = self.get_object(request, unquote(object_id))
        if update is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        change_url = reverse("admin:projects_progressupdate_change", args=[quote(update.pk)])
        if update.hidden:
            messages.warning(
                request, gettext("This update is already hidden."), extra_tags="already_hidden"
            )
            return HttpResponseRedirect(change_url)
        form = HideUpdateForm(request.POST if request.method == "POST" else None)
        if form.is_valid() and self._hide(request, [update], form):
            return HttpResponseRedirect(change_url)
        return self._hide_form_page(request, [update], form)

    @admin.action(description=_("Hide selected progress updates …"), permissions=["hide"])
    def hide_updates(self, request, queryset):
        """Django's pattern of an intermediate page: first ask for the reason, then hide."""
        updates = list(queryset.select_related("project__contract__neighbourhood"))
        form = HideUpdateForm(request.POST if "post" in request.POST else None)
        if form.is_valid() and self._hide(request, updates, form):
            return None
        return self._hide_form_page(request, updates, form, action="hide_updates")

    def _hide(self, request, updates, form):
        """Hide each update through the service; False when the reason was refused."""
        hidden = 0
        hidden_label = str(ProgressUpdate._meta.get_field("hidden").verbose_name)
        for update in updates:
            try:
                services.hide_update(update, user=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                if hasattr(error, "error_dict") and "reason" in error.error_dict:
                    form.add_error("reason", error.error_dict["reason"])
                    report_refusal(request, error)
                    return False
                report_refusal(request, error, subject=update)
                continue
            hidden += 1
            self.log_change(request, update, [{"changed": {"fields": [hidden_label]}}])
        if hidden:
            messages.success(
                request,
                ngettext(
                    "%(count)d progress update was hidden.",
                    "%(count)d progress updates were hidden.",
                    hidden,
                )
                % {"count": hidden},
                extra_tags="updates_hidden",
            )
        return True

    def _hide_form_page(self, request, updates, form, action=None):
        return self.admin_page(
            request,
            "admin/projects/progressupdate/hide_confirmation.html",
            title=_("Hide progress updates"),
            updates=updates,
            form=form,
            action=action,
            action_checkbox_name=helpers.ACTION_CHECKBOX_NAME,
        )
