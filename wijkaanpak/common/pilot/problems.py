"""What is wrong with a pilot-data file: located problems, and the helpers that raise them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_PILOT_FILE = Path(settings.BASE_DIR) / "data" / "pilot" / "haarlem-2007.json"

# The key of the file that is no part: it describes the file and is never loaded as records.
META_KEY = "meta"
# simple_history keeps a change reason of at most 100 characters.
MAX_LOAD_NOTE_LENGTH = 100
# The order of a step that runs once every part has loaded.
AFTER_ALL_PARTS = math.inf


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a pilot file: where (a path like ``contracts[2].title``), what."""

    path: str
    code: str
    message: str

    def __str__(self):
        return f"{self.path}: {self.message}" if self.path else str(self.message)


class PilotDataError(Exception):
    """The pilot file cannot be loaded; ``problems`` lists every problem found."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))

    @property
    def codes(self):
        return {problem.code for problem in self.problems}


def problem(path, code, message, **params):
    """A Problem whose message is translated now, in the language that is active."""
    return Problem(path=path, code=code, message=str(message % params if params else message))


def fail(path, code, message, **params):
    """A PilotDataError with one problem, to raise."""
    return PilotDataError([problem(path, code, message, **params)])


def rejected(path, error):
    """A model's or service's ValidationError as problems at `path` (and at its fields)."""
    if hasattr(error, "error_dict"):
        return PilotDataError(
            problem(f"{path}.{name}" if name != "__all__" else path, "rejected", message)
            for name, messages in error.message_dict.items()
            for message in messages
        )
    return PilotDataError(problem(path, "rejected", message) for message in error.messages)


def call(path, service, *args, **kwargs):
    """Call a service as staff would; its refusal becomes the problem of the item at `path`."""
    try:
        return service(*args, **kwargs)
    except ValidationError as error:
        raise rejected(path, error) from error


def not_found(path, model, field_name, value):
    """A PilotDataError for a reference to a record that neither the file nor the database has."""
    return fail(
        path,
        "unknown_reference",
        _("no %(model)s with %(field)s “%(value)s” in the file or database"),
        model=model._meta.verbose_name,
        field=field_name,
        value=value,
    )


def refuse_future(date, path):
    """What the services refuse of a date: one that lies in the future."""
    if date > timezone.localdate():
        raise fail(path, "date_in_future", _("The date cannot lie in the future."))


def aware(moment):
    """A date-time in the site's time zone when it names no offset itself."""
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
