"""The admin's login (maykin-2fa's, mended) and the page a locked-out login gets (django-axes'
AXES_LOCKOUT_CALLABLE).

After settings.AXES_FAILURE_LIMIT failed logins for one user name from one client address,
django-axes refuses that pair for settings.AXES_COOLOFF_TIME, even with the right password. The
refusal is a 429 page in Dutch: in the admin's look on /admin/, in the site's look elsewhere
(the team portal), saying how long to wait and whom to ask. It names neither the account nor
whether it exists.
"""

from django.conf import settings
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from maykin_2fa.views import AdminLoginView as TwoFactorLoginView
from maykin_2fa.views import AdminSetupView as TwoFactorSetupView


class AdminLoginView(TwoFactorLoginView):
    """maykin-2fa's login: password, then the app's code (or, without an app, its set-up).

    One repair: logging in on the way to an admin page without an app, django-two-factor-auth
    keeps the set-up page itself as the page to return to after the set-up, and its "set-up
    complete" page then sends the browser back to the set-up in a loop. The set-up ends on
    its "complete" page instead, which leads on to the backup codes and the admin.
    """

    def done(self, form_list, **kwargs):
        response = super().done(form_list, **kwargs)
        if self.request.session.get("next") == resolve_url("maykin_2fa:setup"):
            del self.request.session["next"]
        return response


class AdminSetupView(TwoFactorSetupView):
    """The admin's enrolment of a TOTP app, for staff. A team member (no staff account) who
    finds it is sent to the portal's own page for two-step login, in the portal's look."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not user.is_staff:
            return redirect("projects:two_factor")
        return super().dispatch(request, *args, **kwargs)


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
