"""Inviting people into a project team: the one way editors make team accounts.

An editor invites a name and an e-mail address into one project's team (:func:`invite`). The
invitation's mail goes into the outbox in the same transaction, with a link that works for
`VALID_FOR`; the link carries a random token of which only the hash is stored
(`projects.models.invitations`). Sending again (:func:`send_again`) makes a new token and a
new expiry, so the earlier link stops working; :func:`withdraw` ends an invitation.

The person who follows the link gets one of two things, by whether an account with the
invitation's address exists (:func:`acceptance_mode`):

- no account: they choose a user name and a password (Django's password validators) and get
  a new team account (:func:`accept_with_new_account`);
- a team account: they log in with it, and the project is added to it
  (:func:`accept_as_member`). Its password is never set through an invitation.

A staff account's address is never invited, and an invitation whose address became a staff
account's is refused on acceptance: an invitation never gives anyone a staff account, nor
touches its password. A switched-off account is not switched on or doubled by an invitation.
Every refusal is a ValidationError with a code; nothing is written then.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from projects.choices import InvitationStatus, ProjectStatus, TeamRole
from projects.models import Project, TeamInvitation, TeamMembership
from wijkaanpak.common import mail
from wijkaanpak.common.forms import text_problems
from wijkaanpak.common.secret_links import new_secret

# How long the link of an invitation works, from the moment it is sent.
VALID_FOR = datetime.timedelta(days=7)
TOKEN_BYTES = 32

# What the person who follows the link gets (acceptance_mode).
NEW_ACCOUNT = "new_account"
EXISTING_MEMBER = "existing_account"
STAFF_ADDRESS = "staff_address"
ACCOUNT_INACTIVE = "account_inactive"

INVITE_PERMISSION = "projects.add_teaminvitation"
MANAGE_PERMISSION = "projects.change_teaminvitation"


def may_invite(user):
    return bool(user.is_authenticated and user.is_active and user.has_perm(INVITE_PERMISSION))


def may_manage(user):
    """Send again and withdraw."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(MANAGE_PERMISSION))


def normalise_email(email):
    return (email or "").strip().lower()


def accounts_with_address(email):
    """Every account with this e-mail address (Django does not keep addresses unique)."""
    return get_user_model().objects.filter(email__iexact=normalise_email(email))


def acceptance_mode(invitation):
    """What following the link of `invitation` leads to: address_mode() of its address."""
    return address_mode(invitation.email)


def address_mode(email):
    """What an invitation to `email` leads to, by the accounts of that address now.

    STAFF_ADDRESS when one of them is a staff account (refused), ACCOUNT_INACTIVE when there
    are only switched-off ones (refused), EXISTING_MEMBER when there is an active team
    account (the project is added to it), NEW_ACCOUNT when there is none.
    """
    accounts = list(accounts_with_address(email).only("is_staff", "is_superuser", "is_active"))
    if any(account.is_staff or account.is_superuser for account in accounts):
        return STAFF_ADDRESS
    if any(account.is_active for account in accounts):
        return EXISTING_MEMBER
    if accounts:
        return ACCOUNT_INACTIVE
    return NEW_ACCOUNT


# Why following the link (or inviting) is refused for an address, by acceptance_mode.
REFUSED_MODES = {
    STAFF_ADDRESS: _(
        "This address belongs to a staff account of the municipality. Staff see every "
        "project in the team portal already; an invitation does not make a team account "
        "for it."
    ),
    ACCOUNT_INACTIVE: _(
        "The account with this address has been switched off. Ask the municipality to "
        "switch it on again; an invitation does not make a second account."
    ),
}


def refusal_of(mode):
    """The ValidationError for an address in a refused mode (code: the mode)."""
    return ValidationError(REFUSED_MODES[mode], code=mode)


# --- Inviting, sending again, withdrawing -----------------------------------------------------


def invite(project, *, email, name, role=TeamRole.MEMBER, user):
    """Invite `name` at `email` into the team of `project`; the mail is queued in the same
    transaction. Returns the invitation.

    Refused (ValidationError, nothing written) for a missing name, an address that is not an
    e-mail address, an unknown role, a cancelled project, an address of a staff account
    (`staff_address`) or of a switched-off one (`account_inactive`), an address whose account
    is in the team already (`already_member`), and an address with an invitation for this
    project that is neither accepted nor withdrawn (`already_invited`: send that one again).
    Only those with the right to invite may (PermissionDenied).
    """
    if not may_invite(user):
        raise PermissionDenied("No right to invite team members.")
    email = normalise_email(email)
    name = " ".join((name or "").split())
    errors = {}
    if not name:
        errors["name"] = ValidationError(_("Give the name of the person."), code="name_missing")
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = ValidationError(
            _("Enter an e-mail address such as name@example.nl."), code="invalid_email"
        )
    for field, error in text_problems(TeamInvitation, name=name, email=email).items():
        errors.setdefault(field, error)
    if role not in TeamRole.values:
        errors["role"] = ValidationError(_("Unknown team role."), code="invalid_role")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        project = (
            Project.objects.select_for_update(of=("self",))
            .select_related("contract__neighbourhood")
            .get(pk=project.pk)
        )
        _check_may_join(project, email)
        already_invited = _refusal(
            "email",
            _(
                "This address already has an invitation for this project. Send that "
                "invitation again from the list of invitations."
            ),
            "already_invited",
        )
        if TeamInvitation.objects.pending().filter(project=project, email=email).exists():
            raise already_invited
        invitation = TeamInvitation(
            project=project,
            email=email,
            name=name,
            role=role,
            invited_by=user,
        )
        token = _new_token(invitation)
        _save_unless_taken(invitation, already_invited)  # the same invitation, at once
        invitation.emails.add(*mail.queue(_message(invitation, token)))
    return invitation


def send_again(invitation, *, user):
    """Send a pending invitation again with a new link and a new expiry; the earlier link
    stops working. Refused for an accepted or withdrawn invitation (`not_pending`), and when
    the address can no longer join (see :func:`invite`)."""
    if not may_manage(user):
        raise PermissionDenied("No right to send invitations again.")
    with transaction.atomic():
        invitation = _locked(invitation)
        _check_pending(invitation)
        _check_may_join(invitation.project, invitation.email)
        token = _new_token(invitation)
        invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
        invitation.emails.add(*mail.queue(_message(invitation, token)))
    return invitation


def withdraw(invitation, *, user):
    """Withdraw a pending invitation: its link no longer works. Refused (`not_pending`) for
    one that was accepted or withdrawn already."""
    if not may_manage(user):
        raise PermissionDenied("No right to withdraw invitations.")
    with transaction.atomic():
        invitation = _locked(invitation)
        _check_pending(invitation)
        invitation.withdrawn_at = timezone.now()
        invitation.withdrawn_by = user
        invitation.save(update_fields=["withdrawn_at", "withdrawn_by"])
    return invitation


def _locked(invitation):
    return (
        TeamInvitation.objects.select_for_update(of=("self",))
        .select_related("project__contract__neighbourhood", "invited_by")
        .get(pk=invitation.pk)
    )


def _check_pending(invitation):
    if not invitation.is_pending:
        raise ValidationError(
            _("This invitation was %(status)s already."),
            code="not_pending",
            params={"status": invitation.status.label},
        )


def _check_may_join(project, email):
    """Refuse an address that cannot join `project`'s team by invitation."""
    if project.status == ProjectStatus.CANCELLED:
        raise ValidationError(
            {
                "project": ValidationError(
                    _("This project is cancelled: its team takes no new members."),
                    code="project_cancelled",
                )
            }
        )
    accounts = accounts_with_address(email)
    mode = address_mode(email)
    if mode in REFUSED_MODES:
        raise ValidationError({"email": refusal_of(mode)})
    if TeamMembership.objects.filter(project=project, user__in=accounts).exists():
        raise ValidationError(
            {
                "email": ValidationError(
                    _("The account with this address is in this project's team already."),
                    code="already_member",
                )
            }
        )


def _refusal(field, message, code):
    return ValidationError({field: ValidationError(message, code=code)})


def _save_unless_taken(obj, refusal):
    """Save `obj` in a savepoint; a unique constraint that a request at the same moment
    hit first is reported as `refusal`, and the caller's transaction carries on intact."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise refusal from None


def _new_token(invitation):
    """Give `invitation` a new token (returned; only its hash is kept) and expiry."""
    token, invitation.token_hash = new_secret(TOKEN_BYTES)
    invitation.sent_at = timezone.now()
    invitation.expires_at = invitation.sent_at + VALID_FOR
    return token


def acceptance_url(token):
    """The absolute address of an invitation's link (SITE_URL, never a request's host)."""
    return settings.SITE_URL + reverse("projects:invitation", kwargs={"token": token})


def _message(invitation, token):
    """The invitation's e-mail, in the site's language."""
    project = invitation.project
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(
            "projects/email/team_invitation.txt",
            {
                "invitation": invitation,
                "project": project,
                "neighbourhood": project.contract.neighbourhood,
                "link": acceptance_url(token),
                "expires_at": timezone.localtime(invitation.expires_at),
                "inviter": invitation.invited_by,
                "municipality_name": settings.MUNICIPALITY_NAME,
                "portal_url": settings.SITE_URL + reverse("projects:portal"),
            },
        )
    subject, _sep, text = body.strip().partition("\n")
    return EmailMessage(
        subject=mail.one_line(subject),
        body=text.strip(),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
    )


# --- Following the link -----------------------------------------------------------------------


def usable(invitation):
    """Refuse an invitation whose link no longer works: accepted, withdrawn or expired."""
    status = invitation.status
    if status != InvitationStatus.OPEN:
        raise ValidationError(
            _("This invitation is %(status)s."),
            code=f"invitation_{status}",
            params={"status": status.label},
        )


def accept_with_new_account(invitation, *, username, password1, password2):
    """Make the team account of an open invitation whose address has no account yet: the
    chosen user name and password (Django's validators), the invitation's name and address,
    and the membership. Returns the new user.

    Refused, with nothing written: a link that no longer works (`invitation_expired`,
    `invitation_accepted`, `invitation_withdrawn`), an address that has an account by now
    (`account_exists`, `staff_address`, `account_inactive`), a missing or taken user name, a
    password the validators refuse, two passwords that differ.
    """
    User = get_user_model()
    username = (username or "").strip()
    with transaction.atomic():
        invitation = _locked(invitation)
        usable(invitation)
        mode = acceptance_mode(invitation)
        if mode in REFUSED_MODES:
            raise refusal_of(mode)
        if mode == EXISTING_MEMBER:
            raise ValidationError(
                _("An account with this address exists by now: log in with it to join the team."),
                code="account_exists",
            )
        first_name, _space, last_name = invitation.name.partition(" ")
        user = User(
            username=username,
            email=invitation.email,
            first_name=first_name[:150],
            last_name=last_name[:150],
            is_staff=False,
            is_superuser=False,
        )
        username_taken = _refusal(
            "username", _("This user name is taken. Choose another."), "username_taken"
        )
        errors = {}
        if not username:
            errors["username"] = ValidationError(_("Choose a user name."), code="username_missing")
        else:
            try:
                User._meta.get_field("username").clean(username, user)
            except ValidationError as error:
                errors["username"] = error
            else:
                if User.objects.filter(username__iexact=username).exists():
                    errors.update(username_taken.error_dict)
        if not password1:
            errors["password1"] = ValidationError(_("Choose a password."), code="password_missing")
        elif password1 != password2:
            errors["password2"] = ValidationError(
                _("The two passwords differ. Type the same password twice."),
                code="password_mismatch",
            )
        else:
            try:
                password_validation.validate_password(password1, user)
            except ValidationError as error:
                errors["password1"] = error
        if errors:
            raise ValidationError(errors)
        user.set_password(password1)
        _save_unless_taken(user, username_taken)  # the same name, chosen at the same moment
        _join(invitation, user)
    return user


def accept_as_member(invitation, *, user):
    """Add the project of an open invitation to the team account of its address, `user`
    (logged in with their own password). The password is not touched. Returns the
    membership.

    Refused, with nothing written: a link that no longer works, a staff or switched-off
    account (`staff_address`, `account_inactive`), and an account of another address
    (`other_address`).
    """
    with transaction.atomic():
        invitation = _locked(invitation)
        usable(invitation)
        mode = acceptance_mode(invitation)
        if mode in REFUSED_MODES:
            raise refusal_of(mode)
        if normalise_email(user.email) != invitation.email:
            raise ValidationError(
                _("This invitation is for %(email)s. Log in with the account of that address."),
                code="other_address",
                params={"email": invitation.email},
            )
        if user.is_staff or user.is_superuser:
            raise refusal_of(STAFF_ADDRESS)
        if not user.is_active:
            raise refusal_of(ACCOUNT_INACTIVE)
        return _join(invitation, user)


def _join(invitation, user):
    """The membership (kept as it is when there is one) and the invitation accepted."""
    membership, _created = TeamMembership.objects.get_or_create(
        project=invitation.project, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership
