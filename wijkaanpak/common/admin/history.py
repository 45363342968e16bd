"""History pages in the admin: django-simple-history's, with the history of a record's parts.

Old versions can be looked at, never reverted to: a revert would save an old version past the
services, the freeze of a contract and the append-only rules of the ledger and the logs.
"""

import datetime
from decimal import Decimal

from django.contrib.admin.utils import unquote
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpResponseNotAllowed
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

# How many changes to a record's parts its history page lists.
PART_HISTORY_LIMIT = 300


class ReadableHistoryContextHelper(HistoricalRecordContextHelper):
    """What a change shows as its old and new value, the way the rest of the admin shows it:
    a choice by its label, a date as "2 oktober 2007", an amount as "95.000,00", yes or no,
    an empty value as a dash, a deleted user as "gebruiker (verwijderd)"; never Python's
    None, True, 2007-10-02 or 95000.00."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        field = self.model._meta.get_field(change.field)
        if isinstance(value, list):
            return [self.readable(field, item) for item in value]
        return self.readable(field, value)

    @staticmethod
    def readable(field, value):
        if value is None or value == "":
            return "–"
        if isinstance(value, DeletedObject):
            return gettext("%(type_name)s (deleted)") % {
                "type_name": value.model._meta.verbose_name
            }
        if getattr(field, "flatchoices", None) and not isinstance(value, (list, dict)):
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return gettext("Yes") if value else gettext("No")
        if isinstance(value, datetime.datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return date_format(value, "DATETIME_FORMAT")
        if isinstance(value, datetime.date):
            return date_format(value)
        if isinstance(value, (Decimal, float)):
            return number_format(value, force_grouping=True)
        return value


class HistoryAdmin(SimpleHistoryAdmin):
    """Admin with django-simple-history's history pages, and the history of the parts.

    `history_parts` lists the inline models whose changes belong on the history page of the
    parent: (model, name of the foreign key's column, attribute that names a row).
    """

    object_history_template = "admin/history/object_history.html"
    object_history_list_template = "admin/history/object_history_list.html"
    history_parts = ()
    history_parts_title = None

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistoryContextHelper(self.model, historical_record)

    def history_view(self, request, object_id, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "history_columns": [
                (name, self._history_column_label(name))
                for name in self.get_history_list_display(request)
            ],
            "part_history_title": self.history_parts_title,
            "part_history": self.part_history(unquote(object_id)) if self.history_parts else [],
        }
        return super().history_view(request, object_id, extra_context)

    def _history_column_label(self, name):
        method = getattr(self, name, None)
        if method is not None:
            return getattr(method, "short_description", name)
        return self.model._meta.get_field(name).verbose_name

    def part_history(self, object_id):
        """The latest changes to the parts of one record, newest first, with what changed."""
        entries = []
        for model, fk_column, label_attribute in self.history_parts:
            records = list(
                model.history.filter(**{fk_column: object_id})
                .select_related("history_user")
                ._select_related_history_tracked_objs()
                .order_by("-history_date", "-history_id")[:PART_HISTORY_LIMIT]
            )
            # Each record is compared with the one before it of the same row.
            previous_of = {}
            for record in reversed(records):
                previous = previous_of.get(record.id)
                changes = []
                if previous is not None:
                    delta = record.diff_against(previous, foreign_keys_are_objs=True)
                    helper = ReadableHistoryContextHelper(model, record)
                    changes = helper.context_for_delta_changes(delta)
                previous_of[record.id] = record
                entries.append(
                    {
                        "record": record,
                        "kind": model._meta.verbose_name,
                        "label": self._part_label(record, label_attribute),
                        "changes": changes,
                    }
                )
        entries.sort(key=lambda entry: entry["record"].history_date, reverse=True)
        return entries[:PART_HISTORY_LIMIT]

    @staticmethod
    def _part_label(record, attribute):
        try:
            return str(getattr(record, attribute))
        except ObjectDoesNotExist:
            return f"#{getattr(record, attribute + '_id', '?')}"


class ViewOnlyHistoryAdmin(HistoryAdmin):
    """History pages that show old versions and never revert to one.

    django-simple-history saves a POST to an old version's page for anyone who may view the
    history; a revert would bypass the services, the freeze and the append-only rules.
    """

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        return super().history_form_view(request, object_id, version_id, extra_context)
