"""A contract's lifecycle in the admin: the box with its next steps, the buttons and actions.

Every step goes through `contracts.services.change_status`; "signed" leads to the form that
registers the signing (`contracts.admin.signing`).
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contracts import services, tasks
from contracts.choices import ContractStatus
from contracts.forms import (
    ContractStepForm,
)
from wijkaanpak.common.admin.refusals import report_refusal

# The lifecycle steps as staff see them: forward steps first, the way back last. "Signed" is
# not a button like the others: it leads to the form that registers the signing.
STEP_ORDER = (
    ContractStatus.READY_FOR_SIGNING,
    ContractStatus.SIGNED,
    ContractStatus.COMPLETED,
    ContractStatus.DRAFT,
)
STEP_LABELS = {
    ContractStatus.READY_FOR_SIGNING: _("Mark as ready for signing"),
    ContractStatus.DRAFT: _("Back to draft"),
    ContractStatus.SIGNED: _("Register the signing…"),
    ContractStatus.COMPLETED: _("Mark as completed"),
}


class LifecycleAdminMixin:
    """The contract admin's lifecycle: what the change page shows, its buttons, the actions."""

    def _lifecycle(self, request, obj):
        """What the lifecycle box on the change page shows: status, next steps, what's missing."""
        steps, signing_url = [], None
        if self.has_change_permission(request):
            allowed = services.allowed_transitions(obj.status)
            steps = [
                (step.value, STEP_LABELS[step])
                for step in STEP_ORDER
                if step in allowed and step != ContractStatus.SIGNED
            ]
            if ContractStatus.SIGNED in allowed:
                signing_url = self._signing_url(obj)
        if obj.status == ContractStatus.DRAFT:
            problems = services.readiness_problems(obj)
            problems_title = _("Still needed before it can be marked as ready for signing:")
        elif obj.status == ContractStatus.READY_FOR_SIGNING:
            problems = services.signing_problems(obj)
            problems_title = _("Still needed before it can be marked as signed:")
        else:
            problems, problems_title = [], None
        if obj.status == ContractStatus.READY_FOR_SIGNING:
            notice = _(
                "Its final PDF has been made: the file that is printed and signed, and "
                "archived unchanged when the signing is registered. The text, parties, wishes "
                "and the planned date and place of signing are fixed while it is ready for "
                "signing. Move it back to draft to change them (the final PDF is then "
                "discarded); a signing on another date or in another place gets a new print "
                "when it is registered."
            )
        elif obj.is_frozen:
            notice = _("This contract has been signed: it can no longer be changed.")
        else:
            notice = None
        return {
            "status": obj.get_status_display(),
            "status_value": obj.status,
            "steps": steps,
            "signing_url": signing_url,
            "signing_label": STEP_LABELS[ContractStatus.SIGNED],
            "problems": [
                {"message": message, "url": self._fix_url(problem)}
                for problem in problems
                for message in problem.messages
            ],
            "problems_title": problems_title,
            "notice": notice,
            "url": reverse("admin:contracts_contract_change_status", args=[quote(obj.pk)]),
            "form": ContractStepForm(auto_id="lifecycle-%s"),
        }

    # --- Lifecycle: the change page's buttons and the changelist's actions ---

    @staticmethod
    def _fix_url(problem):
        """Where on the change page (or which page) a readiness problem is fixed."""
        where = (getattr(problem, "params", None) or {}).get("where")
        if isinstance(where, tuple):
            app_label, model_name, pk = where
            return reverse(f"admin:{app_label}_{model_name}_change", args=[quote(pk)])
        if where in ("sections", "parties", "wishes", "projects"):
            return f"#{where}-group"
        return None

    def get_urls(self):
        custom = [
            path(
                "<path:object_id>/status/",
                self.admin_site.admin_view(self.change_status_view),
                name="contracts_contract_change_status",
            ),
        ]
        return custom + super().get_urls()

    def change_status_view(self, request, object_id):
        """POST only: take one lifecycle step for one contract, then go back to its page."""

        def step(contract, data):
            if data["to_status"] == ContractStatus.SIGNED:
                # Signing is registered with its date, place and parties, in its own form.
                return HttpResponseRedirect(self._signing_url(contract))
            self._take_step(request, contract, data["to_status"], note=data["note"])
            return None

        return self.object_action(
            request,
            object_id,
            step,
            allowed=self.has_change_permission,
            form_class=ContractStepForm,
            invalid=(gettext("Choose one of the offered steps."), "invalid_step"),
        )

    def _take_step(self, request, contract, to_status, note=""):
        """Ask the lifecycle service for one step and report the outcome; True when taken."""
        from_label = contract.get_status_display()
        try:
            services.change_status(contract, to_status, user=request.user, note=note)
        except ValidationError as error:
            report_refusal(request, error, subject=contract)
            return False
        self.log_field_change(request, contract, "status")
        messages.success(
            request,
            gettext("“%(contract)s” went from “%(from)s” to “%(to)s”.")
            % {"contract": contract, "from": from_label, "to": contract.get_status_display()},
        )
        return True

    def _take_step_for_each(self, request, queryset, to_status):
        for contract in queryset.order_by("pk"):
            self._take_step(request, contract, to_status)

    @admin.action(description=STEP_LABELS[ContractStatus.READY_FOR_SIGNING], permissions=["change"])
    def mark_ready_for_signing(self, request, queryset):
        """Each step renders a final PDF, and a request renders at most one: refusals are
        reported here, one accepted contract takes its step here, several go to a task."""
        accepted = []
        for contract in queryset.order_by("pk"):
            refusal = services.step_refusal(contract, ContractStatus.READY_FOR_SIGNING)
            if refusal is None:
                accepted.append(contract)
            else:
                report_refusal(request, refusal, subject=contract)
        if len(accepted) == 1:
            self._take_step(request, accepted[0], ContractStatus.READY_FOR_SIGNING)
        elif accepted:
            ids, user_id = [contract.pk for contract in accepted], request.user.pk
            # Nothing is written here first: the task may start at once.
            tasks.mark_ready_for_signing.delay(ids, user_id)
            messages.info(
                request,
                gettext(
                    "%(count)d contracts are being marked as ready for signing; their final "
                    "PDFs are made in the background. The list shows their status once they "
                    "are done."
                )
                % {"count": len(accepted)},
                extra_tags="ready_in_background",
            )

    @admin.action(description=STEP_LABELS[ContractStatus.DRAFT], permissions=["change"])
    def mark_draft(self, request, queryset):
        self._take_step_for_each(request, queryset, ContractStatus.DRAFT)

    @admin.action(description=STEP_LABELS[ContractStatus.SIGNED], permissions=["change"])
    def register_signing(self, request, queryset):
        """The signing of one selected contract is registered in its own form, never in bulk."""
        selected = list(queryset.order_by("pk")[:2])
        if len(selected) == 1:
            return HttpResponseRedirect(self._signing_url(selected[0]))
        messages.error(
            request,
            gettext(
                "Select one contract: its signing is registered with its own date, place "
                "and signing parties."
            ),
            extra_tags="select_one_to_sign",
        )
        return None

    @admin.action(description=STEP_LABELS[ContractStatus.COMPLETED], permissions=["change"])
    def mark_completed(self, request, queryset):
        self._take_step_for_each(request, queryset, ContractStatus.COMPLETED)
