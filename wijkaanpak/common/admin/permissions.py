"""Permissions in the language of the admin.

Django stores a permission's name once, in English, when the migration that creates its
model runs ("Can view signatory of the addendum"), and the user and group forms show that
name as it is. Here each default permission is named from its action and its model's
translated name ("Mag ondertekenaar van het addendum bekijken"), and the permissions of a
model's history (django-simple-history's "historical …" models) as the history of that model.

Ground floor: imports no app of the project.
"""

from django.apps import apps
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}
HISTORY_OF = _("history of %(model)s")


def permission_label(permission):
    """ "<app> | <model> | <what it allows>", every part in the active language."""
    model = permission.content_type.model_class()
    if model is None:  # a model that no longer exists
        return str(permission)
    original = getattr(model, "instance_type", None)
    meta = (original or model)._meta
    name = str(meta.verbose_name)
    if original is not None:
        name = str(HISTORY_OF % {"model": name})
    action, _separator, model_name = permission.codename.partition("_")
    if action in ACTIONS and model_name == model._meta.model_name:
        allows = ACTIONS[action] % {"model": name}
    else:
        allows = gettext(permission.name)
    app = apps.get_app_config(model._meta.app_label).verbose_name
    return f"{app} | {name} | {allows}"


class PermissionLabelsMixin:
    """For a model admin with a many-to-many field to permissions (users, groups)."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.related_model._meta.label == "auth.Permission":
            field.label_from_instance = permission_label
            field.queryset = field.queryset.select_related("content_type")
        return field
