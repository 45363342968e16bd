"""Reading, checking and loading a pilot-data file, in one transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pydantic
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from wijkaanpak.common.pilot.parts import Step, registered_context, registered_parts, schedule
from wijkaanpak.common.pilot.problems import (
    DEFAULT_PILOT_FILE,
    META_KEY,
    PilotDataError,
    fail,
    problem,
)
from wijkaanpak.common.pilot.schema import Item, Meta, problems_of


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
            problems += problems_of(error, META_KEY)
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
    steps = schedule()
    context = registered_context()(
        note=checked.meta.load_note or str(_("Loaded from the pilot data")),
        public_address=checked.meta.public_address,
    )
    with transaction.atomic():
        for entry in steps:
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
