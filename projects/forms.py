"""Forms of the project teams' portal.

The forms check the shape of the input only (a date is a date, a number a number, a status
one of the known ones). The rules (the lifecycle table, 0–100, no future dates, the kind and
size of an upload) belong to projects.services, which the views call and whose errors they
put on these forms' fields: one place for each rule, with one error code.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from projects.choices import PROJECT_TRANSITIONS, ProjectStatus, Visibility
from projects.validators import MAX_ATTACHMENT_BYTES

# The template that renders a form's fields without its own error box: the page's error
# summary (templates/includes/error_summary.html) lists every error once.
FIELDS_TEMPLATE = "projects/portal/includes/form_fields.html"

VISIBILITY_CHOICES = [
    (Visibility.PUBLIC, _("Public: residents can read it on the project page")),
    (Visibility.INTERNAL, _("Internal: only the project team and municipal staff")),
]


def status_choices_for(project):
    """The current status of `project` and those the lifecycle table lets it move to."""
    allowed = {project.status, *PROJECT_TRANSITIONS[project.status]}
    return [(value, capfirst(label)) for value, label in ProjectStatus.choices if value in allowed]


class TextCheckedByService(forms.CharField):
    """A required text that the service checks itself (with its own code).

    Shown as required, but left to the service, so that a missing text is reported together
    with the service's other refusals (a date in the future, a bad upload) in one go, instead
    of hiding them until the text is filled in.
    """

    def __init__(self, **kwargs):
        super().__init__(required=True, **kwargs)

    def validate(self, value):
        pass


class PortalFormMixin:
    """Crispy rendering without a form tag (the template writes it) and with the status
    choices of the project at hand."""

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        # Every known status passes the form; whether this project may take it is the
        # lifecycle table's call (projects.services), so the refusal carries its own code.
        # The list offers only the statuses the table allows.
        self.fields["status"].widget.choices = status_choices_for(project)
        self.fields["status"].help_text = _(
            "Only the statuses this project can move to from “%(status)s” are listed. "
            "Done and cancelled are final."
        ) % {"status": project.get_status_display()}
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.template = FIELDS_TEMPLATE
        self.helper.layout = Layout(*self.fields)


class ProgressUpdateForm(PortalFormMixin, forms.Form):
    """A dated progress update of one project (written by projects.services.log_update)."""

    date = forms.DateField(
        label=_("Date"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    status = forms.ChoiceField(label=_("Status"), choices=ProjectStatus.choices)
    percent_complete = forms.IntegerField(
        label=_("Percent complete"),
        help_text=_("How far the project is, as a whole number from 0 to 100."),
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1, "inputmode": "numeric"}),
    )
    happened = TextCheckedByService(
        label=_("What happened"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    next_steps = forms.CharField(
        label=_("Next steps"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    visibility = forms.ChoiceField(
        label=_("Who may read this update?"),
        choices=VISIBILITY_CHOICES,
        initial=Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )
    attachment = forms.FileField(
        label=_("Photo or document (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, project=project, **kwargs)
        self.fields["date"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["date"].widget.attrs["min"] = project.contract.period_start.isoformat()
        # Help texts with values are made here, in the language of the request.
        self.fields["date"].help_text = _(
            "The day it happened: not in the future, and not before the contract started "
            "(%(start)s)."
        ) % {"start": date_format(project.contract.period_start)}
        self.fields["attachment"].help_text = _(
            "A photo (JPEG or PNG) or a PDF document of at most %(limit)s."
        ) % {"limit": filesizeformat(MAX_ATTACHMENT_BYTES)}


class ProjectReportForm(PortalFormMixin, forms.Form):
    """The report of one project for a reporting round (projects.services.submit_report)."""

    achieved = TextCheckedByService(
        label=_("What was achieved"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    deviations = forms.CharField(
        label=_("Deviations from the plan, and why"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    next_steps = forms.CharField(
        label=_("Next steps"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    status = forms.ChoiceField(label=_("Status"), choices=ProjectStatus.choices)
    percent_complete = forms.IntegerField(
        label=_("Percent complete"),
        help_text=_("How far the project is, as a whole number from 0 to 100."),
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1, "inputmode": "numeric"}),
    )

    def __init__(self, *args, final=False, **kwargs):
        super().__init__(*args, **kwargs)
        if final:
            # The final evaluation asks what the project delivered, at the contract's end.
            self.fields["achieved"].label = _("What was delivered")
            self.fields["achieved"].help_text = _(
                "What the project delivered over the whole contract period, for residents."
            )
            self.fields["deviations"].label = _("What was not delivered as planned, and why")
            self.fields["next_steps"].label = _("What is still needed after the contract")
            self.fields["percent_complete"].help_text = _(
                "How far the project got by the end of the contract, from 0 to 100."
            )


# --- Accepting an invitation to a team --------------------------------------------------------


class InvitationAccountForm(forms.Form):
    """The user name and password of a new team account, chosen by the invited person.

    Only the shape is checked here; whether the name is free and the password strong enough
    (Django's password validators) is projects.invitations' call.
    """

    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        required=False,
        help_text=_(
            "You log in with this name. Your e-mail address will do; letters, digits and "
            "@ . + - _ only."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        help_text=_(
            "At least 8 characters, not only digits, not a common password and not like your "
            "name or address."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        required=False,
        strip=False,
        help_text=_("Type the same password once more, to rule out a typing error."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
