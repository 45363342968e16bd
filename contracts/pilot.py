"""Load a municipality's pilot data (wijken, partners, signed contracts) from a JSON file.

Everything about a particular municipality is data, never code: the Haarlem pilot of 2007 lives
in ``data/pilot/haarlem-2007.json``; a later round or another municipality is another file.

The file is one JSON object with a key per part, loaded in this order:

``meta``
    Free-form description and sources. ``load_note`` (at most 100 characters) becomes the
    reason on every history row the load writes, and the note of lifecycle steps without one.
``districts``
    ``[{slug, name}]``
``neighbourhoods``
    ``[{slug, name, district: <district slug>, description?, sub_areas?: [name, ...]}]``
``partners``
    ``[{name, kind, email?, website?, is_illustrative?, source_note?}]``
``contracts``
    ``[{neighbourhood: <slug>, title, period_start, period_end, motto?, signed_on?,
    signing_place?, is_illustrative?, sections: [{heading, paragraphs: [text, ...]}],
    parties: [{partner: <partner name>, signatory_name, signatory_function}],
    wishes: [{title, description?, source}], lifecycle?: [{status, at, note?}]}]``

A contract is created as a draft; its lifecycle steps (ready for signing, signed) are walked
once every part ordered before :data:`SIGNING_ORDER` has run, because what those parts add
(a contract's projects) is part of the signed text and cannot be added to a frozen contract.

Dates are ISO 8601 (``2007-10-02``); lifecycle moments are ISO 8601 date-times, read in the
site's time zone when they carry no offset. A section's paragraphs are joined with blank lines.

Other apps add parts (projects, teams, the fund) without this module knowing them, because
``contracts`` is the base layer and never imports ``projects`` or ``budget``: they call
:func:`register_part` in their own ``pilot`` module, which :func:`load` discovers the way the
admin discovers ``admin`` modules. A part is a key, a place in the order, the fields of its items
and a function that loads the items; a later part finds earlier records through the
:class:`LoadContext` (``context.contract("centrum", date(2007, 10, 2))``, ``context.partner(…)``).
A part ordered before :data:`SIGNING_ORDER` finds the contracts this load creates still in draft
and may add to their text; a part ordered from it on finds them in the status the file gives.

Loading twice changes nothing. Every record is matched on its natural key: district and
neighbourhood by slug, partner by name, contract by neighbourhood and start of period. A record
that exists is left exactly as it is, together with what belongs to it (a neighbourhood's
sub-areas; a contract's sections, parties, wishes and lifecycle): staff may have edited it since,
and loading the file again must not undo their work. Only what is missing is created.

A file is checked as a whole before anything is written, and everything is written in one
transaction, so a bad file changes nothing.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

from contracts import documents, services
from contracts.choices import ContractStatus, PartnerKind, WishSource
from contracts.models import (
    Contract,
    ContractParty,
    ContractSection,
    District,
    Neighbourhood,
    Partner,
    ResidentWish,
    SignedOriginal,
    SubArea,
)

DEFAULT_PILOT_FILE = Path(settings.BASE_DIR) / "data" / "pilot" / "haarlem-2007.json"

# Keys of the file that are not parts: they describe the file and are never loaded as records.
META_KEY = "meta"
# simple_history keeps a change reason of at most 100 characters.
MAX_LOAD_NOTE_LENGTH = 100
# Sections get orders 10, 20, 30, … like the standard sections, so staff can slot one in between.
ORDER_STEP = 10
# Parts ordered below this run while the contracts this load creates are still drafts; then
# those contracts are walked through their lifecycle (signed); parts from here on build on that.
SIGNING_ORDER = 90


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


def _problem(path, code, message, **params):
    return Problem(path=path, code=code, message=str(message % params if params else message))


def _fail(path, code, message, **params):
    """A PilotDataError with one problem, to raise."""
    return PilotDataError([_problem(path, code, message, **params)])


def _rejected(path, error):
    """Turn a model or service ValidationError into problems at `path` (and its fields)."""
    if hasattr(error, "error_dict"):
        return PilotDataError(
            _problem(f"{path}.{name}" if name != "__all__" else path, "rejected", message)
            for name, messages in error.message_dict.items()
            for message in messages
        )
    return PilotDataError(_problem(path, "rejected", message) for message in error.messages)


# --- Checking the file's structure ------------------------------------------------------------
# A check takes (value, path) and returns a list of problems. Checks run over the whole file
# before anything is written, so staff see every mistake at once instead of one per run.

Check = Callable[[Any, str], list[Problem]]


@dataclass(frozen=True)
class Field:
    check: Check
    required: bool = True


def text(value, path):
    if isinstance(value, str) and value.strip():
        return []
    return [_problem(path, "invalid", _("must be a non-empty text"))]


def optional_text(value, path):
    if isinstance(value, str):
        return []
    return [_problem(path, "invalid", _("must be a text"))]


def boolean(value, path):
    if isinstance(value, bool):
        return []
    return [_problem(path, "invalid", _("must be true or false"))]


def iso_date(value, path):
    try:
        datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return [_problem(path, "invalid", _("must be a date like 2007-10-02"))]
    return []


def iso_datetime(value, path):
    try:
        datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return [
            _problem(path, "invalid", _("must be a date and time like 2007-10-02T20:00:00+02:00"))
        ]
    return []


def choice(values):
    """A check that the value is one of `values` (the values of a TextChoices)."""

    def check(value, path):
        if value in values:
            return []
        return [
            _problem(
                path,
                "invalid",
                _("must be one of: %(choices)s"),
                choices=", ".join(sorted(values)),
            )
        ]

    return check


def list_of(item_check, *, minimum=0):
    """A check for a list whose items each pass `item_check`."""

    def check(value, path):
        if not isinstance(value, list):
            return [_problem(path, "invalid", _("must be a list"))]
        problems = []
        if len(value) < minimum:
            problems.append(
                _problem(path, "invalid", _("needs at least %(minimum)d items"), minimum=minimum)
            )
        for index, item in enumerate(value):
            problems += item_check(item, f"{path}[{index}]")
        return problems

    return check


def record(fields: dict[str, Field], *, open_ended=False):
    """A check for a JSON object with these fields; other keys are typos unless `open_ended`."""

    def check(value, path):
        if not isinstance(value, dict):
            return [_problem(path, "invalid", _("must be an object with keys"))]
        problems = [
            _problem(f"{path}.{key}", "unknown_key", _("unknown key"))
            for key in value
            if key not in fields and not open_ended
        ]
        for name, spec in fields.items():
            if name in value:
                problems += spec.check(value[name], f"{path}.{name}")
            elif spec.required:
                problems.append(_problem(f"{path}.{name}", "missing", _("is missing")))
        return problems

    return check


def _load_note(value, path):
    if text(value, path) or len(value) > MAX_LOAD_NOTE_LENGTH:
        message = _("must be a text of at most %(maximum)d characters")
        return [_problem(path, "invalid", message, maximum=MAX_LOAD_NOTE_LENGTH)]
    return []


# Free-form, except for the note that the load writes into history.
META_FIELDS = {"load_note": Field(_load_note, required=False)}


# --- Parts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """A top-level key of the pilot file and how its items are checked and loaded."""

    key: str
    order: int
    fields: dict[str, Field]
    unique_by: tuple[str, ...]
    load: Callable[[list[dict], LoadContext], None]

    def check(self, items, path):
        problems = list_of(record(self.fields))(items, path)
        if problems:
            return problems
        seen = {}
        for index, item in enumerate(items):
            key = tuple(item.get(name) for name in self.unique_by)
            if key in seen:
                problems.append(
                    _problem(
                        f"{path}[{index}]",
                        "duplicate",
                        _("repeats %(fields)s of %(part)s[%(first)d]"),
                        fields=", ".join(self.unique_by),
                        part=path,
                        first=seen[key],
                    )
                )
            else:
                seen[key] = index
        return problems


_parts: dict[str, Part] = {}


def register_part(key, *, order, fields, unique_by):
    """Register the decorated function as the loader of the file's `key` part.

    `order` places the part among the others (this module uses 10–40). A part that adds to the
    text of the contracts this load creates (projects) comes before SIGNING_ORDER; a part that
    builds on signed contracts (progress, the fund) from 100 on. The function receives the
    checked items and the LoadContext; it matches each item on `unique_by` and creates only
    what is missing.
    """

    def decorator(load_function):
        if key == META_KEY or (key in _parts and _name(_parts[key].load) != _name(load_function)):
            raise ValueError(f"Pilot part {key!r} is already registered by another function.")
        _parts[key] = Part(key, order, fields, tuple(unique_by), load_function)
        return load_function

    return decorator


def _name(function):
    # By name, not identity: a module imported again (autoreload, importlib.reload) registers
    # new function objects for the same parts.
    return f"{function.__module__}.{function.__qualname__}"


def registered_parts():
    """Every part, in loading order, including those of other apps' ``pilot`` modules."""
    autodiscover_modules("pilot")
    return sorted(_parts.values(), key=attrgetter("order"))


# --- Loading ----------------------------------------------------------------------------------


@dataclass
class LoadContext:
    """What a load has found and made so far: lookups for later parts and the report."""

    note: str
    created: Counter = field(default_factory=Counter)
    existing: Counter = field(default_factory=Counter)
    models: list = field(default_factory=list)
    districts: dict[str, District] = field(default_factory=dict)
    neighbourhoods: dict[str, Neighbourhood] = field(default_factory=dict)
    partners: dict[str, Partner] = field(default_factory=dict)
    contracts: dict[tuple[str, datetime.date], Contract] = field(default_factory=dict)
    # (model, pk) of every record this load created, so later parts add only to new records.
    new_records: set[tuple[type[models.Model], Any]] = field(default_factory=set)
    # New contracts with the lifecycle steps still to walk at SIGNING_ORDER: (contract, steps,
    # path of the contract in the file).
    pending_lifecycles: list[tuple[Contract, list[dict], str]] = field(default_factory=list)

    def count(self, model, *, created, number=1):
        if model not in self.models:
            self.models.append(model)
        (self.created if created else self.existing)[model] += number

    def district(self, slug, path):
        return self._find(self.districts, District, "slug", slug, path)

    def neighbourhood(self, slug, path):
        return self._find(self.neighbourhoods, Neighbourhood, "slug", slug, path)

    def partner(self, name, path):
        return self._find(self.partners, Partner, "name", name, path)

    def contract(self, neighbourhood_slug, period_start, path=""):
        """A contract of this file (or already in the database), for parts that build on it."""
        key = (neighbourhood_slug, period_start)
        if key not in self.contracts:
            neighbourhood = self.neighbourhood(neighbourhood_slug, path)
            found = Contract.objects.filter(
                neighbourhood=neighbourhood, period_start=period_start
            ).first()
            if found is None:
                raise _fail(
                    path,
                    "unknown_reference",
                    _("no contract of %(neighbourhood)s starting on %(start)s"),
                    neighbourhood=neighbourhood_slug,
                    start=period_start.isoformat(),
                )
            self.contracts[key] = found
        return self.contracts[key]

    def _find(self, cache, model, field_name, value, path):
        # Earlier parts of the same file come first; the database serves a file that builds on
        # records loaded before (a second round that reuses the districts and partners).
        if value not in cache:
            found = model.objects.filter(**{field_name: value}).first()
            if found is None:
                raise _fail(
                    path,
                    "unknown_reference",
                    _("no %(model)s with %(field)s “%(value)s” in the file or database"),
                    model=model._meta.verbose_name,
                    field=field_name,
                    value=value,
                )
            cache[value] = found
        return cache[value]

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
            raise _rejected(path, error) from error
        instance.save()
        self.count(type(instance), created=True)
        self.mark_new(instance)
        return instance

    def get_or_create(self, model, lookup, build, path):
        """The record matching `lookup`, untouched; or a new one from `build()`. Returns
        (record, created)."""
        found = model.objects.filter(**lookup).first()
        if found is not None:
            self.count(model, created=False)
            return found, False
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
        raise _fail("", "unreadable", message, file=path, error=error.strerror) from error
    except UnicodeDecodeError as error:
        raise _fail("", "not_utf8", _("%(file)s is not UTF-8 text"), file=path) from error
    except json.JSONDecodeError as error:
        message = _("%(file)s is not valid JSON: %(error)s (line %(line)d, column %(column)d)")
        raise _fail(
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
        raise _fail("", "duplicate", message, file=path, key=error.key) from error


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


def check(data):
    """Every problem with the structure of the file's data, without touching the database."""
    if not isinstance(data, dict):
        return [_problem("", "invalid", _("the file must hold one JSON object with keys"))]
    parts = {part.key: part for part in registered_parts()}
    problems = [
        _problem(
            key, "unknown_key", _("unknown part; known parts: %(parts)s"), parts=", ".join(parts)
        )
        for key in data
        if key != META_KEY and key not in parts
    ]
    if not any(key in parts for key in data):
        problems.append(_problem("", "missing", _("the file has none of the known parts")))
    if META_KEY in data:
        problems += record(META_FIELDS, open_ended=True)(data[META_KEY], META_KEY)
    for key, part in parts.items():
        if key in data:
            problems += part.check(data[key], key)
    return problems


def load(data):
    """Load checked pilot data in one transaction; return a LoadReport.

    Raises PilotDataError, with nothing written, when the data has problems.
    """
    problems = check(data)
    if problems:
        raise PilotDataError(problems)
    note = data.get(META_KEY, {}).get("load_note") or str(_("Loaded from the pilot data"))
    context = LoadContext(note=note)
    with transaction.atomic():
        for part in registered_parts():
            if part.order >= SIGNING_ORDER:
                _walk_lifecycles(context)
            if part.key in data:
                part.load(data[part.key], context)
        _walk_lifecycles(context)
        _archive_missing_originals(context)
    return LoadReport(
        rows=[(model, context.created[model], context.existing[model]) for model in context.models]
    )


def load_file(path=DEFAULT_PILOT_FILE):
    """Read, check and load a pilot file; see :func:`load`."""
    return load(read_file(path))


# --- The contract domain's parts --------------------------------------------------------------

DISTRICT_FIELDS = {"slug": Field(text), "name": Field(text)}

NEIGHBOURHOOD_FIELDS = {
    "slug": Field(text),
    "name": Field(text),
    "district": Field(text),
    "description": Field(optional_text, required=False),
    "sub_areas": Field(list_of(text), required=False),
}

PARTNER_FIELDS = {
    "name": Field(text),
    "kind": Field(choice(PartnerKind.values)),
    "email": Field(optional_text, required=False),
    "website": Field(optional_text, required=False),
    "is_illustrative": Field(boolean, required=False),
    "source_note": Field(optional_text, required=False),
}

SECTION_FIELDS = {"heading": Field(text), "paragraphs": Field(list_of(text, minimum=1))}
PARTY_FIELDS = {
    "partner": Field(text),
    "signatory_name": Field(optional_text, required=False),
    "signatory_function": Field(optional_text, required=False),
}
WISH_FIELDS = {
    "title": Field(text),
    "description": Field(optional_text, required=False),
    "source": Field(choice(WishSource.values)),
}
LIFECYCLE_STEP_FIELDS = {
    "status": Field(choice(ContractStatus.values)),
    "at": Field(iso_datetime),
    "note": Field(optional_text, required=False),
}
CONTRACT_FIELDS = {
    "neighbourhood": Field(text),
    "title": Field(text),
    "motto": Field(optional_text, required=False),
    "period_start": Field(iso_date),
    "period_end": Field(iso_date),
    "signed_on": Field(iso_date, required=False),
    "signing_place": Field(optional_text, required=False),
    "is_illustrative": Field(boolean, required=False),
    "sections": Field(list_of(record(SECTION_FIELDS))),
    "parties": Field(list_of(record(PARTY_FIELDS))),
    "wishes": Field(list_of(record(WISH_FIELDS))),
    "lifecycle": Field(list_of(record(LIFECYCLE_STEP_FIELDS)), required=False),
}


@register_part("districts", order=10, fields=DISTRICT_FIELDS, unique_by=("slug",))
def load_districts(items, context):
    """Districts (stadsdelen), matched by slug."""
    for index, item in enumerate(items):
        district, _created = context.get_or_create(
            District,
            {"slug": item["slug"]},
            lambda item=item: District(slug=item["slug"], name=item["name"]),
            f"districts[{index}]",
        )
        context.districts[district.slug] = district


@register_part("neighbourhoods", order=20, fields=NEIGHBOURHOOD_FIELDS, unique_by=("slug",))
def load_neighbourhoods(items, context):
    """Wijken, matched by slug; the sub-areas come with a new wijk only.

    An existing wijk keeps its own list of sub-areas: staff may have renamed or removed one, and
    adding the file's name back would duplicate it.
    """
    for index, item in enumerate(items):
        path = f"neighbourhoods[{index}]"
        found = Neighbourhood.objects.filter(slug=item["slug"]).first()
        if found is not None:
            context.count(Neighbourhood, created=False)
            context.neighbourhoods[found.slug] = found
            continue
        neighbourhood = context.save_new(
            Neighbourhood(
                slug=item["slug"],
                name=item["name"],
                district=context.district(item["district"], f"{path}.district"),
                description=item.get("description", ""),
            ),
            path,
        )
        context.neighbourhoods[neighbourhood.slug] = neighbourhood
        for position, name in enumerate(item.get("sub_areas", []), start=1):
            context.save_new(
                SubArea(neighbourhood=neighbourhood, name=name, order=position * ORDER_STEP),
                f"{path}.sub_areas[{position - 1}]",
            )


@register_part("partners", order=30, fields=PARTNER_FIELDS, unique_by=("name",))
def load_partners(items, context):
    """Partner organisations, matched by name."""
    for index, item in enumerate(items):
        partner, _created = context.get_or_create(
            Partner,
            {"name": item["name"]},
            lambda item=item: Partner(
                name=item["name"],
                kind=item["kind"],
                email=item.get("email", ""),
                website=item.get("website", ""),
                is_illustrative=item.get("is_illustrative", False),
                source_note=item.get("source_note", ""),
            ),
            f"partners[{index}]",
        )
        context.partners[partner.name] = partner


@register_part(
    "contracts", order=40, fields=CONTRACT_FIELDS, unique_by=("neighbourhood", "period_start")
)
def load_contracts(items, context):
    """Contracts, matched by wijk and start of period; a new one is built in full.

    A contract that exists is left as it is, whatever its status: once signed it cannot change
    anyway, and a draft belongs to the staff who are writing it.
    """
    for index, item in enumerate(items):
        path = f"contracts[{index}]"
        neighbourhood = context.neighbourhood(item["neighbourhood"], f"{path}.neighbourhood")
        period_start = datetime.date.fromisoformat(item["period_start"])
        contract = Contract.objects.filter(
            neighbourhood=neighbourhood, period_start=period_start
        ).first()
        if contract is not None:
            context.count(Contract, created=False)
        else:
            contract = _create_contract(item, neighbourhood, context, path)
        context.contracts[(neighbourhood.slug, period_start)] = contract


def _create_contract(item, neighbourhood, context, path):
    """Create a contract as staff would: a draft with its text, parties and wishes.

    Its lifecycle steps are walked later (see _walk_lifecycles), after the parts that add to
    its text, such as its projects.
    """
    signed_on = item.get("signed_on")
    try:
        contract = services.create_contract(
            neighbourhood=neighbourhood,
            title=item["title"],
            period_start=datetime.date.fromisoformat(item["period_start"]),
            period_end=datetime.date.fromisoformat(item["period_end"]),
            motto=item.get("motto", ""),
            signed_on=datetime.date.fromisoformat(signed_on) if signed_on else None,
            signing_place=item.get("signing_place", ""),
            is_illustrative=item.get("is_illustrative", False),
        )
    except ValidationError as error:
        raise _rejected(path, error) from error
    context.count(Contract, created=True)
    context.mark_new(contract)

    _write_sections(contract, item["sections"], context, f"{path}.sections")
    for position, party in enumerate(item["parties"], start=1):
        context.save_new(
            ContractParty(
                contract=contract,
                partner=context.partner(
                    party["partner"], f"{path}.parties[{position - 1}].partner"
                ),
                signatory_name=party.get("signatory_name", ""),
                signatory_function=party.get("signatory_function", ""),
                order=position * ORDER_STEP,
            ),
            f"{path}.parties[{position - 1}]",
        )
    for position, wish in enumerate(item["wishes"], start=1):
        context.save_new(
            ResidentWish(
                contract=contract,
                title=wish["title"],
                description=wish.get("description", ""),
                source=wish["source"],
                order=position * ORDER_STEP,
            ),
            f"{path}.wishes[{position - 1}]",
        )
    context.pending_lifecycles.append((contract, item.get("lifecycle", []), path))
    return contract


def _walk_lifecycles(context):
    """Walk the contracts this load created through their lifecycle steps (backdated) by the
    lifecycle service, as staff would after writing them: "signed" through register_signing,
    with the file's date and place and every party, so its checks apply to the pilot too."""
    while context.pending_lifecycles:
        contract, steps, path = context.pending_lifecycles.pop(0)
        for index, step in enumerate(steps):
            note = step.get("note") or context.note
            at = _aware(datetime.datetime.fromisoformat(step["at"]))
            try:
                if step["status"] == ContractStatus.SIGNED:
                    # Signed as staff sign: with the file's date and place, by every party.
                    services.register_signing(
                        contract,
                        signed_on=contract.signed_on,
                        place=contract.signing_place,
                        signed_party_ids=contract.parties.values_list("pk", flat=True),
                        note=note,
                        at=at,
                    )
                else:
                    services.change_status(contract, step["status"], note=note, at=at)
            except ValidationError as error:
                raise _rejected(f"{path}.lifecycle[{index}]", error) from error
        _stamp_history(contract, context.note)


def _archive_missing_originals(context):
    """Give the file's signed contracts their archived original if they lack one.

    A contract signed by this load got it at signing (register_signing archives it); one
    loaded before archiving existed gets it now, once. The count shows what was archived.
    """
    for contract in context.contracts.values():
        contract.refresh_from_db(fields=["status"])
        if contract.is_signed and not SignedOriginal.objects.filter(contract=contract).exists():
            documents.archive_contract(contract)
            context.count(SignedOriginal, created=True)
        elif contract.is_signed:
            context.count(SignedOriginal, created=context.is_new(contract))


def _write_sections(contract, items, context, path):
    """Give the contract the file's sections, starting from the standard sections it got.

    create_contract starts every contract with the municipality's standard sections, as it does
    for staff. A standard section whose heading the file has gets the file's text, so its
    history reads "started from the standard, then written"; the file's other sections are
    added, and standard sections the file leaves out are removed: the file is the text.
    """
    standard = {section.heading.casefold(): section for section in contract.sections.all()}
    for position, item in enumerate(items, start=1):
        section = standard.pop(item["heading"].casefold(), None) or ContractSection(
            contract=contract
        )
        section.heading = item["heading"]
        section.body = "\n\n".join(paragraph.strip() for paragraph in item["paragraphs"])
        section.order = position * ORDER_STEP
        section._change_reason = context.note
        try:
            section.full_clean()
        except ValidationError as error:
            raise _rejected(f"{path}[{position - 1}]", error) from error
        section.save()
    for leftover in standard.values():
        leftover._change_reason = context.note
        leftover.delete()
    context.count(ContractSection, created=True, number=len(items))


def _stamp_history(contract, note):
    # The service writes some history rows itself (the contract, its standard sections, each
    # status step) without a reason; a new contract's rows all come from this load.
    for model, lookup in (
        (Contract, {"id": contract.pk}),
        (ContractSection, {"contract_id": contract.pk}),
        (ContractParty, {"contract_id": contract.pk}),
        (ResidentWish, {"contract_id": contract.pk}),
    ):
        model.history.filter(history_change_reason__isnull=True, **lookup).update(
            history_change_reason=note
        )


def _aware(moment):
    """A date-time from the file in the site's time zone when it names no offset itself."""
    if timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment
