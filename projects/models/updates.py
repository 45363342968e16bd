"""Progress updates: what a project's team reports, append-only, hidden with a reason."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.choices import ProjectStatus, Visibility
from projects.models.project import PERCENT_VALIDATORS, Project, percent_constraint


def update_attachment_path(instance, filename):
    # The stored name is ours, not the uploader's: no path tricks, no personal data in names.
    suffix = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}.get(
        instance.attachment_type, ""
    )
    today = datetime.date.today()
    return f"updates/{today:%Y/%m}/project-{instance.project_id}-{today:%Y%m%d}{suffix}"


class ProgressUpdateQuerySet(models.QuerySet):
    def public(self):
        """Updates residents may read: public and not hidden."""
        return self.filter(visibility=Visibility.PUBLIC, hidden=False)

    def delete(self):
        raise ValidationError(
            _("Progress updates are never deleted; staff can hide one."), code="update_immutable"
        )

    delete.queryset_only = True


class ProgressUpdate(models.Model):
    """A dated report of how far a project is. Append-only: corrected by a newer update."""

    # The only fields that change after an update is written: those of hiding it.
    HIDING_FIELDS = frozenset({"hidden", "hidden_reason", "hidden_by", "hidden_at"})

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="updates", verbose_name=_("project")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    date = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=20, choices=ProjectStatus.choices)
    percent_complete = models.PositiveSmallIntegerField(
        _("percent complete"), validators=PERCENT_VALIDATORS
    )
    happened = models.TextField(_("what happened"), max_length=5000)
    next_steps = models.TextField(_("next steps"), max_length=5000, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    attachment = models.FileField(
        _("photo or document"), upload_to=update_attachment_path, blank=True
    )
    attachment_type = models.CharField(_("attachment type"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    hidden = models.BooleanField(_("hidden"), default=False)
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hidden by"),
    )
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)

    history = HistoricalRecords()
    objects = ProgressUpdateQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-date", "-created_at", "-pk"]
        # The admin's list: its default ordering and its filters (README, Speed).
        indexes = [
            models.Index(fields=["-date", "-created_at", "-id"], name="update_list_order"),
            models.Index(
                fields=["visibility", "-date", "-created_at", "-id"], name="update_visibility_order"
            ),
            models.Index(
                fields=["hidden", "-date", "-created_at", "-id"], name="update_hidden_order"
            ),
            models.Index(
                fields=["status", "-date", "-created_at", "-id"], name="update_status_order"
            ),
        ]
        get_latest_by = ["date", "created_at", "pk"]
        constraints = [
            percent_constraint("percent_complete", "update_percent_in_range"),
            models.CheckConstraint(
                condition=Q(status__in=ProjectStatus.values),
                name="update_status_valid",
                violation_error_code="invalid_status",
                violation_error_message=_("Unknown project status."),
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values),
                name="update_visibility_valid",
                violation_error_code="invalid_visibility",
                violation_error_message=_("Choose public or internal."),
            ),
            models.CheckConstraint(
                condition=Q(hidden=False) | ~Q(hidden_reason=""),
                name="update_hidden_has_reason",
                violation_error_code="hide_reason_missing",
                violation_error_message=_("Give the reason for hiding this update."),
            ),
        ]

    def __str__(self):
        return f"{self.project} – {date_format(self.date)}"

    def save(self, *args, **kwargs):
        # Append-only, whoever calls save(): only the hiding fields may change afterwards.
        update_fields = kwargs.get("update_fields")
        if not self._state.adding and not (
            update_fields is not None and set(update_fields) <= self.HIDING_FIELDS
        ):
            raise ValidationError(
                _("A progress update cannot be changed; write a new one to correct it."),
                code="update_immutable",
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(
            _("Progress updates are never deleted; staff can hide one."), code="update_immutable"
        )

    @property
    def is_public(self):
        return self.visibility == Visibility.PUBLIC and not self.hidden

    @property
    def attachment_is_image(self):
        return self.attachment_type in ("image/jpeg", "image/png")
