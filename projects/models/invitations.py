"""Invitations to a project team: how editors give partner staff a team account.

The link in the invitation carries a random token; only its SHA-256 is stored, so neither a
database dump nor a backup holds a usable link. The status follows from the dates: open
until `expires_at`, then expired; accepted or withdrawn once that is recorded.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.choices import InvitationStatus, TeamRole
from projects.models.project import Project
from wijkaanpak.common import mail
from wijkaanpak.common.secret_links import secret_hash, secret_matches
from wijkaanpak.common.text import NAME_VALIDATORS


class TeamInvitationQuerySet(models.QuerySet):
    def pending(self):
        """Neither accepted nor withdrawn: open, or expired and waiting to be sent again."""
        return self.filter(accepted_at__isnull=True, withdrawn_at__isnull=True)

    def with_status(self, status, now=None):
        now = now or timezone.now()
        if status == InvitationStatus.ACCEPTED:
            return self.filter(accepted_at__isnull=False)
        if status == InvitationStatus.WITHDRAWN:
            return self.filter(withdrawn_at__isnull=False)
        if status == InvitationStatus.EXPIRED:
            return self.pending().filter(expires_at__lte=now)
        if status == InvitationStatus.OPEN:
            return self.pending().filter(expires_at__gt=now)
        return self.none()

    def by_token(self, token):
        """The invitation whose link carries `token`, or None.

        Looked up by the token's hash, then the hashes are compared once more in constant
        time: nothing about a stored hash leaks through how long a wrong token takes.
        """
        if not token or len(token) > 200:
            return None
        invitation = self.filter(token_hash=secret_hash(token)).first()
        if invitation is None or not secret_matches(invitation.token_hash, token):
            return None
        return invitation


class TeamInvitation(models.Model):
    """An invitation by e-mail to join one project's team, with a link that expires."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("project")
    )
    email = models.EmailField(_("e-mail address"))
    name = models.CharField(_("name"), max_length=150, validators=NAME_VALIDATORS)
    role = models.CharField(
        _("role"), max_length=20, choices=TeamRole.choices, default=TeamRole.MEMBER
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("last sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
        help_text=_("The team account that accepted the invitation."),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    # Every mail of the invitation (the first and each one sent again), for its delivery.
    emails = models.ManyToManyField(
        "post_office.Email", blank=True, related_name="+", verbose_name=_("e-mails")
    )

    history = HistoricalRecords(excluded_fields=["token_hash"])
    objects = TeamInvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("team invitation")
        verbose_name_plural = _("team invitations")
        ordering = ["-sent_at", "-pk"]
        # The admin's list: its default ordering and its filters (README, Speed).
        indexes = [
            models.Index(fields=["-sent_at", "-id"], name="invitation_list_order"),
            models.Index(fields=["role"], name="invitation_role"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "email"],
                condition=Q(accepted_at__isnull=True, withdrawn_at__isnull=True),
                name="one_pending_invitation_per_address_and_project",
                violation_error_code="already_invited",
                violation_error_message=_(
                    "This address already has an invitation for this project that is not "
                    "accepted or withdrawn."
                ),
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(withdrawn_at__isnull=True),
                name="invitation_not_accepted_and_withdrawn",
                violation_error_code="accepted_and_withdrawn",
                violation_error_message=_("An invitation is accepted or withdrawn, not both."),
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("sent_at")),
                name="invitation_expires_after_sending",
                violation_error_code="expires_before_sent",
                violation_error_message=_("An invitation expires after it was sent."),
            ),
            models.CheckConstraint(
                condition=Q(role__in=TeamRole.values),
                name="invitation_role_valid",
                violation_error_code="invalid_role",
                violation_error_message=_("Unknown team role."),
            ),
        ]

    def __str__(self):
        return f"{self.name} <{self.email}>"

    def status_at(self, now):
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.withdrawn_at is not None:
            return InvitationStatus.WITHDRAWN
        if self.expires_at <= now:
            return InvitationStatus.EXPIRED
        return InvitationStatus.OPEN

    @property
    def status(self):
        return self.status_at(timezone.now())

    @property
    def is_pending(self):
        return self.accepted_at is None and self.withdrawn_at is None

    @property
    def delivery_state(self):
        """The delivery of the latest mail ("sent", "queued", "failed"), "" before any."""
        emails = sorted(self.emails.all(), key=lambda email: (email.created, email.pk))
        return mail.delivery_state(emails[-1]) if emails else ""
