"""The page a locked-out login gets (django-axes' AXES_LOCKOUT_CALLABLE).

After settings.AXES_FAILURE_LIMIT failed logins for one user name from one client address,
django-axes refuses that pair for settings.AXES_COOLOFF_TIME, even with the right password. The
refusal is a 429 page in Dutch: in the admin's look on /admin/, in the site's look elsewhere
(the team portal), saying how long to wait and whom to ask. It names neither the account nor
whether it exists.
"""

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse


def lockout_minutes():
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def lockout_response(request, original_response=None, credentials=None):
    """The 429 answer to a login while its (user name, client) pair is locked out."""
    context = {"minutes": lockout_minutes(), "failure_limit": settings.AXES_FAILURE_LIMIT}
    if request.path.startswith(reverse("admin:index")):
        from django.contrib import admin

        context.update(admin.site.each_context(request))
        template = "admin/logins/locked_out.html"
    else:
        template = "projects/portal/locked_out.html"
    return render(request, template, context, status=429)
