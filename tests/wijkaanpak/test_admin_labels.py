"""The admin's unlabelled controls get a name: inline rows, editable list cells, date and time."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst

from contracts.models import ContractParty, StandardSection
from tests.factories import complete_contract
from wijkaanpak.common.admin.labels import OBJECT_LABEL, ROW_LABEL

pytestmark = pytest.mark.django_db


def aria_label(page, control_id):
    """The aria-label of the control with this id in the page's HTML (None if it has none)."""
    tag = re.search(rf'<(?:input|select|textarea)\b[^>]*\bid="{re.escape(control_id)}"[^>]*>', page)
    assert tag, f"no control #{control_id}"
    label = re.search(r'\baria-label="([^"]*)"', tag.group(0))
    return html.unescape(label.group(1)) if label else None


def dutch(text):
    with translation.override("nl"):
        return str(text)


def field_label(model, name):
    with translation.override("nl"):
        return str(capfirst(model._meta.get_field(name).verbose_name))


def test_each_row_of_a_tabular_inline_names_its_field_and_its_row(editor):
    contract = complete_contract()
    assert contract.parties.count() == 2

    page = editor.get(reverse("admin:contracts_contract_change", args=[contract.pk])).text

    with translation.override("nl"):
        delete = translation.gettext("Delete")
    for index in (0, 1):
        for name in ("partner", "signatory_name", "signatory_function", "order"):
            expected = dutch(
                ROW_LABEL % {"label": field_label(ContractParty, name), "number": index + 1}
            )
            assert aria_label(page, f"id_parties-{index}-{name}") == expected
        expected = dutch(ROW_LABEL % {"label": delete, "number": index + 1})
        assert aria_label(page, f"id_parties-{index}-DELETE") == expected
    # The template for rows added in the browser: the field's label, no row number yet.
    label = field_label(ContractParty, "signatory_name")
    assert aria_label(page, "id_parties-__prefix__-signatory_name") == label


def test_a_second_page_gets_its_own_row_labels(editor):
    """The labels are set on each form's own widgets, never on ones the forms share."""
    first, second = complete_contract(), complete_contract()
    editor.get(reverse("admin:contracts_contract_change", args=[first.pk]))

    page = editor.get(reverse("admin:contracts_contract_change", args=[second.pk])).text

    expected = dutch(ROW_LABEL % {"label": field_label(ContractParty, "partner"), "number": 2})
    assert aria_label(page, "id_parties-1-partner") == expected


def test_an_editable_cell_of_a_list_names_its_field_and_its_object(editor):
    StandardSection.objects.create(heading="Aanleiding", body="Tekst", order=10)

    page = editor.get(reverse("admin:contracts_standardsection_changelist")).text

    label = field_label(StandardSection, "order")
    sections = StandardSection.objects.order_by("order", "pk")
    assert sections.count() > 1
    for index, section in enumerate(sections):
        expected = dutch(OBJECT_LABEL % {"label": label, "object": section.heading})
        assert aria_label(page, f"id_form-{index}-order") == expected


def test_the_date_and_time_boxes_of_a_user_say_which_they_are(client, superuser):
    superuser.last_login = timezone.now()
    superuser.save()
    client.force_login(superuser)

    page = client.get(reverse("admin:auth_user_change", args=[superuser.pk])).text

    with translation.override("nl"):
        date, time = (translation.gettext(word).rstrip(":") for word in ("Date:", "Time:"))
    assert aria_label(page, "id_last_login_0") == date
    assert aria_label(page, "id_last_login_1") == time
    assert aria_label(page, "id_date_joined_0") == date
