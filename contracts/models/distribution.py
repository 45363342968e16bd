"""The distribution log: which signed PDF went to which party, by e-mail, and when."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.choices import DistributionStatus
from contracts.models.addenda import Addendum
from contracts.models.contract import Contract
from contracts.models.places import Partner
from wijkaanpak.common import mail


class DistributionQuerySet(models.QuerySet):
    def with_delivery_status(self):
        """Annotate `delivery` (a DistributionStatus value) from the outbox, for filtering."""
        from post_office.models import STATUS

        return self.annotate(
            delivery=models.Case(
                models.When(outbox_email__status=STATUS.sent, then=models.Value("sent")),
                models.When(outbox_email__status=STATUS.failed, then=models.Value("failed")),
                models.When(outbox_email__isnull=False, then=models.Value("queued")),
                default=models.F("status"),
                output_field=models.CharField(),
            )
        )


class Distribution(models.Model):
    """One e-mail with a signed PDF to one party's contact address: who got what, and when."""

    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        related_name="distributions",
        verbose_name=_("contract"),
    )
    addendum = models.ForeignKey(
        Addendum,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="distributions",
        verbose_name=_("addendum"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="+", verbose_name=_("partner")
    )
    email = models.EmailField(_("sent to"))
    document_name = models.CharField(_("document"), max_length=255)
    document_sha256 = models.CharField(_("SHA-256 fingerprint"), max_length=64)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DistributionStatus.choices,
        default=DistributionStatus.QUEUED,
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    # Rows written before the outbox existed keep their outcome in these three fields;
    # every later row follows its mail in the outbox (`delivery_status` and friends).
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    outbox_email = models.OneToOneField(
        "post_office.Email",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="distribution",
        verbose_name=_("e-mail in the outbox"),
    )

    objects = DistributionQuerySet.as_manager()

    class Meta:
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        ordering = ["-requested_at", "pk"]
        # The admin's list: its default ordering and its filters (README, Speed).
        indexes = [
            models.Index(fields=["-requested_at", "id"], name="distribution_list_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DistributionStatus.values),
                name="distribution_status_valid",
                violation_error_code="invalid_status",
                violation_error_message=_("Unknown distribution status."),
            )
        ]

    def __str__(self):
        return f"{self.document_name} → {self.email}"

    @property
    def delivery_status(self):
        """Queued (also while a failed attempt waits for its retry), sent or failed: the state
        of the mail in the outbox, so "sent" means delivered to the mail server."""
        if self.outbox_email is None:
            return DistributionStatus(self.status)
        return DistributionStatus(mail.delivery_state(self.outbox_email))

    @property
    def delivered_at(self):
        if self.outbox_email is None:
            return self.sent_at
        return mail.delivered_at(self.outbox_email)

    @property
    def delivery_error(self):
        """The error of the last failed attempt, also while a retry is pending."""
        if self.outbox_email is None:
            return self.error
        return mail.last_error(self.outbox_email)


def _keep_delivery_of_deleted_mail(sender, instance, **kwargs):
    """When the outbox drops an old mail (`cleanup_mail`), its distribution row keeps the
    outcome: status, time of delivery and last error are copied onto the row first."""
    Distribution.objects.filter(outbox_email=instance).update(
        status=mail.delivery_state(instance),
        sent_at=mail.delivered_at(instance),
        error=mail.last_error(instance),
    )


models.signals.pre_delete.connect(
    _keep_delivery_of_deleted_mail,
    sender="post_office.Email",
    dispatch_uid="contracts.keep_delivery_of_deleted_mail",
)
