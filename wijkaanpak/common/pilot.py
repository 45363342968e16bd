"""The framework of the pilot-data loaders: a JSON file of parts, checked as a whole, then loaded.

Everything about a particular municipality is data, never code: the Haarlem pilot of 2007 lives
in ``data/pilot/haarlem-2007.json``; a later round or another municipality is another file.
The file is one JSON object with a key per part and a free-form ``meta`` object, whose
``load_note`` (at most 100 characters) becomes the reason on every history row the load writes.

Each app describes its own parts in its ``pilot`` module, which :func:`registered_parts`
discovers the way the admin discovers ``admin`` modules, so this module imports no app. A part
(:func:`register_part`) is a key of the file, a place in the loading order, a pydantic model of
its items, the fields that identify an item, and a function that loads the checked items. A
step (:func:`register_step`) runs at its place in the order whether or not the file has parts
there, such as walking the new contracts to "signed" once what belongs to their text is loaded.
An app may give loads a :class:`LoadContext` of its own with lookups for the parts above it
(:func:`register_context`).

The file is checked as a whole before anything is written: pydantic validates every part's
items against its model and every mistake becomes a :class:`Problem` with a path like
``contracts[0].parties[1].partner``, a code and a translatable message, so staff see every
mistake at once instead of one per run. The loaders then check what needs the database and
raise :class:`PilotDataError` at the first problem; everything is written in one transaction,
so a bad file changes nothing.

The value types items are declared with (:data:`Text`, :data:`IsoDate`, :data:`Amount`, …)
each speak one message when a value does not fit, and refuse what JSON would let slip through:
a number as text, ``1`` as true, ``null`` for a key that can be left out.
"""

from __future__ import annotations

import datetime
import json
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import pydantic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _
from pydantic_core import PydanticCustomError

DEFAULT_PILOT_FILE = Path(settings.BASE_DIR) / "data" / "pilot" / "haarlem-2007.json"

# The key of the file that is no part: it describes the file and is never loaded as records.
META_KEY = "meta"
# simple_history keeps a change reason of at most 100 characters.
MAX_LOAD_NOTE_LENGTH = 100
# The order of a step that runs once every part has loaded.
AFTER_ALL_PARTS = math.inf


# --- Problems ---------------------------------------------------------------------------------


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


# --- The value types of items -----------------------------------------------------------------
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
    """The file's ``meta``: free-form, except for the note the load writes into history."""

    model_config = pydantic.ConfigDict(extra="allow", strict=True, frozen=True)

    load_note: Annotated[
        str,
        pydantic.StringConstraints(pattern=r"\S", max_length=MAX_LOAD_NOTE_LENGTH),
        explained(
            _("must be a text of at most %(maximum)d characters"), maximum=MAX_LOAD_NOTE_LENGTH
        ),
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


def _problems_of(error: pydantic.ValidationError, prefix):
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


# --- Parts and steps --------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """A top-level key of the pilot file and how its items are checked and loaded."""

    key: str
    order: float
    schema: type[Item]
    unique_by: tuple[str, ...]
    load: Callable[[list[Item], LoadContext], None]

    def check(self, items):
        """The part's items as `schema` instances, and every problem with them."""
        try:
            checked = pydantic.TypeAdapter(list[self.schema]).validate_python(items)
        except pydantic.ValidationError as error:
            return [], _problems_of(error, self.key)
        problems, seen = [], {}
        for index, item in enumerate(checked):
            key = tuple(getattr(item, name) for name in self.unique_by)
            if key in seen:
                problems.append(
                    problem(
                        f"{self.key}[{index}]",
                        "duplicate",
                        _("repeats %(fields)s of %(part)s[%(first)d]"),
                        fields=", ".join(self.unique_by),
                        part=self.key,
                        first=seen[key],
                    )
                )
            else:
                seen[key] = index
        return checked, problems


@dataclass(frozen=True)
class Step:
    """Something a load does at its place in the order, whether or not the file has parts."""

    order: float
    run: Callable[[LoadContext], None]


_parts: dict[str, Part] = {}
_steps: dict[str, Step] = {}
# The LoadContext class loads use, once an app has registered one; see register_context.
_context_class: dict[str, type[LoadContext]] = {}


def register_part(key, *, order, schema, unique_by):
    """Register the decorated function as the loader of the file's `key` part.

    `order` places the part among the others and the steps (contracts use 10–40 and sign the
    contracts this load creates at 90; the fund comes at 200). `schema` is the Item model of the
    part's items and `unique_by` the fields that identify one within the file. The function
    receives the checked items and the LoadContext; it matches each item on its natural key and
    creates only what is missing.
    """
    unknown = set(unique_by) - set(schema.model_fields)
    if unknown:
        raise ValueError(f"Pilot part {key!r} is unique by fields it lacks: {sorted(unknown)}.")

    def decorator(load_function):
        if key == META_KEY or (key in _parts and _name(_parts[key].load) != _name(load_function)):
            raise ValueError(f"Pilot part {key!r} is already registered by another function.")
        _parts[key] = Part(key, order, schema, tuple(unique_by), load_function)
        return load_function

    return decorator


def register_step(*, order):
    """Register the decorated function(context) to run at `order` in every load.

    Before the parts of the same order; AFTER_ALL_PARTS runs it once everything is loaded.
    """

    def decorator(function):
        _steps[_name(function)] = Step(order, function)
        return function

    return decorator


def register_context(context_class):
    """Make loads use `context_class`: a LoadContext with the lookups of an app's records.

    Lookups add up along the order of the apps: a class registered later extends the one
    registered before it, so every part finds the records of the apps below its own.
    """
    current = _context_class.get("registered", LoadContext)
    if _name(current) != _name(context_class) and not issubclass(context_class, current):
        raise ValueError(f"{_name(context_class)} does not extend {_name(current)}.")
    _context_class["registered"] = context_class
    return context_class


def _name(registered):
    # By name, not identity: a module imported again (autoreload, importlib.reload) registers
    # new objects for the same parts.
    return f"{registered.__module__}.{registered.__qualname__}"


def registered_parts():
    """Every part, in loading order, including those of every app's ``pilot`` module."""
    autodiscover_modules("pilot")
    return sorted(_parts.values(), key=lambda part: part.order)


def _schedule():
    """Parts and steps in the order a load runs them; a step before a part of its order."""
    parts = registered_parts()
    return sorted([*_steps.values(), *parts], key=lambda entry: (entry.order, type(entry) is Part))


# --- Loading ----------------------------------------------------------------------------------


@dataclass
class LoadContext:
    """What a load has found and made so far: lookups for later parts and the report."""

    note: str
    created: Counter = field(default_factory=Counter)
    existing: Counter = field(default_factory=Counter)
    models: list = field(default_factory=list)
    # (model, pk) of every record this load created, so later parts add only to new records.
    new_records: set[tuple[type[models.Model], Any]] = field(default_factory=set)
    found: dict[tuple[type[models.Model], str, Any], models.Model] = field(default_factory=dict)

    def count(self, model, *, created, number=1):
        if model not in self.models:
            self.models.append(model)
        (self.created if created else self.existing)[model] += number

    def find(self, model, field_name, value, path):
        """The record of `model` whose `field_name` is `value`, or the problem at `path`.

        Earlier parts of the same file come first; the database serves a file that builds on
        records loaded before (a second round that reuses the districts and partners).
        """
        key = (model, field_name, value)
        if key not in self.found:
            record = model.objects.filter(**{field_name: value}).first()
            if record is None:
                raise not_found(path, model, field_name, value)
            self.found[key] = record
        return self.found[key]

    def is_new(self, instance):
        """Whether this load created `instance`.

        What belongs to a record (a contract's projects, a project's updates) comes with a new
        record only: one that exists is left as staff and teams have made it.
        """
        return (type(instance), instance.pk) in self.new_records

    def mark_new(self, instance):
        self.new_records.add((type(instance), instance.pk))

    def save_new(self, instance, path, *, exclude=()):
        """Validate and save a new record, with the load note as its history reason.

        `exclude` names fields full_clean skips, such as a user field the file leaves empty
        that only a person filling in a form must give.
        """
        instance._change_reason = self.note
        try:
            instance.full_clean(exclude=list(exclude) or None)
        except ValidationError as error:
            raise rejected(path, error) from error
        instance.save()
        self.count(type(instance), created=True)
        self.mark_new(instance)
        return instance

    def get_or_create(self, model, lookup, build, path):
        """The record matching `lookup`, untouched; or a new one from `build()`. Returns
        (record, created)."""
        record = model.objects.filter(**lookup).first()
        if record is not None:
            self.count(model, created=False)
            return record, False
        return self.save_new(build(), path), True


@dataclass(frozen=True)
class LoadReport:
    """How many records of each model a load created, and how many it found already there."""

    rows: list[tuple[type[models.Model], int, int]]

    @property
    def created_anything(self):
        return any(created for _model, created, _existing in self.rows)


def read_file(path):
    """Read a pilot file: UTF-8 JSON, numbers with a fraction as Decimal (money), no key twice."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle, parse_float=Decimal, object_pairs_hook=_refuse_duplicate_keys)
    except OSError as error:
        message = _("cannot read %(file)s: %(error)s")
        raise fail("", "unreadable", message, file=path, error=error.strerror) from error
    except UnicodeDecodeError as error:
        raise fail("", "not_utf8", _("%(file)s is not UTF-8 text"), file=path) from error
    except json.JSONDecodeError as error:
        message = _("%(file)s is not valid JSON: %(error)s (line %(line)d, column %(column)d)")
        raise fail(
            "",
            "invalid_json",
            message,
            file=path,
            error=error.msg,
            line=error.lineno,
            column=error.colno,
        ) from error
    except _DuplicateKey as error:
        message = _("%(file)s has the key “%(key)s” twice in one object")
        raise fail("", "duplicate", message, file=path, key=error.key) from error


class _DuplicateKey(Exception):
    def __init__(self, key):
        super().__init__(key)
        self.key = key


def _refuse_duplicate_keys(pairs):
    # json silently keeps the last of two equal keys; in hand-edited data that hides a mistake.
    result = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


@dataclass(frozen=True)
class CheckedFile:
    """A pilot file that passed the check: its meta and each part's items as Item models."""

    meta: Meta
    parts: dict[str, list[Item]]


def _checked(data):
    """The file's data checked against every part's model: (CheckedFile or None, problems)."""
    if not isinstance(data, dict):
        return None, [problem("", "invalid", _("the file must hold one JSON object with keys"))]
    parts = {part.key: part for part in registered_parts()}
    problems = [
        problem(
            key, "unknown_key", _("unknown part; known parts: %(parts)s"), parts=", ".join(parts)
        )
        for key in data
        if key != META_KEY and key not in parts
    ]
    if not any(key in parts for key in data):
        problems.append(problem("", "missing", _("the file has none of the known parts")))
    meta = Meta()
    if META_KEY in data:
        try:
            meta = Meta.model_validate(data[META_KEY])
        except pydantic.ValidationError as error:
            problems += _problems_of(error, META_KEY)
    checked = {}
    for key, part in parts.items():
        if key in data:
            checked[key], part_problems = part.check(data[key])
            problems += part_problems
    if problems:
        return None, problems
    return CheckedFile(meta=meta, parts=checked), []


def check(data):
    """Every problem with the structure of the file's data, without touching the database."""
    return _checked(data)[1]


def load(data):
    """Load checked pilot data in one transaction; return a LoadReport.

    Raises PilotDataError, with nothing written, when the data has problems.
    """
    checked, problems = _checked(data)
    if problems:
        raise PilotDataError(problems)
    schedule = _schedule()
    context_class = _context_class.get("registered", LoadContext)
    context = context_class(note=checked.meta.load_note or str(_("Loaded from the pilot data")))
    with transaction.atomic():
        for entry in schedule:
            if isinstance(entry, Step):
                entry.run(context)
            elif entry.key in checked.parts:
                entry.load(checked.parts[entry.key], context)
    return LoadReport(
        rows=[(model, context.created[model], context.existing[model]) for model in context.models]
    )


def load_file(path=DEFAULT_PILOT_FILE):
    """Read, check and load a pilot file; see :func:`load`."""
    return load(read_file(path))
