"""Press releases in the admin: drafted from the data, edited, published and taken back.

- Adding a press release is drafting it from the data: a small form asks for the programme
  and the milestone (wijkaanpak.press.drafting), and the draft opens for editing.
- The change page edits the title, lead and text; its buttons publish the release or take it
  back to draft (contracts.services). "change" is the right to publish. A published release can
  still be corrected (its history keeps every version), never emptied.
- Only drafts can be deleted: a published release goes back to draft first.
- The list links the portfolio holder's briefing notes of each programme (a PDF), for whoever
  may view press releases.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from contracts import services
from contracts.choices import Milestone, PressReleaseStatus
from contracts.models import PressRelease, Programme, placeholders_left
from wijkaanpak.common import pdf
from wijkaanpak.common.admin.history import ViewOnlyHistoryAdmin
from wijkaanpak.common.admin.views import (
    GuardedDeleteMixin,
    ObjectActionsMixin,
    RefusalsAsMessagesMixin,
)
from wijkaanpak.common.ratelimits import limit_pdf_renders
from wijkaanpak.press import briefing, drafting


class DraftForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=capfirst(_("programme")), queryset=Programme.objects.all(), empty_label=None
    )
    milestone = forms.ChoiceField(
        label=capfirst(_("milestone")),
        choices=Milestone.choices,
        help_text=_(
            "The draft is written from the records of this milestone: the signed contracts, "
            "the midterm round's reports or the closed final evaluations. Edit it before "
            "publishing."
        ),
    )


@admin.register(PressRelease)
class PressReleaseAdmin(
    GuardedDeleteMixin, RefusalsAsMessagesMixin, ObjectActionsMixin, ViewOnlyHistoryAdmin
):
    list_display = ("title", "programme", "milestone", "status", "published_at")
    list_filter = ("programme", "milestone", "status")
    list_select_related = ("programme",)
    search_fields = ("title", "lead", "body")
    date_hierarchy = "created_at"
    actions = ["delete_selected"]
    fieldsets = (
        (None, {"fields": ("programme", "milestone", "title", "lead", "body")}),
        (
            _("Status"),
            {"fields": ("status", ("published_at", "published_by"), "is_illustrative")},
        ),
    )
    readonly_fields = ("programme", "milestone", "status", "published_at", "published_by")
    draft_fieldsets = ((None, {"fields": ("programme", "milestone")}),)

    def view_on_site(self, obj):
        """The release on the news page: only a published one is there."""
        return obj.get_absolute_url() if obj.is_published else None

    def has_publish_permission(self, request, obj=None):
        return request.user.has_perm("contracts.change_pressrelease")

    def delete_refusals(self, queryset):
        return [
            (
                release,
                ValidationError(
                    _("A published press release is not deleted: take it back to draft first."),
                    code="published_not_deleted",
                ),
            )
            for release in queryset.filter(status=PressReleaseStatus.PUBLISHED)
        ]

    # --- Drafting from the data: the add page ---

    def add_view(self, request, form_url="", extra_context=None):
        """Draft a press release from the data of a programme's milestone, then edit it."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = DraftForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                release = drafting.draft_press_release(
                    form.cleaned_data["programme"], form.cleaned_data["milestone"], request.user
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.log_addition(request, release, [{"added": {}}])
                messages.success(
                    request,
                    gettext(
                        "The draft “%(title)s” was written from the data. Edit its text, "
                        "then publish it."
                    )
                    % {"title": release.title},
                    extra_tags="press_release_drafted",
                )
                return HttpResponseRedirect(self.change_url(release))
        return self.form_page(
            request,
            form,
            self.draft_fieldsets,
            title=_("Draft a press release from the data"),
            form_url=form_url,
            extra_context=extra_context,
        )

    # --- Publishing and back to draft ---

    def get_urls(self):
        return [
            path(
                "<path:object_id>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="contracts_pressrelease_publish",
            ),
            path(
                "<path:object_id>/unpublish/",
                self.admin_site.admin_view(self.unpublish_view),
                name="contracts_pressrelease_unpublish",
            ),
            path(
                "briefing/<slug:slug>.pdf",
                self.admin_site.admin_view(self.briefing_view),
                name="contracts_pressrelease_briefing",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        release = self.get_object(request, unquote(object_id))
        if release is not None and self.has_publish_permission(request, release):
            name = "unpublish" if release.is_published else "publish"
            extra_context = {
                **(extra_context or {}),
                f"{name}_url": reverse(
                    f"admin:contracts_pressrelease_{name}", args=[quote(release.pk)]
                ),
                "placeholders": placeholders_left(release),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def publish_view(self, request, object_id):
        def publish(release, data):
            services.publish_press_release(release, user=request.user)
            self.log_field_change(request, release, "status")
            messages.success(
                request,
                gettext("“%(title)s” is published: it is on the news page and in the feed.")
                % {"title": release.title},
                extra_tags="press_release_published",
            )

        return self.object_action(
            request, object_id, publish, allowed=lambda r: self.has_publish_permission(r)
        )

    def unpublish_view(self, request, object_id):
        def unpublish(release, data):
            services.unpublish_press_release(release, user=request.user)
            self.log_field_change(request, release, "status")
            messages.success(
                request,
                gettext("“%(title)s” is a draft again: it left the news page and the feed.")
                % {"title": release.title},
                extra_tags="press_release_unpublished",
            )

        return self.object_action(
            request, object_id, unpublish, allowed=lambda r: self.has_publish_permission(r)
        )

    # --- The portfolio holder's briefing notes ---

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "briefing_programmes": Programme.objects.all(),
        }
        return super().changelist_view(request, extra_context)

    @method_decorator(require_safe)
    @method_decorator(limit_pdf_renders)
    def briefing_view(self, request, slug):
        """The briefing notes of one programme as a PDF: one page per wijk. For whoever may
        view press releases; a programme without a public contract gets a message instead."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        programme = get_object_or_404(Programme, slug=slug)
        data = briefing.render_briefing(programme)
        if data is None:
            messages.warning(
                request,
                gettext(
                    "The programme %(programme)s has no public contract yet: there is no wijk "
                    "to brief on."
                )
                % {"programme": programme.name},
                extra_tags="briefing_empty",
            )
            return HttpResponseRedirect(reverse("admin:contracts_pressrelease_changelist"))
        return pdf.pdf_response(data, briefing.briefing_filename(programme))
