"""The final evaluation (eindevaluatie) of a contract: its closing round's outcome.

A final round (ReportingRound of kind "final") asks the teams of a contract, after its period,
what each project delivered (their ProjectReport of that round). The partners then give a
verdict per resident wish and decide on the contract's future. Closing the evaluation freezes a
snapshot of the figures; only a contract whose evaluation is closed can be completed.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from contracts.models import Contract, ResidentWish
from projects.choices import ContractFuture, WishVerdict
from projects.models.rounds import ReportingRound


class ContractEvaluation(models.Model):
    """The outcome of one contract's final evaluation."""

    contract = models.OneToOneField(
        Contract,
        on_delete=models.PROTECT,
        related_name="evaluation",
        verbose_name=_("contract"),
    )
    round = models.ForeignKey(
        ReportingRound,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("final round"),
    )
    summary = models.TextField(
        _("summary"), blank=True, help_text=_("What the partners conclude, for residents.")
    )
    future = models.CharField(
        _("decision on the contract's future"),
        max_length=20,
        choices=ContractFuture.choices,
        blank=True,
    )
    future_explanation = models.TextField(_("explanation of the decision"), blank=True)
    snapshot = models.JSONField(_("figures at closing"), default=dict, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("closed by"),
    )
    is_illustrative = models.BooleanField(_("illustrative"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("final evaluation")
        verbose_name_plural = _("final evaluations")
        ordering = ["contract__neighbourhood__name", "-contract__period_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(future__in=[*ContractFuture.values, ""]),
                name="evaluation_future_valid",
                violation_error_code="invalid_future",
                violation_error_message=_("Choose one of the listed decisions."),
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | ~Q(future=""),
                name="closed_evaluation_has_decision",
                violation_error_code="closed_without_decision",
                violation_error_message=_(
                    "A closed final evaluation needs a decision on the contract's future."
                ),
            ),
        ]

    def __str__(self):
        return str(self.contract)

    @property
    def is_closed(self):
        return self.closed_at is not None


class WishVerdictRecord(models.Model):
    """The final evaluation's verdict on one wish of the evaluated contract."""

    evaluation = models.ForeignKey(
        ContractEvaluation,
        on_delete=models.CASCADE,
        related_name="verdicts",
        verbose_name=_("final evaluation"),
    )
    wish = models.ForeignKey(
        ResidentWish,
        on_delete=models.PROTECT,
        related_name="verdicts",
        verbose_name=_("resident wish"),
    )
    verdict = models.CharField(_("verdict"), max_length=20, choices=WishVerdict.choices)
    explanation = models.TextField(_("explanation"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("verdict on a wish")
        verbose_name_plural = _("verdicts on wishes")
        ordering = ["evaluation", "wish__order", "wish__pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "wish"],
                name="one_verdict_per_wish",
                violation_error_code="duplicate_verdict",
                violation_error_message=_("This wish already has a verdict in this evaluation."),
            ),
            models.CheckConstraint(
                condition=Q(verdict__in=WishVerdict.values),
                name="wish_verdict_valid",
                violation_error_code="invalid_verdict",
                violation_error_message=_("Choose one of the listed verdicts."),
            ),
        ]

    def __str__(self):
        return f"{self.wish}: {self.get_verdict_display()}"

    def clean(self):
        super().clean()
        if (
            self.wish_id
            and self.evaluation_id
            and self.wish.contract_id != self.evaluation.contract_id
        ):
            raise ValidationError(
                {
                    "wish": ValidationError(
                        _(
                            "This wish belongs to another contract: give verdicts only on the "
                            "wishes of the evaluated contract."
                        ),
                        code="wish_of_other_contract",
                    )
                }
            )
