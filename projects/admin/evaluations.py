"""Final evaluations (eindevaluaties) in the admin.

An evaluation is opened with its final round (the "final evaluation" kind on the reporting
round's add page: `rounds`). Here the editors write the summary, the decision on the
contract's future and a verdict per wish (only the evaluated contract's wishes are offered),
each saved through `projects.services`; the button "Eindevaluatie afsluiten" closes it through
`close_evaluation`, which freezes the figures. A closed evaluation is read-only.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contracts.models import ResidentWish
from projects import selectors, services
from projects.models import ContractEvaluation, WishVerdictRecord
from wijkaanpak.common.admin.history import ViewOnlyHistoryAdmin
from wijkaanpak.common.admin.labels import LabelledTabularInline
from wijkaanpak.common.admin.refusals import report_refusal
from wijkaanpak.common.admin.views import ObjectActionsMixin

CLOSE_LABEL = _("Close the final evaluation")


class WishVerdictForm(forms.ModelForm):
    class Meta:
        model = WishVerdictRecord
        fields = ("wish", "verdict", "explanation")
        widgets = {"explanation": forms.Textarea(attrs={"rows": 3, "cols": 60})}


class WishVerdictInline(LabelledTabularInline):
    """The verdict per wish; the wish list holds the evaluated contract's wishes only (the
    model's clean() refuses any other, should one be posted)."""

    model = WishVerdictRecord
    form = WishVerdictForm
    extra = 0
    can_delete = False

    def get_formset(self, request, obj=None, **kwargs):
        self._evaluation = obj
        return super().get_formset(request, obj, **kwargs)

    def get_extra(self, request, obj=None, **kwargs):
        if obj is None or obj.is_closed:
            return 0
        return max(obj.contract.wishes.count() - obj.verdicts.count(), 0)

    def get_max_num(self, request, obj=None, **kwargs):
        return obj.contract.wishes.count() if obj is not None else 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "wish":
            evaluation = getattr(self, "_evaluation", None)
            kwargs["queryset"] = ResidentWish.objects.filter(
                contract=evaluation.contract if evaluation is not None else None
            ).order_by("order", "pk")
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "wish" and hasattr(field.widget, "widget"):
            field.widget = field.widget.widget  # no "add another wish" beside it
        return field

    def has_add_permission(self, request, obj=None):
        return obj is not None and not obj.is_closed and self.has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_closed:
            return False
        return request.user.has_perm("projects.change_contractevaluation")

    def has_delete_permission(self, request, obj=None):
        return False


class ContractEvaluationForm(forms.ModelForm):
    class Meta:
        model = ContractEvaluation
        fields = ("summary", "future", "future_explanation")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("future") and not (cleaned.get("future_explanation") or "").strip():
            self.add_error(
                "future_explanation",
                ValidationError(
                    _("Explain the decision on the contract's future."),
                    code="future_explanation_missing",
                ),
            )
        return cleaned


@admin.register(ContractEvaluation)
class ContractEvaluationAdmin(ObjectActionsMixin, ViewOnlyHistoryAdmin):
    """The final evaluations: opened with their final round, written here through the
    services, closed with the button; read-only once closed."""

    form = ContractEvaluationForm
    inlines = [WishVerdictInline]
    list_display = ("contract", "round", "future", "state", "closed_at")
    list_filter = ("future", ("closed_at", admin.EmptyFieldListFilter))
    list_select_related = ("contract__neighbourhood", "round")
    search_fields = ("contract__title", "contract__neighbourhood__name")
    readonly_fields = ("contract", "round", "figures", "closed_at", "closed_by")
    history_parts = ((WishVerdictRecord, "evaluation_id", "wish"),)
    history_parts_title = _("Changes to the verdicts")
    fieldsets = (
        (None, {"fields": ("contract", "round")}),
        (
            _("Outcome"),
            {
                "fields": ("summary", "future", "future_explanation"),
                "description": _(
                    "Closing needs a report from every team in the final round, a verdict "
                    "with an explanation on every wish and the decision on the future."
                ),
            },
        ),
        (_("Closed"), {"fields": ("closed_at", "closed_by", "figures")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("contract__neighbourhood", "round")

    @admin.display(description=_("state"))
    def state(self, obj):
        return gettext("closed") if obj.is_closed else gettext("open")

    @admin.display(description=_("figures at closing"))
    def figures(self, obj):
        """The frozen snapshot, readable: the projects per status with the average, the
        verdicts per kind and each project."""
        if not obj.snapshot:
            return "–"
        figures = selectors.snapshot_figures(obj.snapshot)
        lines = [
            gettext("Taken on %(date)s.") % {"date": date_format(figures["date"], "j F Y")}
            if figures["date"]
            else "",
            ", ".join(f"{line['label']}: {line['count']}" for line in figures["status_counts"]),
            gettext("Average percent complete: %(percent)s%%")
            % {"percent": figures["average_percent"]},
            ", ".join(f"{line['label']}: {line['count']}" for line in figures["verdict_counts"]),
            *(
                f"{project['number']}. {project['title']}: {project['label']}, "
                f"{project['percent_complete']}%"
                for project in figures["projects"]
            ),
        ]
        return format_html_join(
            "", "<span class='evaluation-snapshot'>{}</span><br>", ((line,) for line in lines)
        )

    # --- Written through the services; read-only once closed ---

    def has_add_permission(self, request):
        return False  # opened with the final round (ReportingRoundAdmin)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_closed:
            return False
        return super().has_change_permission(request, obj)

    def has_close_permission(self, request, obj=None):
        return request.user.has_perm("projects.change_contractevaluation") and (
            obj is None or not obj.is_closed
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A service's refusal rolls back the whole save (the admin saves in a transaction)
        and is reported; nothing is written half."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            report_refusal(request, error)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if data.get("future"):
            services.set_future(
                obj,
                future=data["future"],
                explanation=data["future_explanation"],
                summary=data["summary"],
                user=request.user,
            )
        else:
            services.set_summary(obj, summary=data["summary"], user=request.user)

    def save_formset(self, request, form, formset, change):
        evaluation = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if not inline_form.has_changed() or not inline_form.cleaned_data.get("wish"):
                continue
            data = inline_form.cleaned_data
            record = services.record_verdict(
                evaluation,
                data["wish"],
                verdict=data["verdict"],
                explanation=data["explanation"],
                user=request.user,
            )
            if inline_form.instance.pk is None:
                formset.new_objects.append(record)
            else:
                formset.changed_objects.append((record, inline_form.changed_data))

    # --- Closing ---

    def change_view(self, request, object_id, form_url="", extra_context=None):
        evaluation = self.get_object(request, unquote(object_id))
        if evaluation is not None:
            extra_context = {
                **(extra_context or {}),
                "close_url": (
                    reverse("admin:projects_contractevaluation_close", args=[quote(evaluation.pk)])
                    if self.has_close_permission(request, evaluation)
                    else None
                ),
                "close_label": CLOSE_LABEL,
                "close_problems": (
                    [] if evaluation.is_closed else services.evaluation_problems(evaluation)
                ),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/close/",
                self.admin_site.admin_view(self.close_view),
                name="projects_contractevaluation_close",
            ),
            *super().get_urls(),
        ]

    def close_view(self, request, object_id):
        """POST only: close the evaluation through the service, then go back to it."""

        def close(evaluation, data):
            services.close_evaluation(evaluation, user=request.user)
            self.log_field_change(request, evaluation, "closed_at")
            messages.success(
                request,
                gettext(
                    "The final evaluation of “%(contract)s” is closed on %(date)s; its figures "
                    "are frozen. The contract can now be completed."
                )
                % {
                    "contract": evaluation.contract,
                    "date": date_format(evaluation.closed_at, "j F Y"),
                },
                extra_tags="evaluation_closed",
            )

        return self.object_action(
            request,
            object_id,
            close,
            allowed=lambda request: self.has_close_permission(request),
        )


__all__ = ["ContractEvaluationAdmin", "WishVerdictInline"]
