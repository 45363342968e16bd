"""The staff admin: pages, the lifecycle through the service, the freeze, bad input, queries."""

import datetime

import pytest
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from contracts.admin.contract import ContractAdmin
from contracts.choices import ContractStatus
from contracts.models import (
    Contract,
    ContractParty,
    ContractSection,
    ContractStatusChange,
    District,
    FinalDocument,
    Neighbourhood,
    Partner,
    StandardSection,
)
from tests.admin_pages import contract_fields, error_tags, levels, management
from tests.conftest import count_queries
from tests.factories import (
    ContractFactory,
    NeighbourhoodFactory,
    PartnerFactory,
    SubAreaFactory,
    complete_contract,
    contract_in_status,
    signed_and_evaluated,
)

pytestmark = pytest.mark.django_db

MODELS = [
    "district",
    "neighbourhood",
    "partner",
    "standardsection",
    "contract",
    "contractstatuschange",
]
ADDABLE = [name for name in MODELS if name != "contractstatuschange"]


def url(model, view="changelist", *args):
    return reverse(f"admin:contracts_{model}_{view}", args=args)


def change_url(contract):
    return url("contract", "change", contract.pk)


def step_url(contract):
    return reverse("admin:contracts_contract_change_status", args=[contract.pk])


INLINE_FIELDS = {
    "sections": ("order", "heading", "body"),
    "parties": ("partner", "signatory_name", "signatory_function", "order"),
    "wishes": ("order", "title", "description", "source"),
}


def change_form_data(contract, **fields):
    """What the change form of a draft contract posts when saved unchanged, with `fields`."""
    data = contract_fields(contract)
    if contract.is_illustrative:
        data["is_illustrative"] = "on"
    for prefix, names in INLINE_FIELDS.items():
        rows = list(getattr(contract, prefix).order_by("order", "pk"))
        data.update(management(prefix, len(rows), len(rows)))
        for index, row in enumerate(rows):
            data[f"{prefix}-{index}-id"] = str(row.pk)
            data[f"{prefix}-{index}-contract"] = str(contract.pk)
            for name in names:
                value = getattr(row, "partner_id" if name == "partner" else name)
                data[f"{prefix}-{index}-{name}"] = str(value)
    # Its projects and their contributions: tests/projects/test_admin.py.
    data.update(management("projects", 0, 0))
    data.update(management("contributions", 0, 0))
    changes = contract.status_changes.count()
    data.update(management("status_changes", changes, changes))
    for index, change in enumerate(contract.status_changes.order_by("changed_at", "pk")):
        data[f"status_changes-{index}-id"] = str(change.pk)
        data[f"status_changes-{index}-contract"] = str(contract.pk)
    data.update(fields)
    return data


def standard_section_rows():
    """The sections the add page offers, posted as offered: the standard sections."""
    standards = list(StandardSection.objects.all())
    data = management("sections", len(standards))
    for index, standard in enumerate(standards):
        data[f"sections-{index}-order"] = str((index + 1) * 10)
        data[f"sections-{index}-heading"] = standard.heading
        data[f"sections-{index}-body"] = standard.body
    return data


def add_form_data(neighbourhood, **fields):
    """What the add page posts for a new contract with its standard sections, unwritten, and
    no parties, wishes or projects (tests/projects/test_admin.py adds those)."""
    data = {
        "neighbourhood": str(neighbourhood.pk),
        "title": "Wijkcontract Nieuw",
        "motto": "",
        "period_start": "2007-10-02",
        "period_end": "2009-10-02",
        "signed_on": "",
        "signing_place": "",
        "_save": "1",
        **standard_section_rows(),
        **management("parties", 0),
        **management("wishes", 0),
        **management("projects", 0),
        **management("contributions", 0),
    }
    data.update(fields)
    return data


def add_party_rows(data, prefix_start, partners):
    """Add new party rows to posted data whose parties formset has `prefix_start` rows."""
    for offset, partner in enumerate(partners):
        index = prefix_start + offset
        data[f"parties-{index}-partner"] = str(partner.pk)
        data[f"parties-{index}-signatory_name"] = f"B. Tekenaar {index}"
        data[f"parties-{index}-signatory_function"] = "wethouder"
        data[f"parties-{index}-order"] = str(index)
    data["parties-TOTAL_FORMS"] = str(prefix_start + len(partners))
    return data


def form_errors(response):
    return response.context["adminform"].form.errors.as_data()


def inline_formset(response, prefix):
    for inline_admin_formset in response.context["inline_admin_formsets"]:
        if inline_admin_formset.formset.prefix == prefix:
            return inline_admin_formset.formset
    raise AssertionError(f"no inline {prefix}")


# --- Pages, for the editor and for users without staff rights ---------------------------------


def test_the_editor_is_not_a_superuser(editor_user):
    assert editor_user.is_staff
    assert not editor_user.is_superuser


@pytest.mark.parametrize("model", MODELS)
def test_every_changelist_loads_for_the_editor(editor, model):
    contract_in_status(ContractStatus.READY_FOR_SIGNING)
    SubAreaFactory()

    assert editor.get(url(model)).status_code == 200


@pytest.mark.parametrize("model", ADDABLE)
def test_every_add_page_loads_for_the_editor(editor, model):
    assert editor.get(url(model, "add")).status_code == 200


@pytest.mark.parametrize("view", ["changelist", "add"])
@pytest.mark.parametrize("model", MODELS)
def test_a_user_without_staff_rights_is_sent_to_the_login(client, other_user, model, view):
    client.force_login(other_user)
    page = url(model, view)

    response = client.get(page)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={page}"


@pytest.mark.parametrize("model", ["contract", "neighbourhood"])
def test_an_anonymous_visitor_is_sent_to_the_login(resident, model):
    response = resident.get(url(model))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("status", list(ContractStatus))
def test_the_change_page_of_a_contract_in_each_status_loads(editor, status):
    contract = contract_in_status(status)

    response = editor.get(change_url(contract))

    assert response.status_code == 200
    assert contract.title in response.content.decode()


def test_the_change_pages_of_the_other_records_load(editor):
    sub_area = SubAreaFactory()
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)
    pages = [
        url("district", "change", sub_area.neighbourhood.district.pk),
        url("neighbourhood", "change", sub_area.neighbourhood.pk),
        url("partner", "change", contract.parties.first().partner_id),
        url("standardsection", "change", StandardSection.objects.first().pk),
        url("contractstatuschange", "change", contract.status_changes.get().pk),
    ]
    for page in pages:
        assert editor.get(page).status_code == 200, page


def test_the_neighbourhood_admin_has_view_on_site_and_its_sub_areas(editor):
    sub_area = SubAreaFactory(name="Vijfhoek")

    content = editor.get(url("neighbourhood", "change", sub_area.neighbourhood.pk)).content
    content = content.decode()

    assert "viewsitelink" in content
    assert 'name="sub_areas-0-name"' in content
    assert "Vijfhoek" in content


def test_lists_filter_and_search(editor):
    contract = complete_contract(title="Wijkcontract Delftwijk")
    other = complete_contract(title="Wijkcontract Leidsebuurt")
    partner = contract.parties.first().partner
    district = contract.neighbourhood.district

    by_partner = editor.get(url("contract"), {"q": partner.name})
    by_district = editor.get(url("contract"), {"neighbourhood__district__id__exact": district.pk})
    by_status = editor.get(url("contract"), {"status__exact": ContractStatus.SIGNED})
    neighbourhoods = editor.get(url("neighbourhood"), {"district__id__exact": district.pk})
    partners = editor.get(url("partner"), {"kind__exact": "other", "is_illustrative__exact": 0})

    assert list(by_partner.context["cl"].result_list) == [contract]
    assert list(by_district.context["cl"].result_list) == [contract]
    assert list(by_status.context["cl"].result_list) == []
    assert list(neighbourhoods.context["cl"].result_list) == [contract.neighbourhood]
    assert partner in partners.context["cl"].result_list
    assert other not in by_partner.context["cl"].result_list


def test_the_partner_autocomplete_answers_the_editor(editor):
    partner = PartnerFactory(name="Pre Wonen")

    response = editor.get(
        reverse("admin:autocomplete"),
        {
            "term": "Pre",
            "app_label": "contracts",
            "model_name": "contractparty",
            "field_name": "partner",
        },
    )

    assert response.status_code == 200
    assert [result["id"] for result in response.json()["results"]] == [str(partner.pk)]


def test_standard_sections_are_ordered_in_their_list(editor):
    first, second = StandardSection.objects.order_by("order")[:2]
    sections = list(StandardSection.objects.order_by("order", "pk"))
    data = {
        "form-TOTAL_FORMS": str(len(sections)),
        "form-INITIAL_FORMS": str(len(sections)),
        "_save": "1",
    }
    for index, section in enumerate(sections):
        data[f"form-{index}-id"] = str(section.pk)
        data[f"form-{index}-order"] = str(section.order)
    data["form-0-order"] = str(second.order + 1)

    response = editor.post(url("standardsection"), data)

    assert response.status_code == 302
    assert list(StandardSection.objects.all()[:2]) == [second, first]


# --- Creating a contract ----------------------------------------------------------------------


def test_a_contract_made_in_the_admin_starts_with_the_standard_sections(editor, editor_user):
    neighbourhood = NeighbourhoodFactory()
    partners = PartnerFactory.create_batch(2)
    assert StandardSection.objects.count() == 8  # seeded by migration 0002
    data = add_party_rows(add_form_data(neighbourhood), 0, partners)

    response = editor.post(url("contract", "add"), data)

    contract = Contract.objects.get(title="Wijkcontract Nieuw")
    assert response.status_code == 302
    assert response["Location"] == change_url(contract)
    assert contract.status == ContractStatus.DRAFT
    assert list(contract.sections.order_by("order").values_list("heading", "body")) == list(
        StandardSection.objects.values_list("heading", "body")
    )
    assert contract.parties.count() == 2
    assert levels(response) == [messages.SUCCESS]
    assert contract.history.get().history_user == editor_user


def test_the_add_page_offers_the_standard_sections_to_write_and_no_status(editor):
    response = editor.get(url("contract", "add"))

    sections = inline_formset(response, "sections")
    offered = [(form.initial["heading"], form.initial["body"]) for form in sections.forms]
    assert offered == list(StandardSection.objects.values_list("heading", "body"))
    content = response.content.decode()
    assert 'name="status_changes-TOTAL_FORMS"' not in content
    assert 'name="parties-TOTAL_FORMS"' in content
    assert 'name="status"' not in content


def test_sections_are_written_and_left_out_on_the_add_page(editor):
    data = add_form_data(NeighbourhoodFactory())
    data["sections-0-body"] = "Onze eigen inleiding."
    data["sections-1-DELETE"] = "on"

    response = editor.post(url("contract", "add"), data)

    assert response.status_code == 302
    contract = Contract.objects.get()
    headings = list(StandardSection.objects.values_list("heading", flat=True))
    sections = list(contract.sections.order_by("order").values_list("heading", "body"))
    assert [heading for heading, _body in sections] == [headings[0], *headings[2:]]
    assert sections[0][1] == "Onze eigen inleiding."


def wish_rows(*rows):
    """Posted rows of new wishes: (order, title, source) each."""
    data = management("wishes", len(rows))
    for index, (order, title, source) in enumerate(rows):
        data.update(
            {
                f"wishes-{index}-order": str(order),
                f"wishes-{index}-title": title,
                f"wishes-{index}-description": "",
                f"wishes-{index}-source": source,
                f"wishes-{index}-not_taken_up_reason": "",
            }
        )
    return data


def test_parties_and_wishes_are_saved_with_a_new_contract_in_one_submit(editor):
    data = add_party_rows(add_form_data(NeighbourhoodFactory()), 0, PartnerFactory.create_batch(2))
    data.update(
        wish_rows((1, "Een veilige speelplek", "survey"), (2, "Minder zwerfvuil", "survey"))
    )

    response = editor.post(url("contract", "add"), data)

    assert response.status_code == 302
    contract = Contract.objects.get()
    assert contract.parties.count() == 2
    assert list(contract.wishes.values_list("order", "title")) == [
        (1, "Een veilige speelplek"),
        (2, "Minder zwerfvuil"),
    ]


def test_a_bad_wish_on_the_add_page_saves_nothing_and_keeps_what_was_typed(editor):
    data = add_party_rows(add_form_data(NeighbourhoodFactory()), 0, PartnerFactory.create_batch(2))
    data.update(wish_rows((1, "Een veilige speelplek", "survey"), (2, "Minder zwerfvuil", "gok")))

    response = editor.post(url("contract", "add"), data)

    assert response.status_code == 200
    errors = inline_formset(response, "wishes").forms[1].errors.as_data()
    assert [e.code for e in errors["source"]] == ["invalid_choice"]
    assert not Contract.objects.exists()
    assert not ContractParty.objects.exists()
    assert not ContractSection.objects.exists()
    assert 'value="Minder zwerfvuil"' in response.content.decode()


def test_a_new_wish_row_is_offered_with_the_next_number(editor):
    contract = complete_contract()
    highest = max(contract.wishes.values_list("order", flat=True))

    on_add = inline_formset(editor.get(url("contract", "add")), "wishes")
    on_change = inline_formset(editor.get(change_url(contract)), "wishes")

    assert on_add.forms[0].initial["order"] == 1
    assert on_change.extra_forms[0].initial["order"] == highest + 1


# --- Bad input --------------------------------------------------------------------------------


def test_a_period_that_ends_before_it_starts_is_refused_on_add(editor):
    data = add_form_data(NeighbourhoodFactory(), period_end="2007-01-01")

    response = editor.post(url("contract", "add"), data)

    assert response.status_code == 200
    assert [e.code for e in form_errors(response)["period_end"]] == ["period_end_before_start"]
    assert not Contract.objects.exists()
    assert not ContractSection.objects.exists()


def test_a_period_that_ends_before_it_starts_is_refused_on_change(editor):
    contract = complete_contract()
    data = change_form_data(contract, period_end="2007-01-01", title="Nieuwe titel")

    response = editor.post(change_url(contract), data)

    assert response.status_code == 200
    assert [e.code for e in form_errors(response)["period_end"]] == ["period_end_before_start"]
    contract.refresh_from_db()
    assert contract.period_end == datetime.date(2009, 10, 2)
    assert contract.title != "Nieuwe titel"


def test_a_partner_twice_in_one_contract_is_a_form_error(editor):
    contract = complete_contract()
    existing = contract.parties.order_by("order", "pk").first().partner
    data = add_party_rows(change_form_data(contract), 2, [existing])

    response = editor.post(change_url(contract), data)

    assert response.status_code == 200
    formset = inline_formset(response, "parties")
    codes = [e.code for form in formset.forms for e in form.errors.as_data().get("partner", [])]
    assert codes == ["unique_partner_per_contract"]
    assert contract.parties.count() == 2


def test_a_partner_twice_in_a_new_contract_writes_nothing(editor):
    partner = PartnerFactory()
    data = add_party_rows(add_form_data(NeighbourhoodFactory()), 0, [partner, partner])

    response = editor.post(url("contract", "add"), data)

    assert response.status_code == 200
    formset = inline_formset(response, "parties")
    assert formset.forms[1].errors.as_data()["partner"][0].code == "unique_partner_per_contract"
    assert not Contract.objects.exists()
    assert not ContractParty.objects.exists()


# --- Lifecycle actions on the changelist ------------------------------------------------------


ACTION_CASES = [
    # action, eligible contract, refused contract, code of the refusal, status after the step
    (
        "mark_ready_for_signing",
        lambda: complete_contract(),
        lambda: ContractFactory(),
        "too_few_parties",
        ContractStatus.READY_FOR_SIGNING,
    ),
    (
        "mark_draft",
        lambda: contract_in_status(ContractStatus.READY_FOR_SIGNING),
        lambda: complete_contract(),
        "transition_not_allowed",
        ContractStatus.DRAFT,
    ),
    (
        "mark_completed",
        signed_and_evaluated,
        lambda: contract_in_status(ContractStatus.READY_FOR_SIGNING),
        "transition_not_allowed",
        ContractStatus.COMPLETED,
    ),
]


@pytest.mark.parametrize(
    ("action", "make_eligible", "make_refused", "code", "to_status"),
    ACTION_CASES,
    ids=[case[0] for case in ACTION_CASES],
)
def test_each_action_moves_the_eligible_and_refuses_the_rest(
    editor, editor_user, action, make_eligible, make_refused, code, to_status
):
    eligible, refused = make_eligible(), make_refused()
    refused_status = refused.status
    refused_changes = refused.status_changes.count()
    eligible_changes = eligible.status_changes.count()

    response = editor.post(
        url("contract"), {"action": action, "_selected_action": [eligible.pk, refused.pk]}
    )

    assert response.status_code == 302
    eligible.refresh_from_db()
    refused.refresh_from_db()
    assert eligible.status == to_status
    assert eligible.status_changes.count() == eligible_changes + 1
    step = eligible.status_changes.latest()
    assert (step.to_status, step.changed_by) == (to_status, editor_user)
    assert refused.status == refused_status
    assert refused.status_changes.count() == refused_changes
    assert sorted(levels(response)) == [messages.SUCCESS, messages.ERROR]
    assert code in error_tags(response)[0]


def test_an_action_reports_every_reason_of_a_refusal(editor):
    contract = ContractFactory()

    response = editor.post(
        url("contract"), {"action": "mark_ready_for_signing", "_selected_action": [contract.pk]}
    )

    assert levels(response) == [messages.ERROR]
    assert {"too_few_parties", "no_sections"} <= error_tags(response)[0]
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT


def test_the_actions_need_the_change_permission(budget_manager):
    contract = complete_contract()

    response = budget_manager.get(url("contract"))
    refused = budget_manager.post(
        url("contract"), {"action": "mark_ready_for_signing", "_selected_action": [contract.pk]}
    )

    assert response.status_code == 200
    assert "mark_ready_for_signing" not in response.content.decode()
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT
    assert refused.status_code in (200, 302)
    assert not ContractStatusChange.objects.exists()


# --- Lifecycle buttons on the change page -----------------------------------------------------


@pytest.mark.parametrize(
    ("status", "buttons"),
    [
        (ContractStatus.DRAFT, ["ready_for_signing"]),
        # "Signed" is a link to the signing form (see test_one_way_into_signed), not a step.
        (ContractStatus.READY_FOR_SIGNING, ["draft"]),
        (ContractStatus.SIGNED, ["completed"]),
        (ContractStatus.COMPLETED, []),
    ],
)
def test_the_change_page_offers_only_the_allowed_steps(editor, status, buttons):
    contract = contract_in_status(status)

    response = editor.get(change_url(contract))

    assert [value for value, _label in response.context["lifecycle"]["steps"]] == buttons
    content = response.content.decode()
    for value in ContractStatus.values:
        shown = f'name="to_status" value="{value}"' in content
        assert shown == (value in buttons), value


def test_a_step_button_moves_the_contract_with_a_note(editor, editor_user):
    contract = complete_contract()

    response = editor.post(
        step_url(contract), {"to_status": "ready_for_signing", "note": "Klaar voor 2 oktober"}
    )

    assert response.status_code == 302
    assert response["Location"] == change_url(contract)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.READY_FOR_SIGNING
    step = contract.status_changes.get()
    assert (step.from_status, step.to_status) == (ContractStatus.DRAFT, contract.status)
    assert (step.changed_by, step.note) == (editor_user, "Klaar voor 2 oktober")
    assert levels(response) == [messages.SUCCESS]


def test_a_refused_step_button_changes_nothing_and_says_why(editor):
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)

    response = editor.post(step_url(contract), {"to_status": "completed"})

    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == ContractStatus.READY_FOR_SIGNING
    assert contract.status_changes.count() == 1
    assert levels(response) == [messages.ERROR]
    assert "transition_not_allowed" in error_tags(response)[0]


def test_a_step_not_in_the_table_is_refused(editor):
    contract = complete_contract()

    response = editor.post(step_url(contract), {"to_status": "completed"})
    unknown = editor.post(step_url(contract), {"to_status": "archived"})

    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT
    assert not contract.status_changes.exists()
    assert "transition_not_allowed" in error_tags(response)[0]
    assert "invalid_step" in error_tags(unknown)[-1]


def try_the_step(client, method="post"):
    """Ask the step view, as `client`, to move a new draft to ready for signing: the response,
    and the contract's status after it."""
    contract = complete_contract()
    response = getattr(client, method)(step_url(contract), {"to_status": "ready_for_signing"})
    contract.refresh_from_db()
    return response, contract.status


def test_the_step_view_refuses_get(editor):
    response, status = try_the_step(editor, "get")

    assert response.status_code == 405
    assert status == ContractStatus.DRAFT


def test_the_step_view_needs_the_change_permission(budget_manager):
    response, status = try_the_step(budget_manager)

    assert response.status_code == 403
    assert status == ContractStatus.DRAFT


def test_the_step_view_sends_others_to_the_login(client, other_user):
    client.force_login(other_user)

    response, status = try_the_step(client)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert status == ContractStatus.DRAFT


def test_the_step_view_checks_the_csrf_token(editor_user):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor_user)

    response, status = try_the_step(browser)

    assert response.status_code == 403
    assert status == ContractStatus.DRAFT


# --- The freeze -------------------------------------------------------------------------------

FIXED_INPUTS = [
    'name="title"',
    'name="motto"',
    'name="period_start"',
    'name="neighbourhood"',
    'name="sections-0-heading"',
    'name="sections-0-body"',
    'name="parties-0-partner"',
    'name="parties-0-signatory_name"',
    'name="wishes-0-title"',
    "-DELETE",
]


@pytest.mark.parametrize("status", sorted(ContractStatus.values))
def test_a_frozen_contract_has_no_inputs_for_its_text(editor, status):
    contract = contract_in_status(status)

    content = editor.get(change_url(contract)).content.decode()

    frozen = status != ContractStatus.DRAFT
    for fixed in FIXED_INPUTS:
        assert (fixed in content) == (not frozen), fixed
    # The final PDF of a contract that is ready for signing prints its date and place too.
    signing_open = status == ContractStatus.DRAFT
    assert ('name="signed_on"' in content) == signing_open
    assert ('name="signing_place"' in content) == signing_open


def test_a_contract_is_not_ready_for_signing_without_its_planned_date_and_place():
    from contracts.services import change_status

    contract = complete_contract(signed_on=None, signing_place="")

    with pytest.raises(ValidationError) as refused:
        change_status(contract, ContractStatus.READY_FOR_SIGNING)

    assert "signing_details_missing" in {error.code for error in refused.value.error_list}
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT
    assert not FinalDocument.objects.filter(contract=contract).exists()


def test_a_contract_ready_for_signing_refuses_another_date_and_place(editor):
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)
    final = contract.final_document
    data = change_form_data(contract)
    for name in ("neighbourhood", "title", "motto", "period_start", "period_end"):
        del data[name]
    for key in [key for key in data if key.rsplit("-", 1)[-1] in {"order", "heading", "body"}]:
        del data[key]
    for key in [key for key in data if key.startswith(("parties-", "wishes-"))]:
        if key.rsplit("-", 1)[-1] not in {"id", "contract"} and "FORMS" not in key:
            del data[key]
    data.update(signed_on="2007-10-05", signing_place="Zandvoort")

    response = editor.post(change_url(contract), data)

    assert messages.ERROR in levels(response)
    contract.refresh_from_db()
    assert (contract.signed_on, contract.signing_place) == (datetime.date(2007, 10, 2), "Haarlem")
    assert FinalDocument.objects.get(contract=contract).sha256 == final.sha256


def edit_opened_before_the_freeze(contract):
    """What the change form of the draft `contract` posts with a new title and first heading,
    opened before someone else moved the contract on to ready for signing."""
    from contracts.services import change_status

    data = change_form_data(contract, title="Nieuwe titel")
    data["sections-0-heading"] = "Nieuw hoofdstuk"
    change_status(contract, ContractStatus.READY_FOR_SIGNING)
    return data


def assert_refused_as_frozen(response, contract):
    """The edit was refused with a message, and neither the title nor the heading changed."""
    assert response.status_code == 302
    assert levels(response) == [messages.ERROR]
    assert "contract_frozen" in error_tags(response)[0]
    contract.refresh_from_db()
    assert contract.title != "Nieuwe titel"
    assert not ContractSection.objects.filter(heading="Nieuw hoofdstuk").exists()


def test_a_form_opened_before_the_freeze_changes_nothing(editor):
    contract = complete_contract()
    history = contract.history.count()
    data = edit_opened_before_the_freeze(contract)

    response = editor.post(change_url(contract), data)

    assert_refused_as_frozen(response, contract)
    assert contract.history.count() == history + 1  # the status step only


def test_a_refusal_of_the_model_layer_becomes_a_message(editor, monkeypatch):
    """A race: the admin still sees a draft while the database holds a frozen contract."""
    contract = complete_contract()
    data = edit_opened_before_the_freeze(contract)
    original_get_object = ContractAdmin.get_object

    def stale_get_object(self, request, object_id, from_field=None):
        obj = original_get_object(self, request, object_id, from_field)
        obj.status = ContractStatus.DRAFT
        return obj

    monkeypatch.setattr(ContractAdmin, "get_object", stale_get_object)

    response = editor.post(change_url(contract), data)

    assert_refused_as_frozen(response, contract)
    assert contract.status == ContractStatus.READY_FOR_SIGNING


def test_a_signed_contract_refuses_a_crafted_post(editor):
    contract = contract_in_status(ContractStatus.SIGNED)

    response = editor.post(change_url(contract), {"signing_place": "Amsterdam"})

    assert response.status_code == 302
    assert "contract_frozen" in error_tags(response)[0]
    contract.refresh_from_db()
    assert contract.signing_place == "Haarlem"


@pytest.mark.parametrize("status", [ContractStatus.READY_FOR_SIGNING, ContractStatus.COMPLETED])
def test_a_frozen_contract_cannot_be_deleted(editor, status):
    contract = contract_in_status(status)

    page = editor.get(url("contract", "delete", contract.pk))
    posted = editor.post(url("contract", "delete", contract.pk), {"post": "yes"})

    assert page.status_code == posted.status_code == 302
    assert "contract_frozen" in error_tags(posted)[0]
    assert Contract.objects.filter(pk=contract.pk).exists()


def test_bulk_delete_refuses_a_selection_with_a_frozen_contract(editor):
    frozen = contract_in_status(ContractStatus.READY_FOR_SIGNING)
    draft = complete_contract()
    selected = {"action": "delete_selected", "_selected_action": [frozen.pk, draft.pk]}

    asked = editor.post(url("contract"), selected)
    confirmed = editor.post(url("contract"), {**selected, "post": "yes"})

    assert asked.status_code == confirmed.status_code == 302
    # (The refusal of the first request is still queued, as nobody displayed it.)
    assert error_tags(confirmed) == [{"contract_frozen"}, {"contract_frozen"}]
    assert Contract.objects.filter(pk__in=[frozen.pk, draft.pk]).count() == 2


def test_bulk_delete_of_drafts_works(editor):
    draft = complete_contract()
    selected = {"action": "delete_selected", "_selected_action": [draft.pk]}

    asked = editor.post(url("contract"), selected)
    confirmed = editor.post(url("contract"), {**selected, "post": "yes"})

    assert asked.status_code == 200  # the confirmation page
    assert confirmed.status_code == 302
    assert not Contract.objects.filter(pk=draft.pk).exists()


def test_the_inlines_of_a_frozen_contract_refuse_every_write(rf, editor_user):
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)
    request = rf.get("/")
    request.user = editor_user
    model_admin = admin.site._registry[Contract]

    inlines = model_admin.get_inline_instances(request, contract)

    assert len(inlines) == 6  # sections, parties, wishes, projects, contributions, status log
    for inline in inlines:
        assert not inline.has_add_permission(request, contract)
        assert not inline.has_change_permission(request, contract)
        assert not inline.has_delete_permission(request, contract)
    assert not model_admin.has_delete_permission(request, contract)
    assert set(model_admin.get_readonly_fields(request, contract)) >= {
        "neighbourhood",
        "title",
        "motto",
        "period_start",
        "period_end",
        "status",
    }


# --- History ----------------------------------------------------------------------------------


def test_the_history_page_lists_a_change_and_who_made_it(editor):
    contract = complete_contract(title="Oude titel")
    data = change_form_data(contract, title="Nieuwe titel")
    data["sections-0-heading"] = "Nieuw hoofdstuk"
    assert editor.post(change_url(contract), data).status_code == 302

    response = editor.get(f"/admin/contracts/contract/{contract.pk}/history/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Nieuwe titel" in content
    assert "Oude titel" in content
    assert "redacteur" in content
    assert "Nieuw hoofdstuk" in content  # the sections' changes are listed too
    assert response.context["history_columns"] == [("status_at_the_time", "status")]
    assert contract.history.first().history_user.username == "redacteur"


@pytest.mark.parametrize("model", ["district", "neighbourhood", "partner", "standardsection"])
def test_the_other_records_have_a_history_page(editor, model):
    SubAreaFactory()
    PartnerFactory()
    records = {
        "district": District,
        "neighbourhood": Neighbourhood,
        "partner": Partner,
        "standardsection": StandardSection,
    }
    record = records[model].objects.first()

    assert editor.get(url(model, "history", record.pk)).status_code == 200


def test_a_contract_is_never_reverted_from_its_history(editor):
    contract = complete_contract(title="Oude titel")
    data = change_form_data(contract, title="Nieuwe titel")
    editor.post(change_url(contract), data)
    old_version = contract.history.earliest()

    page = editor.get(url("contract", "simple_history", contract.pk, old_version.history_id))
    response = editor.post(
        url("contract", "simple_history", contract.pk, old_version.history_id),
        change_form_data(contract, title="Oude titel"),
    )

    assert page.status_code == 200
    assert response.status_code == 405
    contract.refresh_from_db()
    assert contract.title == "Nieuwe titel"


# --- The lifecycle log is read-only for everyone ----------------------------------------------


def test_the_status_change_admin_cannot_add_change_or_delete(client, superuser, rf):
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)
    change = contract.status_changes.get()
    client.force_login(superuser)
    model_admin = admin.site._registry[ContractStatusChange]
    request = rf.get("/")
    request.user = superuser

    add = client.get(url("contractstatuschange", "add"))
    edit = client.post(url("contractstatuschange", "change", change.pk), {"note": "Anders"})
    delete = client.post(url("contractstatuschange", "delete", change.pk), {"post": "yes"})
    view = client.get(url("contractstatuschange", "change", change.pk))

    assert add.status_code == 403
    assert edit.status_code == 403
    assert delete.status_code == 403
    assert view.status_code == 200
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, change)
    assert not model_admin.has_delete_permission(request, change)
    assert "delete_selected" not in model_admin.get_actions(request)
    change.refresh_from_db()
    assert change.note == ""
    assert ContractStatusChange.objects.count() == 1


# --- Queries ----------------------------------------------------------------------------------


def test_the_contract_changelist_needs_the_same_queries_for_more_contracts(editor):
    for _index in range(2):
        complete_contract()
    few = count_queries(editor, url("contract"))
    for _index in range(6):
        complete_contract()

    assert count_queries(editor, url("contract")) == few


def test_the_other_changelists_do_not_grow_with_their_rows(editor):
    for _index in range(2):
        SubAreaFactory()
        contract_in_status(ContractStatus.READY_FOR_SIGNING)
    few = count_queries(editor, url("neighbourhood"))
    changes = count_queries(editor, url("contractstatuschange"))
    for _index in range(6):
        SubAreaFactory()
        contract_in_status(ContractStatus.READY_FOR_SIGNING)

    assert count_queries(editor, url("neighbourhood")) == few
    assert count_queries(editor, url("contractstatuschange")) == changes
