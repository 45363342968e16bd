"""The pilot data: what `load_pilot_data` loads, that a second run changes nothing, bad files."""

import ast
import datetime
import json
from pathlib import Path

import pytest
from django.core.management import CommandError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify

from contracts.choices import ContractStatus, PartnerKind, WishSource
from contracts.models import (
    Contract,
    District,
    Neighbourhood,
    Partner,
    SubArea,
)
from tests.factories import DistrictFactory
from tests.pilot_files import load_pilot, pilot_data, row_counts
from wijkaanpak.common import pilot

pytestmark = pytest.mark.django_db

# DESIGN.md's pilot slugs and pilot-facts' districts.
PILOT_DISTRICTS = {
    "amsterdamse-buurten": "Oost",
    "boerhaavewijk": "Schalkwijk",
    "delftwijk-waterbuurt": "Noord",
    "leidsebuurt": "Zuid-West",
    "centrum": "Centrum",
}
# Radius went bankrupt; DOCK took over its welfare work in these districts.
DOCK_DISTRICTS = {"Noord", "Oost", "Schalkwijk"}
CHAPTER_ONE = [
    "Inleiding",
    "Projectteam",
    "Criteria voor projecten",
    "Rol van bewoners",
    "Ondertekening",
    "Uitvoering",
    "Tussenevaluatie en vervolg",
    "Financiering",
]
# pilot-facts: names not verified, so shown as demo data.
ILLUSTRATIVE_PARTNERS = {"DOCK Haarlem", "Haarlem Effect", "Wijkraad Amsterdamse Buurten"}
START, END = datetime.date(2007, 10, 2), datetime.date(2009, 10, 2)


def write(tmp_path, data, name="pilot.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def loaded(pilot):
    """The pilot, loaded once for the module (tests/conftest.py)."""


# --- What is loaded ---------------------------------------------------------------------------


def test_the_five_pilot_wijken_with_their_districts(loaded):
    assert {
        neighbourhood.slug: neighbourhood.district.name
        for neighbourhood in Neighbourhood.objects.select_related("district")
    } == PILOT_DISTRICTS
    assert set(District.objects.values_list("name", flat=True)) == {
        "Centrum",
        "Noord",
        "Oost",
        "Schalkwijk",
        "Zuid-West",
    }
    assert all(neighbourhood.description for neighbourhood in Neighbourhood.objects.all())


def test_home_and_the_list_show_all_five_pilot_wijken_by_district(loaded, client):
    home = client.get(reverse("home")).content.decode()
    listing = client.get(reverse("contracts:neighbourhood_list")).content.decode()

    for slug, district in PILOT_DISTRICTS.items():
        assert f'data-neighbourhood="{slug}"' in home
        assert f'data-neighbourhood="{slug}"' in listing
        district_at = listing.index(f'data-district="{slugify(district)}"')
        assert district_at < listing.index(f'data-neighbourhood="{slug}"')
    # One round of five, named in full; all of it on one page.
    assert home.count("data-round=") == 1
    assert "data-round-size=" not in home
    assert "data-neighbourhoods-total=" not in home
    assert 'class="pages"' not in listing


def test_centrum_has_two_areas_and_delftwijk_waterbuurt_its_two_buurten(loaded):
    def areas(slug):
        return list(SubArea.objects.filter(neighbourhood__slug=slug).values_list("name", flat=True))

    assert areas("centrum") == ["Vijfhoek, Raaks en Doelen", "Heiliglanden/De Kamp"]
    assert areas("delftwijk-waterbuurt") == ["Delftwijk", "Waterbuurt"]


def test_one_signed_contract_per_wijk_with_the_pilot_dates_and_place(loaded):
    contracts = Contract.objects.select_related("neighbourhood")
    assert sorted(contract.neighbourhood.slug for contract in contracts) == sorted(PILOT_DISTRICTS)
    for contract in contracts:
        # Centrum was completed after its (illustrative) final evaluation; the others run on.
        completed = contract.neighbourhood.slug == "centrum"
        assert contract.status == (ContractStatus.COMPLETED if completed else ContractStatus.SIGNED)
        assert (contract.period_start, contract.period_end) == (START, END)
        assert (contract.signed_on, contract.signing_place) == (START, "Haarlem")
        assert contract.motto == "Haarlem, daar teken ik voor!"
        assert contract.title.endswith(", oktober 2007 – oktober 2009")
    assert Contract.objects.get(neighbourhood__slug="centrum").title == (
        "Wijkcontract Vijfhoek/Raaks/Doelen en Heiliglanden/de Kamp, oktober 2007 – oktober 2009"
    )
    assert Contract.objects.get(neighbourhood__slug="boerhaavewijk").title == (
        "Wijkcontract Boerhaavewijk, oktober 2007 – oktober 2009"
    )


def test_every_contract_has_the_eight_sections_of_chapter_one_with_text(loaded):
    for contract in Contract.objects.all():
        sections = list(contract.sections.order_by("order"))
        assert [section.heading for section in sections] == CHAPTER_ONE
        for section in sections:
            paragraphs = [part for part in section.body.split("\n\n") if part.strip()]
            assert 1 <= len(paragraphs) <= 3, (contract, section)


def test_every_contract_has_three_to_six_wishes_from_a_known_source(loaded):
    for contract in Contract.objects.all():
        wishes = list(contract.wishes.all())
        assert 3 <= len(wishes) <= 6, contract
        assert all(wish.title and wish.description for wish in wishes)
        assert {wish.source for wish in wishes} <= set(WishSource.values)


def test_every_contract_has_parties_with_signatories(loaded):
    for contract in Contract.objects.all():
        parties = list(contract.parties.select_related("partner"))
        assert len(parties) >= 2, contract
        assert all(party.has_signatory for party in parties), contract
        kinds = {party.partner.kind for party in parties}
        assert {PartnerKind.MUNICIPALITY, PartnerKind.RESIDENTS_COUNCIL} <= kinds
    centrum = Contract.objects.get(neighbourhood__slug="centrum")
    assert centrum.parties.filter(partner__kind=PartnerKind.RESIDENTS_COUNCIL).count() == 2


def test_dock_takes_over_welfare_where_radius_worked(loaded):
    for contract in Contract.objects.select_related("neighbourhood__district"):
        in_dock_district = contract.neighbourhood.district.name in DOCK_DISTRICTS
        has_dock = contract.parties.filter(partner__name="DOCK Haarlem").exists()
        assert has_dock == in_dock_district, contract
        execution = contract.sections.get(heading="Uitvoering").body
        assert ("Radius" in execution) == in_dock_district, contract


@pytest.mark.pdf
def test_the_archived_originals_print_the_address_the_pilot_names(loaded, tmp_path, poppler):
    from contracts import documents
    from contracts.models import FinalDocument, SignedOriginal
    from tests.pdf_reading import page_count, pdf_text

    address = pilot_data()["meta"]["public_address"]
    assert not FinalDocument.objects.exists()  # each final PDF became its signed original
    for original in SignedOriginal.objects.select_related("contract__neighbourhood"):
        path = tmp_path / original.filename
        path.write_bytes(documents.read_archived(original))
        pages = [pdf_text(path, page) for page in range(1, page_count(path) + 1)]
        slug = original.contract.neighbourhood.slug
        assert f"{address}/wijken/{slug}/contract/" in "".join(pages[0].split())
        assert original.document_code.startswith("WK-2007-")
        assert all(original.document_code in page for page in pages)
        assert not any("CONCEPT" in page.upper() for page in pages)


def _with_an_address_with_a_path(data):
    data["meta"]["public_address"] = "https://wijkaanpak.example/pad"


def test_the_lifecycle_is_recorded_on_the_day_of_signing(loaded):
    for contract in Contract.objects.select_related("neighbourhood"):
        steps = list(contract.status_changes.order_by("changed_at"))
        signing, completion = steps[:2], steps[2:]
        assert [(step.from_status, step.to_status) for step in signing] == [
            (ContractStatus.DRAFT, ContractStatus.READY_FOR_SIGNING),
            (ContractStatus.READY_FOR_SIGNING, ContractStatus.SIGNED),
        ]
        assert all(timezone.localdate(step.changed_at) == START for step in signing)
        assert all(step.note and step.changed_by is None for step in steps)
        # Centrum was completed after its final evaluation of November 2009.
        if contract.neighbourhood.slug == "centrum":
            assert [(s.from_status, s.to_status) for s in completion] == [
                (ContractStatus.SIGNED, ContractStatus.COMPLETED)
            ]
            assert timezone.localdate(completion[0].changed_at) == datetime.date(2009, 12, 1)
        else:
            assert completion == []


def test_illustrative_content_is_flagged_and_sourced_content_is_not(loaded):
    assert not Contract.objects.filter(is_illustrative=False).exists()
    assert (
        set(Partner.objects.filter(is_illustrative=True).values_list("name", flat=True))
        == ILLUSTRATIVE_PARTNERS
    )
    for name in ("Gemeente Haarlem", "Ymere", "Pré Wonen", "Elan Wonen", "Politie Kennemerland"):
        assert not Partner.objects.get(name=name).is_illustrative
    for partner in Partner.objects.all():
        assert partner.source_note, partner
        # Fictitious addresses on the reserved .example domain (RFC 2606), never a real mailbox.
        assert partner.email.endswith(".example"), partner


def test_history_rows_say_they_come_from_the_pilot_data(loaded):
    note = pilot_data()["meta"]["load_note"]
    contract = Contract.objects.get(neighbourhood__slug="centrum")
    assert set(contract.history.values_list("history_type", flat=True)) == {"+", "~"}
    assert set(contract.history.values_list("history_change_reason", flat=True)) == {note}
    assert set(Partner.history.values_list("history_change_reason", flat=True)) == {note}


# --- Idempotency ------------------------------------------------------------------------------


def test_a_second_run_changes_nothing():
    load_pilot(language="en")
    counts = row_counts()
    updated = dict(Contract.objects.values_list("pk", "updated_at"))
    # The snapshot covers the history tables too, so a rewrite of unchanged rows would show.
    assert counts["contracts.HistoricalContract"] > 0
    assert counts["contracts.HistoricalContractSection"] > 0
    # Two steps per contract, and Centrum completed after its final evaluation.
    assert counts["contracts.ContractStatusChange"] == 11

    output = load_pilot(language="en")

    assert row_counts() == counts
    assert dict(Contract.objects.values_list("pk", "updated_at")) == updated
    assert "0 created" in output


def test_records_that_exist_are_left_as_staff_changed_them(loaded):
    Partner.objects.filter(name="Ymere").update(email="wijken@ymere.example")
    Neighbourhood.objects.filter(slug="leidsebuurt").update(
        description="Aangepast door de redactie."
    )
    SubArea.objects.get(name="Waterbuurt").delete()
    counts = row_counts()

    load_pilot(language="en")

    assert Partner.objects.get(name="Ymere").email == "wijken@ymere.example"
    assert (
        Neighbourhood.objects.get(slug="leidsebuurt").description == "Aangepast door de redactie."
    )
    assert not SubArea.objects.filter(name="Waterbuurt").exists()
    assert row_counts() == counts


def test_records_already_in_the_database_are_used_not_duplicated():
    centrum = DistrictFactory(slug="centrum", name="Centrum")

    load_pilot(language="en")

    assert District.objects.count() == 5
    assert Neighbourhood.objects.get(slug="centrum").district == centrum


def test_a_later_part_builds_on_the_contracts(monkeypatch):
    """How a later issue adds projects or the fund: a part registered from its own module."""
    monkeypatch.setattr(pilot.parts, "_parts", dict(pilot.parts._parts))
    seen = []

    class Extra(pilot.Item):
        wijk: pilot.Text

    @pilot.register_part("extras", order=100, schema=Extra, unique_by=("wijk",))
    def load_extras(items, context):
        for item in items:
            seen.append(context.contract(item.wijk, START).title)

    data = pilot_data()
    data["extras"] = [{"wijk": "centrum"}]
    pilot.load(data)

    assert seen == [Contract.objects.get(neighbourhood__slug="centrum").title]


# --- Bad files --------------------------------------------------------------------------------


def _without_last_contract_title(data):
    del data["contracts"][-1]["title"]


def _with_unknown_partner(data):
    data["contracts"][-1]["parties"][0]["partner"] = "Gemeente Amsterdam"


def _signed_without_ready_for_signing(data):
    data["contracts"][-1]["lifecycle"] = data["contracts"][-1]["lifecycle"][1:]


def _with_unknown_part(data):
    data["projecten"] = []


def _with_wrong_wish_source(data):
    data["contracts"][0]["wishes"][0]["source"] = "poll"


def _with_repeated_slug(data):
    data["neighbourhoods"].append(dict(data["neighbourhoods"][0]))


def _with_null_signing_date(data):
    data["contracts"][0]["signed_on"] = None


def _with_misspelt_party_key(data):
    party = data["contracts"][0]["parties"][1]
    party["signatory"] = party.pop("signatory_name")


@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        (_without_last_contract_title, "missing", "contracts[4].title"),
        (_with_unknown_part, "unknown_key", "projecten"),
        (_with_wrong_wish_source, "invalid", "contracts[0].wishes[0].source"),
        (_with_repeated_slug, "duplicate", "neighbourhoods[5]"),
        (_with_null_signing_date, "invalid", "contracts[0].signed_on"),
        (_with_misspelt_party_key, "unknown_key", "contracts[0].parties[1].signatory"),
        (_with_an_address_with_a_path, "invalid", "meta.public_address"),
        # These two pass the check of the file and fail while writing the last contract, after
        # everything before it was written: the transaction must take all of it back.
        (_with_unknown_partner, "unknown_reference", "contracts[4].parties[0].partner"),
        (_signed_without_ready_for_signing, "rejected", "contracts[4].lifecycle[0]"),
    ],
)
def test_a_bad_file_is_refused_and_nothing_is_written(tmp_path, change, code, path):
    data = pilot_data()
    change(data)
    counts = row_counts()

    with pytest.raises(pilot.PilotDataError) as excinfo:
        pilot.load(data)
    assert (path, code) in {(problem.path, problem.code) for problem in excinfo.value.problems}

    with pytest.raises(CommandError, match=path.replace("[", r"\[")):
        load_pilot("--file", str(write(tmp_path, data)), language="en")
    assert row_counts() == counts


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ('{"districts": [', "invalid_json"),
        ('{"districts": [], "districts": []}', "duplicate"),
        ("[]", "invalid"),
        ('{"meta": {}}', "missing"),
    ],
)
def test_a_file_that_is_not_pilot_json_is_refused(tmp_path, content, code):
    path = tmp_path / "pilot.json"
    path.write_text(content, encoding="utf-8")
    counts = row_counts()

    with pytest.raises(pilot.PilotDataError) as excinfo:
        pilot.load_file(path)
    assert code in excinfo.value.codes
    with pytest.raises(CommandError):
        load_pilot("--file", str(path), language="en")
    assert row_counts() == counts


def test_a_missing_or_non_utf8_file_is_refused(tmp_path):
    with pytest.raises(CommandError):
        load_pilot("--file", str(tmp_path / "nothing-here.json"), language="en")
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes('{"partners": [{"name": "Pré Wonen", "kind": "other"}]}'.encode("latin-1"))
    with pytest.raises(pilot.PilotDataError) as excinfo:
        pilot.load_file(latin1)
    assert excinfo.value.codes == {"not_utf8"}
    assert not Partner.objects.exists()


def test_every_mistake_in_the_file_is_reported_at_once_in_the_projects_words():
    data = pilot_data()
    data["meta"]["load_note"] = "x" * 101
    data["districts"][0] = "centrum"
    data["partners"][0]["is_illustrative"] = "yes"
    data["partners"][1]["kind"] = "bank"
    del data["contracts"][0]["parties"][1]["partner"]
    data["contracts"][0]["sections"][0]["paragraphs"] = []
    data["contracts"][0]["period_end"] = "2009-02-30"
    data["contracts"][0]["lifecycle"][0]["at"] = 20071002

    with translation.override("en"):
        problems = pilot.check(data)

    assert {(problem.path, problem.code) for problem in problems} == {
        ("meta.load_note", "invalid"),
        ("districts[0]", "invalid"),
        ("partners[0].is_illustrative", "invalid"),
        ("partners[1].kind", "invalid"),
        ("contracts[0].parties[1].partner", "missing"),
        ("contracts[0].sections[0].paragraphs", "invalid"),
        ("contracts[0].period_end", "invalid"),
        ("contracts[0].lifecycle[0].at", "invalid"),
    }
    messages = {problem.path: problem.message for problem in problems}
    assert messages["partners[1].kind"].startswith("must be one of: ")
    assert "municipality" in messages["partners[1].kind"]
    # Every message is one of the project's own, none pydantic's fallback wording.
    assert not [message for message in messages.values() if message.startswith("is not valid")]


def test_the_framework_imports_no_app():
    """The loader's framework is the ground floor: the apps register with it, never the reverse."""
    tree = ast.parse(Path(pilot.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert {name.split(".")[0] for name in imported} & {"contracts", "projects", "budget"} == set()
