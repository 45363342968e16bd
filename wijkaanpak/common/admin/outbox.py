"""The outbox in the admin: every e-mail the site queued, with its delivery and its errors.

django-post-office's own admin, narrowed for this site:
- superusers only. The outbox holds the full text of every mail: applicants' addresses and
  decision letters, and password-reset links that would let a reader take over any account
  (a superuser's too). Other staff see the delivery of their own mails where they work: the
  distribution log (contracts) and the reminders of a reporting round (projects);
- read-only: a queued mail is never edited or deleted by hand;
- "Requeue" (list action, and the "resend" link) puts a mail back in the queue with its
  retries reset; `send_queued_mail` delivers it on its next run. Nothing is sent during the
  request, so a mail server that is down cannot break this page.
"""

from django.contrib import admin, messages
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from post_office.admin import EmailAdmin
from post_office.models import STATUS, Email

from wijkaanpak.common.admin.counting import EstimatedCountPaginator
from wijkaanpak.common.admin.superusers import SuperusersOnly


def _requeue(queryset):
    return queryset.update(status=STATUS.queued, scheduled_time=None, number_of_retries=0)


@admin.action(description=_("Requeue the selected e-mails"), permissions=["requeue"])
def requeue(modeladmin, request, queryset):
    """Put the selected mails back in the queue; the next `send_queued_mail` delivers them."""
    count = _requeue(queryset)
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d e-mail requeued.",
            "%(count)d e-mails requeued.",
            count,
        )
        % {"count": count},
        messages.SUCCESS,
    )


admin.site.unregister(Email)


@admin.register(Email)
class OutboxAdmin(SuperusersOnly, EmailAdmin):
    actions = [requeue]
    # Large table: one count of the filtered list, an estimate for the whole list, never a
    # second count of the whole table (README, Speed).
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_display = [
        "to_display",
        "shortened_subject",
        "status",
        "number_of_retries",
        "created",
        "last_updated",
        "scheduled_time",
    ]

    def has_requeue_permission(self, request, obj=None):
        return self._allowed(request)

    def resend(self, request, pk):
        """POST only: requeue this mail (rather than send it during the request, as post_office
        does), so a mail server that is down cannot break the page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        instance = self._get_object_or_deny(request, pk, "requeue")
        _requeue(Email.objects.filter(pk=instance.pk))
        messages.success(request, _("The e-mail is queued again."))
        return HttpResponseRedirect(reverse("admin:post_office_email_change", args=[instance.pk]))
