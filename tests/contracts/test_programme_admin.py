"""Programmes in the admin: list, search, history, the slug, one current programme, and which
contracts belong to a programme (signed ones too: the programme is not part of the text)."""

import datetime

import pytest
from django.urls import reverse

from contracts.admin.contract import ContractAdmin
from contracts.choices import ContractStatus
from contracts.models import Contract, Programme
from tests.access import personas
from tests.contracts.test_admin import change_form_data
from tests.factories import ContractFactory, ProgrammeFactory, contract_in_status

pytestmark = pytest.mark.django_db


def url(view="changelist", *args):
    return reverse(f"admin:contracts_programme_{view}", args=args)


@pytest.fixture
def editor(client, editor_user):
    return personas.log_in(client, editor_user)


def programme_form(**fields):
    data = {
        "name": "Wijkaanpak 2010–2012",
        "slug": "wijkaanpak-2010-2012",
        "period_start": "2010-10-01",
        "period_end": "2012-10-01",
        "description": "",
        "contracts": [],
    }
    data.update(fields)
    return data


def test_the_list_search_add_and_history_pages_open(editor):
    programme = ProgrammeFactory(name="Wijkaanpak 2007–2009")
    contract = ContractFactory()
    contract.programme = programme
    contract.save()

    listing = editor.get(url(), {"q": contract.neighbourhood.name})
    add = editor.get(url("add"))
    change = editor.get(url("change", programme.pk))
    history = editor.get(url("history", programme.pk))

    assert listing.status_code == 200
    assert programme.name in listing.content.decode()
    assert editor.get(url(), {"q": "bestaat niet"}).context["cl"].result_count == 0
    assert add.status_code == 200
    # The slug is filled in from the name as it is typed.
    assert add.context["adminform"].prepopulated_fields[0]["field"].name == "slug"
    assert change.status_code == 200
    # The programme's contracts are on its page, with a link to each.
    assert reverse("admin:contracts_contract_change", args=[contract.pk]) in (
        change.content.decode()
    )
    assert history.status_code == 200


def test_a_new_programme_takes_its_contracts_signed_ones_too(editor):
    signed = contract_in_status(ContractStatus.SIGNED)
    draft = ContractFactory()

    response = editor.post(url("add"), programme_form(contracts=[signed.pk, draft.pk]))

    assert response.status_code == 302
    programme = Programme.objects.get(slug="wijkaanpak-2010-2012")
    assert set(programme.contracts.all()) == {signed, draft}
    signed.refresh_from_db()
    assert signed.status == ContractStatus.SIGNED
    assert signed.history.first().programme_id == programme.pk


def test_a_contract_left_out_leaves_the_programme(editor):
    programme = ProgrammeFactory()
    kept, dropped = ContractFactory(), ContractFactory()
    Contract.objects.filter(pk__in=[kept.pk, dropped.pk]).update(programme=programme)

    response = editor.post(
        url("change", programme.pk),
        programme_form(
            name=programme.name,
            slug=programme.slug,
            period_start=programme.period_start.isoformat(),
            period_end=programme.period_end.isoformat(),
            contracts=[kept.pk],
        ),
    )

    assert response.status_code == 302
    assert list(programme.contracts.all()) == [kept]
    dropped.refresh_from_db()
    assert dropped.programme is None


def test_a_second_current_programme_is_refused_with_the_reason(editor):
    ProgrammeFactory(is_current=True)

    response = editor.post(url("add"), programme_form(is_current="on"))

    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors().as_data()
    assert [error.code for error in errors] == ["two_current_programmes"]
    assert not Programme.objects.filter(slug="wijkaanpak-2010-2012").exists()


def test_a_period_that_ends_before_it_starts_is_refused(editor):
    response = editor.post(url("add"), programme_form(period_end="2009-01-01"))

    assert response.status_code == 200
    assert not Programme.objects.exists()


def test_the_budget_manager_may_not_add_programmes(client, budget_manager_user):
    personas.log_in(client, budget_manager_user)

    assert client.get(url("add")).status_code == 403


# --- The contract's own page: the programme stays open ----------------------------------------


def test_a_draft_contracts_programme_is_chosen_on_its_page(editor):
    programme = ProgrammeFactory()
    contract = ContractFactory()

    response = editor.post(
        reverse("admin:contracts_contract_change", args=[contract.pk]),
        change_form_data(contract, programme=str(programme.pk)),
    )

    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.programme == programme


def test_the_programme_stays_open_when_the_text_is_frozen(rf, editor_user):
    programme = ProgrammeFactory()
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)
    request = rf.get("/")
    request.user = editor_user
    contract_admin = ContractAdmin(Contract, None)

    readonly = contract_admin.get_readonly_fields(request, contract)
    fields = [
        name
        for _title, options in contract_admin.get_fieldsets(request, contract)
        for line in options["fields"]
        for name in (line if isinstance(line, tuple) else (line,))
    ]

    assert "title" in readonly
    assert "programme" in fields
    assert "programme" not in readonly
    # The freeze rule lets the programme change, and nothing else.
    contract.programme = programme
    contract.save()
    contract.refresh_from_db()
    assert contract.programme == programme
    assert contract.period_start == datetime.date(2007, 10, 2)
