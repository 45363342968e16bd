"""The admin in Dutch where Django and its add-ons leave English: permissions, the search box,
the password form, and the values a history entry shows."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from contracts.models import Contract
from projects.choices import ProjectStatus
from projects.models import Project
from wijkaanpak.common.admin.history import ReadableHistoryContextHelper
from wijkaanpak.common.admin.permissions import ACTIONS, HISTORY_OF, permission_label

pytestmark = pytest.mark.django_db


def dutch(text):
    with translation.override("nl"):
        return str(text)


def permission(model, action):
    return Permission.objects.get(
        content_type__app_label=model._meta.app_label,
        codename=f"{action}_{model._meta.model_name}",
    )


def test_a_permission_is_named_in_the_admins_language():
    with translation.override("nl"):
        label = permission_label(permission(Contract, "view"))
        name = str(Contract._meta.verbose_name)

    assert label.endswith(" | " + dutch(ACTIONS["view"] % {"model": name}))
    assert "Can " not in label


def test_the_permission_of_a_models_history_says_so():
    historical = Contract.history.model

    with translation.override("nl"):
        label = permission_label(permission(historical, "change"))
        history_of = str(HISTORY_OF % {"model": Contract._meta.verbose_name})

    assert f" | {history_of} | " in label
    assert "historical" not in label


def test_the_group_form_lists_the_permissions_in_dutch(client, superuser):
    client.force_login(superuser)
    group = Group.objects.create(name="Lezers")

    page = client.get(reverse("admin:auth_group_change", args=[group.pk])).text

    assert "Can view" not in page and "historical" not in page
    with translation.override("nl"):
        expected = permission_label(permission(Contract, "view"))
    assert expected in page


def test_the_user_form_lists_the_permissions_in_dutch(client, superuser):
    client.force_login(superuser)

    page = client.get(reverse("admin:auth_user_change", args=[superuser.pk])).text

    assert "Can view" not in page and "Can add" not in page


def test_the_password_form_warns_in_dutch(client, superuser):
    client.force_login(superuser)

    page = client.get(reverse("admin:auth_user_password_change", args=[superuser.pk])).text

    assert 'id="id_unusable_warning"' in page
    assert "current password for this user will be lost" not in page


def test_the_search_box_is_named_in_dutch(editor):
    page = editor.get(reverse("admin:contracts_partner_changelist")).text

    with translation.override("nl"):
        search = translation.gettext("Search")
    assert search != "Search"
    assert f'alt="{search}"' in page
    assert 'alt="Search"' not in page


def test_the_index_names_its_hidden_column_headers_in_dutch(editor):
    page = editor.get(reverse("admin:index")).text

    assert ">Add link<" not in page and ">Change or view list link<" not in page


# --- The values of a history entry ------------------------------------------------------------


def readable(model, field, value):
    with translation.override("nl"):
        return str(ReadableHistoryContextHelper.readable(model._meta.get_field(field), value))


def test_a_history_entry_shows_values_as_the_admin_does():
    with translation.override("nl"):
        yes = translation.gettext("Yes")
        planned = str(ProjectStatus.PLANNED.label)
        october = date_format(datetime.date(2007, 10, 2))
        moment = timezone.make_aware(datetime.datetime(2008, 3, 1, 14, 30))
        at = date_format(timezone.localtime(moment), "DATETIME_FORMAT")

    assert readable(Project, "status", ProjectStatus.PLANNED) == planned
    assert readable(Contract, "period_start", datetime.date(2007, 10, 2)) == october
    assert "2007-10-02" not in october
    assert readable(Contract, "is_illustrative", True) == yes
    assert readable(Contract, "signed_on", None) == "–"
    assert readable(Contract, "title", "") == "–"
    assert readable(Project, "planned_start", moment) == at
    assert "2008-03-01" not in at


def test_an_amount_in_a_history_entry_is_written_the_dutch_way():
    from budget.models import Allocation

    assert readable(Allocation, "amount", Decimal("95000.00")) == "95.000,00"
