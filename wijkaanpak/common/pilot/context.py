"""What a part's loader gets: the load's report, its note and lookups of earlier records."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from wijkaanpak.common.pilot.problems import not_found, rejected


@dataclass
class LoadContext:
    """What a load has found and made so far: lookups for later parts and the report."""

    note: str
    # The site's public address the file names (meta.public_address): printed in the PDFs the
    # load renders, whatever SITE_URL the loading machine has. Empty: SITE_URL.
    public_address: str = ""
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
