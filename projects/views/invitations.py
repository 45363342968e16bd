"""Following the link of an invitation to a project team (projects.invitations).

The page shows the project and its wijk and, by the accounts of the invited address, either
asks for a user name and a password for a new team account, or asks the person to log in with
the team account they have (or, logged in already, to confirm), after which the project is
added to it. Either way they end up logged in on the project's page in the portal.

A link that does not work gets a page that says why, and changes nothing: an unknown link is
a 404; an expired, withdrawn or used one a 410; an address of a staff or switched-off account
a 403.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from projects import invitations
from projects.choices import InvitationStatus
from projects.forms import InvitationAccountForm
from projects.models import TeamInvitation
from wijkaanpak.common.forms import add_service_errors

# Refusals that mean the page as shown no longer fits: it is shown afresh.
STALE_PAGE_CODES = {
    "invitation_expired",
    "invitation_accepted",
    "invitation_withdrawn",
    "staff_address",
    "account_inactive",
    "account_exists",
}

UNUSABLE_STATUS = {
    InvitationStatus.EXPIRED: 410,
    InvitationStatus.ACCEPTED: 410,
    InvitationStatus.WITHDRAWN: 410,
}


@method_decorator(never_cache, name="dispatch")
@method_decorator(sensitive_post_parameters("password", "password1", "password2"), name="dispatch")
class InvitationView(View):
    template_name = "projects/portal/invitation.html"
    unusable_template_name = "projects/portal/invitation_unusable.html"

    def dispatch(self, request, *args, token, **kwargs):
        self.invitation = TeamInvitation.objects.select_related(
            "project__contract__neighbourhood", "invited_by"
        ).by_token(token)
        if self.invitation is None:
            return self.unusable(request, "unknown", status=404)
        status = self.invitation.status
        if status != InvitationStatus.OPEN:
            return self.unusable(request, status, status=UNUSABLE_STATUS[status])
        self.mode = invitations.acceptance_mode(self.invitation)
        if self.mode in invitations.REFUSED_MODES:
            return self.unusable(
                request,
                self.mode,
                status=403,
                refusal=invitations.REFUSED_MODES[self.mode],
            )
        return super().dispatch(request, *args, **kwargs)

    # --- The pages ---

    def unusable(self, request, reason, *, status, refusal=None):
        return TemplateResponse(
            request,
            self.unusable_template_name,
            {"reason": str(reason), "invitation": self.invitation, "refusal": refusal},
            status=status,
        )

    def page(self, form, *, status=200):
        invitation = self.invitation
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                "invitation": invitation,
                "project": invitation.project,
                "neighbourhood": invitation.project.contract.neighbourhood,
                "form": form,
                "mode": self.mode,
                "logged_in_as_invitee": self.logged_in_as_invitee(),
            },
            status=status,
        )

    def logged_in_as_invitee(self):
        user = self.request.user
        return (
            user.is_authenticated
            and not user.is_staff
            and invitations.normalise_email(user.email) == self.invitation.email
        )

    def empty_form(self):
        if self.mode == invitations.NEW_ACCOUNT:
            return InvitationAccountForm(initial={"username": self.invitation.email})
        if self.logged_in_as_invitee():
            return None
        return AuthenticationForm(self.request)

    # --- GET: the invitation and its form; POST: accept ---

    def get(self, request, *args, **kwargs):
        return self.page(self.empty_form())

    def post(self, request, *args, **kwargs):
        if self.mode == invitations.NEW_ACCOUNT:
            form = InvitationAccountForm(request.POST)
            accept = self.accept_with_new_account
        elif self.logged_in_as_invitee():
            form = None
            accept = self.accept_as_logged_in_member
        else:
            form = AuthenticationForm(request, data=request.POST)
            accept = self.accept_after_login
        if form is not None and not form.is_valid():
            return self.page(form, status=200)
        try:
            user = accept(form)
        except ValidationError as error:
            if set(_codes(error)) & STALE_PAGE_CODES:
                return redirect(request.path)
            if form is None:
                form = AuthenticationForm(request)
            add_service_errors(form, error)
            return self.page(form)
        if request.user != user:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _("Welcome to the team of “%(project)s”. You can log its progress here.")
            % {"project": self.invitation.project.title},
        )
        return redirect("projects:portal_project", pk=self.invitation.project_id)

    def accept_with_new_account(self, form):
        return invitations.accept_with_new_account(self.invitation, **form.cleaned_data)

    def accept_as_logged_in_member(self, form):
        invitations.accept_as_member(self.invitation, user=self.request.user)
        return self.request.user

    def accept_after_login(self, form):
        user = form.get_user()
        invitations.accept_as_member(self.invitation, user=user)
        return user


def _codes(error):
    if hasattr(error, "error_dict"):
        return [e.code for errors in error.error_dict.values() for e in errors]
    return [e.code for e in error.error_list]
