"""The value types of a part's items and the pydantic checks that turn mistakes into problems."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated

import pydantic
from django.utils.translation import gettext_lazy as _
from pydantic_core import PydanticCustomError

from wijkaanpak.common.pilot.problems import MAX_LOAD_NOTE_LENGTH, aware, problem

# Pydantic checks each value; a type wrapped in `explained` replaces pydantic's own wording of
# any failure by one message of the project, so staff read the same sentence for every way a
# value can miss.

_OWN_ERROR = "pilot_invalid"


def invalid(message, **params):
    """A pydantic error that becomes an "invalid" problem with this translatable message."""
    return PydanticCustomError(_OWN_ERROR, "{message}", {"message": message, "params": params})


def explained(message, **params):
    """Annotation metadata: every failure of the value is reported as `message`."""

    def validate(value, handler):
        try:
            return handler(value)
        except pydantic.ValidationError:
            raise invalid(message, **params) from None

    return pydantic.WrapValidator(validate)


def _from_iso(kind):
    def parse(value):
        # Only text is parsed; anything else is left for pydantic to refuse.
        return kind.fromisoformat(value) if isinstance(value, str) else value

    return pydantic.BeforeValidator(parse)


def _as_decimal(value):
    # read_file gives fractions as Decimal; a file built in code may hold an int or a float.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    return value


# Text with at least one character that is not white space.
Text = Annotated[
    str, pydantic.StringConstraints(pattern=r"\S"), explained(_("must be a non-empty text"))
]
# Text that may be empty, for what an item can do without.
AnyText = Annotated[str, explained(_("must be a text"))]
Boolean = Annotated[bool, explained(_("must be true or false"))]
IsoDate = Annotated[
    datetime.date, _from_iso(datetime.date), explained(_("must be a date like 2007-10-02"))
]
# A date-time in the site's time zone when the file names no offset.
IsoMoment = Annotated[
    datetime.datetime,
    _from_iso(datetime.datetime),
    explained(_("must be a date and time like 2007-10-02T20:00:00+02:00")),
    pydantic.AfterValidator(aware),
]
WholeNumber = Annotated[
    int, pydantic.Field(ge=0), explained(_("must be a whole number of at least 0"))
]
PositiveWholeNumber = Annotated[
    int, pydantic.Field(ge=1), explained(_("must be a whole number of at least 1"))
]
# Euros, as Decimal, to the cent.
Amount = Annotated[
    Decimal,
    pydantic.BeforeValidator(_as_decimal),
    pydantic.Field(ge=0, decimal_places=2),
    explained(_("must be an amount in euros of at least 0 with at most 2 decimals")),
]
PositiveAmount = Annotated[
    Decimal,
    pydantic.BeforeValidator(_as_decimal),
    pydantic.Field(gt=0, decimal_places=2),
    explained(_("must be an amount in euros of more than 0 with at most 2 decimals")),
]


def choice(choices):
    """The type of a value of `choices` (a TextChoices); the item holds the member."""

    def member(value):
        return choices(value) if isinstance(value, str) and value in choices.values else value

    return Annotated[
        choices,
        pydantic.BeforeValidator(member),
        explained(_("must be one of: %(choices)s"), choices=", ".join(sorted(choices.values))),
    ]


class Item(pydantic.BaseModel):
    """An item of a part: its keys are the fields, and any other key is a typo.

    A key that may be left out has a default; ``null`` is refused everywhere, so a key left out
    and a key given always mean one thing each. :meth:`given` tells which keys the file gave.
    """

    model_config = pydantic.ConfigDict(extra="forbid", strict=True, frozen=True)

    @pydantic.field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value):
        if value is None:
            raise invalid(_("must not be null"))
        return value

    def given(self, name):
        """Whether the file gave the key `name`, rather than leaving it to its default."""
        return name in self.model_fields_set


class Meta(pydantic.BaseModel):
    """The file's ``meta``: free-form, except for the note the load writes into history and
    the site's public address the load prints in the PDFs it renders."""

    model_config = pydantic.ConfigDict(extra="allow", strict=True, frozen=True)

    load_note: Annotated[
        str,
        pydantic.StringConstraints(pattern=r"\S", max_length=MAX_LOAD_NOTE_LENGTH),
        explained(
            _("must be a text of at most %(maximum)d characters"), maximum=MAX_LOAD_NOTE_LENGTH
        ),
    ] = ""
    public_address: Annotated[
        str,
        pydantic.StringConstraints(pattern=r"^https?://[^\s/]+$", max_length=200),
        explained(_("must be an address like https://wijkaanpak.example, without a path")),
    ] = ""


# Pydantic's own errors about the shape of the file, as problems: (code, message).
_SHAPE_ERRORS = {
    "missing": ("missing", _("is missing")),
    "extra_forbidden": ("unknown_key", _("unknown key")),
    "model_type": ("invalid", _("must be an object with keys")),
    "model_attributes_type": ("invalid", _("must be an object with keys")),
    "dict_type": ("invalid", _("must be an object with keys")),
    "list_type": ("invalid", _("must be a list")),
}


def _path(prefix, location):
    path = prefix
    for step in location:
        path += f"[{step}]" if isinstance(step, int) else f".{step}" if path else str(step)
    return path


def problems_of(error: pydantic.ValidationError, prefix):
    """Pydantic's errors as the file's problems, each at its path below `prefix`."""
    problems = []
    for details in error.errors():
        path = _path(prefix, details["loc"])
        context = details.get("ctx", {})
        if details["type"] == _OWN_ERROR:
            problems.append(problem(path, "invalid", context["message"], **context["params"]))
        elif details["type"] == "too_short":
            message = _("needs at least %(minimum)d items")
            problems.append(problem(path, "invalid", message, minimum=context["min_length"]))
        elif details["type"] in _SHAPE_ERRORS:
            code, message = _SHAPE_ERRORS[details["type"]]
            problems.append(problem(path, code, message))
        else:
            # A value type without its own message: pydantic's words, as a last resort.
            message = _("is not valid (%(detail)s)")
            problems.append(problem(path, "invalid", message, detail=details["msg"]))
    return problems
