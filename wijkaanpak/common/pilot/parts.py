"""The registry of the parts of the file and the steps between them, discovered per app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pydantic
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

from wijkaanpak.common.pilot.context import LoadContext
from wijkaanpak.common.pilot.problems import META_KEY, problem
from wijkaanpak.common.pilot.schema import Item, problems_of


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
            return [], problems_of(error, self.key)
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
    current = registered_context()
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


def schedule():
    """Parts and steps in the order a load runs them; a step before a part of its order."""
    parts = registered_parts()
    return sorted([*_steps.values(), *parts], key=lambda entry: (entry.order, type(entry) is Part))


def registered_context():
    """The LoadContext class loads use: the one an app registered, or the plain one."""
    return _context_class.get("registered", LoadContext)
