"""How the admin tells staff that the model layer or a service refused a write."""

from django.contrib import messages
from django.utils.translation import gettext


def error_codes(error):
    """The codes of a ValidationError, as message tags, so tests and styles can tell them apart."""
    if hasattr(error, "error_dict"):
        errors = [e for field_errors in error.error_dict.values() for e in field_errors]
    else:
        errors = error.error_list
    return " ".join(sorted({e.code for e in errors if e.code})) or "invalid"


def report_refusal(request, error, subject=None):
    """Tell the user, in one error message, why the model layer or a service refused a write."""
    reasons = " ".join(error.messages)
    if subject is None:
        text = gettext("Nothing was changed: %(reasons)s") % {"reasons": reasons}
    else:
        text = gettext("“%(subject)s” was not changed: %(reasons)s") % {
            "subject": subject,
            "reasons": reasons,
        }
    messages.error(request, text, extra_tags=error_codes(error))


def report_conflict(request):
    """A database constraint stopped a write that the forms could not foresee (a race)."""
    messages.error(
        request,
        gettext(
            "Nothing was changed: someone else changed the same data at the same time. "
            "Check the current data and try again."
        ),
        extra_tags="integrity_error",
    )
