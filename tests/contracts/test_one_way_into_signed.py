"""One way into "signed": register_signing, with its date, place and party checks.

Every other path is tried here and must leave the contract as it was: the lifecycle service,
the admin's list action, the admin's lifecycle button, a direct save, and the pilot loader.
"""

import copy
import datetime
import json
from pathlib import Path

import pytest
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.choices import ContractStatus
from contracts.models import Contract, ContractStatusChange, SignedOriginal
from tests.factories import contract_in_status, sign_contract
from wijkaanpak.common import pilot

pytestmark = pytest.mark.django_db

A_YEAR_AHEAD = timezone.localdate() + datetime.timedelta(days=365)


def codes(error):
    return {e.code for e in error.error_list}


def ready_dated_a_year_ahead():
    """The case of the issue: ready for signing, with a signing date a year from now."""
    return contract_in_status(ContractStatus.READY_FOR_SIGNING, signed_on=A_YEAR_AHEAD)


def assert_unsigned(contract):
    contract = Contract.objects.get(pk=contract.pk)
    assert contract.status == ContractStatus.READY_FOR_SIGNING
    assert not contract.status_changes.filter(to_status=ContractStatus.SIGNED).exists()
    assert not SignedOriginal.objects.filter(contract=contract).exists()


def signing_url(contract):
    return reverse("admin:contracts_contract_signing", args=[contract.pk])


def test_the_lifecycle_service_refuses_signed_from_every_status():
    for status in ContractStatus:
        contract = contract_in_status(status)
        before = ContractStatusChange.objects.filter(contract=contract).count()
        with pytest.raises(ValidationError) as excinfo:
            services.change_status(contract, ContractStatus.SIGNED)
        assert codes(excinfo.value) == {"use_register_signing"}
        assert Contract.objects.get(pk=contract.pk).status == status
        assert ContractStatusChange.objects.filter(contract=contract).count() == before


def test_register_signing_refuses_the_contract_dated_a_year_ahead():
    contract = ready_dated_a_year_ahead()

    with pytest.raises(ValidationError) as excinfo:
        sign_contract(contract)

    assert codes(excinfo.value) == {"signed_in_future"}
    assert_unsigned(contract)


def test_register_signing_still_signs_with_its_checks_passed():
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)

    sign_contract(contract)

    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED
    assert contract.status_changes.filter(to_status=ContractStatus.SIGNED).count() == 1
    assert SignedOriginal.objects.filter(contract=contract).exists()


def test_saving_the_status_directly_is_refused():
    contract = Contract.objects.get(pk=ready_dated_a_year_ahead().pk)
    contract.status = ContractStatus.SIGNED

    with pytest.raises(ValidationError) as excinfo:
        contract.save()

    assert codes(excinfo.value) == {"status_outside_lifecycle"}
    assert_unsigned(contract)


def test_the_admin_action_leads_to_the_signing_form_and_signs_nothing(editor):
    contract = ready_dated_a_year_ahead()

    response = editor.post(
        reverse("admin:contracts_contract_changelist"),
        {"action": "register_signing", "_selected_action": [contract.pk]},
    )

    assert response.status_code == 302
    assert response["Location"] == signing_url(contract)
    assert_unsigned(contract)
    # The form it leads to refuses the date a year ahead, as register_signing does.
    form = editor.get(response["Location"])
    posted = editor.post(
        response["Location"],
        {
            "signed_on": A_YEAR_AHEAD.isoformat(),
            "signing_place": "Haarlem",
            "parties": list(contract.parties.values_list("pk", flat=True)),
        },
    )
    assert form.status_code == posted.status_code == 200
    assert "signed_in_future" in {e.code for e in posted.context["form"].non_field_errors().data}
    assert_unsigned(contract)


def test_the_admin_action_never_signs_in_bulk(editor):
    contracts = [ready_dated_a_year_ahead(), contract_in_status(ContractStatus.READY_FOR_SIGNING)]

    response = editor.post(
        reverse("admin:contracts_contract_changelist"),
        {"action": "register_signing", "_selected_action": [c.pk for c in contracts]},
        follow=True,
    )

    stored = [(m.level, m.extra_tags) for m in response.context["messages"]]
    assert stored == [(messages.ERROR, "select_one_to_sign")]
    for contract in contracts:
        assert_unsigned(contract)


def test_the_old_mark_as_signed_action_is_gone(editor):
    contract = ready_dated_a_year_ahead()

    response = editor.get(reverse("admin:contracts_contract_changelist"))
    editor.post(
        reverse("admin:contracts_contract_changelist"),
        {"action": "mark_signed", "_selected_action": [contract.pk]},
    )

    assert "mark_signed" not in response.content.decode()
    assert_unsigned(contract)


def test_the_signed_button_post_leads_to_the_signing_form_and_signs_nothing(editor):
    contract = ready_dated_a_year_ahead()

    response = editor.post(
        reverse("admin:contracts_contract_change_status", args=[contract.pk]),
        {"to_status": ContractStatus.SIGNED, "note": "Getekend"},
    )

    assert response.status_code == 302
    assert response["Location"] == signing_url(contract)
    assert_unsigned(contract)


def test_the_change_page_links_to_the_signing_form_instead_of_a_signed_button(editor):
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)

    response = editor.get(reverse("admin:contracts_contract_change", args=[contract.pk]))

    content = response.content.decode()
    assert f'name="to_status" value="{ContractStatus.SIGNED}"' not in content
    assert response.context["lifecycle"]["signing_url"] == signing_url(contract)
    assert f'href="{signing_url(contract)}"' in content


def test_the_pilot_loader_signs_through_register_signing_and_its_checks(monkeypatch, settings):
    data = json.loads(pilot.DEFAULT_PILOT_FILE.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    last = len(data["contracts"]) - 1
    data["contracts"][last]["signed_on"] = A_YEAR_AHEAD.isoformat()
    refusals, written = [], []
    register_signing = services.register_signing

    def spy(*args, **kwargs):
        try:
            signed = register_signing(*args, **kwargs)
        except ValidationError as error:
            refusals.append(codes(error))
            raise
        refusals.append(set())
        written.append(Path(settings.MEDIA_ROOT, signed.signed_original.file.name).is_file())
        return signed

    monkeypatch.setattr(services, "register_signing", spy)

    with pytest.raises(pilot.PilotDataError) as excinfo:
        pilot.load(data)

    # The others were signed (and their originals written) before the last one was refused.
    assert refusals == [set()] * last + [{"signed_in_future"}]
    assert written == [True] * last
    assert [p.path for p in excinfo.value.problems] == [f"contracts[{last}].lifecycle[1]"]
    assert not Contract.objects.exists()
    assert not SignedOriginal.objects.exists()
    # The loader's transaction rolled back: the originals it wrote are gone with it.
    media = Path(settings.MEDIA_ROOT)
    assert not [path for path in media.rglob("*") if path.is_file()]
