"""Reporting rounds, the reports the teams hand in and the reminders to late teams."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from contracts.models import (
    Contract,
)
from projects.choices import ProjectStatus, RoundKind
from projects.models.project import PERCENT_VALIDATORS, Project, percent_constraint
from wijkaanpak.common import mail
from wijkaanpak.common.text import NAME_VALIDATORS


class ReportingRound(models.Model):
    """A call on the project teams of some contracts to report, e.g. the midterm review."""

    title = models.CharField(_("title"), max_length=200, validators=NAME_VALIDATORS)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=RoundKind.choices,
        default=RoundKind.MIDTERM,
        help_text=_(
            "A midterm review, or a contract's final evaluation after its period: the teams "
            "then report what each project delivered."
        ),
    )
    introduction = models.TextField(_("introduction"), blank=True)
    contracts = models.ManyToManyField(
        Contract, related_name="reporting_rounds", verbose_name=_("contracts")
    )
    due_date = models.DateField(_("due date"))
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    is_illustrative = models.BooleanField(_("illustrative"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reporting round")
        verbose_name_plural = _("reporting rounds")
        ordering = ["-due_date", "-pk"]
        # The admin's list: its default ordering and its filters (README, Speed).
        indexes = [
            models.Index(fields=["-due_date", "-id"], name="round_list_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=RoundKind.values),
                name="round_kind_valid",
                violation_error_code="invalid_round_kind",
                violation_error_message=_("Choose one of the listed kinds of round."),
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_final(self):
        return self.kind == RoundKind.FINAL

    def requested_projects(self):
        """The projects asked to report: every project of the round's contracts but the
        cancelled ones."""
        return (
            Project.objects.filter(contract__in=self.contracts.all())
            .exclude(status=ProjectStatus.CANCELLED)
            .select_related("contract__neighbourhood", "lead_partner")
        )

    def is_past_due(self, today=None):
        return (today or datetime.date.today()) > self.due_date


class ProjectReport(models.Model):
    """What a team hands in for a reporting round. Frozen once handed in."""

    round = models.ForeignKey(
        ReportingRound,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("reporting round"),
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="reports", verbose_name=_("project")
    )
    achieved = models.TextField(_("what was achieved"), max_length=10000)
    deviations = models.TextField(
        _("deviations from the plan, and why"), max_length=10000, blank=True
    )
    next_steps = models.TextField(_("next steps"), max_length=10000, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ProjectStatus.choices)
    percent_complete = models.PositiveSmallIntegerField(
        _("percent complete"), validators=PERCENT_VALIDATORS
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("handed in by"),
    )
    submitted_at = models.DateTimeField(_("handed in at"))

    class Meta:
        verbose_name = _("project report")
        verbose_name_plural = _("project reports")
        ordering = ["round", "project__contract", "project__number"]
        # The admin's list: its default ordering and its filters (README, Speed).
        indexes = [
            models.Index(fields=["status"], name="report_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "project"],
                name="one_report_per_round_and_project",
                violation_error_code="report_already_submitted",
                violation_error_message=_(
                    "A report for this project has already been handed in for this round."
                ),
            ),
            percent_constraint("percent_complete", "report_percent_in_range"),
            models.CheckConstraint(
                condition=Q(status__in=ProjectStatus.values),
                name="report_status_valid",
                violation_error_code="invalid_status",
                violation_error_message=_("Unknown project status."),
            ),
        ]

    def __str__(self):
        return f"{self.round}: {self.project}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(
                _("A handed-in report cannot be changed."), code="report_immutable"
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("A handed-in report cannot be deleted."), code="report_immutable")


class ReportReminder(models.Model):
    """A reminder sent to the team of a project whose report is late."""

    round = models.ForeignKey(ReportingRound, on_delete=models.CASCADE, related_name="reminders")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reminders")
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    recipients = models.PositiveIntegerField(_("number of recipients"))
    # The mails in the outbox: the reminder counts as sent only once one was delivered.
    emails = models.ManyToManyField(
        "post_office.Email", blank=True, related_name="+", verbose_name=_("e-mails")
    )

    class Meta:
        verbose_name = _("report reminder")
        verbose_name_plural = _("report reminders")
        ordering = ["-sent_at"]

    def __str__(self):
        sent = date_format(timezone.localtime(self.sent_at)) if self.sent_at else "–"
        return f"{self.round}: {self.project} ({sent})"

    @property
    def delivery_state(self):
        """ "sent" once a mail reached a team member, "queued" while one waits or is retried,
        "failed" when every mail was given up; "" when the team had no address."""
        states = {mail.delivery_state(email) for email in self.emails.all()}
        for state in (mail.SENT, mail.QUEUED, mail.FAILED):
            if state in states:
                return state
        return ""
