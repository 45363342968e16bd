"""Accessible names for the admin's form controls that Django renders without a <label>.

A tabular inline shows its field labels once, as column headings, and the rows' controls
have no label of their own; the same holds for the editable columns of a list
(`list_editable`) and for the date and time boxes of a date-and-time field. Screen readers
then announce "edit text" without saying which field, and axe-core reports it (WCAG 1.3.1,
4.1.2). The classes here give each such control an `aria-label`: the field's label and the
row ("Plafond (rij 1)"), without changing Django's templates.

Ground floor: imports no app of the project.
"""

from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime, RelatedFieldWidgetWrapper
from django.forms.utils import pretty_name
from django.utils.translation import gettext_lazy as _

ROW_LABEL = _("%(label)s (row %(number)s)")
OBJECT_LABEL = _("%(label)s of %(object)s")
PART_LABEL = _("%(label)s, %(part)s")


def _rendered_widget(widget):
    """The widget that renders the control: the one inside the admin's "add/change" links.

    The wrapper's own `attrs` is the class-level widget's dictionary, shared by every form.
    """
    while isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    return widget


def label_controls(form, row=None):
    """Give every visible control of `form` an aria-label: its field's label, with `row`
    (a row number or an object's name) when given. A control that has one keeps it."""
    for name, field in form.fields.items():
        widget = _rendered_widget(field.widget)
        if widget.is_hidden:
            continue
        label = pretty_name(name) if field.label is None else field.label
        if row is not None:
            template = ROW_LABEL if isinstance(row, int) else OBJECT_LABEL
            label = template % {"label": label, "number": row, "object": row}
        widget.attrs.setdefault("aria-label", label)


class LabelledFormSetMixin:
    """A formset whose forms' controls are labelled by field and row (numbered from 1);
    also the fields the formset adds itself, such as the "delete" box."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # The empty form is the template for rows added in the browser: no number yet.
        label_controls(form, None if index is None else self.row_name(form, index))

    def row_name(self, form, index):
        return index + 1


class ObjectLabelledFormSetMixin(LabelledFormSetMixin):
    """For the editable columns of a list: the row is named after its object."""

    def row_name(self, form, index):
        if form.instance.pk is None:
            return super().row_name(form, index)
        return str(form.instance)


def _labelled(formset, mixin):
    return type(formset.__name__, (mixin, formset), {})


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline whose controls each say which field and which row they are."""

    def get_formset(self, request, obj=None, **kwargs):
        return _labelled(super().get_formset(request, obj, **kwargs), LabelledFormSetMixin)


class LabelledListEditableMixin:
    """For a ModelAdmin with `list_editable`: each editable cell says its field and object."""

    def get_changelist_formset(self, request, **kwargs):
        formset = super().get_changelist_formset(request, **kwargs)
        return _labelled(formset, ObjectLabelledFormSetMixin)


class LabelledSplitDateTime(AdminSplitDateTime):
    """The admin's date-and-time widget with its two boxes named "Date" and "Time".

    Django prints those words before each box, but not as their labels. The field's own label
    names the group (Django renders such a field as a fieldset with a legend).
    """

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        field_label = context["widget"]["attrs"].get("aria-label")
        parts = (context["date_label"], context["time_label"])
        for subwidget, part in zip(context["widget"]["subwidgets"], parts, strict=True):
            part = str(part).strip().rstrip(":")
            if field_label:
                part = PART_LABEL % {"label": field_label, "part": part.lower()}
            subwidget["attrs"]["aria-label"] = part
        return context
